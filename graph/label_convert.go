package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// Labels: node IDs, conversions from the read model and the write side,
// and connections. A label is reached through its repository (whose
// visibility is checked when it resolves) or through an issue or pull
// request of it, so no further check is needed here.

// labelNodeID is the node ID of label id of owner/repo: "owner/repo/id".
func labelNodeID(owner, repo, id string) string {
	return nodeID("Label", entities.NewRepositoryID(owner, repo).String()+"/"+id)
}

// parseLabelNodeID returns the repository and label ID a label node ID
// names; anything else is NOT_FOUND, as for every unresolvable node ID.
func parseLabelNodeID(id string) (entities.RepositoryID, string, error) {
	notFound := entities.NotFound("could not resolve to a node with the global id of %q", clip(id))
	typeName, key, ok := decodeNodeID(id)
	parts := strings.Split(key, "/")
	if !ok || typeName != "Label" || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return entities.RepositoryID{}, "", notFound
	}
	return entities.NewRepositoryID(parts[0], parts[1]), parts[2], nil
}

func labelFromRead(l *readmodel.Label) *model.Label {
	if l == nil {
		return nil
	}
	return &model.Label{
		ID: labelNodeID(l.RepositoryOwner, l.RepositoryName, l.ID), Name: l.Name, Color: l.Color, Description: optional(l.Description),
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, RepositoryOwner: l.RepositoryOwner, RepositoryName: l.RepositoryName, LabelID: l.ID,
		IssueCount: int32(l.IssueCount), PullRequestCount: int32(l.PullRequestCount),
	}
}

// labelFromState builds a mutation's label from the write side's state of
// its repository: the label with ID id, or else (an idempotent retry,
// whose label got the first run's ID) the one called name.
func labelFromState(s entities.Snapshot, id, name string) (*model.Label, error) {
	r, ok := entities.LiveRepository(s)
	if !ok {
		return nil, fmt.Errorf("graph: no repository state for %v", s.ID)
	}
	l := r.LabelByID(id)
	for i := range r.Labels {
		if l == nil && strings.EqualFold(r.Labels[i].Name, name) {
			l = &r.Labels[i]
		}
	}
	if l == nil {
		return nil, fmt.Errorf("graph: no label %s in %v", id, s.ID)
	}
	return &model.Label{
		ID: labelNodeID(r.Owner, r.Name, l.ID), Name: l.Name, Color: l.Color, Description: optional(l.Description),
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, RepositoryOwner: r.Owner, RepositoryName: r.Name, LabelID: l.ID,
	}, nil
}

func labelConnection(c connection[*model.Label], total int) *model.LabelConnection {
	return &model.LabelConnection{
		Edges:    edgesOf(c, func(cur string, n *model.Label) *model.LabelEdge { return &model.LabelEdge{Cursor: cur, Node: n} }),
		Nodes:    nodesOf(c, identity[*model.Label]),
		PageInfo: c.PageInfo, TotalCount: int32(max(total, 0)),
	}
}

// repositoryLabels is Repository.labels; totalCount counts the labels
// (one bounded Query: a repository has few).
func repositoryLabels(ctx context.Context, owner, name string, args loaders.PageArgs) (*model.LabelConnection, error) {
	l := loadersFrom(ctx)
	page, err := l.LabelsOf(ctx, owner, name, args)
	if err != nil {
		return nil, err
	}
	total := 0
	if requested(ctx, "totalCount") {
		if total, err = l.CountLabels(ctx, owner, name); err != nil {
			return nil, err
		}
	}
	return labelConnection(buildConnection(page, func(v readmodel.Label) (*model.Label, bool) { return labelFromRead(&v), true }), total), nil
}

