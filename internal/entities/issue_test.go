package entities

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestOpenIssue(t *testing.T) {
	w := workWorld(t)
	ok := func(title string) OpenIssue { return OpenIssue{Actor: "carol", Repository: workHello, Title: title} }
	workRunCases(t, []workCase{
		{name: "next number after issue and pull request", in: w, actor: "carol", cmd: OpenIssue{Actor: "carol", Repository: workHello, Title: "Third", Body: "b"}, events: []string{"IssueOpened"},
			check: func(t *testing.T, changes []Change, after Input) {
				if changes[0].ID != workHello || changes[0].NewSeq != 3 || len(changes[0].Events) != 0 {
					t.Fatalf("first change = %+v, want the counter of octo/hello advanced to 3", changes[0])
				}
				i := workIssue(t, after, workHello, 3)
				want := Issue{Work: Work{Owner: "octo", Repository: "hello", Number: 3, Title: "Third", Body: "b", Author: "carol", Life: 1, CreatedAt: workT1, UpdatedAt: workT1}, State: IssueStateOpen}
				if !reflect.DeepEqual(*i, want) {
					t.Fatalf("issue = %+v, want %+v", *i, want)
				}
				if after.Snapshot(workHello).Seq != 3 {
					t.Fatal("counter not advanced")
				}
			}},
		{name: "actor lower-cased as author", in: w, actor: "Carol", cmd: OpenIssue{Actor: "Carol", Repository: workHello, Title: "x"}, events: []string{"IssueOpened"},
			check: func(t *testing.T, _ []Change, after Input) {
				if a := workIssue(t, after, workHello, 3).Author; a != "carol" {
					t.Fatalf("author = %q", a)
				}
			}},
		{name: "repository name case-insensitive", in: w, actor: "carol", cmd: OpenIssue{Actor: "carol", Repository: NewRepositoryID("OCTO", "Hello"), Title: "x"}, events: []string{"IssueOpened"}},
		{name: "title at 256 characters", in: w, actor: "carol", cmd: ok(strings.Repeat("é", 256)), events: []string{"IssueOpened"}},
		{name: "title of 257 characters", in: w, actor: "carol", cmd: ok(strings.Repeat("é", 257)), code: CodeBadInput, field: "title"},
		{name: "empty title", in: w, actor: "carol", cmd: ok(""), code: CodeBadInput, field: "title"},
		{name: "blank title", in: w, actor: "carol", cmd: ok(" \t"), code: CodeBadInput, field: "title"},
		{name: "body at limit", in: w, actor: "carol", cmd: OpenIssue{Actor: "carol", Repository: workHello, Title: "t", Body: strings.Repeat("x", MaxBodyLen)}, events: []string{"IssueOpened"}},
		{name: "body too long", in: w, actor: "carol", cmd: OpenIssue{Actor: "carol", Repository: workHello, Title: "t", Body: strings.Repeat("x", MaxBodyLen+1)}, code: CodeBadInput, field: "body"},
		{name: "anonymous", in: w, actor: "", cmd: OpenIssue{Repository: workHello, Title: "t"}, code: CodeUnauthenticated},
		{name: "command actor is not the executing actor", in: w, actor: "carol", cmd: OpenIssue{Actor: "mallory", Repository: workHello, Title: "t"}, code: CodeInternal},
		{name: "missing repository", in: w, actor: "carol", cmd: OpenIssue{Actor: "carol", Repository: NewRepositoryID("octo", "nope"), Title: "t"}, code: CodeNotFound},
		{name: "deleted repository", in: w, actor: "carol", cmd: OpenIssue{Actor: "carol", Repository: workGone, Title: "t"}, code: CodeNotFound},
		{name: "private repository, outsider", in: w, actor: "carol", cmd: OpenIssue{Actor: "carol", Repository: workSecret, Title: "t"}, code: CodeNotFound},
		{name: "private repository, member", in: w, actor: "member", cmd: OpenIssue{Actor: "member", Repository: workSecret, Title: "t"}, events: []string{"IssueOpened"},
			check: func(t *testing.T, changes []Change, after Input) {
				checked := workChecked(changes)
				if len(checked) != 1 || checked[0] != NewMembershipID("acme", "member") {
					t.Fatalf("checked = %v, want the membership visibility relied on", checked)
				}
				if workIssue(t, after, workSecret, 2).Owner != "acme" {
					t.Fatal("wrong owner")
				}
			}},
		{name: "re-created repository continues numbering", in: w, actor: "carol", cmd: OpenIssue{Actor: "carol", Repository: workAgain, Title: "new life"}, events: []string{"IssueOpened"},
			check: func(t *testing.T, _ []Change, after Input) {
				if i := workIssue(t, after, workAgain, 2); i.Life != 2 {
					t.Fatalf("issue = %+v, want #2 of life 2", i)
				}
			}},
	})
}

