package entities

import (
	"time"
)

// PullRequestStatus is whether a pull request is open, closed or merged.
type PullRequestStatus string

// The pull request states. MERGED is final.
const (
	PullRequestStateOpen   PullRequestStatus = "OPEN"
	PullRequestStateClosed PullRequestStatus = "CLOSED"
	PullRequestStateMerged PullRequestStatus = "MERGED"
)

// PullRequest is the state of a pull request. Owner and Repository are the
// repository's owner login and name as the repository spells them.
type PullRequest struct {
	Work
	HeadRef  string            `json:"headRef"`
	BaseRef  string            `json:"baseRef"`
	State    PullRequestStatus `json:"state"`
	MergedAt *time.Time        `json:"mergedAt,omitempty"`
	MergedBy string            `json:"mergedBy,omitempty"`
}

// Kind returns KindPullRequest.
func (*PullRequest) Kind() Kind { return KindPullRequest }

// PullRequestOpened records a new pull request.
type PullRequestOpened struct {
	Owner      string `json:"owner"`
	Repository string `json:"repo"`
	Number     int    `json:"number"`
	Title      string `json:"title"`
	Body       string `json:"body,omitempty"`
	Author     string `json:"author"`
	HeadRef    string `json:"headRef"`
	BaseRef    string `json:"baseRef"`
	Life       int    `json:"life,omitempty"`
}

// EventType returns "PullRequestOpened".
func (*PullRequestOpened) EventType() string { return "PullRequestOpened" }

func (e *PullRequestOpened) evolve(s State, at time.Time) (State, error) {
	if s != nil {
		return nil, errWrongState(e, s)
	}
	return &PullRequest{Work: Work{Owner: e.Owner, Repository: e.Repository, Number: e.Number, Title: e.Title, Body: e.Body, Author: e.Author, Life: e.Life, CreatedAt: at, UpdatedAt: at}, HeadRef: e.HeadRef, BaseRef: e.BaseRef, State: PullRequestStateOpen}, nil
}

// PullRequestEdited records a changed title or body; nil fields are
// unchanged.
type PullRequestEdited struct {
	Title *string `json:"title,omitempty"`
	Body  *string `json:"body,omitempty"`
}

// EventType returns "PullRequestEdited".
func (*PullRequestEdited) EventType() string { return "PullRequestEdited" }

func (e *PullRequestEdited) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, nil, func(next *PullRequest) { next.edit(e.Title, e.Body, at) })
}

// PullRequestClosed records that an open pull request was closed unmerged.
type PullRequestClosed struct{}

// EventType returns "PullRequestClosed".
func (*PullRequestClosed) EventType() string { return "PullRequestClosed" }

func (e *PullRequestClosed) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, (*PullRequest).isOpen, func(next *PullRequest) {
		next.State = PullRequestStateClosed
		next.close(at)
	})
}

// PullRequestReopened records that a closed pull request was reopened.
type PullRequestReopened struct{}

// EventType returns "PullRequestReopened".
func (*PullRequestReopened) EventType() string { return "PullRequestReopened" }

func (e *PullRequestReopened) evolve(s State, at time.Time) (State, error) {
	closed := func(p *PullRequest) bool { return p.State == PullRequestStateClosed }
	return evolveState(e, s, closed, func(next *PullRequest) {
		next.State = PullRequestStateOpen
		next.reopen(at)
	})
}

// PullRequestMerged records that an open pull request was merged by By.
type PullRequestMerged struct {
	By string `json:"by"`
}

// EventType returns "PullRequestMerged".
func (*PullRequestMerged) EventType() string { return "PullRequestMerged" }

func (e *PullRequestMerged) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, (*PullRequest).isOpen, func(next *PullRequest) {
		next.State, next.MergedBy, next.MergedAt = PullRequestStateMerged, e.By, workTimePtr(at)
		next.close(at)
	})
}

// isOpen is the condition of the events that close or merge a pull
// request.
func (p *PullRequest) isOpen() bool { return p.State == PullRequestStateOpen }

// OpenPullRequest opens a pull request from HeadRef into BaseRef. Its
// number comes from the repository's counter, shared with issues (see
// OpenIssue).
type OpenPullRequest struct {
	Actor      string
	Repository RepositoryID
	Title      string
	Body       string
	HeadRef    string
	BaseRef    string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c OpenPullRequest) Validate() error {
	if err := validateWorkRepository(c.Repository); err != nil {
		return err
	}
	if err := validateWorkTitle(c.Title); err != nil {
		return err
	}
	if err := validateWorkBody(c.Body, false); err != nil {
		return err
	}
	if err := validateWorkRef("headRef", c.HeadRef); err != nil {
		return err
	}
	if err := validateWorkRef("baseRef", c.BaseRef); err != nil {
		return err
	}
	if c.HeadRef == c.BaseRef {
		return BadInput("headRef", "the head and base branches must differ (both are %q)", c.HeadRef)
	}
	return nil
}

// Targets names the repository and the actor's membership of its owner.
func (c OpenPullRequest) Targets() []ID { return workTargets(c.Repository, c.Actor) }

