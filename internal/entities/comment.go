package entities

import (
	"strings"
	"time"
)

// Comment is the state of a comment on an issue or pull request. A deleted
// comment keeps its aggregate (so its ID is never reused) but is gone for
// every command and query.
type Comment struct {
	Owner      string `json:"owner"`
	Repository string `json:"repo"`
	Number     int    `json:"number"`
	// Subject is KindIssue or KindPullRequest: which of the two shares the
	// number this comment is on.
	Subject   Kind      `json:"subject"`
	LocalID   string    `json:"id"`
	Body      string    `json:"body"`
	Author    string    `json:"author"`
	Life      int       `json:"life,omitempty"` // the repository's life the comment belongs to
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Deleted   bool      `json:"deleted,omitempty"`
}

// Kind returns KindComment.
func (*Comment) Kind() Kind { return KindComment }

// SubjectID returns the ID of the issue or pull request commented on.
func (c *Comment) SubjectID() ID {
	repo := NewRepositoryID(c.Owner, c.Repository)
	if c.Subject == KindPullRequest {
		return NewPullRequestID(repo, c.Number)
	}
	return NewIssueID(repo, c.Number)
}

// CommentAdded records a new comment.
type CommentAdded struct {
	Owner      string `json:"owner"`
	Repository string `json:"repo"`
	Number     int    `json:"number"`
	Subject    Kind   `json:"subject"`
	ID         string `json:"id"`
	Body       string `json:"body"`
	Author     string `json:"author"`
	Life       int    `json:"life,omitempty"`
}

// EventType returns "CommentAdded".
func (*CommentAdded) EventType() string { return "CommentAdded" }

func (e *CommentAdded) evolve(s State, at time.Time) (State, error) {
	if s != nil {
		return nil, errWrongState(e, s)
	}
	return &Comment{Owner: e.Owner, Repository: e.Repository, Number: e.Number, Subject: e.Subject, LocalID: e.ID, Body: e.Body, Author: e.Author, Life: e.Life, CreatedAt: at, UpdatedAt: at}, nil
}

// CommentEdited records a comment's new body.
type CommentEdited struct {
	Body string `json:"body"`
}

// EventType returns "CommentEdited".
func (*CommentEdited) EventType() string { return "CommentEdited" }

// live is the condition of the events on a comment: it is not deleted.
func (c *Comment) live() bool { return !c.Deleted }

func (e *CommentEdited) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, (*Comment).live, func(next *Comment) { next.Body, next.UpdatedAt = e.Body, at })
}

// CommentDeleted records that a comment was deleted.
type CommentDeleted struct{}

// EventType returns "CommentDeleted".
func (*CommentDeleted) EventType() string { return "CommentDeleted" }

func (e *CommentDeleted) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, (*Comment).live, func(next *Comment) { next.Deleted, next.UpdatedAt = true, at })
}

// crockford is the lower-case Crockford base32 alphabet: digits sort
// before letters, so encoded times sort as text.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// CommentLocalIDLen is the length of a comment's local ID.
const CommentLocalIDLen = 26

// NewCommentLocalID returns a ULID-shaped comment ID (lower case): 48 bits
// of milliseconds since the Unix epoch, then 80 bits of entropy, in 26
// Crockford base32 characters. IDs sort by time as text, so comments list
// oldest first by key; the entropy makes them unique. It is pure: callers
// (the resolver) supply the randomness, so Decide stays deterministic.
func NewCommentLocalID(t time.Time, entropy [10]byte) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	copy(b[6:], entropy[:])
	// 128 bits as 26 base32 digits: the first digit holds the top 3 bits.
	out := make([]byte, CommentLocalIDLen)
	var acc uint64
	bits := 2 // 130 bits of room: pad two zero bits at the top
	j := 0
	for _, x := range b {
		acc = acc<<8 | uint64(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out[j] = crockford[(acc>>bits)&31]
			j++
		}
	}
	return string(out)
}

// validateCommentLocalID checks a comment ID's shape: it becomes part of
// keys and node IDs, so only the ID alphabet is allowed.
func validateCommentLocalID(field, id string) error {
	if len(id) != CommentLocalIDLen {
		return BadInput(field, "malformed comment id")
	}
	for i := 0; i < len(id); i++ {
		if strings.IndexByte(crockford, id[i]) < 0 {
			return BadInput(field, "malformed comment id")
		}
	}
	return nil
}

// AddComment comments on issue or pull request Number of a repository
// (they share numbers). ID is the new comment's local ID, made by the
// caller with NewCommentLocalID so that Decide stays pure.
type AddComment struct {
	Actor      string
	Repository RepositoryID
	Number     int
	ID         string
	Body       string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c AddComment) Validate() error {
	if err := validateWorkItem(c.Repository, c.Number); err != nil {
		return err
	}
	if err := validateCommentLocalID("id", c.ID); err != nil {
		return err
	}
	return validateWorkBody(c.Body, true)
}

