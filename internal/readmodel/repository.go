package readmodel

import (
	"time"

	"github.com/hubstream/hubstream/internal/table"
)

// Repository is the read item of a repository, in its partition.
type Repository struct {
	Header
	Owner       string `dynamodbav:"owner"` // as the owner spells its login
	Name        string `dynamodbav:"name"`
	Description string `dynamodbav:"description,omitempty"`
	IsPrivate   bool   `dynamodbav:"isPrivate"`
	IsFork      bool   `dynamodbav:"isFork"`
	ParentOwner string `dynamodbav:"parentOwner,omitempty"` // "" unless a fork
	ParentName  string `dynamodbav:"parentName,omitempty"`
	ParentLife  int    `dynamodbav:"parentLife,omitempty"`
	// Life tells apart successive repositories of the same name (a name
	// reused after a delete); its attribute is table.ReadLife, which the
	// projector's life-aware writes match on.
	Life      int       `dynamodbav:"life"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	UpdatedAt time.Time `dynamodbav:"updatedAt"`
	RepositoryCounters
}

// RepositoryCounters are the counters the projections of stars, forks,
// issues and pull requests keep on a repository item.
type RepositoryCounters struct {
	StargazerCount   int `dynamodbav:"stargazerCount" readmodel:"counter"`
	ForkCount        int `dynamodbav:"forkCount" readmodel:"counter"`
	OpenIssueCount   int `dynamodbav:"openIssueCount" readmodel:"counter"`
	ClosedIssueCount int `dynamodbav:"closedIssueCount" readmodel:"counter"`
	OpenPullCount    int `dynamodbav:"openPullCount" readmodel:"counter"`
	ClosedPullCount  int `dynamodbav:"closedPullCount" readmodel:"counter"`
	MergedPullCount  int `dynamodbav:"mergedPullCount" readmodel:"counter"`
}

// The repository counters' attribute names, for projections' ADDs.
const (
	AttrStargazerCount   = "stargazerCount"
	AttrForkCount        = "forkCount"
	AttrOpenIssueCount   = "openIssueCount"
	AttrClosedIssueCount = "closedIssueCount"
	AttrOpenPullCount    = "openPullCount"
	AttrClosedPullCount  = "closedPullCount"
	AttrMergedPullCount  = "mergedPullCount"
)

// ItemType returns table.TypeRepository.
func (Repository) ItemType() string { return table.TypeRepository }

// Star is the read item of a user's star on a repository (in the user's
// partition, indexed as a stargazer of the repository).
type Star struct {
	Header
	Login          string    `dynamodbav:"login"` // the stargazer, as the user spells their login
	Owner          string    `dynamodbav:"owner"` // the repository
	Name           string    `dynamodbav:"name"`
	RepositoryLife int       `dynamodbav:"repoLife"` // AttrRepositoryLife: what a purge matches on
	StarredAt      time.Time `dynamodbav:"starredAt"`
}

// ItemType returns table.TypeStar.
func (Star) ItemType() string { return table.TypeStar }

// ForkLink is the read item of a fork's link in its parent's partition.
type ForkLink struct {
	Header
	Owner          string    `dynamodbav:"owner"` // the parent
	Name           string    `dynamodbav:"name"`
	RepositoryLife int       `dynamodbav:"repoLife"` // the parent's life
	ForkOwner      string    `dynamodbav:"forkOwner"`
	ForkName       string    `dynamodbav:"forkName"`
	ForkLife       int       `dynamodbav:"forkLife"` // AttrForkLife
	CreatedAt      time.Time `dynamodbav:"createdAt"`
}

// ItemType returns table.TypeFork.
func (ForkLink) ItemType() string { return table.TypeFork }

// Attribute names a repository's purge matches items on.
const (
	AttrRepositoryLife = "repoLife"
	AttrForkLife       = "forkLife"
)
