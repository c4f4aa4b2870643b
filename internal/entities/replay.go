package entities

// Replays reflect the present (see also CheckReplay): a stored result is
// handed out with every aggregate it shows in its current state, and an
// aggregate it showed alive that has been deleted since makes the replay
// NOT_FOUND — as a query finds it missing — instead of showing it as it
// was (a deleted comment's body, a removed member's role).

// Alive reports whether s is an aggregate that exists and has not been
// deleted: a deleted comment or repository, and a removed membership, are
// kept (their history) but are gone for everyone.
func Alive(s Snapshot) bool {
	switch st := s.State.(type) {
	case nil:
		return false
	case *Comment:
		return st != nil && !st.Deleted
	case *Repository:
		return st != nil && !st.Deleted
	case *Membership:
		return st != nil && !st.Removed
	}
	return true
}

// CurrentReplay returns the snapshots of a stored result as they are now:
// current[id] for every id of stored (current holds the present heads of
// at least those ids). It returns NOT_FOUND when an aggregate stored
// alive is no longer (Alive), or is missing from current (fail closed).
// An aggregate the command itself deleted was stored gone and stays so
// without error: its payload shows its ID only.
func CurrentReplay(stored, current map[ID]Snapshot) (map[ID]Snapshot, error) {
	out := make(map[ID]Snapshot, len(stored))
	for id, s := range stored {
		cur, ok := current[id]
		if !ok {
			return nil, Hidden("%s not found", id)
		}
		if Alive(s) && !Alive(cur) {
			return nil, Hidden("%s not found: deleted since", id)
		}
		if !cur.Exists() && s.Exists() {
			return nil, Hidden("%s not found", id)
		}
		out[id] = cur
	}
	return out, nil
}
