package entities

import (
	"testing"
	"time"
)

func TestStarRepository(t *testing.T) {
	base := repositoryFixture(t)
	starredByMona := apply(t, base, decideAs(t, base, "mona", StarRepository{Owner: "octo", Name: "hello", Actor: "mona"}))
	tests := []struct {
		name       string
		in         Input
		actor      string
		cmd        Command
		wantCode   Code
		wantField  string
		wantEvents int
	}{
		{"star", base, "mona", StarRepository{Owner: "Octo", Name: "HELLO", Actor: "mona"}, "", "", 1},
		{"star again changes nothing", starredByMona, "mona", StarRepository{Owner: "octo", Name: "hello", Actor: "mona"}, "", "", 0},
		{"unstar", starredByMona, "mona", UnstarRepository{Owner: "octo", Name: "hello", Actor: "mona"}, "", "", 1},
		{"unstar unstarred changes nothing", base, "mona", UnstarRepository{Owner: "octo", Name: "hello", Actor: "mona"}, "", "", 0},
		{"own repository", base, "octo", StarRepository{Owner: "octo", Name: "hello", Actor: "octo"}, "", "", 1},
		{"private org repository by member", base, "hubot", StarRepository{Owner: "acme", Name: "tools", Actor: "hubot"}, "", "", 1},
		{"private repository by stranger", base, "mona", StarRepository{Owner: "octo", Name: "secret", Actor: "mona"}, CodeNotFound, "", 0},
		{"missing repository", base, "mona", StarRepository{Owner: "octo", Name: "nope", Actor: "mona"}, CodeNotFound, "", 0},
		{"unstar missing repository", base, "mona", UnstarRepository{Owner: "octo", Name: "nope", Actor: "mona"}, CodeNotFound, "", 0},
		{"organization cannot star", base, "acme", StarRepository{Owner: "octo", Name: "hello", Actor: "acme"}, CodeForbidden, "", 0},
		{"unknown user", base, "ghost", StarRepository{Owner: "octo", Name: "hello", Actor: "ghost"}, CodeNotFound, "", 0},
		{"anonymous", base, "", StarRepository{Owner: "octo", Name: "hello"}, CodeUnauthenticated, "", 0},
		{"bad name", base, "mona", StarRepository{Owner: "octo", Name: "a b", Actor: "mona"}, CodeBadInput, "name", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Actor = tc.actor
			changes, ok := decideWant(t, in, tc.cmd, tc.wantCode, tc.wantField)
			if !ok {
				return
			}
			written, checked := writtenAndChecked(changes)
			if len(written) != tc.wantEvents {
				t.Fatalf("wrote %v, want %d", written, tc.wantEvents)
			}
			if tc.wantEvents == 0 {
				if len(changes) != 0 {
					t.Fatalf("changes %v, want none for an idempotent no-op", changes)
				}
				return
			}
			repo := tc.cmd.Targets()[1].(RepositoryID)
			if !hasID(checked, repo) {
				t.Fatalf("checked %v, want the repository head asserted unchanged", checked)
			}
			if !hasID(written, NewStarID(tc.actor, repo)) {
				t.Fatalf("wrote %v, want the actor's star", written)
			}
		})
	}
}

func TestStarLifecycle(t *testing.T) {
	in := repositoryFixture(t)
	id := NewStarID("mona", NewRepositoryID("octo", "hello"))
	in = apply(t, in, decideAs(t, in, "mona", StarRepository{Owner: "octo", Name: "hello", Actor: "mona"}))
	st := in.Snapshot(id).State.(*Star)
	if !st.Starred || st.Login != "mona" || st.Owner != "Octo" || st.Name != "Hello" || st.RepositoryLife != 1 || !st.StarredAt.Equal(in.Now) {
		t.Fatalf("star = %+v", st)
	}
	starredAt := st.StarredAt
	in.Now = in.Now.Add(time.Minute)
	in = apply(t, in, decideAs(t, in, "mona", UnstarRepository{Owner: "octo", Name: "hello", Actor: "mona"}))
	st = in.Snapshot(id).State.(*Star)
	if st.Starred || !st.StarredAt.Equal(starredAt) {
		t.Fatalf("after unstar = %+v, want not starred, starredAt kept for the read model", st)
	}
	in.Now = in.Now.Add(time.Minute)
	in = apply(t, in, decideAs(t, in, "mona", StarRepository{Owner: "octo", Name: "hello", Actor: "mona"}))
	if st = in.Snapshot(id).State.(*Star); !st.Starred || !st.StarredAt.Equal(in.Now) || in.Snapshot(id).Version != 3 {
		t.Fatalf("after re-star = %+v", st)
	}

	t.Run("a star of a deleted life does not count for the next", func(t *testing.T) {
		next := apply(t, in, decideAs(t, in, "octo", DeleteRepository{Owner: "octo", Name: "hello", Actor: "octo"}))
		next = apply(t, next, decideAs(t, next, "octo", CreateRepository{Owner: "octo", Name: "hello", Actor: "octo"}))
		if changes := decideAs(t, next, "mona", UnstarRepository{Owner: "octo", Name: "hello", Actor: "mona"}); len(changes) != 0 {
			t.Fatalf("unstar of the new life wrote %v, want nothing (not starred)", changes)
		}
		changes := decideAs(t, next, "mona", StarRepository{Owner: "octo", Name: "hello", Actor: "mona"})
		next = apply(t, next, changes)
		if st := next.Snapshot(id).State.(*Star); !st.Starred || st.RepositoryLife != 2 {
			t.Fatalf("star of the new life = %+v", st)
		}
	})
}
