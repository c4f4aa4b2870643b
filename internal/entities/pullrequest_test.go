package entities

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestOpenPullRequest(t *testing.T) {
	w := workWorld(t)
	pr := func(title, head, base string) OpenPullRequest {
		return OpenPullRequest{Actor: "carol", Repository: workHello, Title: title, HeadRef: head, BaseRef: base}
	}
	workRunCases(t, []workCase{
		{name: "ok", in: w, actor: "carol", cmd: OpenPullRequest{Actor: "carol", Repository: workHello, Title: "Add", Body: "b", HeadRef: "feature/x", BaseRef: "main"}, events: []string{"PullRequestOpened"},
			check: func(t *testing.T, changes []Change, after Input) {
				if changes[0].ID != workHello || changes[0].NewSeq != 3 {
					t.Fatalf("first change = %+v, want the counter advanced to 3", changes[0])
				}
				p := workPull(t, after, workHello, 3)
				want := PullRequest{Work: Work{Owner: "octo", Repository: "hello", Number: 3, Title: "Add", Body: "b", Author: "carol", Life: 1, CreatedAt: workT1, UpdatedAt: workT1}, HeadRef: "feature/x", BaseRef: "main", State: PullRequestStateOpen}
				if !reflect.DeepEqual(*p, want) {
					t.Fatalf("pull request = %+v, want %+v", *p, want)
				}
			}},
		{name: "same head and base", in: w, actor: "carol", cmd: pr("t", "main", "main"), code: CodeBadInput, field: "headRef"},
		{name: "empty head", in: w, actor: "carol", cmd: pr("t", "", "main"), code: CodeBadInput, field: "headRef"},
		{name: "empty base", in: w, actor: "carol", cmd: pr("t", "x", ""), code: CodeBadInput, field: "baseRef"},
		{name: "head of 256 characters", in: w, actor: "carol", cmd: pr("t", strings.Repeat("h", 256), "main"), code: CodeBadInput, field: "headRef"},
		{name: "head of 255 characters", in: w, actor: "carol", cmd: pr("t", strings.Repeat("h", 255), "main"), events: []string{"PullRequestOpened"}},
		{name: "base with a space", in: w, actor: "carol", cmd: pr("t", "x", "ma in"), code: CodeBadInput, field: "baseRef"},
		{name: "blank title", in: w, actor: "carol", cmd: pr("", "x", "main"), code: CodeBadInput, field: "title"},
		{name: "anonymous", in: w, actor: "", cmd: OpenPullRequest{Repository: workHello, Title: "t", HeadRef: "x", BaseRef: "y"}, code: CodeUnauthenticated},
		{name: "private repository, outsider", in: w, actor: "carol", cmd: OpenPullRequest{Actor: "carol", Repository: workSecret, Title: "t", HeadRef: "x", BaseRef: "y"}, code: CodeNotFound},
		{name: "deleted repository", in: w, actor: "carol", cmd: OpenPullRequest{Actor: "carol", Repository: workGone, Title: "t", HeadRef: "x", BaseRef: "y"}, code: CodeNotFound},
	})
}

