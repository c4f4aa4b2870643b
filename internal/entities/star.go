package entities

import "time"

// Stars.
//
// A user's star on a repository is its own aggregate (StarID, state
// *Star), so that starring never contends with the repository or with
// other stargazers. Starring is idempotent, as on GitHub: starring a
// starred repository (or unstarring an unstarred one) appends nothing.
//
// A star belongs to one life of its repository (RepositoryLife): after the
// repository is deleted and its name reused, an old star no longer counts
// (the read model purged it), so the user may star the new life.

// Star is the state of a user's star on a repository.
type Star struct {
	Login          string    `json:"login"` // the user's login as created
	Owner          string    `json:"owner"` // the repository's owner and name as created
	Name           string    `json:"name"`
	Starred        bool      `json:"starred"`
	StarredAt      time.Time `json:"starredAt"` // of the latest Starred; the read item's key includes it
	RepositoryLife int       `json:"repoLife"`
}

// Kind returns KindStar.
func (*Star) Kind() Kind { return KindStar }

// StarsLife reports whether the star is set on life of its repository.
func (s *Star) StarsLife(life int) bool { return s != nil && s.Starred && s.RepositoryLife == life }

// Starred records that a user starred a repository.
type Starred struct {
	Login          string `json:"login"`
	Owner          string `json:"owner"`
	Name           string `json:"name"`
	RepositoryLife int    `json:"repoLife"`
}

// EventType returns "Starred".
func (*Starred) EventType() string { return "Starred" }

func (e *Starred) evolve(s State, at time.Time) (State, error) {
	if s != nil {
		// A star of a deleted life may be set again for a new one.
		st, ok := s.(*Star)
		if !ok || st == nil || st.StarsLife(e.RepositoryLife) {
			return nil, errWrongState(e, s)
		}
	}
	return &Star{Login: e.Login, Owner: e.Owner, Name: e.Name, Starred: true, StarredAt: at, RepositoryLife: e.RepositoryLife}, nil
}

// Unstarred records that a user removed their star.
type Unstarred struct{}

// EventType returns "Unstarred".
func (*Unstarred) EventType() string { return "Unstarred" }

func (e *Unstarred) evolve(s State, _ time.Time) (State, error) {
	starred := func(st *Star) bool { return st.Starred }
	return evolveState(e, s, starred, func(next *Star) { next.Starred = false })
}

// StarRepository stars a repository for the actor.
type StarRepository struct {
	Owner string
	Name  string
	Actor string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c StarRepository) Validate() error {
	return validateRepositoryRef("owner", "name", c.Owner, c.Name)
}

// Targets names the star, the repository, the actor's account and the
// actor's membership of the owner (for private organization
// repositories).
func (c StarRepository) Targets() []ID { return starTargets(c.Owner, c.Name, c.Actor) }

func starTargets(owner, name, actor string) []ID {
	repo := NewRepositoryID(owner, name)
	ids := []ID{NewStarID(actor, repo), repo, NewAccountID(actor)}
	if actor != "" {
		ids = append(ids, NewMembershipID(owner, actor))
	}
	return uniqueIDs(ids)
}

// starInput checks what starring and unstarring share and returns the
// repository, the membership its visibility relied on and the star.
func starInput(in Input, owner, name, actor string) (*Repository, *MembershipID, StarID, *Star, error) {
	if err := signedIn(in, actor); err != nil {
		return nil, nil, StarID{}, nil, err
	}
	if err := validateRepositoryRef("owner", "name", owner, name); err != nil {
		return nil, nil, StarID{}, nil, err
	}
	repositoryID := NewRepositoryID(owner, name)
	r, seen, err := visibleRepository(in, repositoryID)
	if err != nil {
		return nil, nil, StarID{}, nil, err
	}
	id := NewStarID(in.Actor, repositoryID)
	st, _ := in.Snapshot(id).State.(*Star)
	return r, seen, id, st, nil
}

// Decide returns Starred, with a condition check on the repository so a
// concurrent delete cannot slip in, or nothing when the repository is
// already starred; UNAUTHENTICATED, BAD_USER_INPUT, NOT_FOUND for a
// missing, deleted or invisible repository or a missing user, FORBIDDEN
// for organizations (only users star).
func (c StarRepository) Decide(in Input) ([]Change, error) {
	r, seen, id, st, err := starInput(in, c.Owner, c.Name, c.Actor)
	if err != nil {
		return nil, err
	}
	user, ok := in.Snapshot(NewAccountID(in.Actor)).State.(*Account)
	if !ok || user == nil {
		return nil, NotFound("user %q not found", in.Actor)
	}
	if user.Type != AccountUser {
		return nil, Forbidden("only users can star repositories")
	}
	if st.StarsLife(r.Life) {
		return nil, nil
	}
	ev := &Starred{Login: user.Login, Owner: r.Owner, Name: r.Name, RepositoryLife: r.Life}
	changes := []Change{{ID: id, Events: []Event{ev}}, {ID: NewRepositoryID(c.Owner, c.Name)}}
	return append(changes, membershipChecks(seen)...), nil
}

// UnstarRepository removes the actor's star from a repository.
type UnstarRepository struct {
	Owner string
	Name  string
	Actor string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c UnstarRepository) Validate() error {
	return validateRepositoryRef("owner", "name", c.Owner, c.Name)
}

// Targets names the star, the repository, the actor's account and the
// actor's membership of the owner.
func (c UnstarRepository) Targets() []ID { return starTargets(c.Owner, c.Name, c.Actor) }

// Decide returns Unstarred, with a condition check on the repository, or
// nothing when the repository is not starred; UNAUTHENTICATED,
// BAD_USER_INPUT, NOT_FOUND for a missing, deleted or invisible
// repository.
func (c UnstarRepository) Decide(in Input) ([]Change, error) {
	r, seen, id, st, err := starInput(in, c.Owner, c.Name, c.Actor)
	if err != nil {
		return nil, err
	}
	if !st.StarsLife(r.Life) {
		return nil, nil
	}
	changes := []Change{{ID: id, Events: []Event{&Unstarred{}}}, {ID: NewRepositoryID(c.Owner, c.Name)}}
	return append(changes, membershipChecks(seen)...), nil
}
