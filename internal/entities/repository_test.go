package entities

import (
	"strings"
	"testing"
	"time"
)

// repositoryFixture has users octo, hubot, mona and organization
// acme (admin octo, member hubot); octo owns public octo/hello and private
// octo/secret; acme owns private acme/tools.
func repositoryFixture(t *testing.T) Input {
	t.Helper()
	in := Input{Now: t0}
	in = apply(t, in, []Change{
		{ID: NewAccountID("octo"), Events: []Event{&UserCreated{Login: "Octo"}}},
		{ID: NewAccountID("hubot"), Events: []Event{&UserCreated{Login: "hubot"}}},
		{ID: NewAccountID("mona"), Events: []Event{&UserCreated{Login: "mona"}}},
		{ID: NewAccountID("acme"), Events: []Event{&OrganizationCreated{Login: "Acme", Creator: "Octo"}}},
		{ID: NewMembershipID("acme", "octo"), Events: []Event{&MemberAdded{Org: "Acme", Login: "Octo", Role: RoleAdmin}}},
		{ID: NewMembershipID("acme", "hubot"), Events: []Event{&MemberAdded{Org: "Acme", Login: "hubot", Role: RoleMember}}},
		{ID: NewRepositoryID("octo", "hello"), Events: []Event{&RepositoryCreated{Owner: "Octo", Name: "Hello", Description: "hi"}}},
		{ID: NewRepositoryID("octo", "secret"), Events: []Event{&RepositoryCreated{Owner: "Octo", Name: "secret", IsPrivate: true}}},
		{ID: NewRepositoryID("acme", "tools"), Events: []Event{&RepositoryCreated{Owner: "Acme", Name: "tools", IsPrivate: true}}},
	})
	in.Now = t0.Add(time.Hour)
	return in
}

func repositoryState(t *testing.T, in Input, owner, name string) *Repository {
	t.Helper()
	r, ok := in.Snapshot(NewRepositoryID(owner, name)).State.(*Repository)
	if !ok || r == nil {
		t.Fatalf("no repository %s/%s", owner, name)
	}
	return r
}

// TestValidateNewRepositoryName: names GitHub refuses for a new
// repository, on top of the lookup rule.
func TestValidateNewRepositoryName(t *testing.T) {
	checkValidator(t, ValidateNewRepositoryName, []accepts{
		{"hello", true},
		{".github", true},
		{"git", true},
		{"x.gitx", true},
		{"x.git-y", true},
		{".", false},
		{"..", false},
		{".git", false},
		{".GIT", false},
		{"x.git", false},
		{"x.Git", false},
		{"..git", false},
		{"", false},
	}, func(name string) error { return CreateRepository{Owner: "octo", Name: name, Actor: "octo"}.Validate() })
}

func TestValidateRepositoryName(t *testing.T) {
	checkValidator(t, ValidateRepositoryName, []accepts{
		{"hello", true},
		{"Hello-World_2.0", true},
		{"a", true},
		{".github", true},
		{"...", true},
		{strings.Repeat("x", 100), true},
		{strings.Repeat("x", 101), false},
		{"", false},
		{".", false},
		{"..", false},
		{"a b", false},
		{"a/b", false},
		{"é", false},
		{"a#b", false},
	})
}

