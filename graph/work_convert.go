package graph

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// Conversions of the work area (issues, pull requests, comments,
// reactions): read items and write-side states into GraphQL models, pages
// into connections, and the counters behind totalCount and
// reactionGroups.
//
// A model built from a read item carries its counters (Reactions is never
// nil). One built from the write side's state in a mutation payload does
// not know them (Reactions is nil) unless the entity is new; the
// resolvers then read the counters from the read model when asked.

func workReactions(r readmodel.Reactions) model.Reactions {
	counts := r.ByContent()
	out := make(model.Reactions, len(counts))
	for c, n := range counts {
		out[model.ReactionContent(c)] = int32(n)
	}
	return out
}

func workTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// workFromRead is the shared part of an issue's or pull request's model,
// node id, built from its read item, counters included.
func workFromRead(id string, w *readmodel.WorkItem) model.Work {
	return model.Work{
		ID: id, RepositoryOwner: w.RepositoryOwner, RepositoryName: w.RepositoryName, Number: int32(w.Number),
		Title: w.Title, Body: w.Body, AuthorLogin: w.Author,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, ClosedAt: workTime(w.ClosedAt),
		CommentCount: int32(w.CommentCount), Reactions: workReactions(w.Reactions),
	}
}

// workFromState is the shared part of an issue's or pull request's model,
// node id, built from the write side's state: its counters are unknown
// (nil Reactions) unless fresh says the item was just opened.
func workFromState(id string, w *entities.Work, fresh bool) model.Work {
	out := model.Work{
		ID: id, RepositoryOwner: w.Owner, RepositoryName: w.Repository, Number: int32(w.Number),
		Title: w.Title, Body: w.Body, AuthorLogin: w.Author,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, ClosedAt: workTime(w.ClosedAt),
	}
	if fresh {
		out.Reactions = model.Reactions{}
	}
	return out
}

// issueStateReason is an issue's state reason as the model has it (nil
// for none).
func issueStateReason(reason string) *model.IssueStateReason {
	if reason == "" {
		return nil
	}
	r := model.IssueStateReason(reason)
	return &r
}

func issueFromRead(i *readmodel.Issue) *model.Issue {
	if i == nil {
		return nil
	}
	return &model.Issue{
		Work:  workFromRead(issueNodeID(i.RepositoryOwner, i.RepositoryName, i.Number), &i.WorkItem),
		State: model.IssueState(i.State), StateReason: issueStateReason(i.StateReason),
	}
}

// issueFromState builds a payload issue from the write side's state
// (workFromState).
func issueFromState(s entities.Snapshot, fresh bool) (*model.Issue, error) {
	i, ok := s.State.(*entities.Issue)
	if !ok || i == nil {
		return nil, fmt.Errorf("graph: no issue state for %v", s.ID)
	}
	return &model.Issue{
		Work:  workFromState(issueNodeID(i.Owner, i.Repository, i.Number), &i.Work, fresh),
		State: model.IssueState(i.State), StateReason: issueStateReason(string(i.StateReason)),
	}, nil
}

func pullRequestFromRead(p *readmodel.PullRequest) *model.PullRequest {
	if p == nil {
		return nil
	}
	return &model.PullRequest{
		Work:  workFromRead(pullRequestNodeID(p.RepositoryOwner, p.RepositoryName, p.Number), &p.WorkItem),
		State: model.PullRequestState(p.State), HeadRefName: p.HeadRef, BaseRefName: p.BaseRef,
		Merged: p.State == string(entities.PullRequestStateMerged), MergedAt: workTime(p.MergedAt), MergedByLogin: p.MergedBy,
	}
}

// pullRequestFromState builds a payload pull request from the write
// side's state, like issueFromState.
func pullRequestFromState(s entities.Snapshot, fresh bool) (*model.PullRequest, error) {
	p, ok := s.State.(*entities.PullRequest)
	if !ok || p == nil {
		return nil, fmt.Errorf("graph: no pull request state for %v", s.ID)
	}
	return &model.PullRequest{
		Work:  workFromState(pullRequestNodeID(p.Owner, p.Repository, p.Number), &p.Work, fresh),
		State: model.PullRequestState(p.State), HeadRefName: p.HeadRef, BaseRefName: p.BaseRef,
		Merged: p.State == entities.PullRequestStateMerged, MergedAt: workTime(p.MergedAt), MergedByLogin: p.MergedBy,
	}, nil
}

