package entities

import (
	"sort"
	"strings"
	"testing"
	"time"
)

// workCommentID returns a fixed, valid local comment id for test n.
func workCommentID(n byte) string {
	return NewCommentLocalID(workT1.Add(time.Duration(n)*time.Second), [10]byte{n})
}

func TestNewCommentLocalID(t *testing.T) {
	if got := NewCommentLocalID(time.UnixMilli(0), [10]byte{}); got != strings.Repeat("0", 26) {
		t.Fatalf("zero id = %q", got)
	}
	max := [10]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if got := NewCommentLocalID(time.UnixMilli(1<<48-1), max); got != "7"+strings.Repeat("z", 25) {
		t.Fatalf("max id = %q", got)
	}
	// ULID's time part: 1469918176385 ms is "01ARYZ6S41" (here lower case).
	if got := NewCommentLocalID(time.UnixMilli(1469918176385), [10]byte{}); got[:10] != "01aryz6s41" {
		t.Fatalf("time part = %q, want 01aryz6s41", got[:10])
	}
	var ids []string
	for i := 0; i < 50; i++ {
		id := NewCommentLocalID(workT1.Add(time.Duration(i)*time.Millisecond), [10]byte{byte(50 - i)})
		if err := validateCommentLocalID("id", id); err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		ids = append(ids, id)
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatal("ids do not sort by time")
	}
	for _, bad := range []string{"", "short", strings.Repeat("A", 26), strings.Repeat("0", 25) + "/", strings.Repeat("0", 25) + "i"} {
		if validateCommentLocalID("id", bad) == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestAddComment(t *testing.T) {
	w := workWorld(t)
	id := workCommentID(1)
	add := func(actor string, n int, body string) AddComment {
		return AddComment{Actor: actor, Repository: workHello, Number: n, ID: id, Body: body}
	}
	existing := workRun(t, w, "carol", add("carol", 1, "hi"))
	workRunCases(t, []workCase{
		{name: "on an issue", in: w, actor: "carol", cmd: add("carol", 1, "hi"), events: []string{"CommentAdded"},
			check: func(t *testing.T, _ []Change, after Input) {
				c := after.Snapshot(NewCommentID(workHello, 1, id)).State.(*Comment)
				want := Comment{Owner: "octo", Repository: "hello", Number: 1, Subject: KindIssue, LocalID: id, Body: "hi", Author: "carol", Life: 1, CreatedAt: workT1, UpdatedAt: workT1}
				if *c != want {
					t.Fatalf("comment = %+v, want %+v", *c, want)
				}
				if c.SubjectID() != NewIssueID(workHello, 1) {
					t.Fatalf("subject = %v", c.SubjectID())
				}
			}},
		{name: "on a pull request", in: w, actor: "carol", cmd: add("carol", 2, "lgtm"), events: []string{"CommentAdded"},
			check: func(t *testing.T, _ []Change, after Input) {
				c := after.Snapshot(NewCommentID(workHello, 2, id)).State.(*Comment)
				if c.Subject != KindPullRequest || c.SubjectID() != NewPullRequestID(workHello, 2) {
					t.Fatalf("comment = %+v", c)
				}
			}},
		{name: "on a closed issue", in: workRun(t, w, "alice", CloseIssue{Actor: "alice", Repository: workHello, Number: 1}), actor: "carol", cmd: add("carol", 1, "late"), events: []string{"CommentAdded"}},
		{name: "no such number", in: w, actor: "carol", cmd: add("carol", 3, "x"), code: CodeNotFound},
		{name: "number of an earlier life", in: w, actor: "carol", cmd: AddComment{Actor: "carol", Repository: workAgain, Number: 1, ID: id, Body: "x"}, code: CodeNotFound},
		{name: "number zero", in: w, actor: "carol", cmd: add("carol", 0, "x"), code: CodeBadInput, field: "number"},
		{name: "blank body", in: w, actor: "carol", cmd: add("carol", 1, "  "), code: CodeBadInput, field: "body"},
		{name: "body too long", in: w, actor: "carol", cmd: add("carol", 1, strings.Repeat("x", MaxBodyLen+1)), code: CodeBadInput, field: "body"},
		{name: "malformed id", in: w, actor: "carol", cmd: AddComment{Actor: "carol", Repository: workHello, Number: 1, ID: "x/y", Body: "x"}, code: CodeBadInput, field: "id"},
		{name: "reused id", in: existing, actor: "carol", cmd: add("carol", 1, "again"), code: CodeAlreadyExists},
		{name: "anonymous", in: w, actor: "", cmd: add("", 1, "x"), code: CodeUnauthenticated},
		{name: "private repository, outsider", in: w, actor: "carol", cmd: AddComment{Actor: "carol", Repository: workSecret, Number: 1, ID: id, Body: "x"}, code: CodeNotFound},
		{name: "deleted repository", in: w, actor: "carol", cmd: AddComment{Actor: "carol", Repository: workGone, Number: 1, ID: id, Body: "x"}, code: CodeNotFound},
	})
}

func TestAddCommentTargets(t *testing.T) {
	c := AddComment{Actor: "carol", Repository: workHello, Number: 4, ID: workCommentID(1)}
	got := c.Targets()
	want := []ID{NewCommentID(workHello, 4, c.ID), workHello, NewMembershipID("octo", "carol"), NewIssueID(workHello, 4), NewPullRequestID(workHello, 4)}
	if len(got) != len(want) {
		t.Fatalf("Targets = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Targets = %v, want %v", got, want)
		}
	}
}

func TestEditAndDeleteComment(t *testing.T) {
	w := workWorld(t)
	id := NewCommentID(workHello, 1, workCommentID(1))
	with := workRun(t, w, "carol", AddComment{Actor: "carol", Repository: workHello, Number: 1, ID: id.Local(), Body: "hi"})
	later := with
	later.Now = workT1.Add(time.Minute)
	deleted := workRun(t, later, "carol", DeleteComment{Actor: "carol", ID: id})
	workRunCases(t, []workCase{
		{name: "author edits", in: later, actor: "carol", cmd: EditComment{Actor: "carol", ID: id, Body: "hello"}, events: []string{"CommentEdited"},
			check: func(t *testing.T, _ []Change, after Input) {
				c := after.Snapshot(id).State.(*Comment)
				if c.Body != "hello" || !c.UpdatedAt.Equal(later.Now) || !c.CreatedAt.Equal(workT1) {
					t.Fatalf("comment = %+v", c)
				}
			}},
		{name: "edit without change", in: later, actor: "carol", cmd: EditComment{Actor: "carol", ID: id, Body: "hi"}, events: nil},
		{name: "repository admin edits", in: later, actor: "octo", cmd: EditComment{Actor: "octo", ID: id, Body: "moderated"}, events: []string{"CommentEdited"}},
		{name: "issue author may not edit others' comments", in: later, actor: "alice", cmd: EditComment{Actor: "alice", ID: id, Body: "x"}, code: CodeForbidden},
		{name: "blank body", in: later, actor: "carol", cmd: EditComment{Actor: "carol", ID: id, Body: ""}, code: CodeBadInput, field: "body"},
		{name: "edit missing", in: later, actor: "carol", cmd: EditComment{Actor: "carol", ID: NewCommentID(workHello, 1, workCommentID(9)), Body: "x"}, code: CodeNotFound},
		{name: "edit deleted", in: deleted, actor: "carol", cmd: EditComment{Actor: "carol", ID: id, Body: "x"}, code: CodeNotFound},
		{name: "author deletes", in: later, actor: "carol", cmd: DeleteComment{Actor: "carol", ID: id}, events: []string{"CommentDeleted"},
			check: func(t *testing.T, _ []Change, after Input) {
				if c := after.Snapshot(id).State.(*Comment); !c.Deleted {
					t.Fatalf("comment = %+v", c)
				}
			}},
		{name: "admin deletes", in: later, actor: "octo", cmd: DeleteComment{Actor: "octo", ID: id}, events: []string{"CommentDeleted"}},
		{name: "other user deletes", in: later, actor: "bob", cmd: DeleteComment{Actor: "bob", ID: id}, code: CodeForbidden},
		{name: "delete twice", in: deleted, actor: "carol", cmd: DeleteComment{Actor: "carol", ID: id}, code: CodeNotFound},
		{name: "delete anonymously", in: later, actor: "", cmd: DeleteComment{ID: id}, code: CodeUnauthenticated},
	})
}

func TestCommentEvolveRejectsMisfits(t *testing.T) {
	deleted := &Comment{Deleted: true}
	for _, tc := range []struct {
		name string
		s    State
		e    Event
	}{
		{"add twice", &Comment{}, &CommentAdded{}},
		{"edit deleted", deleted, &CommentEdited{}},
		{"delete deleted", deleted, &CommentDeleted{}},
		{"delete missing", nil, &CommentDeleted{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Evolve(tc.s, tc.e, workT1); err == nil {
				t.Fatal("Evolve succeeded")
			}
		})
	}
}
