package graph

import (
	"context"

	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/live"
)

// activityOf turns an event on repo (which the viewer may see) into the
// activity a subscriber receives, loading the changed entity from the read
// model with ctx's loaders. It returns nil for events that are no activity
// (a repository's own updates, reactions, memberships).
func activityOf(ctx context.Context, ev *live.Event, repo *model.Repository) (any, error) {
	var actor *string
	if ev.Envelope.Actor != "" {
		a := ev.Envelope.Actor
		actor = &a
	}
	agg, ver, typ, at := aggregateID(ev.ID), int32(ev.Envelope.Version), ev.Envelope.Type, ev.Envelope.At
	l := loadersFrom(ctx)
	switch id := ev.ID.(type) {
	case entities.IssueID:
		action, ok := map[string]model.ActivityAction{
			"IssueOpened": model.ActivityActionOpened, "IssueEdited": model.ActivityActionEdited,
			"IssueClosed": model.ActivityActionClosed, "IssueReopened": model.ActivityActionReopened,
		}[typ]
		if !ok {
			return nil, nil
		}
		i, err := l.Issue(ctx, repo.OwnerLogin, repo.Name, id.Number())
		if err != nil {
			return nil, err
		}
		var issue *model.Issue
		if i != nil {
			issue = issueFromRead(i)
		}
		return &model.IssueActivity{Action: action, Issue: issue, Repository: repo, AggregateID: agg, Version: ver, EventType: typ, At: at, Actor: actor}, nil
	case entities.PullRequestID:
		action, ok := map[string]model.ActivityAction{
			"PullRequestOpened": model.ActivityActionOpened, "PullRequestEdited": model.ActivityActionEdited,
			"PullRequestClosed": model.ActivityActionClosed, "PullRequestReopened": model.ActivityActionReopened,
			"PullRequestMerged": model.ActivityActionMerged,
		}[typ]
		if !ok {
			return nil, nil
		}
		p, err := l.PullRequest(ctx, repo.OwnerLogin, repo.Name, id.Number())
		if err != nil {
			return nil, err
		}
		var pr *model.PullRequest
		if p != nil {
			pr = pullRequestFromRead(p)
		}
		return &model.PullRequestActivity{Action: action, PullRequest: pr, Repository: repo, AggregateID: agg, Version: ver, EventType: typ, At: at, Actor: actor}, nil
	case entities.CommentID:
		action, ok := map[string]model.ActivityAction{
			"CommentAdded": model.ActivityActionAdded, "CommentEdited": model.ActivityActionEdited, "CommentDeleted": model.ActivityActionDeleted,
		}[typ]
		if !ok {
			return nil, nil
		}
		var comment *model.IssueComment
		if action != model.ActivityActionDeleted {
			c, err := l.Comment(ctx, repo.OwnerLogin, repo.Name, id.Number(), id.Local())
			if err != nil {
				return nil, err
			}
			if c != nil {
				comment = commentFromRead(c)
			}
		}
		return &model.IssueCommentActivity{Action: action, Number: int32(id.Number()), Comment: comment, Repository: repo, AggregateID: agg, Version: ver, EventType: typ, At: at, Actor: actor}, nil
	case entities.StarID:
		action, ok := map[string]model.ActivityAction{"Starred": model.ActivityActionAdded, "Unstarred": model.ActivityActionRemoved}[typ]
		if !ok {
			return nil, nil
		}
		a, err := l.Account(ctx, id.Login())
		if err != nil {
			return nil, err
		}
		return &model.StarActivity{Action: action, User: userFromRead(a), Repository: repo, AggregateID: agg, Version: ver, EventType: typ, At: at, Actor: actor}, nil
	case entities.RepositoryID:
		if _, ok := ev.Data.(*entities.RepositoryForked); !ok || id == entities.NewRepositoryID(repo.OwnerLogin, repo.Name) {
			return nil, nil // the repository's own life: no activity
		}
		fork, err := visibleRepository(ctx, id.Owner(), id.Name())
		if err != nil {
			return nil, err
		}
		var fm *model.Repository
		if fork != nil {
			fm = repositoryFromRead(fork)
		}
		return &model.ForkActivity{Action: model.ActivityActionCreated, Fork: fm, Repository: repo, AggregateID: agg, Version: ver, EventType: typ, At: at, Actor: actor}, nil
	}
	return nil, nil
}