func TestCreateRepository(t *testing.T) {
	base := repositoryFixture(t)
	tests := []struct {
		name      string
		actor     string
		cmd       CreateRepository
		wantCode  Code
		wantField string
		check     func(t *testing.T, r *Repository, changes []Change)
	}{
		{name: "user creates own", actor: "octo", cmd: CreateRepository{Owner: "octo", Name: "New-Repo", Description: "d", IsPrivate: true, Actor: "octo"},
			check: func(t *testing.T, r *Repository, changes []Change) {
				if r.Owner != "Octo" || r.Name != "New-Repo" || r.Description != "d" || !r.IsPrivate || r.Life != 1 || r.IsFork() || !r.CreatedAt.Equal(base.Now) {
					t.Fatalf("repository = %+v", r)
				}
				if len(changes) != 1 {
					t.Fatalf("changes = %v, want only the repository", changes)
				}
			}},
		{name: "owner login in other case", actor: "OCTO", cmd: CreateRepository{Owner: "octo", Name: "x", Actor: "OCTO"}},
		{name: "org admin creates for org", actor: "octo", cmd: CreateRepository{Owner: "acme", Name: "site", Actor: "octo"},
			check: func(t *testing.T, r *Repository, changes []Change) {
				if r.Owner != "Acme" {
					t.Fatalf("owner = %q, want the org's login as created", r.Owner)
				}
				_, checked := writtenAndChecked(changes)
				if !hasID(checked, NewMembershipID("acme", "octo")) {
					t.Fatalf("checks %v, want the admin's membership asserted", checked)
				}
			}},
		{name: "org member is not enough", actor: "hubot", cmd: CreateRepository{Owner: "acme", Name: "site", Actor: "hubot"}, wantCode: CodeForbidden},
		{name: "other user's account", actor: "mona", cmd: CreateRepository{Owner: "octo", Name: "x", Actor: "mona"}, wantCode: CodeForbidden},
		{name: "anonymous", actor: "", cmd: CreateRepository{Owner: "octo", Name: "x"}, wantCode: CodeUnauthenticated},
		{name: "actor mismatch", actor: "octo", cmd: CreateRepository{Owner: "octo", Name: "x", Actor: "mona"}, wantCode: CodeInternal},
		{name: "missing owner", actor: "octo", cmd: CreateRepository{Owner: "nobody", Name: "x", Actor: "octo"}, wantCode: CodeNotFound},
		{name: "bad owner", actor: "octo", cmd: CreateRepository{Owner: "-x", Name: "x", Actor: "octo"}, wantCode: CodeBadInput, wantField: "owner"},
		{name: "bad name", actor: "octo", cmd: CreateRepository{Owner: "octo", Name: "..", Actor: "octo"}, wantCode: CodeBadInput, wantField: "name"},
		{name: "description at limit", actor: "octo", cmd: CreateRepository{Owner: "octo", Name: "x", Description: strings.Repeat("é", 350), Actor: "octo"}},
		{name: "description too long", actor: "octo", cmd: CreateRepository{Owner: "octo", Name: "x", Description: strings.Repeat("é", 351), Actor: "octo"}, wantCode: CodeBadInput, wantField: "description"},
		{name: "duplicate in other case", actor: "octo", cmd: CreateRepository{Owner: "octo", Name: "HELLO", Actor: "octo"}, wantCode: CodeAlreadyExists},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			in.Actor = tc.actor
			changes, ok := decideWant(t, in, tc.cmd, tc.wantCode, tc.wantField)
			if !ok {
				return
			}
			after := apply(t, in, changes)
			r := repositoryState(t, after, tc.cmd.Owner, tc.cmd.Name)
			if s := after.Snapshot(NewRepositoryID(tc.cmd.Owner, tc.cmd.Name)); s.Version != 1 {
				t.Fatalf("version %d, want 1", s.Version)
			}
			if tc.check != nil {
				tc.check(t, r, changes)
			}
		})
	}
}

func TestRecreateDeletedRepository(t *testing.T) {
	in := repositoryFixture(t)
	id := NewRepositoryID("octo", "hello")
	// Two issues were numbered in the first life.
	s := in.Snapshots[id]
	s.Seq = 2
	in.Snapshots[id] = s
	in = apply(t, in, decideAs(t, in, "octo", DeleteRepository{Owner: "octo", Name: "hello", Actor: "octo"}))
	deleted := repositoryState(t, in, "octo", "hello")
	if !deleted.Deleted || deleted.Life != 1 {
		t.Fatalf("after delete: %+v", deleted)
	}
	in.Now = in.Now.Add(time.Hour)
	changes := decideAs(t, in, "octo", CreateRepository{Owner: "octo", Name: "HELLO", Actor: "octo"})
	ev, ok := changes[0].Events[0].(*RepositoryCreated)
	if !ok || ev.NumberBase != 2 {
		t.Fatalf("events %v, want RepositoryCreated with numberBase 2", changes[0].Events)
	}
	in = apply(t, in, changes)
	r := repositoryState(t, in, "octo", "hello")
	if r.Deleted || r.Life != 2 || r.Name != "HELLO" || r.Description != "" || !r.CreatedAt.Equal(in.Now) || r.NumberBase != 2 {
		t.Fatalf("new life = %+v", r)
	}
	if r.HasNumber(2) || !r.HasNumber(3) {
		t.Fatal("numbers of the first life must not belong to the second")
	}
	if v := in.Snapshot(id).Version; v != 3 {
		t.Fatalf("version %d, want 3 (created, deleted, created)", v)
	}
}