func TestOpenIssueTargets(t *testing.T) {
	got := OpenIssue{Actor: "carol", Repository: workSecret}.Targets()
	if len(got) != 2 || got[0] != workSecret || got[1] != NewMembershipID("acme", "carol") {
		t.Fatalf("Targets = %v", got)
	}
	if got := (OpenIssue{Actor: "octo", Repository: workHello}).Targets(); len(got) != 1 {
		t.Fatalf("the owner needs no membership: %v", got)
	}
}

// TestIssueNumbersAreSequential opens issues and pull requests in turn:
// they share one gap-free sequence.
func TestIssueNumbersAreSequential(t *testing.T) {
	in := workWorld(t)
	for n := 3; n <= 10; n++ {
		var cmd Command = OpenIssue{Actor: "carol", Repository: workHello, Title: "t"}
		if n%2 == 0 {
			cmd = OpenPullRequest{Actor: "carol", Repository: workHello, Title: "t", HeadRef: "h", BaseRef: "b"}
		}
		in = workRun(t, in, "carol", cmd)
		if n%2 == 0 {
			workPull(t, in, workHello, n)
		} else {
			workIssue(t, in, workHello, n)
		}
	}
}

func TestEditIssue(t *testing.T) {
	w := workWorld(t)
	edit := func(actor string, title, body *string) EditIssue {
		return EditIssue{Actor: actor, Repository: workHello, Number: 1, Title: title, Body: body}
	}
	workRunCases(t, []workCase{
		{name: "author edits title", in: w, actor: "alice", cmd: edit("alice", ptr("New"), nil), events: []string{"IssueEdited"},
			check: func(t *testing.T, changes []Change, after Input) {
				i := workIssue(t, after, workHello, 1)
				if i.Title != "New" || i.Body != "body" {
					t.Fatalf("issue = %+v", i)
				}
				if ev := changes[0].Events[0].(*IssueEdited); ev.Body != nil {
					t.Fatal("unchanged body recorded")
				}
			}},
		{name: "repository owner edits body", in: w, actor: "octo", cmd: edit("octo", nil, ptr("")), events: []string{"IssueEdited"},
			check: func(t *testing.T, _ []Change, after Input) {
				if workIssue(t, after, workHello, 1).Body != "" {
					t.Fatal("body not cleared")
				}
			}},
		{name: "no change", in: w, actor: "alice", cmd: edit("alice", ptr("First"), ptr("body")), events: nil},
		{name: "other user", in: w, actor: "carol", cmd: edit("carol", ptr("x"), nil), code: CodeForbidden},
		{name: "blank title", in: w, actor: "alice", cmd: edit("alice", ptr(" "), nil), code: CodeBadInput, field: "title"},
		{name: "body too long", in: w, actor: "alice", cmd: edit("alice", nil, ptr(strings.Repeat("x", MaxBodyLen+1))), code: CodeBadInput, field: "body"},
		{name: "pull request number", in: w, actor: "bob", cmd: EditIssue{Actor: "bob", Repository: workHello, Number: 2, Title: ptr("x")}, code: CodeNotFound},
		{name: "missing issue", in: w, actor: "alice", cmd: EditIssue{Actor: "alice", Repository: workHello, Number: 9, Title: ptr("x")}, code: CodeNotFound},
		{name: "number zero", in: w, actor: "alice", cmd: EditIssue{Actor: "alice", Repository: workHello, Number: 0, Title: ptr("x")}, code: CodeBadInput, field: "number"},
		{name: "issue of an earlier life", in: w, actor: "alice", cmd: EditIssue{Actor: "alice", Repository: workAgain, Number: 1, Title: ptr("x")}, code: CodeNotFound},
		{name: "anonymous", in: w, actor: "", cmd: edit("", ptr("x"), nil), code: CodeUnauthenticated},
		{name: "organization admin edits a member's issue", in: w, actor: "boss", cmd: EditIssue{Actor: "boss", Repository: workSecret, Number: 1, Title: ptr("x")}, events: []string{"IssueEdited"},
			check: func(t *testing.T, changes []Change, _ Input) {
				if c := workChecked(changes); len(c) != 2 || c[0] != workSecret || c[1] != NewMembershipID("acme", "boss") {
					t.Fatalf("checked = %v, want the repository and the admin's membership", c)
				}
			}},
		{name: "organization member edits another's issue", in: workRun(t, w, "boss", OpenIssue{Actor: "boss", Repository: workSecret, Title: "b"}), actor: "member",
			cmd: EditIssue{Actor: "member", Repository: workSecret, Number: 2, Title: ptr("x")}, code: CodeForbidden},
	})
}

