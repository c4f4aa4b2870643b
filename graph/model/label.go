package model

import "time"

// Label is a repository's label. RepositoryOwner, RepositoryName and
// LabelID locate it for its connections; the counters are the read
// model's.
type Label struct {
	ID               string
	Name             string
	Color            string
	Description      *string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	RepositoryOwner  string
	RepositoryName   string
	LabelID          string
	IssueCount       int32
	PullRequestCount int32
}

// IsNode marks Label as a Node.
func (Label) IsNode() {}

// GetID returns the label's node ID.
func (l Label) GetID() string { return l.ID }
