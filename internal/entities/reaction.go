package entities

import "time"

// Reaction is the state of one user's reaction with one content on one
// subject. Removing it keeps the aggregate, inactive, so it can be added
// again.
type Reaction struct {
	Content   ReactionContent `json:"content"`
	Life      int             `json:"life,omitempty"` // the repository's life the subject belongs to
	Active    bool            `json:"active"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

// Kind returns KindReaction.
func (*Reaction) Kind() Kind { return KindReaction }

// ReactionAdded records that a user reacted.
type ReactionAdded struct {
	Content ReactionContent `json:"content"`
	Life    int             `json:"life,omitempty"`
}

// EventType returns "ReactionAdded".
func (*ReactionAdded) EventType() string { return "ReactionAdded" }

func (e *ReactionAdded) evolve(s State, at time.Time) (State, error) {
	if s == nil {
		return &Reaction{Content: e.Content, Life: e.Life, Active: true, UpdatedAt: at}, nil
	}
	inactive := func(r *Reaction) bool { return !r.Active }
	return evolveState(e, s, inactive, func(next *Reaction) { next.Active, next.Life, next.UpdatedAt = true, e.Life, at })
}

// ReactionRemoved records that a user took a reaction back.
type ReactionRemoved struct{}

// EventType returns "ReactionRemoved".
func (*ReactionRemoved) EventType() string { return "ReactionRemoved" }

func (e *ReactionRemoved) evolve(s State, at time.Time) (State, error) {
	active := func(r *Reaction) bool { return r.Active }
	return evolveState(e, s, active, func(next *Reaction) { next.Active, next.UpdatedAt = false, at })
}

// SubjectRepository returns the repository of a reaction subject (an issue, pull
// request or comment), and false for any other ID.
func SubjectRepository(subject ID) (RepositoryID, bool) {
	switch s := subject.(type) {
	case IssueID:
		return s.Repository(), true
	case PullRequestID:
		return s.Repository(), true
	case CommentID:
		return s.Repository(), true
	}
	return RepositoryID{}, false
}

// subjectNumber returns the issue or pull request number of a reaction
// subject (a comment's is the number it is on).
func subjectNumber(subject ID) int {
	switch s := subject.(type) {
	case IssueID:
		return s.Number()
	case PullRequestID:
		return s.Number()
	case CommentID:
		return s.Number()
	}
	return 0
}

// subjectExists reports whether a reaction subject exists: an issue or
// pull request, or a comment that is not deleted.
func subjectExists(in Input, subject ID) bool {
	st := in.Snapshot(subject).State
	switch s := st.(type) {
	case *Issue:
		return s != nil
	case *PullRequest:
		return s != nil
	case *Comment:
		return s != nil && !s.Deleted
	}
	return false
}

// AddReaction adds the actor's reaction to an issue, pull request or
// comment. Adding an existing reaction changes nothing, like starring.
type AddReaction struct {
	// Actor is the reacting user; the reaction aggregate is named after it.
	Actor   string
	Subject ID
	Content ReactionContent
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c AddReaction) Validate() error { return validateReaction(c.Subject, c.Content) }

// validateReaction checks a reaction's subject and content.
func validateReaction(subject ID, content ReactionContent) error {
	if err := validateNodeRef("subjectId", subject); err != nil {
		return err
	}
	if !content.Valid() {
		return BadInput("content", "unknown reaction content %q", content)
	}
	return nil
}

// Targets names the reaction, its subject, the subject's repository and
// the actor's membership.
func (c AddReaction) Targets() []ID { return reactionTargets(c.Subject, c.Actor, c.Content) }

func reactionTargets(subject ID, actor string, content ReactionContent) []ID {
	repo, ok := SubjectRepository(subject)
	if !ok {
		return nil
	}
	return append([]ID{NewReactionID(subject, actor, content), subject}, workTargets(repo, actor)...)
}

// checkReaction validates a reaction command and returns its reaction ID
// and the repository access it relied on.
func checkReaction(in Input, actor string, subject ID, content ReactionContent) (ReactionID, workAccess, error) {
	repo, ok := SubjectRepository(subject)
	if !ok {
		if err := signedIn(in, actor); err != nil {
			return ReactionID{}, workAccess{}, err
		}
		return ReactionID{}, workAccess{}, BadInput("subjectId", "only issues, pull requests and comments take reactions")
	}
	acc, err := workRepository(in, actor, repo)
	if err != nil {
		return ReactionID{}, workAccess{}, err
	}
	if !content.Valid() {
		return ReactionID{}, workAccess{}, BadInput("content", "unknown reaction content %q", content)
	}
	if !acc.repo.HasNumber(subjectNumber(subject)) || !subjectExists(in, subject) {
		return ReactionID{}, workAccess{}, NotFound("the subject of the reaction was not found")
	}
	return NewReactionID(subject, in.Actor, content), acc, nil
}

// Decide returns a ReactionAdded event and a condition that the subject
// is unchanged (so a comment deleted concurrently takes no reaction), or
// nothing if the reaction exists; UNAUTHENTICATED, BAD_USER_INPUT or
// NOT_FOUND otherwise.
func (c AddReaction) Decide(in Input) ([]Change, error) {
	id, acc, err := checkReaction(in, c.Actor, c.Subject, c.Content)
	if err != nil {
		return nil, err
	}
	if r, ok := in.Snapshot(id).State.(*Reaction); ok && r != nil && r.Active {
		return nil, nil
	}
	changes := []Change{{ID: id, Events: []Event{&ReactionAdded{Content: c.Content, Life: acc.repo.Life}}}, {ID: c.Subject}}
	return append(changes, acc.checks(false)...), nil
}

// RemoveReaction removes the actor's reaction; removing a reaction that
// is not there changes nothing.
type RemoveReaction struct {
	// Actor is the reacting user; the reaction aggregate is named after it.
	Actor   string
	Subject ID
	Content ReactionContent
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c RemoveReaction) Validate() error { return validateReaction(c.Subject, c.Content) }

// Targets names the reaction, its subject, the subject's repository and
// the actor's membership.
func (c RemoveReaction) Targets() []ID { return reactionTargets(c.Subject, c.Actor, c.Content) }

// Decide returns a ReactionRemoved event, or nothing if there is no such
// reaction; UNAUTHENTICATED, BAD_USER_INPUT or NOT_FOUND otherwise.
func (c RemoveReaction) Decide(in Input) ([]Change, error) {
	id, acc, err := checkReaction(in, c.Actor, c.Subject, c.Content)
	if err != nil {
		return nil, err
	}
	if r, ok := in.Snapshot(id).State.(*Reaction); !ok || r == nil || !r.Active {
		return nil, nil
	}
	return append([]Change{{ID: id, Events: []Event{&ReactionRemoved{}}}}, acc.checks(false)...), nil
}