func TestCloseAndReopenIssue(t *testing.T) {
	w := workWorld(t)
	later := w
	later.Now = workT1.Add(time.Hour)
	closed := workRun(t, later, "alice", CloseIssue{Actor: "alice", Repository: workHello, Number: 1, Reason: ReasonNotPlanned})
	workRunCases(t, []workCase{
		{name: "close defaults to COMPLETED", in: later, actor: "alice", cmd: CloseIssue{Actor: "alice", Repository: workHello, Number: 1}, events: []string{"IssueClosed"},
			check: func(t *testing.T, _ []Change, after Input) {
				i := workIssue(t, after, workHello, 1)
				if i.State != IssueStateClosed || i.StateReason != ReasonCompleted || i.ClosedAt == nil || !i.ClosedAt.Equal(later.Now) || !i.UpdatedAt.Equal(later.Now) {
					t.Fatalf("issue = %+v", i)
				}
			}},
		{name: "close as NOT_PLANNED by admin", in: later, actor: "octo", cmd: CloseIssue{Actor: "octo", Repository: workHello, Number: 1, Reason: ReasonNotPlanned}, events: []string{"IssueClosed"}},
		{name: "close as REOPENED", in: later, actor: "alice", cmd: CloseIssue{Actor: "alice", Repository: workHello, Number: 1, Reason: ReasonReopened}, code: CodeBadInput, field: "reason"},
		{name: "close by other user", in: later, actor: "carol", cmd: CloseIssue{Actor: "carol", Repository: workHello, Number: 1}, code: CodeForbidden},
		{name: "close a closed issue changes nothing", in: closed, actor: "alice", cmd: CloseIssue{Actor: "alice", Repository: workHello, Number: 1}, events: nil},
		{name: "reopen", in: closed, actor: "alice", cmd: ReopenIssue{Actor: "alice", Repository: workHello, Number: 1}, events: []string{"IssueReopened"},
			check: func(t *testing.T, _ []Change, after Input) {
				i := workIssue(t, after, workHello, 1)
				if i.State != IssueStateOpen || i.StateReason != ReasonReopened || i.ClosedAt != nil {
					t.Fatalf("issue = %+v", i)
				}
			}},
		{name: "reopen an open issue changes nothing", in: w, actor: "alice", cmd: ReopenIssue{Actor: "alice", Repository: workHello, Number: 1}, events: nil},
		{name: "reopen by other user", in: closed, actor: "carol", cmd: ReopenIssue{Actor: "carol", Repository: workHello, Number: 1}, code: CodeForbidden},
		{name: "reopen missing", in: closed, actor: "alice", cmd: ReopenIssue{Actor: "alice", Repository: workHello, Number: 7}, code: CodeNotFound},
		{name: "close in deleted repository", in: w, actor: "octo", cmd: CloseIssue{Actor: "octo", Repository: workGone, Number: 1}, code: CodeNotFound},
	})
}

func TestIssueEvolveRejectsMisfits(t *testing.T) {
	open := &Issue{State: IssueStateOpen}
	closed := &Issue{State: IssueStateClosed}
	for _, tc := range []struct {
		name string
		s    State
		e    Event
	}{
		{"open twice", open, &IssueOpened{}},
		{"edit missing", nil, &IssueEdited{}},
		{"close closed", closed, &IssueClosed{}},
		{"reopen open", open, &IssueReopened{}},
		{"close a pull request", &PullRequest{State: PullRequestStateOpen}, &IssueClosed{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Evolve(tc.s, tc.e, workT1); err == nil {
				t.Fatal("Evolve succeeded")
			}
		})
	}
}

func TestIssueStateRoundTrip(t *testing.T) {
	i := workIssue(t, workRun(t, workWorld(t), "alice", CloseIssue{Actor: "alice", Repository: workHello, Number: 1}), workHello, 1)
	raw, err := json.Marshal(i)
	if err != nil {
		t.Fatal(err)
	}
	s, err := DecodeState(KindIssue, raw)
	if err != nil {
		t.Fatal(err)
	}
	got := s.(*Issue)
	if got.Title != i.Title || got.State != i.State || got.ClosedAt == nil || !got.ClosedAt.Equal(*i.ClosedAt) || got.Life != i.Life {
		t.Fatalf("round trip = %+v, want %+v", got, i)
	}
}