func TestPullRequestLifecycle(t *testing.T) {
	w := workWorld(t)
	later := w
	later.Now = workT1.Add(time.Hour)
	closed := workRun(t, later, "bob", ClosePullRequest{Actor: "bob", Repository: workHello, Number: 2})
	merged := workRun(t, later, "octo", MergePullRequest{Actor: "octo", Repository: workHello, Number: 2})
	workRunCases(t, []workCase{
		{name: "author edits", in: w, actor: "bob", cmd: EditPullRequest{Actor: "bob", Repository: workHello, Number: 2, Title: ptr("Fix it")}, events: []string{"PullRequestEdited"}},
		{name: "edit without change", in: w, actor: "bob", cmd: EditPullRequest{Actor: "bob", Repository: workHello, Number: 2, Title: ptr("Fix")}, events: nil},
		{name: "other user edits", in: w, actor: "carol", cmd: EditPullRequest{Actor: "carol", Repository: workHello, Number: 2, Title: ptr("x")}, code: CodeForbidden},
		{name: "edit a merged pull request", in: merged, actor: "bob", cmd: EditPullRequest{Actor: "bob", Repository: workHello, Number: 2, Body: ptr("done")}, events: []string{"PullRequestEdited"}},
		{name: "edit an issue number", in: w, actor: "alice", cmd: EditPullRequest{Actor: "alice", Repository: workHello, Number: 1, Title: ptr("x")}, code: CodeNotFound},
		{name: "author closes", in: later, actor: "bob", cmd: ClosePullRequest{Actor: "bob", Repository: workHello, Number: 2}, events: []string{"PullRequestClosed"},
			check: func(t *testing.T, _ []Change, after Input) {
				p := workPull(t, after, workHello, 2)
				if p.State != PullRequestStateClosed || p.ClosedAt == nil || p.MergedAt != nil {
					t.Fatalf("pull request = %+v", p)
				}
			}},
		{name: "other user closes", in: w, actor: "carol", cmd: ClosePullRequest{Actor: "carol", Repository: workHello, Number: 2}, code: CodeForbidden},
		{name: "close a closed one changes nothing", in: closed, actor: "bob", cmd: ClosePullRequest{Actor: "bob", Repository: workHello, Number: 2}, events: nil},
		{name: "close a merged one", in: merged, actor: "bob", cmd: ClosePullRequest{Actor: "bob", Repository: workHello, Number: 2}, code: CodeBadInput, field: "number"},
		{name: "reopen", in: closed, actor: "bob", cmd: ReopenPullRequest{Actor: "bob", Repository: workHello, Number: 2}, events: []string{"PullRequestReopened"},
			check: func(t *testing.T, _ []Change, after Input) {
				if p := workPull(t, after, workHello, 2); p.State != PullRequestStateOpen || p.ClosedAt != nil {
					t.Fatalf("pull request = %+v", p)
				}
			}},
		{name: "reopen an open one changes nothing", in: w, actor: "bob", cmd: ReopenPullRequest{Actor: "bob", Repository: workHello, Number: 2}, events: nil},
		{name: "reopen a merged one", in: merged, actor: "octo", cmd: ReopenPullRequest{Actor: "octo", Repository: workHello, Number: 2}, code: CodeBadInput, field: "number"},
		{name: "admin merges", in: later, actor: "octo", cmd: MergePullRequest{Actor: "octo", Repository: workHello, Number: 2}, events: []string{"PullRequestMerged"},
			check: func(t *testing.T, _ []Change, after Input) {
				p := workPull(t, after, workHello, 2)
				if p.State != PullRequestStateMerged || p.MergedBy != "octo" || p.MergedAt == nil || !p.MergedAt.Equal(later.Now) || p.ClosedAt == nil {
					t.Fatalf("pull request = %+v", p)
				}
			}},
		{name: "author without admin rights merges", in: w, actor: "bob", cmd: MergePullRequest{Actor: "bob", Repository: workHello, Number: 2}, code: CodeForbidden},
		{name: "merge a merged one", in: merged, actor: "octo", cmd: MergePullRequest{Actor: "octo", Repository: workHello, Number: 2}, code: CodeBadInput, field: "number"},
		{name: "merge a closed one", in: closed, actor: "octo", cmd: MergePullRequest{Actor: "octo", Repository: workHello, Number: 2}, code: CodeBadInput, field: "number"},
		{name: "merge missing", in: w, actor: "octo", cmd: MergePullRequest{Actor: "octo", Repository: workHello, Number: 5}, code: CodeNotFound},
		{name: "merge anonymously", in: w, actor: "", cmd: MergePullRequest{Repository: workHello, Number: 2}, code: CodeUnauthenticated},
	})
}

func TestMergeInOrganizationRepository(t *testing.T) {
	w := workRun(t, workWorld(t), "member", OpenPullRequest{Actor: "member", Repository: workSecret, Title: "t", HeadRef: "x", BaseRef: "main"})
	workRunCases(t, []workCase{
		{name: "organization admin merges", in: w, actor: "boss", cmd: MergePullRequest{Actor: "boss", Repository: workSecret, Number: 2}, events: []string{"PullRequestMerged"},
			check: func(t *testing.T, changes []Change, _ Input) {
				if c := workChecked(changes); len(c) != 2 || c[0] != workSecret || c[1] != NewMembershipID("acme", "boss") {
					t.Fatalf("checked = %v, want the repository and the admin's membership", c)
				}
			}},
		{name: "organization member merges", in: w, actor: "member", cmd: MergePullRequest{Actor: "member", Repository: workSecret, Number: 2}, code: CodeForbidden},
		{name: "outsider merges", in: w, actor: "carol", cmd: MergePullRequest{Actor: "carol", Repository: workSecret, Number: 2}, code: CodeNotFound},
	})
}

func TestPullRequestEvolveRejectsMisfits(t *testing.T) {
	merged := &PullRequest{State: PullRequestStateMerged}
	for _, tc := range []struct {
		name string
		s    State
		e    Event
	}{
		{"open twice", &PullRequest{}, &PullRequestOpened{}},
		{"close merged", merged, &PullRequestClosed{}},
		{"reopen merged", merged, &PullRequestReopened{}},
		{"merge merged", merged, &PullRequestMerged{}},
		{"merge missing", nil, &PullRequestMerged{}},
		{"edit an issue", &Issue{}, &PullRequestEdited{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Evolve(tc.s, tc.e, workT1); err == nil {
				t.Fatal("Evolve succeeded")
			}
		})
	}
}
