package graph

import (
	"context"
	"strings"

	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/live"
)

// The subscription resolvers' bodies (subscription.resolvers.go only
// delegates here).

// checkRepoArgs validates owner and name by shape.
func checkRepoArgs(owner, name string) error {
	if err := entities.ValidateLogin("owner", owner); err != nil {
		return err
	}
	if name == "" || len(name) > 100 || strings.ContainsAny(name, "/ \t\r\n") {
		return entities.BadInput("name", "not a repository name")
	}
	return nil
}

// repoNotFound is the error of a repository the viewer may not see.
func repoNotFound(owner, name string) error {
	return entities.NotFound("repository %s/%s not found", strings.ToLower(owner), strings.ToLower(name))
}

// requireRepository loads owner/name for the viewer: NOT_FOUND when it
// does not exist or is invisible to them (now).
func requireRepository(ctx context.Context, owner, name string) (*model.Repository, error) {
	repo, err := visibleRepository(ctx, owner, name)
	if err != nil {
		return nil, err
	}
	if repo == nil {
		return nil, repoNotFound(owner, name)
	}
	return repositoryFromRead(repo), nil
}

// repositoryActivity implements Subscription.repositoryActivity.
func (r *Resolver) repositoryActivity(ctx context.Context, owner, name string) (<-chan model.RepositoryActivity, error) {
	if err := checkRepoArgs(owner, name); err != nil {
		return nil, err
	}
	return subscribe(ctx, r, subscription[model.RepositoryActivity]{
		topics: []live.Topic{live.RepositoryTopic(owner, name), live.OwnerTopic(owner)},
		check: func(ctx context.Context) error {
			_, err := requireRepository(ctx, owner, name)
			return err
		},
		accessKey: "repositoryActivity:" + string(live.RepositoryTopic(owner, name)),
		// Every event, membership changes included, re-checks access: a
		// viewer who lost it is told, and gets nothing more.
		access: func(ctx context.Context, ev *live.Event) error {
			if _, err := requireRepository(ctx, owner, name); err != nil {
				return err
			}
			return hidePrivateFork(ctx, ev)
		},
		convert: func(ctx context.Context, ev *live.Event) (model.RepositoryActivity, error) {
			repo, err := requireRepository(ctx, owner, name)
			if err != nil {
				return nil, err
			}
			a, err := activityOf(ctx, ev, repo)
			if err != nil {
				return nil, err
			}
			ra, ok := a.(model.RepositoryActivity)
			if !ok || a == nil {
				return nil, errSkip
			}
			return ra, nil
		},
	})
}

// viewerActivity implements Subscription.viewerActivity.
func (r *Resolver) viewerActivity(ctx context.Context) (<-chan model.ViewerActivity, error) {
	// eventRepository returns the repository ev is news for, and false
	// for events outside repositories.
	eventRepository := func(ev *live.Event) (entities.RepositoryID, bool) {
		repoID, ok := live.RepositoryOf(ev.ID)
		if f, isFork := ev.Data.(*entities.RepositoryForked); ok && isFork {
			repoID = entities.NewRepositoryID(f.ParentOwner, f.ParentName)
		}
		return repoID, ok
	}
	return subscribe(ctx, r, subscription[model.ViewerActivity]{
		topics: []live.Topic{live.AllRepositories},
		check: func(ctx context.Context) error {
			v, err := viewerLogin(ctx)
			if err != nil {
				return err
			}
			if v == "" {
				return &entities.Error{Code: entities.CodeUnauthenticated, Message: "viewerActivity needs a signed-in user: send Authorization in connection_init"}
			}
			return nil
		},
		accessKey: "viewerActivity",
		// The event is the viewer's news if they may see its repository
		// and own or star it.
		access: func(ctx context.Context, ev *live.Event) error {
			repoID, ok := eventRepository(ev)
			if !ok {
				return errSkip
			}
			viewer, err := viewerLogin(ctx)
			if err != nil || viewer == "" {
				return errSkipOr(err)
			}
			repo, err := visibleRepository(ctx, repoID.Owner(), repoID.Name())
			if err != nil || repo == nil {
				return errSkipOr(err)
			}
			if repo.Owner != viewer {
				starred, err := loadersFrom(ctx).HasStarred(ctx, viewer, repo.Owner, repo.Name, repo.Life)
				if err != nil || !starred {
					return errSkipOr(err)
				}
			}
			return hidePrivateFork(ctx, ev)
		},
		convert: func(ctx context.Context, ev *live.Event) (model.ViewerActivity, error) {
			repoID, _ := eventRepository(ev)
			repo, err := visibleRepository(ctx, repoID.Owner(), repoID.Name())
			if err != nil || repo == nil {
				return nil, errSkipOr(err)
			}
			a, err := activityOf(ctx, ev, repositoryFromRead(repo))
			if err != nil {
				return nil, err
			}
			va, ok := a.(model.ViewerActivity)
			if !ok || a == nil {
				return nil, errSkip
			}
			return va, nil
		},
	})
}

// hidePrivateFork returns errSkip when ev creates a private fork that the
// viewer of ctx may not see: its activity would name the fork (its
// aggregateId, extensions.event.aggregate) to someone who may not know it
// exists, even with fork null. A fork's visibility never changes, so the
// event's own IsPrivate decides which owner's rights matter.
func hidePrivateFork(ctx context.Context, ev *live.Event) error {
	f, ok := ev.Data.(*entities.RepositoryForked)
	if !ok || !f.IsPrivate {
		return nil
	}
	sees, err := viewerSeesPrivate(ctx, f.Owner)
	if err != nil {
		return err
	}
	if !sees {
		return errSkip
	}
	return nil
}

