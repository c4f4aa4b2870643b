package loaders

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// The work area's loaders: issues, pull requests, comments and reactions.
// They read what the caller may see; visibility of the repository is
// checked where the repository is loaded.

// Reactions counts a subject's reactions by content (THUMBS_UP, …);
// contents without reactions are absent.
type Reactions map[string]int

// Issue is the read model of an issue.
type Issue struct {
	RepoOwner    string
	RepoName     string
	Number       int
	Title        string
	Body         string
	Author       string
	State        string // OPEN or CLOSED
	StateReason  string // "", COMPLETED, NOT_PLANNED or REOPENED
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ClosedAt     *time.Time
	CommentCount int
	Reactions    Reactions
}

// PullRequest is the read model of a pull request.
type PullRequest struct {
	RepoOwner    string
	RepoName     string
	Number       int
	Title        string
	Body         string
	Author       string
	State        string // OPEN, CLOSED or MERGED
	HeadRef      string
	BaseRef      string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ClosedAt     *time.Time
	MergedAt     *time.Time
	MergedBy     string
	CommentCount int
	Reactions    Reactions
}

// Comment is the read model of a comment on an issue or pull request.
type Comment struct {
	RepoOwner string
	RepoName  string
	Number    int
	ID        string // the comment's own, time-sortable id
	Subject   string // ISSUE or PR: what the number is
	Body      string
	Author    string
	CreatedAt time.Time
	UpdatedAt time.Time
	Reactions Reactions
}

// workTimePtr reads an optional time attribute.
func workTimePtr(it Item, name string) *time.Time {
	if _, ok := it[name]; !ok {
		return nil
	}
	t := attrTime(it, name)
	return &t
}

// decodeReactions collects the per-content counters of a subject item;
// zero counts (all reactions of a content removed) are left out.
func decodeReactions(it Item) Reactions {
	out := Reactions{}
	prefix := table.ReadReactionCount("")
	for name := range it {
		if content, ok := strings.CutPrefix(name, prefix); ok {
			if n := attrInt(it, name); n > 0 {
				out[content] = n
			}
		}
	}
	return out
}

// DecodeIssue decodes an issue item; nil for a missing item or anything
// else.
func DecodeIssue(it Item) *Issue {
	if !isType(it, table.TypeIssue) {
		return nil
	}
	return &Issue{
		RepoOwner:    attrS(it, table.ReadRepoOwner),
		RepoName:     attrS(it, table.ReadRepoName),
		Number:       attrInt(it, table.ReadNumber),
		Title:        attrS(it, table.ReadTitle),
		Body:         attrS(it, table.ReadBody),
		Author:       attrS(it, table.ReadAuthor),
		State:        attrS(it, table.ReadState),
		StateReason:  attrS(it, table.ReadStateReason),
		CreatedAt:    attrTime(it, table.ReadCreatedAt),
		UpdatedAt:    attrTime(it, table.ReadUpdatedAt),
		ClosedAt:     workTimePtr(it, table.ReadClosedAt),
		CommentCount: attrInt(it, table.ReadCommentCount),
		Reactions:    decodeReactions(it),
	}
}

// DecodePullRequest decodes a pull request item; nil for a missing item or
// anything else.
func DecodePullRequest(it Item) *PullRequest {
	if !isType(it, table.TypePullRequest) {
		return nil
	}
	return &PullRequest{
		RepoOwner:    attrS(it, table.ReadRepoOwner),
		RepoName:     attrS(it, table.ReadRepoName),
		Number:       attrInt(it, table.ReadNumber),
		Title:        attrS(it, table.ReadTitle),
		Body:         attrS(it, table.ReadBody),
		Author:       attrS(it, table.ReadAuthor),
		State:        attrS(it, table.ReadState),
		HeadRef:      attrS(it, table.ReadHeadRef),
		BaseRef:      attrS(it, table.ReadBaseRef),
		CreatedAt:    attrTime(it, table.ReadCreatedAt),
		UpdatedAt:    attrTime(it, table.ReadUpdatedAt),
		ClosedAt:     workTimePtr(it, table.ReadClosedAt),
		MergedAt:     workTimePtr(it, table.ReadMergedAt),
		MergedBy:     attrS(it, table.ReadMergedBy),
		CommentCount: attrInt(it, table.ReadCommentCount),
		Reactions:    decodeReactions(it),
	}
}