func TestUpdateRepository(t *testing.T) {
	base := repositoryFixture(t)
	base = apply(t, base, []Change{{ID: NewRepositoryID("mona", "hello"), Events: []Event{&RepositoryForked{Owner: "mona", Name: "Hello", ParentOwner: "Octo", ParentName: "Hello", ParentLife: 1}}}})
	tests := []struct {
		name       string
		actor      string
		cmd        UpdateRepository
		wantCode   Code
		wantField  string
		wantEvents int
		check      func(*Repository) bool
	}{
		{name: "description", actor: "octo", cmd: UpdateRepository{Owner: "octo", Name: "hello", Description: ptr("new"), Actor: "octo"}, wantEvents: 1,
			check: func(r *Repository) bool { return r.Description == "new" && !r.IsPrivate }},
		{name: "clear description", actor: "octo", cmd: UpdateRepository{Owner: "octo", Name: "hello", Description: ptr(""), Actor: "octo"}, wantEvents: 1,
			check: func(r *Repository) bool { return r.Description == "" }},
		{name: "make private", actor: "octo", cmd: UpdateRepository{Owner: "octo", Name: "hello", IsPrivate: ptr(true), Actor: "octo"}, wantEvents: 1,
			check: func(r *Repository) bool { return r.IsPrivate && r.Description == "hi" }},
		{name: "no change", actor: "octo", cmd: UpdateRepository{Owner: "octo", Name: "hello", Description: ptr("hi"), IsPrivate: ptr(false), Actor: "octo"}, wantEvents: 0},
		{name: "org admin", actor: "octo", cmd: UpdateRepository{Owner: "acme", Name: "tools", IsPrivate: ptr(false), Actor: "octo"}, wantEvents: 1,
			check: func(r *Repository) bool { return !r.IsPrivate }},
		{name: "org member sees but may not change", actor: "hubot", cmd: UpdateRepository{Owner: "acme", Name: "tools", Description: ptr("x"), Actor: "hubot"}, wantCode: CodeForbidden},
		{name: "stranger on public", actor: "mona", cmd: UpdateRepository{Owner: "octo", Name: "hello", Description: ptr("x"), Actor: "mona"}, wantCode: CodeForbidden},
		{name: "stranger on private is not found", actor: "mona", cmd: UpdateRepository{Owner: "octo", Name: "secret", Description: ptr("x"), Actor: "mona"}, wantCode: CodeNotFound},
		{name: "missing", actor: "octo", cmd: UpdateRepository{Owner: "octo", Name: "nope", Description: ptr("x"), Actor: "octo"}, wantCode: CodeNotFound},
		{name: "fork visibility is fixed", actor: "mona", cmd: UpdateRepository{Owner: "mona", Name: "hello", IsPrivate: ptr(true), Actor: "mona"}, wantCode: CodeBadInput, wantField: "isPrivate"},
		{name: "fork description", actor: "mona", cmd: UpdateRepository{Owner: "mona", Name: "hello", Description: ptr("mine"), Actor: "mona"}, wantEvents: 1,
			check: func(r *Repository) bool { return r.Description == "mine" && r.IsFork() }},
		{name: "description too long", actor: "octo", cmd: UpdateRepository{Owner: "octo", Name: "hello", Description: ptr(strings.Repeat("x", 351)), Actor: "octo"}, wantCode: CodeBadInput, wantField: "description"},
		{name: "anonymous", actor: "", cmd: UpdateRepository{Owner: "octo", Name: "hello", Description: ptr("x")}, wantCode: CodeUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			in.Actor = tc.actor
			changes, ok := decideWant(t, in, tc.cmd, tc.wantCode, tc.wantField)
			if !ok {
				return
			}
			written, _ := writtenAndChecked(changes)
			if len(written) != tc.wantEvents {
				t.Fatalf("wrote %v, want %d events", written, tc.wantEvents)
			}
			if tc.check == nil {
				return
			}
			r := repositoryState(t, apply(t, in, changes), tc.cmd.Owner, tc.cmd.Name)
			if !tc.check(r) || !r.UpdatedAt.Equal(in.Now) || r.CreatedAt.After(in.Now) {
				t.Fatalf("after update: %+v", r)
			}
		})
	}
}

