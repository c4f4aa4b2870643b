package entities

import (
	"slices"
	"time"
)

// IssueStatus is whether an issue is open or closed.
type IssueStatus string

// The issue states.
const (
	IssueStateOpen   IssueStatus = "OPEN"
	IssueStateClosed IssueStatus = "CLOSED"
)

// IssueStateReason says why an issue is in its state.
type IssueStateReason string

// The state reasons.
const (
	ReasonCompleted  IssueStateReason = "COMPLETED"
	ReasonNotPlanned IssueStateReason = "NOT_PLANNED"
	ReasonReopened   IssueStateReason = "REOPENED"
)

// Issue is the state of an issue. Owner and Repository are the repository's
// owner login and name as the repository spells them.
type Issue struct {
	Work
	State       IssueStatus      `json:"state"`
	StateReason IssueStateReason `json:"stateReason,omitempty"`
}

// Kind returns KindIssue.
func (*Issue) Kind() Kind { return KindIssue }

// IssueOpened records a new issue. Version 2 (SchemaVersion) names the
// repository "repository" where version 1 said "repo", and carries the
// labels given at open.
type IssueOpened struct {
	Owner      string   `json:"owner"`
	Repository string   `json:"repository"`
	Number     int      `json:"number"`
	Title      string   `json:"title"`
	Body       string   `json:"body,omitempty"`
	Author     string   `json:"author"`
	Life       int      `json:"life,omitempty"`
	Labels     []string `json:"labels,omitempty"`
}

// EventType returns "IssueOpened".
func (*IssueOpened) EventType() string { return "IssueOpened" }

func (e *IssueOpened) evolve(s State, at time.Time) (State, error) {
	if s != nil {
		return nil, errWrongState(e, s)
	}
	return &Issue{Work: Work{Owner: e.Owner, Repository: e.Repository, Number: e.Number, Title: e.Title, Body: e.Body, Author: e.Author, Life: e.Life, Labels: e.Labels, CreatedAt: at, UpdatedAt: at}, State: IssueStateOpen}, nil
}

// IssueEdited records a changed title or body; nil fields are unchanged.
type IssueEdited struct {
	Title *string `json:"title,omitempty"`
	Body  *string `json:"body,omitempty"`
}

// EventType returns "IssueEdited".
func (*IssueEdited) EventType() string { return "IssueEdited" }

func (e *IssueEdited) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, nil, func(next *Issue) { next.edit(e.Title, e.Body, at) })
}

// IssueClosed records that an open issue was closed, and why.
type IssueClosed struct {
	Reason IssueStateReason `json:"reason"`
}

// EventType returns "IssueClosed".
func (*IssueClosed) EventType() string { return "IssueClosed" }

func (e *IssueClosed) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, (*Issue).isOpen, func(next *Issue) {
		next.State, next.StateReason = IssueStateClosed, e.Reason
		next.close(at)
	})
}

// IssueReopened records that a closed issue was reopened.
type IssueReopened struct{}

// EventType returns "IssueReopened".
func (*IssueReopened) EventType() string { return "IssueReopened" }

func (e *IssueReopened) evolve(s State, at time.Time) (State, error) {
	closed := func(i *Issue) bool { return i.State == IssueStateClosed }
	return evolveState(e, s, closed, func(next *Issue) {
		next.State, next.StateReason = IssueStateOpen, ReasonReopened
		next.reopen(at)
	})
}

// isOpen is the condition of the events that close an issue.
func (i *Issue) isOpen() bool { return i.State == IssueStateOpen }

// OpenIssue opens an issue in a repository. Its number is the repository's
// next one (shared with pull requests): Decide advances the repository
// head's sequence counter in the same transaction, so numbers are
// gap-free and concurrent opens are serialised by conflict retries.
type OpenIssue struct {
	Actor      string
	Repository RepositoryID
	Title      string
	Body       string
	Labels     []LabelRef // labels to put on the issue at once, optional
}

// LabelRef names a label as a client gave it: its repository and its ID
// there. A command refuses (NOT_FOUND) a label of another repository in
// Decide, after the actor's rights, so that a wrong label never answers
// before "who are you".
type LabelRef struct {
	Repository RepositoryID
	ID         string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c OpenIssue) Validate() error {
	if err := validateWorkRepository(c.Repository); err != nil {
		return err
	}
	if err := validateWorkTitle(c.Title); err != nil {
		return err
	}
	if len(c.Labels) > MaxLabelsPerItem {
		return BadInput("labelIds", "an issue has at most %d labels", MaxLabelsPerItem)
	}
	for _, l := range c.Labels {
		if l.Repository != c.Repository {
			continue // NOT_FOUND in Decide
		}
		if err := validateLabelID("labelIds", l.ID); err != nil {
			return err
		}
	}
	return validateWorkBody(c.Body, false)
}