// itemLabels is Issue.labels and PullRequest.labels: the item's label
// links, then the labels in one batch; a link whose label is gone is left
// out.
func itemLabels(ctx context.Context, owner, name string, subject entities.ID, args loaders.PageArgs) (*model.LabelConnection, error) {
	l := loadersFrom(ctx)
	p, err := events.Partition(subject)
	if err != nil {
		return nil, err
	}
	page, err := l.LabelLinksOf(ctx, p, args)
	if err != nil {
		return nil, err
	}
	links := buildConnection(page, keepAll[readmodel.LabelLink])
	ids := make([]string, len(links.Items))
	for i, k := range links.Items {
		ids[i] = k.LabelID
	}
	labels, err := l.LabelsByID(ctx, owner, name, ids)
	if err != nil {
		return nil, err
	}
	out := connection[*model.Label]{PageInfo: links.PageInfo}
	for i, lb := range labels {
		if lb != nil {
			out.Items = append(out.Items, labelFromRead(lb))
			out.Cursors = append(out.Cursors, links.Cursors[i])
		}
	}
	total := 0
	if requested(ctx, "totalCount") {
		if total, err = l.CountLabelLinks(ctx, p); err != nil {
			return nil, err
		}
	}
	return labelConnection(out, total), nil
}

// labeled lists the items of kind (ISSUE or PR) with label lb, newest
// first: its links, then the items in one batch (load); totalCount is the
// label's counter, or counted when states filter.
func labeled[R, M any](ctx context.Context, lb *model.Label, kind entities.Kind, states, all []string, order loaders.WorkOrder, args loaders.PageArgs,
	load func(ctx context.Context, keys []table.Key) ([]*R, error), key func(owner, repo string, n int) table.Key, conv func(*R) M,
) (connection[M], int, error) {
	l := loadersFrom(ctx)
	page, err := l.Labeled(ctx, lb.RepositoryOwner, lb.RepositoryName, lb.LabelID, string(kind), states, all, order, args)
	if err != nil {
		return connection[M]{}, 0, err
	}
	links := buildConnection(page, keepAll[readmodel.LabelLink])
	keys := make([]table.Key, len(links.Items))
	for i, k := range links.Items {
		keys[i] = key(k.RepositoryOwner, k.RepositoryName, k.Number)
	}
	items, err := load(ctx, keys)
	if err != nil {
		return connection[M]{}, 0, err
	}
	out := connection[M]{PageInfo: links.PageInfo}
	for i, it := range items {
		if it != nil {
			out.Items = append(out.Items, conv(it))
			out.Cursors = append(out.Cursors, links.Cursors[i])
		}
	}
	total := int(lb.IssueCount)
	if kind == entities.KindPullRequest {
		total = int(lb.PullRequestCount)
	}
	if len(states) > 0 && requested(ctx, "totalCount") {
		total, err = l.CountLabeled(ctx, lb.RepositoryOwner, lb.RepositoryName, lb.LabelID, string(kind), states, all)
	}
	return out, total, err
}

// labeledIssues is Label.issues.
func labeledIssues(ctx context.Context, lb *model.Label, states []model.IssueState, order loaders.WorkOrder, args loaders.PageArgs) (*model.IssueConnection, error) {
	l := loadersFrom(ctx)
	c, total, err := labeled(ctx, lb, entities.KindIssue, stateNames(states), []string{"OPEN", "CLOSED"}, order, args, l.IssuesByKey, table.IssueKey, issueFromRead)
	if err != nil {
		return nil, err
	}
	return issueConnectionOf(c, int32(max(total, 0))), nil
}

// labeledPullRequests is Label.pullRequests.
func labeledPullRequests(ctx context.Context, lb *model.Label, states []model.PullRequestState, order loaders.WorkOrder, args loaders.PageArgs) (*model.PullRequestConnection, error) {
	l := loadersFrom(ctx)
	c, total, err := labeled(ctx, lb, entities.KindPullRequest, stateNames(states), []string{"OPEN", "CLOSED", "MERGED"}, order, args, l.PullRequestsByKey, table.PullRequestKey, pullRequestFromRead)
	if err != nil {
		return nil, err
	}
	return pullRequestConnectionOf(c, int32(max(total, 0))), nil
}

