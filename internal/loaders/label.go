package loaders

import (
	"context"
	"strings"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// Labels' access patterns (table.LabelKey): a repository's labels by name
// (GSI1), one label by name (GSI1, exact), labels by ID (BatchGetItem), an
// item's label links (its partition), and the items of one label (GSI1,
// newest first). Visibility is the repository's, checked where the
// repository is loaded.

// LabelsOf lists the labels of owner/name by name.
func (l *Loaders) LabelsOf(ctx context.Context, owner, name string, args PageArgs) (Page[readmodel.Label], error) {
	idx, pk, prefix := table.LabelsOf(owner, name, "")
	return queryPage[readmodel.Label](ctx, l.Pager, Collection{
		Index: idx, PK: pk, SKPrefix: prefix, Ascending: true,
		Binding: "Repository.labels/" + entities.LowerASCII(owner) + "/" + entities.LowerASCII(name),
	}, args)
}

// Label loads the label of owner/name called labelName
// (case-insensitive); nil if there is none.
func (l *Loaders) Label(ctx context.Context, owner, name, labelName string) (*readmodel.Label, error) {
	idx, pk, prefix := table.LabelsOf(owner, name, labelName)
	one := int32(1)
	p, err := queryPage[readmodel.Label](ctx, l.Pager, Collection{Index: idx, PK: pk, SKPrefix: prefix, Ascending: true, Binding: "Repository.label"}, PageArgs{First: &one})
	if err != nil || len(p.Items) == 0 {
		return nil, err
	}
	return &p.Items[0], nil
}

// LabelsByID loads labels of owner/name by ID in one batch, aligned with
// ids; nil where there is none (a deleted label).
func (l *Loaders) LabelsByID(ctx context.Context, owner, name string, ids []string) ([]*readmodel.Label, error) {
	keys := make([]table.Key, len(ids))
	for i, id := range ids {
		keys[i] = table.LabelKey(owner, name, id)
	}
	return loadEntities[readmodel.Label](ctx, l, keys)
}

// LabelLinksOf lists the label links of the issue or pull request whose
// partition is subject, by label ID (oldest label first).
func (l *Loaders) LabelLinksOf(ctx context.Context, subject table.Partition, args PageArgs) (Page[readmodel.LabelLink], error) {
	pk, prefix := table.LabelLinksOf(subject)
	return queryPage[readmodel.LabelLink](ctx, l.Pager, Collection{
		PK: pk, SKPrefix: prefix, Ascending: true, Binding: "labels/" + string(subject),
	}, args)
}

// Labeled lists the links of label id of owner/name to issues (kind
// ISSUE) or pull requests (PR) in order; with states, only items in those
// states (all is every state of kind).
func (l *Loaders) Labeled(ctx context.Context, owner, name, id, kind string, states, all []string, order WorkOrder, args PageArgs) (Page[readmodel.LabelLink], error) {
	return queryOrderedPage[readmodel.LabelLink](ctx, l.Pager, labeledOrdered(owner, name, id, kind, states, all, order), args)
}

// CountLabeled counts what Labeled lists with states (without states, the
// label's counter answers): one count per state's collection.
func (l *Loaders) CountLabeled(ctx context.Context, owner, name, id, kind string, states, all []string) (int, error) {
	total := 0
	for _, part := range labeledOrdered(owner, name, id, kind, states, all, DefaultWorkOrder).Parts {
		part.Binding = "count/labeled/" + part.PK + "/" + part.SKPrefix
		n, err := l.count(ctx, part)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// labeledOrdered is workOrdered for the items with label id: its links'
// collections.
func labeledOrdered(owner, name, id, kind string, states, all []string, order WorkOrder) Ordered {
	wanted := wantedStates(states, all)
	pk, _ := table.LabeledBy(owner, name, id, kind)
	o := Ordered{
		Ascending: order.Ascending,
		Binding:   "labeled/" + pk + "/" + strings.Join(wanted, ",") + "/" + order.String(),
		ItemKey: func(n int) table.Key {
			subject := table.IssuePartition(owner, name, n)
			if kind == "PR" {
				subject = table.PullRequestPartition(owner, name, n)
			}
			return table.LabelLinkKey(subject, id)
		},
	}
	if len(wanted) == 0 {
		wanted = []string{""}
	}
	for _, s := range wanted {
		var c Collection
		c.Index, c.PK, c.SKPrefix = table.LabeledOrdered(owner, name, id, kind, s, order.Field)
		o.Parts = append(o.Parts, c)
	}
	return o
}

// CountLabels counts the labels of owner/name (one Query of the
// repository's label collection: a repository has few labels).
func (l *Loaders) CountLabels(ctx context.Context, owner, name string) (int, error) {
	idx, pk, prefix := table.LabelsOf(owner, name, "")
	return l.count(ctx, Collection{Index: idx, PK: pk, SKPrefix: prefix, Binding: "count/Repository.labels/" + pk})
}

// CountLabelLinks counts the labels of the issue or pull request whose
// partition is subject (at most entities.MaxLabelsPerItem).
func (l *Loaders) CountLabelLinks(ctx context.Context, subject table.Partition) (int, error) {
	pk, prefix := table.LabelLinksOf(subject)
	return l.count(ctx, Collection{PK: pk, SKPrefix: prefix, Binding: "count/labels/" + pk, Keep: keep(func(readmodel.LabelLink) bool { return true })})
}

// IssuesByKey loads issues by read item key in one batch, aligned with
// keys; nil where there is none.
func (l *Loaders) IssuesByKey(ctx context.Context, keys []table.Key) ([]*readmodel.Issue, error) {
	return loadEntities[readmodel.Issue](ctx, l, keys)
}

// PullRequestsByKey loads pull requests by read item key in one batch,
// aligned with keys; nil where there is none.
func (l *Loaders) PullRequestsByKey(ctx context.Context, keys []table.Key) ([]*readmodel.PullRequest, error) {
	return loadEntities[readmodel.PullRequest](ctx, l, keys)
}
