package graph

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// Conversions and read helpers of the repository area: read items and
// write-side states into GraphQL repositories, visibility, and the pages
// of repositories, stargazers, starred repositories and forks into
// connections.

// repositoryNodeID is a repository's global ID. A name reused after a delete is
// another repository, so the life is part of it.
func repositoryNodeID(owner, name string, life int) string {
	return nodeID("Repository", owner+"/"+name+"/"+strconv.Itoa(life))
}

// repositoryFromRead builds a repository from its read item.
func repositoryFromRead(r *readmodel.Repository) *model.Repository {
	if r == nil {
		return nil
	}
	m := &model.Repository{
		ID: repositoryNodeID(r.Owner, r.Name, r.Life), OwnerLogin: r.Owner, Name: r.Name, NameWithOwner: r.Owner + "/" + r.Name,
		Description: optional(r.Description), IsPrivate: r.IsPrivate, IsFork: r.IsFork,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Life: r.Life,
	}
	if r.IsFork {
		m.ParentOwner, m.ParentName, m.ParentLife = r.ParentOwner, r.ParentName, r.ParentLife
	}
	setRepositoryCounters(m, r)
	return m
}

// setRepositoryCounters copies the read model's counters onto m.
func setRepositoryCounters(m *model.Repository, r *readmodel.Repository) {
	m.StargazerCount, m.ForkCount = int32(r.StargazerCount), int32(r.ForkCount)
	m.OpenIssueCount, m.ClosedIssueCount = int32(r.OpenIssueCount), int32(r.ClosedIssueCount)
	m.OpenPullCount, m.ClosedPullCount, m.MergedPullCount = int32(r.OpenPullCount), int32(r.ClosedPullCount), int32(r.MergedPullCount)
}

// repositoryPayload builds a mutation's repository from the write side's new
// state, so the response reflects the write without waiting for the
// projection; the counters, which only the read model keeps, come from the
// read item when it is of the same life (a new repository has none).
func repositoryPayload(ctx context.Context, s entities.Snapshot) (*model.Repository, error) {
	m, _, err := repositoryPayloadWith(ctx, s, nil)
	return m, err
}

// repositoryPayloadWith is repositoryPayload that also reports, from the same
// BatchGetItem as the repository item, whether the read item at also is
// projected.
func repositoryPayloadWith(ctx context.Context, s entities.Snapshot, also *table.Key) (*model.Repository, bool, error) {
	r, ok := s.State.(*entities.Repository)
	if !ok || r == nil {
		return nil, false, fmt.Errorf("graph: no repository state for %v", s.ID)
	}
	m := &model.Repository{
		ID: repositoryNodeID(r.Owner, r.Name, r.Life), OwnerLogin: r.Owner, Name: r.Name, NameWithOwner: r.Owner + "/" + r.Name,
		Description: optional(r.Description), IsPrivate: r.IsPrivate, IsFork: r.IsFork(),
		ParentOwner: r.ParentOwner, ParentName: r.ParentName, ParentLife: r.ParentLife,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Life: r.Life,
	}
	l := loadersFrom(ctx)
	// Both loads are queued before either is awaited, so they share one
	// request: the counter and the item it counts are read together.
	read, projected, err := l.RepositoryWith(ctx, r.Owner, r.Name, also)
	if err != nil {
		return nil, false, err
	}
	if read != nil && read.Life == r.Life {
		setRepositoryCounters(m, read)
	}
	return m, projected, nil
}

// starPayload is the repository of a star mutation: repositoryPayload with the
// viewer's star as just decided, and the stargazer count adjusted by the
// star when its projection has not been applied yet (the star's read item
// and the counter move in one transaction, so the item's presence in the
// same read tells).
func starPayload(ctx context.Context, repo entities.Snapshot, star entities.Snapshot) (*model.Repository, error) {
	r, _ := repo.State.(*entities.Repository)
	st, _ := star.State.(*entities.Star)
	var also *table.Key
	if r != nil && st != nil && st.RepositoryLife == r.Life {
		k := table.StarKeyAt(st.Login, st.Owner, st.Name, st.StarredAt)
		also = &k
	}
	m, projected, err := repositoryPayloadWith(ctx, repo, also)
	if err != nil {
		return nil, err
	}
	starred := st.StarsLife(m.Life)
	m.StarredByViewer = &starred
	if also != nil {
		switch {
		case starred && !projected:
			m.StargazerCount++
		case !starred && projected:
			m.StargazerCount--
		}
	}
	return m, nil
}