// Decide returns the counter change and a PullRequestOpened event;
// UNAUTHENTICATED, BAD_USER_INPUT (title, body, headRef, baseRef) or
// NOT_FOUND otherwise.
func (c OpenPullRequest) Decide(in Input) ([]Change, error) {
	acc, err := workRepository(in, c.Actor, c.Repository)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	n := in.Snapshot(c.Repository).Seq + 1
	ev := &PullRequestOpened{Owner: acc.repo.Owner, Repository: acc.repo.Name, Number: int(n), Title: c.Title, Body: c.Body, Author: LowerASCII(in.Actor), HeadRef: c.HeadRef, BaseRef: c.BaseRef, Life: acc.repo.Life}
	changes := []Change{{ID: c.Repository, NewSeq: n}, {ID: NewPullRequestID(c.Repository, int(n)), Events: []Event{ev}}}
	return append(changes, acc.memberChecks(false)...), nil
}

// errMerged is the error for changing the state of a merged pull request:
// a request that can never succeed (GitHub answers 422 Unprocessable), so
// it is bad input rather than a retryable conflict.
func errMerged(n int) error {
	return BadInput("number", "pull request #%d is already merged", n)
}

// EditPullRequest changes a pull request's title or body (merged ones
// too, as on GitHub); nil fields stay as they are.
type EditPullRequest struct {
	Actor      string
	Repository RepositoryID
	Number     int
	Title      *string
	Body       *string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c EditPullRequest) Validate() error { return workEditCommand(c).validate() }

// Targets names the pull request, its repository and the actor's
// membership.
func (c EditPullRequest) Targets() []ID {
	return pullRequests().targets(workRef{c.Actor, c.Repository, c.Number})
}

// Decide returns a PullRequestEdited event with the fields that change
// (none if nothing does); UNAUTHENTICATED, BAD_USER_INPUT, NOT_FOUND or
// FORBIDDEN otherwise.
func (c EditPullRequest) Decide(in Input) ([]Change, error) {
	return pullRequests().decideEdit(in, workEditCommand(c), func(title, body *string) Event {
		return &PullRequestEdited{Title: title, Body: body}
	})
}

// ClosePullRequest closes an open pull request without merging; closing a
// closed one changes nothing; a merged one cannot be closed.
type ClosePullRequest struct {
	Actor      string
	Repository RepositoryID
	Number     int
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c ClosePullRequest) Validate() error { return validateWorkItem(c.Repository, c.Number) }

// Targets names the pull request, its repository and the actor's
// membership.
func (c ClosePullRequest) Targets() []ID { return pullRequests().targets(workRef(c)) }

// Decide returns a PullRequestClosed event, nothing for a closed pull
// request, BAD_USER_INPUT for a merged one, or UNAUTHENTICATED, NOT_FOUND,
// FORBIDDEN.
func (c ClosePullRequest) Decide(in Input) ([]Change, error) {
	return pullRequests().decide(in, workRef(c), func(p *PullRequest) (Event, error) {
		return p.transition(PullRequestStateClosed, &PullRequestClosed{})
	})
}

// ReopenPullRequest reopens a closed pull request; reopening an open one
// changes nothing; a merged one cannot be reopened.
type ReopenPullRequest struct {
	Actor      string
	Repository RepositoryID
	Number     int
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c ReopenPullRequest) Validate() error { return validateWorkItem(c.Repository, c.Number) }

// Targets names the pull request, its repository and the actor's
// membership.
func (c ReopenPullRequest) Targets() []ID { return pullRequests().targets(workRef(c)) }

// Decide returns a PullRequestReopened event, nothing for an open pull
// request, BAD_USER_INPUT for a merged one, or UNAUTHENTICATED, NOT_FOUND,
// FORBIDDEN.
func (c ReopenPullRequest) Decide(in Input) ([]Change, error) {
	return pullRequests().decide(in, workRef(c), func(p *PullRequest) (Event, error) {
		return p.transition(PullRequestStateOpen, &PullRequestReopened{})
	})
}

// transition is the event that moves the pull request to state to: none
// when it is there already, BAD_USER_INPUT when it is merged (final).
func (p *PullRequest) transition(to PullRequestStatus, ev Event) (Event, error) {
	switch p.State {
	case PullRequestStateMerged:
		return nil, errMerged(p.Number)
	case to:
		return nil, nil
	}
	return ev, nil
}

// MergePullRequest merges an open pull request. Only repository admins
// may merge; merged is final.
type MergePullRequest struct {
	Actor      string
	Repository RepositoryID
	Number     int
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c MergePullRequest) Validate() error { return validateWorkItem(c.Repository, c.Number) }

// Targets names the pull request, its repository and the actor's
// membership.
func (c MergePullRequest) Targets() []ID { return pullRequests().targets(workRef(c)) }

// Decide returns a PullRequestMerged event; UNAUTHENTICATED, FORBIDDEN for
// non-admins, BAD_USER_INPUT for a merged or closed pull request, or
// NOT_FOUND otherwise.
func (c MergePullRequest) Decide(in Input) ([]Change, error) {
	p, acc, err := pullRequests().load(in, workRef(c))
	if err != nil {
		return nil, err
	}
	if !CanMergePullRequest(acc.rel) {
		return nil, Forbidden("only repository admins can merge pull requests")
	}
	switch p.State {
	case PullRequestStateMerged:
		return nil, errMerged(c.Number)
	case PullRequestStateClosed:
		return nil, BadInput("number", "pull request #%d is closed; reopen it before merging", c.Number)
	}
	ev := &PullRequestMerged{By: LowerASCII(in.Actor)}
	return append([]Change{{ID: NewPullRequestID(c.Repository, c.Number), Events: []Event{ev}}}, acc.checks(true)...), nil
}
