package model

import "time"

// Repository is a GraphQL Repository.
type Repository struct {
	ID             string
	OwnerLogin     string
	Name           string
	NameWithOwner  string
	Description    *string
	IsPrivate      bool
	IsFork         bool
	ParentOwner    string // "" when not a fork
	ParentName     string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	StargazerCount int32
	ForkCount      int32
	// Counters used by connection totalCounts.
	OpenIssueCount   int32
	ClosedIssueCount int32
	OpenPullCount    int32
	ClosedPullCount  int32
	MergedPullCount  int32
	// Repository area, not in the schema. Life and ParentLife tell apart
	// successive repositories of one name (entities.Repository.Life), so
	// stars, forks and the parent of a fork are matched to the right one.
	// StarredByViewer, when set, is what a star mutation just wrote: its
	// payload reads its own write before the projection catches up.
	Life            int
	ParentLife      int
	StarredByViewer *bool
}

// IsNode marks Repository as a Node.
func (Repository) IsNode() {}

// GetID returns the node ID.
func (r Repository) GetID() string { return r.ID }

// Reactions counts reactions by content.
type Reactions map[ReactionContent]int32

// Work is what an Issue and a PullRequest share (each embeds it, as the
// entities' states and the read items do): the node, its repository and
// number, text, author, times and counters.
type Work struct {
	ID              string
	RepositoryOwner string
	RepositoryName  string
	Number          int32
	Title           string
	Body            string
	AuthorLogin     string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ClosedAt        *time.Time
	CommentCount    int32
	Reactions       Reactions
}

// Issue is a GraphQL Issue.
type Issue struct {
	Work
	State       IssueState
	StateReason *IssueStateReason
}

// IsNode marks Issue as a Node.
func (Issue) IsNode() {}

// GetID returns the node ID.
func (i Issue) GetID() string { return i.ID }

// IsReactable marks Issue as Reactable.
func (Issue) IsReactable() {}

// PullRequest is a GraphQL PullRequest.
type PullRequest struct {
	Work
	State         PullRequestState
	HeadRefName   string
	BaseRefName   string
	Merged        bool
	MergedAt      *time.Time
	MergedByLogin string
}

// IsNode marks PullRequest as a Node.
func (PullRequest) IsNode() {}

// GetID returns the node ID.
func (p PullRequest) GetID() string { return p.ID }

// IsReactable marks PullRequest as Reactable.
func (PullRequest) IsReactable() {}

// IssueComment is a GraphQL IssueComment.
type IssueComment struct {
	ID              string
	RepositoryOwner string
	RepositoryName  string
	Number          int32
	LocalID         string
	Body            string
	AuthorLogin     string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Reactions       Reactions
}

// IsNode marks IssueComment as a Node.
func (IssueComment) IsNode() {}

// GetID returns the node ID.
func (c IssueComment) GetID() string { return c.ID }

// IsReactable marks IssueComment as Reactable.
func (IssueComment) IsReactable() {}