// Targets names the new comment, the repository, the actor's membership,
// and both the issue and the pull request with the number (whichever
// exists is the subject).
func (c AddComment) Targets() []ID {
	ids := append([]ID{NewCommentID(c.Repository, c.Number, c.ID)}, workTargets(c.Repository, c.Actor)...)
	return append(ids, NewIssueID(c.Repository, c.Number), NewPullRequestID(c.Repository, c.Number))
}

// Decide returns a CommentAdded event; UNAUTHENTICATED, BAD_USER_INPUT
// (number, id, body), NOT_FOUND (repository, or no issue or pull request
// with the number) or ALREADY_EXISTS (a reused comment id) otherwise.
func (c AddComment) Decide(in Input) ([]Change, error) {
	acc, err := workRepository(in, c.Actor, c.Repository)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := acc.hasNumber(c.Number, "issue or pull request"); err != nil {
		return nil, err
	}
	var subject Kind
	switch {
	case in.Snapshot(NewIssueID(c.Repository, c.Number)).Exists():
		subject = KindIssue
	case in.Snapshot(NewPullRequestID(c.Repository, c.Number)).Exists():
		subject = KindPullRequest
	default:
		return nil, NotFound("issue or pull request #%d not found in %s/%s", c.Number, acc.repo.Owner, acc.repo.Name)
	}
	id := NewCommentID(c.Repository, c.Number, c.ID)
	if in.Snapshot(id).Exists() {
		return nil, AlreadyExists("comment %s already exists", c.ID)
	}
	ev := &CommentAdded{Owner: acc.repo.Owner, Repository: acc.repo.Name, Number: c.Number, Subject: subject, ID: c.ID, Body: c.Body, Author: LowerASCII(in.Actor), Life: acc.repo.Life}
	return append([]Change{{ID: id, Events: []Event{ev}}}, acc.checks(false)...), nil
}

// modifyComment checks the repository and returns the live comment the
// actor wants to change with the membership checks the decision relies
// on: NOT_FOUND for a missing or deleted one, FORBIDDEN unless the actor
// is its author or a repository admin.
func modifyComment(in Input, actor string, id CommentID) (*Comment, []Change, error) {
	acc, err := workRepository(in, actor, id.Repository())
	if err != nil {
		return nil, nil, err
	}
	c, ok := in.Snapshot(id).State.(*Comment)
	if !ok || c == nil || c.Deleted || !acc.repo.HasNumber(id.Number()) {
		return nil, nil, NotFound("comment not found")
	}
	ok, asAdmin := acc.canModify(in, c.Author)
	if !ok {
		return nil, nil, Forbidden("only the author or a repository admin can change this comment")
	}
	return c, acc.checks(asAdmin), nil
}

// EditComment replaces a comment's body.
type EditComment struct {
	Actor string
	ID    CommentID
	Body  string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c EditComment) Validate() error {
	if err := validateNodeRef("id", c.ID); err != nil {
		return err
	}
	return validateWorkBody(c.Body, true)
}

// Targets names the comment, its repository and the actor's membership.
func (c EditComment) Targets() []ID {
	return append([]ID{c.ID}, workTargets(c.ID.Repository(), c.Actor)...)
}

// Decide returns a CommentEdited event (none if the body is unchanged);
// UNAUTHENTICATED, BAD_USER_INPUT, NOT_FOUND or FORBIDDEN otherwise.
func (c EditComment) Decide(in Input) ([]Change, error) {
	cm, checks, err := modifyComment(in, c.Actor, c.ID)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if cm.Body == c.Body {
		return nil, nil
	}
	return append([]Change{{ID: c.ID, Events: []Event{&CommentEdited{Body: c.Body}}}}, checks...), nil
}

// DeleteComment deletes a comment.
type DeleteComment struct {
	Actor string
	ID    CommentID
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c DeleteComment) Validate() error { return validateNodeRef("id", c.ID) }

// Targets names the comment, its repository and the actor's membership.
func (c DeleteComment) Targets() []ID {
	return append([]ID{c.ID}, workTargets(c.ID.Repository(), c.Actor)...)
}

// Decide returns a CommentDeleted event; UNAUTHENTICATED, NOT_FOUND (also
// for a comment already deleted) or FORBIDDEN otherwise.
func (c DeleteComment) Decide(in Input) ([]Change, error) {
	_, checks, err := modifyComment(in, c.Actor, c.ID)
	if err != nil {
		return nil, err
	}
	return append([]Change{{ID: c.ID, Events: []Event{&CommentDeleted{}}}}, checks...), nil
}