// issuesWithLabel is Repository.issues(labels:): one label, by name; no
// such label lists nothing. More than one is BAD_USER_INPUT: each label is
// its own index collection, and merging them is not an access pattern.
func issuesWithLabel(ctx context.Context, obj *model.Repository, labels []string, states []model.IssueState, order loaders.WorkOrder, args loaders.PageArgs) (*model.IssueConnection, error) {
	if len(labels) > 1 {
		return nil, entities.BadInput("labels", "filter by one label at a time")
	}
	lb, err := loadersFrom(ctx).Label(ctx, obj.OwnerLogin, obj.Name, labels[0])
	if err != nil {
		return nil, err
	}
	if lb == nil {
		if err := args.CheckEmpty(); err != nil {
			return nil, err
		}
		return &model.IssueConnection{Edges: []*model.IssueEdge{}, Nodes: []*model.Issue{}, PageInfo: &model.PageInfo{}}, nil
	}
	return labeledIssues(ctx, labelFromRead(lb), states, order, args)
}

// labelTarget returns the viewer and the label a label node ID names, for
// updateLabel and deleteLabel.
func labelTarget(ctx context.Context, nodeID string) (auth.Viewer, entities.RepositoryID, string, error) {
	viewer, err := requireViewer(ctx)
	if err != nil {
		return auth.Viewer{}, entities.RepositoryID{}, "", err
	}
	repo, id, err := parseLabelNodeID(nodeID)
	return viewer, repo, id, err
}

// labelsPayload resolves addLabelsToLabelable and
// removeLabelsFromLabelable: the labelable and the labels, which must be
// of its repository (NOT_FOUND otherwise), changed by ChangeLabels.
func (r *mutationResolver) labels(ctx context.Context, input model.LabelsInput, remove bool) (*model.LabelsPayload, error) {
	viewer, err := requireViewer(ctx)
	if err != nil {
		return nil, err
	}
	subject, err := parseNodeID(input.LabelableID, entities.KindIssue, entities.KindPullRequest)
	if err != nil {
		return nil, err
	}
	repo, _ := entities.SubjectRepository(subject)
	ids, err := labelIDsOf(repo, input.LabelIds)
	if err != nil {
		return nil, err
	}
	res, err := r.execute(ctx, viewer, input.IdempotencyKey, input, entities.ChangeLabels{Subject: subject, Labels: ids, Remove: remove, Actor: viewer.Login})
	if err != nil {
		return nil, err
	}
	out := &model.LabelsPayload{}
	if _, ok := subject.(entities.IssueID); ok {
		out.Issue, err = issueFromState(res.Snapshot(subject), false)
	} else {
		out.PullRequest, err = pullRequestFromState(res.Snapshot(subject), false)
	}
	return out, err
}

// labelIDsOf returns the repository-local IDs of the labels named by node
// IDs: BAD_USER_INPUT for an ID that is not a label's, NOT_FOUND for a
// label of another repository (whether it exists is Decide's to say).
func labelIDsOf(repo entities.RepositoryID, nodeIDs []string) ([]string, error) {
	ids := make([]string, len(nodeIDs))
	for i, nid := range nodeIDs {
		labelRepository, id, err := parseLabelNodeID(nid)
		if err != nil {
			return nil, err
		}
		if labelRepository != repo {
			return nil, entities.NotFound("label %q is not a label of %s", clip(nid), repo)
		}
		ids[i] = id
	}
	return ids, nil
}

// labelRefsOf names the labels of node IDs for a command, which judges
// them: an ID that is not a label's becomes a reference to no repository,
// NOT_FOUND like a label of another repository.
func labelRefsOf(nodeIDs []string) []entities.LabelRef {
	refs := make([]entities.LabelRef, len(nodeIDs))
	for i, nid := range nodeIDs {
		if repo, id, err := parseLabelNodeID(nid); err == nil {
			refs[i] = entities.LabelRef{Repository: repo, ID: id}
		}
	}
	return refs
}
