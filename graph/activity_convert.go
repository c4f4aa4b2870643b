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
	if a, ok, err := labelActivityOf(ctx, ev, repo, actor); ok || err != nil {
		return a, err
	}
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

// labelActivityOf turns a label event into its activity: a label created,
// updated or deleted (an event of the repository), or labels added to or
// removed from an issue or pull request (one of theirs). ok is false for
// other events.
func labelActivityOf(ctx context.Context, ev *live.Event, repo *model.Repository, actor *string) (a any, ok bool, err error) {
	agg, ver, typ, at := aggregateID(ev.ID), int32(ev.Envelope.Version), ev.Envelope.Type, ev.Envelope.At
	l := loadersFrom(ctx)
	// labels reads the labels ids of repo as they are at delivery; deleted
	// ones are left out.
	labels := func(ids []string) ([]*model.Label, error) {
		read, err := l.LabelsByID(ctx, repo.OwnerLogin, repo.Name, ids)
		if err != nil {
			return nil, err
		}
		out := []*model.Label{}
		for _, lb := range read {
			if lb != nil {
				out = append(out, labelFromRead(lb))
			}
		}
		return out, nil
	}
	var labelID string
	var action model.ActivityAction
	switch e := ev.Data.(type) {
	case *entities.LabelCreated:
		labelID, action = e.Label.ID, model.ActivityActionCreated
	case *entities.LabelUpdated:
		labelID, action = e.ID, model.ActivityActionEdited
	case *entities.LabelDeleted:
		labelID, action = e.ID, model.ActivityActionDeleted
	case *entities.LabelsAdded, *entities.LabelsRemoved:
		ids, action := []string(nil), model.ActivityActionAdded
		if added, isAdd := e.(*entities.LabelsAdded); isAdd {
			ids = added.Labels
		} else {
			ids, action = e.(*entities.LabelsRemoved).Labels, model.ActivityActionRemoved
		}
		act := &model.LabelingActivity{Action: action, LabelIds: make([]string, len(ids)), Repository: repo, AggregateID: agg, Version: ver, EventType: typ, At: at, Actor: actor}
		for i, id := range ids {
			act.LabelIds[i] = labelNodeID(repo.OwnerLogin, repo.Name, id)
		}
		if act.Labels, err = labels(ids); err != nil {
			return nil, true, err
		}
		switch id := ev.ID.(type) {
		case entities.IssueID:
			act.Number = int32(id.Number())
			i, err := l.Issue(ctx, repo.OwnerLogin, repo.Name, id.Number())
			if err != nil {
				return nil, true, err
			}
			if i != nil {
				act.Issue = issueFromRead(i)
			}
		case entities.PullRequestID:
			act.Number = int32(id.Number())
			p, err := l.PullRequest(ctx, repo.OwnerLogin, repo.Name, id.Number())
			if err != nil {
				return nil, true, err
			}
			if p != nil {
				act.PullRequest = pullRequestFromRead(p)
			}
		default:
			return nil, true, nil // labels of something else: no activity
		}
		return act, true, nil
	default:
		return nil, false, nil
	}
	act := &model.LabelActivity{Action: action, LabelID: labelNodeID(repo.OwnerLogin, repo.Name, labelID), Repository: repo, AggregateID: agg, Version: ver, EventType: typ, At: at, Actor: actor}
	if action != model.ActivityActionDeleted {
		got, err := labels([]string{labelID})
		if err != nil {
			return nil, true, err
		}
		if len(got) == 1 {
			act.Label = got[0]
		}
	}
	return act, true, nil
}
