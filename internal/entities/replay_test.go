package entities

import (
	"errors"
	"testing"
)

func TestCurrentReplay(t *testing.T) {
	repo := NewRepositoryID("octo", "hello")
	comment := NewCommentID(repo, 1, "c1")
	member := NewMembershipID("acme", "octo")
	snap := func(id ID, st State) Snapshot { return Snapshot{ID: id, Version: 1, State: st} }
	alive := snap(comment, &Comment{Body: "then"})
	edited := snap(comment, &Comment{Body: "now"})
	deleted := snap(comment, &Comment{Body: "then", Deleted: true})
	tests := []struct {
		name     string
		stored   Snapshot
		current  *Snapshot // nil: missing from current
		wantErr  bool
		wantBody string
	}{
		{"unchanged", alive, &alive, false, "then"},
		{"edited since: the current text", alive, &edited, false, "now"},
		{"deleted since", alive, &deleted, true, ""},
		{"deleted by the command itself", deleted, &deleted, false, "then"},
		{"missing from the current heads", alive, nil, true, ""},
		{"repository deleted since", snap(repo, &Repository{Name: "hello"}), &Snapshot{ID: repo, State: &Repository{Name: "hello", Deleted: true}}, true, ""},
		{"membership removed since", snap(member, &Membership{Role: RoleMember}), &Snapshot{ID: member, State: &Membership{Role: RoleMember, Removed: true}}, true, ""},
		{"absent then and now", Snapshot{ID: member}, &Snapshot{ID: member}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			current := map[ID]Snapshot{}
			if tt.current != nil {
				current[tt.stored.ID] = *tt.current
			}
			got, err := CurrentReplay(map[ID]Snapshot{tt.stored.ID: tt.stored}, current)
			if tt.wantErr {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("err = %v, want NOT_FOUND", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := got[tt.stored.ID].State.(*Comment); ok && c.Body != tt.wantBody {
				t.Fatalf("body %q, want %q", c.Body, tt.wantBody)
			}
		})
	}
}
