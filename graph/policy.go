package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/readmodel"
)

// The read side of the access policy. The rules are entities/policy.go's;
// this file only gathers the facts they decide on for the viewer of a
// request (the viewer's Relation to a repository owner, read through the
// loaders) and applies them. Every resolver that produces a repository, or
// anything under one, goes through these helpers; mutations are checked
// by the commands' Decide with the same rules.
//
// Paths to a repository and how each is guarded:
//
//   - Query.repository, Repository.parent, Issue.repository,
//     PullRequest.repository: visibleRepository (null, or NOT_FOUND for a
//     non-null field).
//   - RepositoryOwner.repositories: the owner's private repositories are
//     left out by the loader unless viewerSeesPrivate; totalCount
//     subtracts the owner's privateRepositoryCount likewise.
//   - User.starredRepositories, Repository.forks: the loaders keep only
//     repositories the viewer may see (pages stay full) and count them the
//     same way; Repository.forkCount is that count.
//   - Everything under a repository (issues, pull requests, comments,
//     reactions, stargazers, history, counters) is reached only from a
//     repository that passed one of the above, or from a mutation payload
//     whose command checked visibility.

// viewerSeesPrivate reports whether the viewer may see owner's private
// repositories.
func viewerSeesPrivate(ctx context.Context, owner string) (bool, error) {
	viewer, err := viewerLogin(ctx)
	if err != nil {
		return false, err
	}
	rel, err := loadersFrom(ctx).Relation(ctx, owner, viewer)
	if err != nil {
		return false, err
	}
	return entities.CanSeeRepository(true, rel), nil
}

// canSeeRepository reports whether the viewer of ctx may see r.
func canSeeRepository(ctx context.Context, r *readmodel.Repository) (bool, error) {
	if r == nil {
		return false, nil
	}
	if !r.IsPrivate {
		return true, nil
	}
	return viewerSeesPrivate(ctx, r.Owner)
}

// visibleRepository loads owner/name for the viewer of ctx: nil when it
// does not exist, is deleted or is private and invisible to the viewer
// (so private names do not leak).
func visibleRepository(ctx context.Context, owner, name string) (*readmodel.Repository, error) {
	r, err := loadersFrom(ctx).Repository(ctx, owner, name)
	if err != nil || r == nil {
		return nil, err
	}
	ok, err := canSeeRepository(ctx, r)
	if err != nil || !ok {
		return nil, err
	}
	return r, nil
}

// visibleRepositories loads refs in one batch and keeps, aligned with
// refs, those that exist in life lives[i] (when lives is set) and that the
// viewer may see (nil otherwise).
func visibleRepositories(ctx context.Context, refs []loaders.RepositoryRef, lives []int) ([]*readmodel.Repository, error) {
	viewer, err := viewerLogin(ctx)
	if err != nil {
		return nil, err
	}
	return loadersFrom(ctx).VisibleRepositories(ctx, refs, lives, viewer)
}

// viewerForkCount is obj's forkCount as the viewer may know it: the forks
// the viewer may see (a private fork of a public repository, or another
// user's private fork of a private one, is not counted for outsiders).
func viewerForkCount(ctx context.Context, obj *model.Repository) (int, error) {
	viewer, err := viewerLogin(ctx)
	if err != nil {
		return 0, err
	}
	return loadersFrom(ctx).CountForksOf(ctx, obj.OwnerLogin, obj.Name, obj.Life, int(obj.ForkCount), viewer)
}

// requested reports whether the field being resolved selects name (e.g. a
// connection's totalCount), so counts that cost reads are only made when
// asked for.
func requested(ctx context.Context, name string) bool {
	if graphql.GetFieldContext(ctx) == nil || !graphql.HasOperationContext(ctx) {
		return true
	}
	return graphql.FieldRequested(ctx, name)
}
