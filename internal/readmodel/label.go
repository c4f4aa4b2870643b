package readmodel

import (
	"time"

	"github.com/hubstream/hubstream/internal/table"
)

// Label is the read item of a repository's label (table.LabelKey).
type Label struct {
	Header
	RepositoryOwner string    `dynamodbav:"repoOwner"`
	RepositoryName  string    `dynamodbav:"repoName"`
	Life            int       `dynamodbav:"life"` // the repository life the label belongs to
	ID              string    `dynamodbav:"labelId"`
	Name            string    `dynamodbav:"name"`
	Color           string    `dynamodbav:"color"`
	Description     string    `dynamodbav:"description,omitempty"`
	CreatedAt       time.Time `dynamodbav:"createdAt"`
	UpdatedAt       time.Time `dynamodbav:"updatedAt"`
	// IssueCount and PullRequestCount count the items labeled with it.
	IssueCount       int `dynamodbav:"issueCount" readmodel:"counter"`
	PullRequestCount int `dynamodbav:"pullRequestCount" readmodel:"counter"`
}

// The label counters' attribute names, for projections' ADDs.
const (
	AttrIssueCount       = "issueCount"
	AttrPullRequestCount = "pullRequestCount"
)

// ItemType returns table.TypeLabel.
func (Label) ItemType() string { return table.TypeLabel }

// LabelLink is the read item linking a label to an issue or pull request
// (table.LabelLinkKey), in the labeled item's partition.
type LabelLink struct {
	Header
	LabelID         string `dynamodbav:"labelId"`
	Kind            string `dynamodbav:"subjectKind"` // ISSUE or PR
	RepositoryOwner string `dynamodbav:"repoOwner"`
	RepositoryName  string `dynamodbav:"repoName"`
	Number          int    `dynamodbav:"number"`
	State           string `dynamodbav:"state"` // the labeled item's state, to filter by
}

// ItemType returns table.TypeLabelLink.
func (LabelLink) ItemType() string { return table.TypeLabelLink }