// repositoryOwner resolves the owner of a repository: a user or an
// organization. An owner whose account item is not projected yet is shown
// by login only, as a user, rather than failing the non-null field.
func repositoryOwner(ctx context.Context, login string) (model.RepositoryOwner, error) {
	l := loadersFrom(ctx)
	a, err := l.Account(ctx, login)
	if err != nil {
		return nil, err
	}
	if o := orgFromRead(a); o != nil {
		return o, nil
	}
	if u := userFromRead(a); u != nil {
		return u, nil
	}
	return &model.User{ID: nodeID("User", login), Login: login}, nil
}

// ownerRepositories is the repositories connection of an owner (user or
// organization), recently updated first; private ones only for the owner
// and the organization's members. totalCount comes from the owner's
// counters, minus the private repositories when the viewer cannot see
// them.
func ownerRepositories(ctx context.Context, owner string, args loaders.PageArgs) (*model.RepositoryConnection, error) {
	l := loadersFrom(ctx)
	private, err := viewerSeesPrivate(ctx, owner)
	if err != nil {
		return nil, err
	}
	page, err := l.RepositoriesOfOwner(ctx, owner, private, args)
	if err != nil {
		return nil, err
	}
	c := buildConnection(page, func(r readmodel.Repository) (*model.Repository, bool) { return repositoryFromRead(&r), true })
	total := 0
	if requested(ctx, "totalCount") {
		total, err = totalOf(c.PageInfo, len(c.Items), func() (int, error) {
			counts, err := l.AccountCounters(ctx, owner)
			if err != nil {
				return 0, err
			}
			if !private {
				return counts.RepositoryCount - counts.PrivateRepositoryCount, nil
			}
			return counts.RepositoryCount, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return repositoryConnection(c, total), nil
}

// repositoryConnection renders a connection of repositories.
func repositoryConnection(c connection[*model.Repository], total int) *model.RepositoryConnection {
	return &model.RepositoryConnection{
		Edges: edgesOf(c, func(cursor string, r *model.Repository) *model.RepositoryEdge {
			return &model.RepositoryEdge{Cursor: cursor, Node: r}
		}),
		Nodes:      nodesOf(c, identity[*model.Repository]),
		PageInfo:   c.PageInfo,
		TotalCount: int32(max(total, 0)),
	}
}

// stargazerEdge pairs a stargazer with when they starred.
type stargazerEdge struct {
	user *model.User
	star readmodel.Star
}

// stargazersConnection is the stargazers connection of repository obj,
// loading the users in one batch; a user whose account item is not
// projected yet is left out.
//
// The connection is computed once per request for obj and args, so that a
// stargazerCount selected next to it shows its totalCount (consistent.go).
func stargazersConnection(ctx context.Context, obj *model.Repository, order loaders.StarOrder, args loaders.PageArgs) (*model.StargazerConnection, error) {
	return memoized(ctx, fmt.Sprintf("stargazers|%s|%v|%s", obj.ID, order, argsKey(args)), func() (*model.StargazerConnection, error) {
		// Shared by fields whatever they select: always with cursors.
		return readStargazers(loaders.WithCursors(ctx, true), obj, order, args)
	})
}

// readStargazers reads the stargazers connection of obj.
func readStargazers(ctx context.Context, obj *model.Repository, order loaders.StarOrder, args loaders.PageArgs) (*model.StargazerConnection, error) {
	l := loadersFrom(ctx)
	page, err := l.Stargazers(ctx, obj.OwnerLogin, obj.Name, obj.Life, order, args)
	if err != nil {
		return nil, err
	}
	c := buildConnection(page, keepAll[readmodel.Star])
	logins := make([]string, len(c.Items))
	for i, s := range c.Items {
		logins[i] = s.Login
	}
	accounts, err := l.AccountsByLogin(ctx, logins)
	if err != nil {
		return nil, err
	}
	edges := connection[stargazerEdge]{PageInfo: c.PageInfo}
	for i, s := range c.Items {
		if u := userFromRead(accounts[i]); u != nil {
			edges.Items = append(edges.Items, stargazerEdge{user: u, star: s})
			edges.Cursors = append(edges.Cursors, c.Cursors[i])
		}
	}
	total, err := totalOf(edges.PageInfo, len(edges.Items), counterValue(obj.StargazerCount))
	if err != nil {
		return nil, err
	}
	return &model.StargazerConnection{
		Edges: edgesOf(edges, func(cursor string, e stargazerEdge) *model.StargazerEdge {
			return &model.StargazerEdge{Cursor: cursor, Node: e.user, StarredAt: e.star.StarredAt}
		}),
		Nodes:      nodesOf(edges, func(e stargazerEdge) *model.User { return e.user }),
		PageInfo:   edges.PageInfo,
		TotalCount: int32(total),
	}, nil
}

// starredEdge pairs a starred repository with when it was starred.
type starredEdge struct {
	repo *model.Repository
	star readmodel.Star
}

// starredConnection is the starred repositories connection of login as
// the viewer may see it: the loader keeps only stars of repositories that
// exist in the starred life and that the viewer may see (pages stay full),
// and totalCount counts exactly those.
func starredConnection(ctx context.Context, login string, order loaders.StarOrder, args loaders.PageArgs) (*model.StarredRepositoryConnection, error) {
	l := loadersFrom(ctx)
	viewer, err := viewerLogin(ctx)
	if err != nil {
		return nil, err
	}
	page, err := l.StarredBy(ctx, login, viewer, order, args)
	if err != nil {
		return nil, err
	}
	c := buildConnection(page, keepAll[readmodel.Star])
	refs := make([]loaders.RepositoryRef, len(c.Items))
	lives := make([]int, len(c.Items))
	for i, s := range c.Items {
		refs[i], lives[i] = loaders.RepositoryRef{Owner: s.Owner, Name: s.Name}, s.RepositoryLife
	}
	// The same items the loader's filter read: no further request.
	repos, err := visibleRepositories(ctx, refs, lives)
	if err != nil {
		return nil, err
	}
	edges := connection[starredEdge]{PageInfo: c.PageInfo}
	for i, s := range c.Items {
		if repos[i] != nil {
			edges.Items = append(edges.Items, starredEdge{repo: repositoryFromRead(repos[i]), star: s})
			edges.Cursors = append(edges.Cursors, c.Cursors[i])
		}
	}
	total := 0
	if requested(ctx, "totalCount") {
		total, err = totalOf(edges.PageInfo, len(edges.Items), func() (int, error) { return l.CountStarredBy(ctx, login, viewer, order) })
		if err != nil {
			return nil, err
		}
	}
	return &model.StarredRepositoryConnection{
		Edges: edgesOf(edges, func(cursor string, e starredEdge) *model.StarredRepositoryEdge {
			return &model.StarredRepositoryEdge{Cursor: cursor, Node: e.repo, StarredAt: e.star.StarredAt}
		}),
		Nodes:      nodesOf(edges, func(e starredEdge) *model.Repository { return e.repo }),
		PageInfo:   edges.PageInfo,
		TotalCount: int32(max(total, 0)),
	}, nil
}

// forksConnection is the forks connection of repository obj, by fork
// owner, as the viewer may see it: the loader keeps only forks that exist
// and that the viewer may see (pages stay full), and totalCount counts
// exactly those (the same count as the viewer's forkCount).
func forksConnection(ctx context.Context, obj *model.Repository, ascending bool, args loaders.PageArgs) (*model.RepositoryConnection, error) {
	forks, err := forksPage(ctx, obj, ascending, args)
	if err != nil {
		return nil, err
	}
	total := 0
	if requested(ctx, "totalCount") {
		if total, err = forksTotal(ctx, obj, forks); err != nil {
			return nil, err
		}
	}
	return repositoryConnection(forks, total), nil
}

// forksTotal is the totalCount of a page of obj's forks, and the
// forkCount shown next to it (consistent.go).
func forksTotal(ctx context.Context, obj *model.Repository, forks connection[*model.Repository]) (int, error) {
	return totalOf(forks.PageInfo, len(forks.Items), func() (int, error) { return viewerForkCount(ctx, obj) })
}

// forksPage reads a page of obj's forks as the viewer may see them, once
// per request for obj and args, so that a forkCount selected next to it
// agrees with it.
func forksPage(ctx context.Context, obj *model.Repository, ascending bool, args loaders.PageArgs) (connection[*model.Repository], error) {
	return memoized(ctx, fmt.Sprintf("forks|%s|%v|%s", obj.ID, ascending, argsKey(args)), func() (connection[*model.Repository], error) {
		// Shared by fields whatever they select: always with cursors.
		return readForks(loaders.WithCursors(ctx, true), obj, ascending, args)
	})
}

// readForks reads a page of obj's forks as the viewer may see them.
func readForks(ctx context.Context, obj *model.Repository, ascending bool, args loaders.PageArgs) (connection[*model.Repository], error) {
	var none connection[*model.Repository]
	viewer, err := viewerLogin(ctx)
	if err != nil {
		return none, err
	}
	page, err := loadersFrom(ctx).ForksOf(ctx, obj.OwnerLogin, obj.Name, obj.Life, viewer, ascending, args)
	if err != nil {
		return none, err
	}
	c := buildConnection(page, keepAll[readmodel.ForkLink])
	refs := make([]loaders.RepositoryRef, len(c.Items))
	lives := make([]int, len(c.Items))
	for i, f := range c.Items {
		refs[i], lives[i] = loaders.RepositoryRef{Owner: f.ForkOwner, Name: f.ForkName}, f.ForkLife
	}
	repos, err := visibleRepositories(ctx, refs, lives)
	if err != nil {
		return none, err
	}
	forks := connection[*model.Repository]{PageInfo: c.PageInfo}
	for i := range c.Items {
		if repos[i] != nil {
			forks.Items = append(forks.Items, repositoryFromRead(repos[i]))
			forks.Cursors = append(forks.Cursors, c.Cursors[i])
		}
	}
	return forks, nil
}

// repositoryParent resolves the parent of a fork: nil when obj is not a
// fork, or the parent is gone (deleted, or its name reused by another
// repository), or invisible to the viewer.
func repositoryParent(ctx context.Context, obj *model.Repository) (*model.Repository, error) {
	if !obj.IsFork || obj.ParentOwner == "" {
		return nil, nil
	}
	p, err := visibleRepository(ctx, obj.ParentOwner, obj.ParentName)
	if err != nil || p == nil {
		return nil, err
	}
	if obj.ParentLife != 0 && p.Life != obj.ParentLife {
		return nil, nil
	}
	return repositoryFromRead(p), nil
}

// deletedRepositoryID is the global ID of the repository a delete removed.
func deletedRepositoryID(s entities.Snapshot) (string, error) {
	r, ok := s.State.(*entities.Repository)
	if !ok || r == nil {
		return "", fmt.Errorf("graph: no repository state for %v", s.ID)
	}
	return repositoryNodeID(r.Owner, r.Name, r.Life), nil
}

// starOrderOf is the loaders' order of a stars connection's orderBy:
// newest first unless it asks for ASC (STARRED_AT is the only field).
func starOrderOf(o *model.StarOrder) loaders.StarOrder {
	if o != nil && o.Direction == model.OrderDirectionAsc {
		return loaders.OldestStarFirst
	}
	return loaders.NewestStarFirst
}

// starOrderFromArg is starOrderOf for an orderBy argument as resolved
// from the operation (a map, or nil).
func starOrderFromArg(v any) loaders.StarOrder {
	if m, ok := v.(map[string]any); ok && fmt.Sprint(m["direction"]) == string(model.OrderDirectionAsc) {
		return loaders.OldestStarFirst
	}
	return loaders.NewestStarFirst
}

// forkOrderOf is the direction of a forks orderBy: newest first unless
// ASC is asked for.
func forkOrderOf(o *model.RepositoryOrder) bool {
	return o != nil && o.Direction == model.OrderDirectionAsc
}

// forkOrderFromArg is forkOrderOf for an orderBy argument as resolved from
// the operation (a map, or nil).
func forkOrderFromArg(v any) bool {
	m, ok := v.(map[string]any)
	return ok && fmt.Sprint(m["direction"]) == string(model.OrderDirectionAsc)
}

// newestWorkFirst is the order of every list of issues and pull requests
// when orderBy is omitted: newest first, as GitHub's pages list them and as
// stars and forks are listed here. (GitHub's GraphQL API defaults to
// oldest first; orderBy {field: CREATED_AT, direction: ASC} gives that.)
var newestWorkFirst = loaders.WorkOrder{Field: table.OrderCreated}

// issueOrderOf is the loaders' ordering for an IssueOrder argument, def
// when it is omitted.
func issueOrderOf(o *model.IssueOrder, def loaders.WorkOrder) loaders.WorkOrder {
	if o == nil {
		return def
	}
	field := table.OrderCreated
	if o.Field == model.IssueOrderFieldUpdatedAt {
		field = table.OrderUpdated
	}
	return loaders.WorkOrder{Field: field, Ascending: o.Direction == model.OrderDirectionAsc}
}

// star resolves starRepository (unstar false) and unstarRepository: the
// repository as the star left it, with its count and the viewer's star.
func (r *mutationResolver) star(ctx context.Context, input model.StarRepositoryInput, unstar bool) (*model.StarRepositoryPayload, error) {
	repositoryID := entities.NewRepositoryID(input.Owner, input.Name)
	var starID entities.ID
	return mutate(ctx, r.Resolver, input.IdempotencyKey, input, func(actor string) entities.Command {
		starID = entities.NewStarID(actor, repositoryID)
		if unstar {
			return entities.UnstarRepository{Owner: input.Owner, Name: input.Name, Actor: actor}
		}
		return entities.StarRepository{Owner: input.Owner, Name: input.Name, Actor: actor}
	}, func(res events.Result) (*model.StarRepositoryPayload, error) {
		repo, err := starPayload(ctx, res.Snapshot(repositoryID), res.Snapshot(starID))
		return &model.StarRepositoryPayload{Repository: repo}, err
	})
}
