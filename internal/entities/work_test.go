package entities

import (
	"testing"
	"time"
)

// The work area's test world: octo/hello (public, user-owned, issue #1 by
// alice, pull request #2 by bob), acme/secret (private, organization-owned;
// acme has member "member" and admin "boss"), octo/gone (deleted) and
// octo/again (deleted with issue #1, then re-created: #1 belongs to the
// earlier life).

var (
	workHello  = NewRepositoryID("octo", "hello")
	workSecret = NewRepositoryID("acme", "secret")
	workGone   = NewRepositoryID("octo", "gone")
	workAgain  = NewRepositoryID("octo", "again")
	workT1     = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
)

// workRun decides cmd as actor and applies it, failing on any error.
func workRun(t *testing.T, in Input, actor string, cmd Command) Input {
	t.Helper()
	changes, err := cmd.Decide(withActor(in, actor))
	if err != nil {
		t.Fatalf("%T.Decide: %v", cmd, err)
	}
	return apply(t, in, changes)
}

// workWorld builds the test world.
func workWorld(t *testing.T) Input {
	t.Helper()
	in := Input{Now: workT1, Snapshots: map[ID]Snapshot{}}
	in = apply(t, in, []Change{
		{ID: workHello, Events: []Event{&RepositoryCreated{Owner: "octo", Name: "hello"}}},
		{ID: workSecret, Events: []Event{&RepositoryCreated{Owner: "acme", Name: "secret", IsPrivate: true}}},
		{ID: NewMembershipID("acme", "member"), Events: []Event{&MemberAdded{Org: "acme", Login: "member", Role: RoleMember}}},
		{ID: NewMembershipID("acme", "boss"), Events: []Event{&MemberAdded{Org: "acme", Login: "boss", Role: RoleAdmin}}},
		{ID: workGone, Events: []Event{&RepositoryCreated{Owner: "octo", Name: "gone"}, &RepositoryDeleted{}}},
		{ID: workAgain, Events: []Event{&RepositoryCreated{Owner: "octo", Name: "again"}}},
	})
	in = workRun(t, in, "alice", OpenIssue{Actor: "alice", Repository: workHello, Title: "First", Body: "body"})
	in = workRun(t, in, "bob", OpenPullRequest{Actor: "bob", Repository: workHello, Title: "Fix", HeadRef: "fix", BaseRef: "main"})
	in = workRun(t, in, "member", OpenIssue{Actor: "member", Repository: workSecret, Title: "Secret"})
	in = workRun(t, in, "alice", OpenIssue{Actor: "alice", Repository: workAgain, Title: "Old life"})
	in = apply(t, in, []Change{{ID: workAgain, Events: []Event{&RepositoryDeleted{LastNumber: 1}, &RepositoryCreated{Owner: "octo", Name: "again", NumberBase: 1}}}})
	in.Actor = ""
	return in
}

// workCase is one Decide case: cmd decided as actor on in must fail with
// code (and field), or succeed with events of the given types; check, if
// set, inspects the result after applying it.
type workCase struct {
	name   string
	in     Input
	actor  string
	cmd    Command
	code   Code
	field  string
	events []string
	check  func(t *testing.T, changes []Change, after Input)
}

func workRunCases(t *testing.T, cases []workCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := withActor(tc.in, tc.actor)
			changes, ok := decideWant(t, in, tc.cmd, tc.code, tc.field)
			if !ok {
				return
			}
			var got []string
			for _, c := range changes {
				for _, e := range c.Events {
					got = append(got, e.EventType())
				}
			}
			if len(got) != len(tc.events) {
				t.Fatalf("events = %v, want %v", got, tc.events)
			}
			for i := range got {
				if got[i] != tc.events[i] {
					t.Fatalf("events = %v, want %v", got, tc.events)
				}
			}
			// Decide is pure: the same input gives the same output.
			again, err := tc.cmd.Decide(in)
			if err != nil || len(again) != len(changes) {
				t.Fatalf("second Decide = %v, %v; want the same changes", again, err)
			}
			if tc.check != nil {
				tc.check(t, changes, apply(t, in, changes))
			}
		})
	}
}

// workChecked returns the IDs changes only condition-check.
func workChecked(changes []Change) []ID {
	var out []ID
	for _, c := range changes {
		if len(c.Events) == 0 && c.NewSeq == 0 {
			out = append(out, c.ID)
		}
	}
	return out
}

func workIssue(t *testing.T, in Input, repo RepositoryID, n int) *Issue {
	t.Helper()
	i, ok := in.Snapshot(NewIssueID(repo, n)).State.(*Issue)
	if !ok {
		t.Fatalf("no issue %v #%d", repo, n)
	}
	return i
}

func workPull(t *testing.T, in Input, repo RepositoryID, n int) *PullRequest {
	t.Helper()
	p, ok := in.Snapshot(NewPullRequestID(repo, n)).State.(*PullRequest)
	if !ok {
		t.Fatalf("no pull request %v #%d", repo, n)
	}
	return p
}

func TestWorkWorld(t *testing.T) {
	in := workWorld(t)
	if s := in.Snapshot(workHello); s.Seq != 2 {
		t.Fatalf("octo/hello seq = %d, want 2", s.Seq)
	}
	if i := workIssue(t, in, workHello, 1); i.Author != "alice" || i.State != IssueStateOpen || i.Life != 1 || i.Owner != "octo" {
		t.Fatalf("issue #1 = %+v", i)
	}
	if p := workPull(t, in, workHello, 2); p.Number != 2 || p.State != PullRequestStateOpen {
		t.Fatalf("pull request #2 = %+v", p)
	}
}

// TestRegistry checks every registration: each kind's zero state is of
// that kind, each event type decodes to itself, and each kind's ID parses
// back from its String form with the same partition key.
func TestRegistry(t *testing.T) {
	repo := NewRepositoryID("Octo", "Hello")
	issue := NewIssueID(repo, 3)
	ids := map[Kind]ID{
		KindAccount: NewAccountID("Octo"), KindMembership: NewMembershipID("acme", "bob"), KindRepository: repo,
		KindStar: NewStarID("mona", repo), KindIssue: issue, KindPullRequest: NewPullRequestID(repo, 4),
		KindComment: NewCommentID(repo, 3, "01hx"), KindReaction: NewReactionID(issue, "dave", ReactionHeart),
	}
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			if s := newState(k); s == nil || s.Kind() != k {
				t.Fatalf("newState(%s) = %v", k, s)
			}
			id, ok := ids[k]
			if !ok {
				t.Fatalf("no test ID for kind %s", k)
			}
			back, err := ParseID(k, id.String())
			if err != nil || back != id || back.PartitionKey() != id.PartitionKey() {
				t.Fatalf("ParseID(%s, %q) = %v, %v; want %v", k, id.String(), back, err, id)
			}
		})
	}
	for _, typ := range EventTypes() {
		if e := newEvent(typ); e == nil || e.EventType() != typ {
			t.Fatalf("newEvent(%q) = %v", typ, e)
		}
	}
	if len(ids) != len(Kinds()) {
		t.Fatalf("%d kinds registered, %d tested", len(Kinds()), len(ids))
	}
}
