package loaders

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// The work area's loaders: issues, pull requests, comments and reactions.
// They read what the caller may see; visibility of the repository is
// checked where the repository is loaded.

// Issue loads issue n of owner/repo; nil if there is none (also when n is
// a pull request's number).
func (l *Loaders) Issue(ctx context.Context, owner, repo string, n int) (*readmodel.Issue, error) {
	return loadEntity[readmodel.Issue](ctx, l, table.IssueKey(owner, repo, n))
}

// PullRequest loads pull request n of owner/repo; nil if there is none.
func (l *Loaders) PullRequest(ctx context.Context, owner, repo string, n int) (*readmodel.PullRequest, error) {
	return loadEntity[readmodel.PullRequest](ctx, l, table.PullRequestKey(owner, repo, n))
}

// liveComment reports whether c is not deleted (a deleted comment's item
// stays, marked).
func liveComment(c readmodel.Comment) bool { return !c.Deleted }

// Comment loads comment id on number n of owner/repo; nil if there is
// none or it was deleted.
func (l *Loaders) Comment(ctx context.Context, owner, repo string, n int, id string) (*readmodel.Comment, error) {
	c, err := loadEntity[readmodel.Comment](ctx, l, table.CommentKey(owner, repo, n, id))
	if c == nil || !liveComment(*c) {
		return nil, err
	}
	return c, nil
}

// WorkOrder is an ordering of issues and pull requests: Field is
// table.OrderCreated or table.OrderUpdated.
type WorkOrder struct {
	Field     string
	Ascending bool
}

// DefaultWorkOrder is GitHub's order of a repository's issues and pull
// requests when orderBy is omitted: oldest first.
var DefaultWorkOrder = WorkOrder{Field: table.OrderCreated, Ascending: true}

// String returns "FIELD/ASC" or "FIELD/DESC": the ordering's part of a
// cursor binding.
func (o WorkOrder) String() string {
	if o.Ascending {
		return o.Field + "/ASC"
	}
	return o.Field + "/DESC"
}

// IssuesOf lists the issues of life of owner/repo in the given states
// (OPEN, CLOSED; none means all) in order. The life only binds the
// cursors (a cursor of a deleted repository does not page the next one of
// its name); the read items are those of the current life.
func (l *Loaders) IssuesOf(ctx context.Context, owner, repo string, life int, states []string, order WorkOrder, args PageArgs) (Page[readmodel.Issue], error) {
	o := workOrdered("ISSUE", "Repository.issues", owner, repo, life, states, []string{"OPEN", "CLOSED"}, order, func(n int) table.Key { return table.IssueKey(owner, repo, n) })
	return queryOrderedPage[readmodel.Issue](ctx, l.Pager, o, args)
}

// PullRequestsOf lists the pull requests of life of owner/repo in the
// given states (OPEN, CLOSED, MERGED; none means all) in order; the life
// binds the cursors, as in IssuesOf.
func (l *Loaders) PullRequestsOf(ctx context.Context, owner, repo string, life int, states []string, order WorkOrder, args PageArgs) (Page[readmodel.PullRequest], error) {
	o := workOrdered("PR", "Repository.pullRequests", owner, repo, life, states, []string{"OPEN", "CLOSED", "MERGED"}, order, func(n int) table.Key { return table.PullRequestKey(owner, repo, n) })
	return queryOrderedPage[readmodel.PullRequest](ctx, l.Pager, o, args)
}

// wantedStates returns states sorted without repeats, or nil when they
// are none or every state of all (one collection lists them all then).
func wantedStates(states, all []string) []string {
	want := map[string]bool{}
	for _, s := range states {
		want[s] = true
	}
	if len(want) == len(all) {
		return nil
	}
	out := make([]string, 0, len(want))
	for s := range want {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// workOrdered is the ordered connection of issues (kind ISSUE) or pull
// requests (PR) of owner/repo: all states are one collection; one state
// is one collection; several (pull requests only: two of three) are their
// one-state collections merged.
func workOrdered(kind, field, owner, repo string, life int, states, all []string, order WorkOrder, itemKey func(int) table.Key) Ordered {
	wanted := wantedStates(states, all)
	o := Ordered{
		Ascending: order.Ascending, ItemKey: itemKey,
		Binding: field + "/" + entities.LowerASCII(owner) + "/" + entities.LowerASCII(repo) + "/" + strconv.Itoa(life) + "/" + strings.Join(wanted, ",") + "/" + order.String(),
	}
	if len(wanted) == 0 {
		wanted = []string{""}
	}
	for _, s := range wanted {
		var c Collection
		c.Index, c.PK, c.SKPrefix = table.IssuesOfRepository(kind, owner, repo, s, order.Field)
		o.Parts = append(o.Parts, c)
	}
	return o
}

// CommentsOf lists the comments of issue or pull request n of owner/repo,
// oldest first. Deleted comments (kept as marked items) and counter
// residue are skipped.
func (l *Loaders) CommentsOf(ctx context.Context, owner, repo string, n int, args PageArgs) (Page[readmodel.Comment], error) {
	pk, prefix := table.CommentsOf(owner, repo, n)
	return queryPage[readmodel.Comment](ctx, l.Pager, Collection{
		PK: pk, SKPrefix: prefix, Ascending: true,
		Binding: "comments/" + entities.LowerASCII(owner) + "/" + entities.LowerASCII(repo) + "/" + strconv.Itoa(n),
		Keep:    keep(liveComment),
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
		out[string(contents[i])] = decoded[readmodel.Reaction](it) != nil
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
		it = Item{table.AttrType: &types.AttributeValueMemberS{Value: readmodel.Reaction{}.ItemType()}}
	}
	l.ItemByKey.Clear(ctx, key)
	l.ItemByKey.Prime(ctx, key, it)
}

// SubjectCounters loads the counters of an issue, pull request or
// comment item. Unlike the entity loaders it reads counter residue too:
// counters moved before the item itself was projected are already exact,
// so a mutation's payload can show them while the item catches up.
func (l *Loaders) SubjectCounters(ctx context.Context, subject table.Key) (readmodel.SubjectCounters, error) {
	return loadCounters[readmodel.SubjectCounters](ctx, l, subject)
}

// HasReacted reports whether viewer's reaction with content on the subject
// item is in the read model.
func (l *Loaders) HasReacted(ctx context.Context, subject table.Key, content, viewer string) (bool, error) {
	r, err := loadEntity[readmodel.Reaction](ctx, l, table.ReactionKey(subject, content, viewer))
	return r != nil, err
}