// liveComment reports whether it is a comment item that is not deleted.
func liveComment(it Item) bool {
	if !isType(it, table.TypeComment) {
		return false
	}
	d, ok := it[table.ReadDeleted].(*types.AttributeValueMemberBOOL)
	return !ok || !d.Value
}

// DecodeComment decodes a comment item; nil for a missing or deleted
// comment or anything else.
func DecodeComment(it Item) *Comment {
	if !liveComment(it) {
		return nil
	}
	return &Comment{
		RepoOwner: attrS(it, table.ReadRepoOwner),
		RepoName:  attrS(it, table.ReadRepoName),
		Number:    attrInt(it, table.ReadNumber),
		ID:        attrS(it, table.ReadCommentID),
		Subject:   attrS(it, table.ReadSubjectKind),
		Body:      attrS(it, table.ReadBody),
		Author:    attrS(it, table.ReadAuthor),
		CreatedAt: attrTime(it, table.ReadCreatedAt),
		UpdatedAt: attrTime(it, table.ReadUpdatedAt),
		Reactions: decodeReactions(it),
	}
}

// Issue loads issue n of owner/repo; nil if there is none (also when n is
// a pull request's number).
func (l *Loaders) Issue(ctx context.Context, owner, repo string, n int) (*Issue, error) {
	it, err := l.ItemByKey.Load(ctx, table.IssueKey(owner, repo, n))()
	if err != nil {
		return nil, err
	}
	return DecodeIssue(it), nil
}

// PullRequest loads pull request n of owner/repo; nil if there is none.
func (l *Loaders) PullRequest(ctx context.Context, owner, repo string, n int) (*PullRequest, error) {
	it, err := l.ItemByKey.Load(ctx, table.PullRequestKey(owner, repo, n))()
	if err != nil {
		return nil, err
	}
	return DecodePullRequest(it), nil
}

// Comment loads comment id on number n of owner/repo; nil if there is
// none or it was deleted.
func (l *Loaders) Comment(ctx context.Context, owner, repo string, n int, id string) (*Comment, error) {
	it, err := l.ItemByKey.Load(ctx, table.CommentKey(owner, repo, n, id))()
	if err != nil {
		return nil, err
	}
	return DecodeComment(it), nil
}

// IssuesOf lists the issues of owner/repo in the given states (OPEN,
// CLOSED; none means all): all by number; open ones newest first; closed
// ones by number. Decode the items with DecodeIssue.
func (l *Loaders) IssuesOf(ctx context.Context, owner, repo string, states []string, args PageArgs) (Page, error) {
	return l.issueLike(ctx, "ISSUE", "Repository.issues", owner, repo, states, []string{"OPEN", "CLOSED"}, args)
}

// PullRequestsOf lists the pull requests of owner/repo in the given states
// (OPEN, CLOSED, MERGED; none means all), ordered like IssuesOf. Decode
// the items with DecodePullRequest.
func (l *Loaders) PullRequestsOf(ctx context.Context, owner, repo string, states []string, args PageArgs) (Page, error) {
	return l.issueLike(ctx, "PR", "Repository.pullRequests", owner, repo, states, []string{"OPEN", "CLOSED", "MERGED"}, args)
}

