package readmodel

import (
	"reflect"
	"strings"
	"time"

	"github.com/hubstream/hubstream/internal/table"
)

// WorkItem is what the read items of issues and pull requests share (the
// two are "work items" of a repository; each embeds it). Each lives in
// its own partition.
type WorkItem struct {
	Header
	// RepositoryOwner and RepositoryName name the repository as it spells itself.
	RepositoryOwner string     `dynamodbav:"repoOwner"`
	RepositoryName  string     `dynamodbav:"repoName"`
	Number          int        `dynamodbav:"number"`
	Title           string     `dynamodbav:"title"`
	Body            string     `dynamodbav:"body,omitempty"`
	Author          string     `dynamodbav:"author"` // lower case
	State           string     `dynamodbav:"state"`
	CreatedAt       time.Time  `dynamodbav:"createdAt"`
	UpdatedAt       time.Time  `dynamodbav:"updatedAt"`
	ClosedAt        *time.Time `dynamodbav:"closedAt,omitempty"`
	SubjectCounters
}

// Issue is the read item of an issue.
type Issue struct {
	WorkItem
	StateReason string `dynamodbav:"stateReason,omitempty"` // COMPLETED, NOT_PLANNED or REOPENED
}

// ItemType returns table.TypeIssue.
func (Issue) ItemType() string { return table.TypeIssue }

// PullRequest is the read item of a pull request.
type PullRequest struct {
	WorkItem
	HeadRef  string     `dynamodbav:"headRef"`
	BaseRef  string     `dynamodbav:"baseRef"`
	MergedAt *time.Time `dynamodbav:"mergedAt,omitempty"`
	MergedBy string     `dynamodbav:"mergedBy,omitempty"`
}

// ItemType returns table.TypePullRequest.
func (PullRequest) ItemType() string { return table.TypePullRequest }

// SubjectCounters are the counters kept on the item of something that can
// be commented on (issues, pull requests: CommentCount) or reacted to
// (those and comments).
type SubjectCounters struct {
	CommentCount int `dynamodbav:"commentCount" readmodel:"counter"`
	Reactions
}

// AttrCommentCount is the comment counter's attribute name.
const AttrCommentCount = "commentCount"

// Reactions counts a subject's reactions, one counter per content.
type Reactions struct {
	ThumbsUp   int `dynamodbav:"reactions_THUMBS_UP" readmodel:"counter"`
	ThumbsDown int `dynamodbav:"reactions_THUMBS_DOWN" readmodel:"counter"`
	Laugh      int `dynamodbav:"reactions_LAUGH" readmodel:"counter"`
	Hooray     int `dynamodbav:"reactions_HOORAY" readmodel:"counter"`
	Confused   int `dynamodbav:"reactions_CONFUSED" readmodel:"counter"`
	Heart      int `dynamodbav:"reactions_HEART" readmodel:"counter"`
	Rocket     int `dynamodbav:"reactions_ROCKET" readmodel:"counter"`
	Eyes       int `dynamodbav:"reactions_EYES" readmodel:"counter"`
}

const reactionPrefix = "reactions_"

// AttrReactionCount is the attribute counting reactions with content
// (THUMBS_UP, …) on a subject item.
func AttrReactionCount(content string) string { return reactionPrefix + content }

// ByContent returns the counts by content; contents without reactions
// are absent.
func (r Reactions) ByContent() map[string]int {
	out := map[string]int{}
	v := reflect.ValueOf(r)
	for i := range v.NumField() {
		if n := int(v.Field(i).Int()); n > 0 {
			content := strings.TrimPrefix(v.Type().Field(i).Tag.Get("dynamodbav"), reactionPrefix)
			out[content] = n
		}
	}
	return out
}

// Comment is the read item of a comment on an issue or pull request, in
// the repository's partition. A deleted comment's item stays, marked
// Deleted and without body and author (see projections.projectComment).
type Comment struct {
	Header
	RepositoryOwner string    `dynamodbav:"repoOwner"`
	RepositoryName  string    `dynamodbav:"repoName"`
	Number          int       `dynamodbav:"number"`
	ID              string    `dynamodbav:"commentId"`   // the comment's own, time-sortable id
	Subject         string    `dynamodbav:"subjectKind"` // ISSUE or PR: what the number is
	Body            string    `dynamodbav:"body,omitempty"`
	Author          string    `dynamodbav:"author,omitempty"`
	Deleted         bool      `dynamodbav:"deleted,omitempty"`
	CreatedAt       time.Time `dynamodbav:"createdAt"`
	UpdatedAt       time.Time `dynamodbav:"updatedAt"`
	Reactions
}

// ItemType returns table.TypeComment.
func (Comment) ItemType() string { return table.TypeComment }

// Reaction is the read item of one user's reaction with one content, next
// to its subject's item.
type Reaction struct {
	Header
	Content   string    `dynamodbav:"content"`
	Login     string    `dynamodbav:"login"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
}

// ItemType returns table.TypeReaction.
func (Reaction) ItemType() string { return table.TypeReaction }

// Work returns the shared part of an issue's item.
func (i Issue) Work() WorkItem { return i.WorkItem }

// Work returns the shared part of a pull request's item.
func (p PullRequest) Work() WorkItem { return p.WorkItem }