func TestDeleteRepository(t *testing.T) {
	base := repositoryFixture(t)
	deleted := apply(t, base, []Change{{ID: NewRepositoryID("octo", "hello"), Events: []Event{&RepositoryDeleted{}}}})
	tests := []struct {
		name     string
		in       Input
		actor    string
		cmd      DeleteRepository
		wantCode Code
	}{
		{"owner", base, "octo", DeleteRepository{Owner: "Octo", Name: "Hello", Actor: "octo"}, ""},
		{"org admin", base, "octo", DeleteRepository{Owner: "acme", Name: "tools", Actor: "octo"}, ""},
		{"org member", base, "hubot", DeleteRepository{Owner: "acme", Name: "tools", Actor: "hubot"}, CodeForbidden},
		{"stranger on public", base, "mona", DeleteRepository{Owner: "octo", Name: "hello", Actor: "mona"}, CodeForbidden},
		{"stranger on private", base, "mona", DeleteRepository{Owner: "acme", Name: "tools", Actor: "mona"}, CodeNotFound},
		{"already deleted", deleted, "octo", DeleteRepository{Owner: "octo", Name: "hello", Actor: "octo"}, CodeNotFound},
		{"missing", base, "octo", DeleteRepository{Owner: "octo", Name: "nope", Actor: "octo"}, CodeNotFound},
		{"anonymous", base, "", DeleteRepository{Owner: "octo", Name: "hello"}, CodeUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Actor = tc.actor
			changes, ok := decideWant(t, in, tc.cmd, tc.wantCode, "")
			if !ok {
				return
			}
			r := repositoryState(t, apply(t, in, changes), tc.cmd.Owner, tc.cmd.Name)
			if !r.Deleted {
				t.Fatalf("after delete: %+v", r)
			}
		})
	}
	t.Run("later commands see nothing", func(t *testing.T) {
		in := deleted
		in.Actor = "octo"
		cmds := []Command{
			UpdateRepository{Owner: "octo", Name: "hello", Description: ptr("x"), Actor: "octo"},
			ForkRepository{Owner: "octo", Name: "hello", NewOwner: "acme", Actor: "octo"},
			StarRepository{Owner: "octo", Name: "hello", Actor: "octo"},
			UnstarRepository{Owner: "octo", Name: "hello", Actor: "octo"},
		}
		for _, c := range cmds {
			_, err := c.Decide(in)
			wantErr(t, err, CodeNotFound, "")
		}
	})
}

