package entities

import "testing"

func TestReactions(t *testing.T) {
	w := workWorld(t)
	issue := NewIssueID(workHello, 1)
	pull := NewPullRequestID(workHello, 2)
	comment := NewCommentID(workHello, 1, workCommentID(1))
	w = workRun(t, w, "carol", AddComment{Actor: "carol", Repository: workHello, Number: 1, ID: comment.Local(), Body: "hi"})
	add := func(subject ID, c ReactionContent) AddReaction {
		return AddReaction{Actor: "dave", Subject: subject, Content: c}
	}
	remove := func(subject ID, c ReactionContent) RemoveReaction {
		return RemoveReaction{Actor: "dave", Subject: subject, Content: c}
	}
	reacted := workRun(t, w, "dave", add(issue, ReactionHeart))
	removed := workRun(t, reacted, "dave", remove(issue, ReactionHeart))
	commentGone := workRun(t, w, "carol", DeleteComment{Actor: "carol", ID: comment})
	workRunCases(t, []workCase{
		{name: "add to an issue", in: w, actor: "dave", cmd: add(issue, ReactionHeart), events: []string{"ReactionAdded"},
			check: func(t *testing.T, changes []Change, after Input) {
				id := NewReactionID(issue, "dave", ReactionHeart)
				if changes[0].ID != id {
					t.Fatalf("changed %v, want %v", changes[0].ID, id)
				}
				if c := workChecked(changes); len(c) != 2 || c[0] != issue || c[1] != workHello {
					t.Fatalf("checked = %v, want the subject and the repository", c)
				}
				r := after.Snapshot(id).State.(*Reaction)
				if !r.Active || r.Content != ReactionHeart || r.Life != 1 {
					t.Fatalf("reaction = %+v", r)
				}
			}},
		{name: "add to a pull request", in: w, actor: "dave", cmd: add(pull, ReactionRocket), events: []string{"ReactionAdded"}},
		{name: "add to a comment", in: w, actor: "dave", cmd: add(comment, ReactionEyes), events: []string{"ReactionAdded"}},
		{name: "add again changes nothing", in: reacted, actor: "dave", cmd: add(issue, ReactionHeart), events: nil},
		{name: "another content is another reaction", in: reacted, actor: "dave", cmd: add(issue, ReactionLaugh), events: []string{"ReactionAdded"}},
		{name: "add after remove", in: removed, actor: "dave", cmd: add(issue, ReactionHeart), events: []string{"ReactionAdded"},
			check: func(t *testing.T, _ []Change, after Input) {
				if s := after.Snapshot(NewReactionID(issue, "dave", ReactionHeart)); s.Version != 3 || !s.State.(*Reaction).Active {
					t.Fatalf("snapshot = %+v", s)
				}
			}},
		{name: "remove", in: reacted, actor: "dave", cmd: remove(issue, ReactionHeart), events: []string{"ReactionRemoved"},
			check: func(t *testing.T, _ []Change, after Input) {
				if after.Snapshot(NewReactionID(issue, "dave", ReactionHeart)).State.(*Reaction).Active {
					t.Fatal("still active")
				}
			}},
		{name: "remove a missing reaction changes nothing", in: w, actor: "dave", cmd: remove(issue, ReactionHeart), events: nil},
		{name: "remove twice changes nothing", in: removed, actor: "dave", cmd: remove(issue, ReactionHeart), events: nil},
		{name: "unknown content", in: w, actor: "dave", cmd: add(issue, "SMILE"), code: CodeBadInput, field: "content"},
		{name: "missing issue", in: w, actor: "dave", cmd: add(NewIssueID(workHello, 9), ReactionHeart), code: CodeNotFound},
		{name: "issue number is a pull request", in: w, actor: "dave", cmd: add(NewIssueID(workHello, 2), ReactionHeart), code: CodeNotFound},
		{name: "deleted comment", in: commentGone, actor: "dave", cmd: add(comment, ReactionHeart), code: CodeNotFound},
		{name: "subject of an earlier life", in: w, actor: "dave", cmd: add(NewIssueID(workAgain, 1), ReactionHeart), code: CodeNotFound},
		{name: "private repository, outsider", in: w, actor: "dave", cmd: add(NewIssueID(workSecret, 1), ReactionHeart), code: CodeNotFound},
		{name: "private repository, member", in: w, actor: "member", cmd: AddReaction{Actor: "member", Subject: NewIssueID(workSecret, 1), Content: ReactionHooray}, events: []string{"ReactionAdded"}},
		{name: "not a reactable subject", in: w, actor: "dave", cmd: add(workHello, ReactionHeart), code: CodeBadInput, field: "subjectId"},
		{name: "anonymous", in: w, actor: "", cmd: AddReaction{Subject: issue, Content: ReactionHeart}, code: CodeUnauthenticated},
		{name: "someone else's reaction", in: reacted, actor: "mallory", cmd: remove(issue, ReactionHeart), code: CodeInternal},
	})
}

func TestReactionTargets(t *testing.T) {
	issue := NewIssueID(workSecret, 1)
	got := AddReaction{Actor: "dave", Subject: issue, Content: ReactionHeart}.Targets()
	want := []ID{NewReactionID(issue, "dave", ReactionHeart), issue, workSecret, NewMembershipID("acme", "dave")}
	if len(got) != len(want) {
		t.Fatalf("Targets = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Targets = %v, want %v", got, want)
		}
	}
	if got := (AddReaction{Actor: "dave", Subject: workSecret}).Targets(); got != nil {
		t.Fatalf("Targets of a non-subject = %v", got)
	}
}

func TestReactionIDsRoundTrip(t *testing.T) {
	for _, subject := range []ID{NewIssueID(workHello, 1), NewPullRequestID(workHello, 2), NewCommentID(workHello, 1, workCommentID(1))} {
		id := NewReactionID(subject, "Dave", ReactionThumbsUp)
		got, err := ParseID(KindReaction, id.String())
		if err != nil || got != id {
			t.Fatalf("ParseID(%q) = %v, %v", id.String(), got, err)
		}
	}
}

func TestReactionEvolveRejectsMisfits(t *testing.T) {
	if _, err := Evolve(&Reaction{Active: true}, &ReactionAdded{}, workT1); err == nil {
		t.Fatal("adding an active reaction succeeded")
	}
	if _, err := Evolve(&Reaction{}, &ReactionRemoved{}, workT1); err == nil {
		t.Fatal("removing an inactive reaction succeeded")
	}
	if _, err := Evolve(nil, &ReactionRemoved{}, workT1); err == nil {
		t.Fatal("removing a missing reaction succeeded")
	}
}