// errSkipOr returns err, or errSkip when it is nil.
func errSkipOr(err error) error {
	if err != nil {
		return err
	}
	return errSkip
}

// issueChanged implements Subscription.issueChanged.
func (r *Resolver) issueChanged(ctx context.Context, owner, name string, number int32, after *int32) (<-chan *model.Issue, error) {
	if err := checkRepoArgs(owner, name); err != nil {
		return nil, err
	}
	if number < 1 {
		return nil, entities.BadInput("number", "must be at least 1")
	}
	repoID := entities.NewRepositoryID(owner, name)
	id := entities.NewIssueID(repoID, int(number))
	s := subscription[*model.Issue]{
		topics: []live.Topic{live.AggregateTopic(id), live.AggregateTopic(repoID), live.OwnerTopic(owner)},
		check: func(ctx context.Context) error {
			if _, err := requireRepository(ctx, owner, name); err != nil {
				return err
			}
			i, err := loadersFrom(ctx).Issue(ctx, owner, name, int(number))
			if err != nil {
				return err
			}
			if i == nil {
				return entities.NotFound("issue %d of %s/%s not found", number, repoID.Owner(), repoID.Name())
			}
			return nil
		},
		accessKey: "issueChanged:" + aggregateID(id),
		access: func(ctx context.Context, ev *live.Event) error {
			if _, err := requireRepository(ctx, owner, name); err != nil {
				return err
			}
			if ev.ID != entities.ID(id) {
				return errSkip
			}
			return nil
		},
		convert: func(ctx context.Context, ev *live.Event) (*model.Issue, error) {
			i, err := loadersFrom(ctx).Issue(ctx, owner, name, int(number))
			if err != nil || i == nil {
				return nil, errSkipOr(err)
			}
			return issueFromRead(i), nil
		},
	}
	if err := r.resumable(&s.replay, &s.seen, id, after); err != nil {
		return nil, err
	}
	return subscribe(ctx, r, s)
}

// pullRequestChanged implements Subscription.pullRequestChanged.
func (r *Resolver) pullRequestChanged(ctx context.Context, owner, name string, number int32, after *int32) (<-chan *model.PullRequest, error) {
	if err := checkRepoArgs(owner, name); err != nil {
		return nil, err
	}
	if number < 1 {
		return nil, entities.BadInput("number", "must be at least 1")
	}
	repoID := entities.NewRepositoryID(owner, name)
	id := entities.NewPullRequestID(repoID, int(number))
	s := subscription[*model.PullRequest]{
		topics: []live.Topic{live.AggregateTopic(id), live.AggregateTopic(repoID), live.OwnerTopic(owner)},
		check: func(ctx context.Context) error {
			if _, err := requireRepository(ctx, owner, name); err != nil {
				return err
			}
			p, err := loadersFrom(ctx).PullRequest(ctx, owner, name, int(number))
			if err != nil {
				return err
			}
			if p == nil {
				return entities.NotFound("pull request %d of %s/%s not found", number, repoID.Owner(), repoID.Name())
			}
			return nil
		},
		accessKey: "pullRequestChanged:" + aggregateID(id),
		access: func(ctx context.Context, ev *live.Event) error {
			if _, err := requireRepository(ctx, owner, name); err != nil {
				return err
			}
			if ev.ID != entities.ID(id) {
				return errSkip
			}
			return nil
		},
		convert: func(ctx context.Context, ev *live.Event) (*model.PullRequest, error) {
			p, err := loadersFrom(ctx).PullRequest(ctx, owner, name, int(number))
			if err != nil || p == nil {
				return nil, errSkipOr(err)
			}
			return pullRequestFromRead(p), nil
		},
	}
	if err := r.resumable(&s.replay, &s.seen, id, after); err != nil {
		return nil, err
	}
	return subscribe(ctx, r, s)
}

// resumable sets up a resume after version after of aggregate id: replay
// reads the events above it from the event log, seen skips live events at
// or below it.
func (r *Resolver) resumable(replay *func(context.Context) ([]*live.Event, error), seen *map[string]int64, id entities.ID, after *int32) error {
	if after == nil {
		return nil
	}
	if *after < 0 {
		return entities.BadInput("after", "must be a version (0 or more)")
	}
	from := int64(*after)
	*seen = map[string]int64{aggregateID(id): from}
	*replay = func(ctx context.Context) ([]*live.Event, error) {
		return r.replayAfter(ctx, id, from)
	}
	return nil
}

// replayAfter reads id's events above version after from the event log,
// oldest first: BAD_USER_INPUT when there are more than maxReplay.
func (r *Resolver) replayAfter(ctx context.Context, id entities.ID, after int64) ([]*live.Event, error) {
	var out []*live.Event
	before := int64(0)
	for {
		page, err := r.Store.History(ctx, id, before, 100)
		if err != nil {
			return nil, err
		}
		done := false
		for _, env := range page.Events {
			if env.Version <= after {
				done = true
				break
			}
			ev := &live.Event{ID: id, Envelope: env, Committed: env.At, Replayed: true, Projected: true}
			if data, err := r.Store.Codec().Decode(env); err == nil {
				ev.Data = data
			}
			out = append(out, ev)
			if len(out) > maxReplay {
				return nil, entities.BadInput("after", "more than %d changes since version %d: query the current state and subscribe without after", maxReplay, after)
			}
		}
		if done || page.Next == 0 {
			break
		}
		before = page.Next
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}