func TestForkRepository(t *testing.T) {
	base := repositoryFixture(t)
	base = apply(t, base, []Change{{ID: NewRepositoryID("mona", "taken"), Events: []Event{&RepositoryCreated{Owner: "mona", Name: "taken"}}}})
	base = apply(t, base, []Change{{ID: NewRepositoryID("octo", "taken"), Events: []Event{&RepositoryCreated{Owner: "Octo", Name: "Taken", Description: "src"}}}})
	tests := []struct {
		name      string
		actor     string
		cmd       ForkRepository
		wantCode  Code
		wantField string
		wantID    RepositoryID
		check     func(*Repository) bool
	}{
		{name: "into own account by default", actor: "mona", cmd: ForkRepository{Owner: "octo", Name: "HELLO", Actor: "mona"}, wantID: NewRepositoryID("mona", "hello"),
			check: func(r *Repository) bool {
				return r.Owner == "mona" && r.Name == "Hello" && r.Description == "hi" && !r.IsPrivate && r.ParentOwner == "Octo" && r.ParentName == "Hello" && r.ParentLife == 1 && r.Life == 1
			}},
		{name: "into an org the actor administers", actor: "octo", cmd: ForkRepository{Owner: "octo", Name: "hello", NewOwner: "acme", Actor: "octo"}, wantID: NewRepositoryID("acme", "hello"),
			check: func(r *Repository) bool { return r.Owner == "Acme" && r.IsFork() }},
		{name: "private source by org member", actor: "hubot", cmd: ForkRepository{Owner: "acme", Name: "tools", Actor: "hubot"}, wantID: NewRepositoryID("hubot", "tools"),
			check: func(r *Repository) bool { return r.IsPrivate && r.ParentOwner == "Acme" }},
		{name: "private source by stranger", actor: "mona", cmd: ForkRepository{Owner: "octo", Name: "secret", Actor: "mona"}, wantCode: CodeNotFound},
		{name: "into an org as mere member", actor: "hubot", cmd: ForkRepository{Owner: "octo", Name: "hello", NewOwner: "acme", Actor: "hubot"}, wantCode: CodeForbidden},
		{name: "into someone else's account", actor: "hubot", cmd: ForkRepository{Owner: "octo", Name: "hello", NewOwner: "mona", Actor: "hubot"}, wantCode: CodeForbidden},
		{name: "own repository into own account", actor: "octo", cmd: ForkRepository{Owner: "octo", Name: "hello", Actor: "octo"}, wantCode: CodeAlreadyExists},
		{name: "name taken", actor: "mona", cmd: ForkRepository{Owner: "octo", Name: "taken", Actor: "mona"}, wantCode: CodeAlreadyExists},
		{name: "missing source", actor: "mona", cmd: ForkRepository{Owner: "octo", Name: "nope", Actor: "mona"}, wantCode: CodeNotFound},
		{name: "missing new owner", actor: "mona", cmd: ForkRepository{Owner: "octo", Name: "hello", NewOwner: "nobody", Actor: "mona"}, wantCode: CodeNotFound},
		{name: "bad new owner", actor: "mona", cmd: ForkRepository{Owner: "octo", Name: "hello", NewOwner: "a_b", Actor: "mona"}, wantCode: CodeBadInput, wantField: "newOwner"},
		{name: "anonymous", actor: "", cmd: ForkRepository{Owner: "octo", Name: "hello"}, wantCode: CodeUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			in.Actor = tc.actor
			changes, ok := decideWant(t, in, tc.cmd, tc.wantCode, tc.wantField)
			if !ok {
				return
			}
			written, checked := writtenAndChecked(changes)
			if len(written) != 1 || written[0] != tc.wantID {
				t.Fatalf("wrote %v, want only %v", written, tc.wantID)
			}
			if !hasID(checked, NewRepositoryID(tc.cmd.Owner, tc.cmd.Name)) {
				t.Fatalf("checked %v, want the source asserted unchanged", checked)
			}
			if !hasID(tc.cmd.Targets(), tc.wantID) {
				t.Fatalf("Targets %v do not name the fork %v", tc.cmd.Targets(), tc.wantID)
			}
			r := repositoryState(t, apply(t, in, changes), tc.wantID.Owner(), tc.wantID.Name())
			if !tc.check(r) {
				t.Fatalf("fork = %+v", r)
			}
		})
	}
	t.Run("into a deleted name starts a new life", func(t *testing.T) {
		in := apply(t, base, []Change{{ID: NewRepositoryID("mona", "hello"), Events: []Event{&RepositoryCreated{Owner: "mona", Name: "hello"}, &RepositoryDeleted{}}}})
		in = apply(t, in, decideAs(t, in, "mona", ForkRepository{Owner: "octo", Name: "hello", Actor: "mona"}))
		r := repositoryState(t, in, "mona", "hello")
		if r.Life != 2 || !r.IsFork() || r.Deleted {
			t.Fatalf("fork = %+v", r)
		}
	})
}

func TestRepositoryEvolveRejectsMisfits(t *testing.T) {
	live := &Repository{Owner: "o", Name: "n", Life: 1}
	gone := &Repository{Owner: "o", Name: "n", Life: 1, Deleted: true}
	tests := []struct {
		name string
		s    State
		e    Event
	}{
		{"create over live", live, &RepositoryCreated{}},
		{"fork over live", live, &RepositoryForked{}},
		{"create over account", &Account{}, &RepositoryCreated{}},
		{"update missing", nil, &RepositoryUpdated{}},
		{"update deleted", gone, &RepositoryUpdated{}},
		{"delete deleted", gone, &RepositoryDeleted{}},
		{"delete missing", nil, &RepositoryDeleted{}},
		{"star over live star", &Star{Starred: true, RepositoryLife: 1}, &Starred{RepositoryLife: 1}},
		{"unstar unstarred", &Star{RepositoryLife: 1}, &Unstarred{}},
		{"unstar missing", nil, &Unstarred{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Evolve(tc.s, tc.e, t0); err == nil {
				t.Fatalf("%s on %#v must fail", tc.e.EventType(), tc.s)
			}
		})
	}
}

func TestRepositoryStateRoundTrip(t *testing.T) {
	for _, k := range []Kind{KindRepository, KindStar} {
		if _, err := DecodeState(k, []byte(`{}`)); err != nil {
			t.Fatalf("DecodeState(%s): %v", k, err)
		}
	}
}