func commentFromRead(c *readmodel.Comment) *model.IssueComment {
	if c == nil {
		return nil
	}
	return &model.IssueComment{
		ID: commentNodeID(c.RepositoryOwner, c.RepositoryName, c.Number, c.ID), RepositoryOwner: c.RepositoryOwner, RepositoryName: c.RepositoryName, Number: int32(c.Number),
		LocalID: c.ID, Body: c.Body, AuthorLogin: c.Author, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		Reactions: workReactions(c.Reactions),
	}
}

// commentFromState builds a payload comment from the write side's state,
// like issueFromState.
func commentFromState(s entities.Snapshot, fresh bool) (*model.IssueComment, error) {
	c, ok := s.State.(*entities.Comment)
	if !ok || c == nil || c.Deleted {
		return nil, fmt.Errorf("graph: no comment state for %v", s.ID)
	}
	out := &model.IssueComment{
		ID: commentNodeID(c.Owner, c.Repository, c.Number, c.LocalID), RepositoryOwner: c.Owner, RepositoryName: c.Repository, Number: int32(c.Number),
		LocalID: c.LocalID, Body: c.Body, AuthorLogin: c.Author, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if fresh {
		out.Reactions = model.Reactions{}
	}
	return out, nil
}

// Subject keys: the read items reactions and comments are counted on.

func issueKeyOf(i *model.Issue) table.Key {
	return table.IssueKey(i.RepositoryOwner, i.RepositoryName, int(i.Number))
}

func pullRequestKeyOf(p *model.PullRequest) table.Key {
	return table.PullRequestKey(p.RepositoryOwner, p.RepositoryName, int(p.Number))
}

func commentKeyOf(c *model.IssueComment) table.Key {
	return table.CommentKey(c.RepositoryOwner, c.RepositoryName, int(c.Number), c.LocalID)
}

// workCounts returns a subject's comment count and reaction counts: the
// model's own when it came from the read model, else read (batched) from
// the subject's item.
func workCounts(ctx context.Context, key table.Key, comments int32, reactions model.Reactions) (int32, model.Reactions, error) {
	if reactions != nil {
		return comments, reactions, nil
	}
	c, err := loadersFrom(ctx).SubjectCounters(ctx, key)
	if err != nil {
		return 0, nil, err
	}
	return int32(c.CommentCount), workReactions(c.Reactions), nil
}

// reactionGroups is a subject's reactionGroups: every content in GitHub's
// order with its count and whether the viewer reacted with it.
func reactionGroups(ctx context.Context, key table.Key, counts model.Reactions) ([]*model.ReactionGroup, error) {
	viewer, err := viewerLogin(ctx)
	if err != nil {
		return nil, err
	}
	has, err := loadersFrom(ctx).ViewerReactions(ctx, key, viewer)
	if err != nil {
		return nil, err
	}
	contents := entities.ReactionContents()
	out := make([]*model.ReactionGroup, len(contents))
	for i, c := range contents {
		out[i] = &model.ReactionGroup{Content: model.ReactionContent(c), Count: counts[model.ReactionContent(c)], ViewerHasReacted: has[string(c)]}
	}
	return out, nil
}

// Connections.

func issueFromPage(i readmodel.Issue) (*model.Issue, bool) { return issueFromRead(&i), true }

func pullRequestFromPage(p readmodel.PullRequest) (*model.PullRequest, bool) {
	return pullRequestFromRead(&p), true
}

func commentFromPage(c readmodel.Comment) (*model.IssueComment, bool) {
	return commentFromRead(&c), true
}

func issueConnection(page loaders.Page[readmodel.Issue], counter int32) *model.IssueConnection {
	c := buildConnection(page, issueFromPage)
	return issueConnectionOf(c, settledTotal(c, counter))
}

// issueConnectionOf is the IssueConnection of c with totalCount total.
func issueConnectionOf(c connection[*model.Issue], total int32) *model.IssueConnection {
	return &model.IssueConnection{
		Edges:    edgesOf(c, func(cur string, n *model.Issue) *model.IssueEdge { return &model.IssueEdge{Cursor: cur, Node: n} }),
		Nodes:    nodesOf(c, identity[*model.Issue]),
		PageInfo: c.PageInfo, TotalCount: total,
	}
}

func pullRequestConnection(page loaders.Page[readmodel.PullRequest], counter int32) *model.PullRequestConnection {
	c := buildConnection(page, pullRequestFromPage)
	return pullRequestConnectionOf(c, settledTotal(c, counter))
}

// pullRequestConnectionOf is the PullRequestConnection of c with
// totalCount total.
func pullRequestConnectionOf(c connection[*model.PullRequest], total int32) *model.PullRequestConnection {
	return &model.PullRequestConnection{
		Edges: edgesOf(c, func(cur string, n *model.PullRequest) *model.PullRequestEdge {
			return &model.PullRequestEdge{Cursor: cur, Node: n}
		}),
		Nodes:    nodesOf(c, identity[*model.PullRequest]),
		PageInfo: c.PageInfo, TotalCount: total,
	}
}

func commentConnection(page loaders.Page[readmodel.Comment], counter int32) *model.IssueCommentConnection {
	c := buildConnection(page, commentFromPage)
	total := settledTotal(c, counter)
	return &model.IssueCommentConnection{
		Edges: edgesOf(c, func(cur string, n *model.IssueComment) *model.IssueCommentEdge {
			return &model.IssueCommentEdge{Cursor: cur, Node: n}
		}),
		Nodes:    nodesOf(c, identity[*model.IssueComment]),
		PageInfo: c.PageInfo, TotalCount: total,
	}
}

// comments lists the comments of number n of owner/repo with the given
// total.
func comments(ctx context.Context, owner, repo string, n int32, total int32, first *int32, after *string, last *int32, before *string) (*model.IssueCommentConnection, error) {
	page, err := loadersFrom(ctx).CommentsOf(ctx, owner, repo, int(n), pageArgs(first, after, last, before))
	if err != nil {
		return nil, err
	}
	return commentConnection(page, total), nil
}

// stateNames turns the states argument of an issue or pull request
// connection into loader states.
func stateNames[S ~string](states []S) []string {
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

// stateTotal is the totalCount of a connection filtered by states, from
// the repository's counter of each state (counters): each state counted
// once, every state when none is given.
func stateTotal[S comparable](states []S, counters map[S]int32) int32 {
	var total int32
	if len(states) == 0 {
		for _, n := range counters {
			total += n
		}
		return total
	}
	seen := map[S]bool{}
	for _, s := range states {
		if !seen[s] {
			seen[s] = true
			total += counters[s]
		}
	}
	return total
}

// issueTotal is Repository.issues' totalCount (stateTotal).
func issueTotal(r *model.Repository, states []model.IssueState) int32 {
	return stateTotal(states, map[model.IssueState]int32{model.IssueStateOpen: r.OpenIssueCount, model.IssueStateClosed: r.ClosedIssueCount})
}

// pullRequestTotal is Repository.pullRequests' totalCount (stateTotal).
func pullRequestTotal(r *model.Repository, states []model.PullRequestState) int32 {
	return stateTotal(states, map[model.PullRequestState]int32{
		model.PullRequestStateOpen: r.OpenPullCount, model.PullRequestStateClosed: r.ClosedPullCount, model.PullRequestStateMerged: r.MergedPullCount,
	})
}

// Mutations.

// appendedOf returns the aggregate of kind that a command appended to
// (the new issue, pull request or comment).
func appendedOf(res events.Result, kind entities.Kind) (entities.ID, error) {
	for _, env := range res.Appended {
		if env.Kind == kind {
			return events.ParseID(env.Kind, env.Aggregate)
		}
	}
	return nil, fmt.Errorf("graph: the command appended no %s", kind)
}

// newCommentLocalID returns a fresh comment id: the time now and 80 random
// bits (entities.NewCommentLocalID keeps Decide pure by taking both).
func newCommentLocalID() (string, error) {
	var entropy [10]byte
	if _, err := rand.Read(entropy[:]); err != nil {
		return "", err
	}
	return entities.NewCommentLocalID(time.Now(), entropy), nil
}

// reactionSubject builds the payload subject of a reaction mutation from
// the write side's state, with the reaction counts read from the read
// model corrected for the viewer's reaction as the write left it: the
// projection of the write may not have landed yet, and a mutation's
// response must show its own effect.
func reactionSubject(ctx context.Context, res events.Result, subject entities.ID, content entities.ReactionContent, present bool) (model.Reactable, model.Reactions, error) {
	l := loadersFrom(ctx)
	key := events.SubjectKey(subject)
	viewer, err := viewerLogin(ctx)
	if err != nil {
		return nil, nil, err
	}
	// Enqueue the subject's item first, so that it and the reaction's item
	// are read in one batch; SubjectCounters below finds it in the request cache.
	l.ItemByKey.Load(ctx, key)
	projected, err := l.HasReacted(ctx, key, string(content), viewer)
	if err != nil {
		return nil, nil, err
	}
	c, err := l.SubjectCounters(ctx, key)
	if err != nil {
		return nil, nil, err
	}
	counts := workReactions(c.Reactions)
	switch mc := model.ReactionContent(content); {
	case present && !projected:
		counts[mc]++
	case !present && projected && counts[mc] > 0:
		counts[mc]--
	}
	l.PrimeReaction(ctx, key, string(content), viewer, present)
	snap := res.Snapshot(subject)
	switch subject.(type) {
	case entities.IssueID:
		i, err := issueFromState(snap, false)
		if err != nil {
			return nil, nil, err
		}
		i.CommentCount, i.Reactions = int32(c.CommentCount), counts
		return i, counts, nil
	case entities.PullRequestID:
		p, err := pullRequestFromState(snap, false)
		if err != nil {
			return nil, nil, err
		}
		p.CommentCount, p.Reactions = int32(c.CommentCount), counts
		return p, counts, nil
	case entities.CommentID:
		cm, err := commentFromState(snap, false)
		if err != nil {
			return nil, nil, err
		}
		cm.Reactions = counts
		return cm, counts, nil
	}
	return nil, nil, fmt.Errorf("graph: %v takes no reactions", subject)
}

// workUser loads the user called login for an author or merger field; nil
// when there is none (a deleted account shows as null, like GitHub's
// ghost).
func workUser(ctx context.Context, login string) (*model.User, error) {
	if login == "" {
		return nil, nil
	}
	a, err := loadersFrom(ctx).Account(ctx, login)
	if err != nil {
		return nil, err
	}
	return userFromRead(a), nil
}

// react runs addReaction (add) or removeReaction and builds its payload.
func (r *Resolver) react(ctx context.Context, input model.ReactionInput, add bool) (*model.ReactionPayload, error) {
	viewer, err := requireViewer(ctx)
	if err != nil {
		return nil, err
	}
	subject, err := parseNodeID(input.SubjectID, entities.KindIssue, entities.KindPullRequest, entities.KindComment)
	if err != nil {
		return nil, err
	}
	content := entities.ReactionContent(input.Content)
	var cmd entities.Command = entities.AddReaction{Actor: viewer.Login, Subject: subject, Content: content}
	if !add {
		cmd = entities.RemoveReaction{Actor: viewer.Login, Subject: subject, Content: content}
	}
	res, err := r.execute(ctx, viewer, input.IdempotencyKey, input, cmd)
	if err != nil {
		return nil, err
	}
	obj, counts, err := reactionSubject(ctx, res, subject, content, add)
	if err != nil {
		return nil, err
	}
	groups, err := reactionGroups(ctx, events.SubjectKey(subject), counts)
	if err != nil {
		return nil, err
	}
	return &model.ReactionPayload{Subject: obj, ReactionGroups: groups}, nil
}

// workCommand makes the command of a mutation on an issue or pull request
// of repository repo, acted by actor (the viewer).
type workCommand func(actor string, repo entities.RepositoryID) entities.Command

// openWork runs the command that opens an issue or pull request (kind) of
// repository owner/name as the viewer, and returns the opened item as the
// write side left it: on an idempotent retry, the first run's item.
func (r *Resolver) openWork(ctx context.Context, key *string, input any, owner, name string, kind entities.Kind, cmd workCommand) (entities.Snapshot, error) {
	repo := entities.NewRepositoryID(owner, name)
	return mutate(ctx, r, key, input, func(actor string) entities.Command { return cmd(actor, repo) }, func(res events.Result) (entities.Snapshot, error) {
		id, err := appendedOf(res, kind)
		if err != nil {
			return entities.Snapshot{}, err
		}
		return res.Snapshot(id), nil
	})
}

// changeWork runs the command of a mutation on the existing issue or pull
// request id(repo) of repository owner/name as the viewer, and returns
// the item as the write side left it.
func (r *Resolver) changeWork(ctx context.Context, key *string, input any, owner, name string, id func(repo entities.RepositoryID) entities.ID, cmd workCommand) (entities.Snapshot, error) {
	repo := entities.NewRepositoryID(owner, name)
	return mutate(ctx, r, key, input, func(actor string) entities.Command { return cmd(actor, repo) }, func(res events.Result) (entities.Snapshot, error) {
		return res.Snapshot(id(repo)), nil
	})
}

// changeIssue is changeWork on issue n, as a payload issue.
func (r *Resolver) changeIssue(ctx context.Context, key *string, input any, owner, name string, n int32, cmd workCommand) (*model.Issue, error) {
	s, err := r.changeWork(ctx, key, input, owner, name, func(repo entities.RepositoryID) entities.ID { return entities.NewIssueID(repo, int(n)) }, cmd)
	if err != nil {
		return nil, err
	}
	return issueFromState(s, false)
}

// pullRequestPayload is changeWork on pull request n, as the payload of
// the mutations on one.
func (r *Resolver) pullRequestPayload(ctx context.Context, key *string, input any, owner, name string, n int32, cmd workCommand) (*model.PullRequestPayload, error) {
	s, err := r.changeWork(ctx, key, input, owner, name, func(repo entities.RepositoryID) entities.ID { return entities.NewPullRequestID(repo, int(n)) }, cmd)
	if err != nil {
		return nil, err
	}
	pr, err := pullRequestFromState(s, false)
	if err != nil {
		return nil, err
	}
	return &model.PullRequestPayload{PullRequest: pr}, nil
}

// workComments is the comments connection of an issue or pull request w
// whose read item is key.
func workComments(ctx context.Context, w *model.Work, key table.Key, first *int32, after *string, last *int32, before *string) (*model.IssueCommentConnection, error) {
	total, _, err := workCounts(ctx, key, w.CommentCount, w.Reactions)
	if err != nil {
		return nil, err
	}
	return comments(ctx, w.RepositoryOwner, w.RepositoryName, w.Number, total, first, after, last, before)
}

// workReactionGroups is the reactionGroups of an issue or pull request w
// whose read item is key.
func workReactionGroups(ctx context.Context, w *model.Work, key table.Key) ([]*model.ReactionGroup, error) {
	_, counts, err := workCounts(ctx, key, w.CommentCount, w.Reactions)
	if err != nil {
		return nil, err
	}
	return reactionGroups(ctx, key, counts)
}

// workRepositoryID is the repository of an issue or pull request.
func workRepositoryID(w *model.Work) entities.RepositoryID {
	return entities.NewRepositoryID(w.RepositoryOwner, w.RepositoryName)
}

// workRepository is the repository of an issue or pull request, as the
// viewer may see it. The issue was reached through its visible repository
// (or a mutation that checked it), so a missing one means the repository
// was deleted or hidden meanwhile: NOT_FOUND, since the field is non-null.
func workRepository(ctx context.Context, owner, name string) (*model.Repository, error) {
	r, err := visibleRepository(ctx, owner, name)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, entities.NotFound("repository %s/%s not found", owner, name)
	}
	return repositoryFromRead(r), nil
}