// issueLike lists issues or pull requests. One state is one GSI4
// collection; no state (or every state) is the GSI1 collection by number;
// any other combination of states (pull requests only, e.g. OPEN and
// MERGED) walks the GSI1 collection keeping the wanted states, so pages
// stay full and ordered by number.
func (l *Loaders) issueLike(ctx context.Context, kind, field, owner, repo string, states, all []string, args PageArgs) (Page, error) {
	want := map[string]bool{}
	for _, s := range states {
		want[s] = true
	}
	wanted := make([]string, 0, len(want))
	for s := range want {
		wanted = append(wanted, s)
	}
	sort.Strings(wanted)
	c := Collection{Ascending: true, Binding: field + "/" + entities.LowerASCII(owner) + "/" + entities.LowerASCII(repo) + "/" + strings.Join(wanted, ",")}
	switch {
	case len(wanted) == 1:
		c.Index, c.PK, c.SKPrefix = table.IssuesOfRepo(kind, owner, repo, wanted[0])
	default:
		c.Index, c.PK, c.SKPrefix = table.IssuesOfRepo(kind, owner, repo, "")
		if len(wanted) > 0 && len(wanted) < len(all) {
			c.Keep = func(it map[string]types.AttributeValue) bool { return want[attrS(it, table.ReadState)] }
		}
	}
	return l.Pager.Query(ctx, c, args)
}

// CommentsOf lists the comments of issue or pull request n of owner/repo,
// oldest first. Deleted comments (kept as marked items) and counter
// residue are skipped. Decode the items with DecodeComment.
func (l *Loaders) CommentsOf(ctx context.Context, owner, repo string, n int, args PageArgs) (Page, error) {
	pk, prefix := table.CommentsOf(owner, repo, n)
	return l.Pager.Query(ctx, Collection{
		PK: pk, SKPrefix: prefix, Ascending: true,
		Binding: "comments/" + entities.LowerASCII(owner) + "/" + entities.LowerASCII(repo) + "/" + strconv.Itoa(n),
		Keep:    liveComment,
	}, args)
}

// ViewerReactions reports, per content, whether viewer has reacted to the
// subject read item (an issue, pull request or comment key): one key per
// content, so every subject of a query level joins one BatchGetItem. An
// anonymous viewer has no reactions.
func (l *Loaders) ViewerReactions(ctx context.Context, subject table.Key, viewer string) (map[string]bool, error) {
	out := map[string]bool{}
	if viewer == "" {
		return out, nil
	}
	contents := entities.ReactionContents()
	keys := make([]table.Key, len(contents))
	for i, c := range contents {
		keys[i] = table.ReactionKey(subject, string(c), viewer)
	}
	items, errs := l.ItemByKey.LoadMany(ctx, keys)()
	for i, it := range items {
		if i < len(errs) && errs[i] != nil {
			return nil, errs[i]
		}
		out[string(contents[i])] = isType(it, table.TypeReaction)
	}
	return out, nil
}

// PrimeReaction records in this request's cache whether viewer's reaction
// exists, as a mutation that just added or removed it knows: the
// mutation's payload then reads its own write even before the projection
// has applied it.
func (l *Loaders) PrimeReaction(ctx context.Context, subject table.Key, content, viewer string, present bool) {
	key := table.ReactionKey(subject, content, viewer)
	var it Item
	if present {
		it = Item{table.AttrType: &types.AttributeValueMemberS{Value: table.TypeReaction}}
	}
	l.ItemByKey.Clear(ctx, key)
	l.ItemByKey.Prime(ctx, key, it)
}

// Counts are the counters kept on a subject item.
type Counts struct {
	Comments  int
	Reactions Reactions
}

// Counts loads the counters of an issue, pull request or comment item.
// Unlike the entity loaders it reads counter residue too: counters moved
// before the item itself was projected are already exact, so a mutation's
// payload can show them while the item catches up.
func (l *Loaders) Counts(ctx context.Context, subject table.Key) (Counts, error) {
	it, err := l.ItemByKey.Load(ctx, subject)()
	if err != nil {
		return Counts{}, err
	}
	return Counts{Comments: attrInt(it, table.ReadCommentCount), Reactions: decodeReactions(it)}, nil
}

// HasReacted reports whether viewer's reaction with content on the subject
// item is in the read model.
func (l *Loaders) HasReacted(ctx context.Context, subject table.Key, content, viewer string) (bool, error) {
	it, err := l.ItemByKey.Load(ctx, table.ReactionKey(subject, content, viewer))()
	if err != nil {
		return false, err
	}
	return isType(it, table.TypeReaction), nil
}