// Targets names the repository (its head holds the counter) and the
// actor's membership of its owner; the issue's own ID is only known once
// the counter is read.
func (c OpenIssue) Targets() []ID { return workTargets(c.Repository, c.Actor) }

// Decide returns the counter change and an IssueOpened event;
// UNAUTHENTICATED for anonymous actors, BAD_USER_INPUT for an invalid
// title or body, NOT_FOUND for a missing, deleted or invisible repository
// or label. The author may label their issue at open (as they may later).
func (c OpenIssue) Decide(in Input) ([]Change, error) {
	acc, err := workRepository(in, c.Actor, c.Repository)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var labels []string
	for _, l := range c.Labels {
		if l.Repository != c.Repository || acc.repo.LabelByID(l.ID) == nil {
			if l.ID == "" {
				// Not a label's node ID at all (the resolver could not
				// read one): there is no ID to name.
				return nil, NotFound("labelIds: not a label of %s/%s", acc.repo.Owner, acc.repo.Name)
			}
			return nil, NotFound("label %s not found in %s/%s", l.ID, acc.repo.Owner, acc.repo.Name)
		}
		if !slices.Contains(labels, l.ID) {
			labels = append(labels, l.ID)
		}
	}
	n := in.Snapshot(c.Repository).Seq + 1
	ev := &IssueOpened{Owner: acc.repo.Owner, Repository: acc.repo.Name, Number: int(n), Title: c.Title, Body: c.Body, Author: LowerASCII(in.Actor), Life: acc.repo.Life, Labels: labels}
	changes := []Change{{ID: c.Repository, NewSeq: n}, {ID: NewIssueID(c.Repository, int(n)), Events: []Event{ev}}}
	return append(changes, acc.memberChecks(false)...), nil
}

// EditIssue changes an issue's title or body; nil fields stay as they are.
type EditIssue struct {
	Actor      string
	Repository RepositoryID
	Number     int
	Title      *string
	Body       *string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c EditIssue) Validate() error { return workEditCommand(c).validate() }

// Targets names the issue, its repository and the actor's membership.
func (c EditIssue) Targets() []ID { return issues().targets(workRef{c.Actor, c.Repository, c.Number}) }

// Decide returns an IssueEdited event with the fields that change (none if
// nothing does); UNAUTHENTICATED, BAD_USER_INPUT, NOT_FOUND or FORBIDDEN
// otherwise.
func (c EditIssue) Decide(in Input) ([]Change, error) {
	return issues().decideEdit(in, workEditCommand(c), func(title, body *string) Event { return &IssueEdited{Title: title, Body: body} })
}

// CloseIssue closes an issue with a reason (default COMPLETED). Closing a
// closed issue changes nothing, as on GitHub.
type CloseIssue struct {
	Actor      string
	Repository RepositoryID
	Number     int
	Reason     IssueStateReason
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c CloseIssue) Validate() error {
	if err := validateWorkItem(c.Repository, c.Number); err != nil {
		return err
	}
	_, err := c.reason()
	return err
}

// reason is the reason to close with: COMPLETED by default.
func (c CloseIssue) reason() (IssueStateReason, error) {
	switch c.Reason {
	case "":
		return ReasonCompleted, nil
	case ReasonCompleted, ReasonNotPlanned:
		return c.Reason, nil
	}
	return "", BadInput("reason", "an issue can be closed as COMPLETED or NOT_PLANNED (got %q)", c.Reason)
}

// Targets names the issue, its repository and the actor's membership.
func (c CloseIssue) Targets() []ID { return issues().targets(workRef{c.Actor, c.Repository, c.Number}) }

// Decide returns an IssueClosed event, nothing for a closed issue, or
// UNAUTHENTICATED, BAD_USER_INPUT (reason), NOT_FOUND, FORBIDDEN.
func (c CloseIssue) Decide(in Input) ([]Change, error) {
	return issues().decide(in, workRef{c.Actor, c.Repository, c.Number}, func(i *Issue) (Event, error) {
		reason, err := c.reason()
		if err != nil || i.State == IssueStateClosed {
			return nil, err
		}
		return &IssueClosed{Reason: reason}, nil
	})
}

// ReopenIssue reopens a closed issue; reopening an open one changes
// nothing.
type ReopenIssue struct {
	Actor      string
	Repository RepositoryID
	Number     int
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c ReopenIssue) Validate() error { return validateWorkItem(c.Repository, c.Number) }

// Targets names the issue, its repository and the actor's membership.
func (c ReopenIssue) Targets() []ID { return issues().targets(workRef(c)) }

// Decide returns an IssueReopened event, nothing for an open issue, or
// UNAUTHENTICATED, NOT_FOUND, FORBIDDEN.
func (c ReopenIssue) Decide(in Input) ([]Change, error) {
	return issues().decide(in, workRef(c), func(i *Issue) (Event, error) {
		if i.State == IssueStateOpen {
			return nil, nil
		}
		return &IssueReopened{}, nil
	})
}
