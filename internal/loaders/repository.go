package loaders

import (
	"context"
	"errors"
	"strconv"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// The repository area's loaders: repositories, their owners' lists,
// stars and forks. Entity loads return what the read model holds; the
// access policy (internal/entities/policy.go) decides what a viewer may
// see, on the facts Relations loads. Lists whose items depend on the
// viewer (StarredBy, ForksOf) apply it while paging, so pages stay full
// and counts (CountStarredBy, CountForksOf) exact for that viewer.

// Repository loads owner/name (case-insensitive); nil if there is none
// (never created, deleted, or not projected yet).
func (l *Loaders) Repository(ctx context.Context, owner, name string) (*readmodel.Repository, error) {
	return loadEntity[readmodel.Repository](ctx, l, table.RepositoryKey(owner, name))
}

// RepositoryRef names a repository.
type RepositoryRef struct{ Owner, Name string }

// Repositories loads several repositories in one batch, aligned with
// refs (nil for missing ones).
func (l *Loaders) Repositories(ctx context.Context, refs []RepositoryRef) ([]*readmodel.Repository, error) {
	keys := make([]table.Key, len(refs))
	for i, r := range refs {
		keys[i] = table.RepositoryKey(r.Owner, r.Name)
	}
	return loadEntities[readmodel.Repository](ctx, l, keys)
}

// Relations returns viewer's relation (entities.Relation) to each of
// owners, aligned with owners, loading the memberships it needs in one
// batch: the facts the access policy (entities/policy.go) decides on.
func (l *Loaders) Relations(ctx context.Context, owners []string, viewer string) ([]entities.Relation, error) {
	out := make([]entities.Relation, len(owners))
	var keys []table.Key
	var at []int
	for i, o := range owners {
		if !entities.NeedsMembership(viewer, o) {
			out[i] = entities.RelationOf(viewer, o, "")
			continue
		}
		keys = append(keys, table.MembershipKey(o, viewer))
		at = append(at, i)
	}
	if len(keys) == 0 {
		return out, nil
	}
	ms, err := loadEntities[readmodel.Membership](ctx, l, keys)
	if err != nil {
		return nil, err
	}
	for j, m := range ms {
		var role entities.MemberRole
		if m != nil {
			role = entities.MemberRole(m.Role)
		}
		out[at[j]] = entities.RelationOf(viewer, owners[at[j]], role)
	}
	return out, nil
}

// Relation is Relations for one owner.
func (l *Loaders) Relation(ctx context.Context, owner, viewer string) (entities.Relation, error) {
	rels, err := l.Relations(ctx, []string{owner}, viewer)
	if err != nil {
		return entities.RelationNone, err
	}
	return rels[0], nil
}

// VisibleRepositories loads refs in one batch and returns, aligned with
// refs, those that exist — in life lives[i] when lives is set — and that
// viewer may see (entities.CanSeeRepository); nil for the others. The
// memberships private ones need are loaded in one more batch.
func (l *Loaders) VisibleRepositories(ctx context.Context, refs []RepositoryRef, lives []int, viewer string) ([]*readmodel.Repository, error) {
	repos, err := l.Repositories(ctx, refs)
	if err != nil {
		return nil, err
	}
	var owners []string
	var at []int
	for i, r := range repos {
		if r != nil && lives != nil && r.Life != lives[i] {
			repos[i] = nil
			continue
		}
		if r != nil && r.IsPrivate {
			owners = append(owners, r.Owner)
			at = append(at, i)
		}
	}
	if len(owners) == 0 {
		return repos, nil
	}
	rels, err := l.Relations(ctx, owners, viewer)
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		if !entities.CanSeeRepository(true, rels[j]) {
			repos[i] = nil
		}
	}
	return repos, nil
}

// visibleLinks is a Collection.Filter over items that point at
// repositories (stars, fork links): ref returns the repository an item
// points at and the life it must have.
func visibleLinks[T readmodel.Entity](l *Loaders, viewer string, ref func(T) (RepositoryRef, int)) func(context.Context, []Item) ([]bool, error) {
	return func(ctx context.Context, items []Item) ([]bool, error) {
		refs := make([]RepositoryRef, len(items))
		lives := make([]int, len(items))
		for i, it := range items {
			if v, ok := readmodel.Decode[T](it); ok {
				refs[i], lives[i] = ref(v)
			}
		}
		repos, err := l.VisibleRepositories(ctx, refs, lives, viewer)
		if err != nil {
			return nil, err
		}
		out := make([]bool, len(items))
		for i, r := range repos {
			out[i] = r != nil
		}
		return out, nil
	}
}

func starRef(s readmodel.Star) (RepositoryRef, int) {
	return RepositoryRef{Owner: s.Owner, Name: s.Name}, s.RepositoryLife
}

func forkRef(f readmodel.ForkLink) (RepositoryRef, int) {
	return RepositoryRef{Owner: f.ForkOwner, Name: f.ForkName}, f.ForkLife
}

// RepositoriesOfOwner lists owner's repositories, most recently updated first.
// With includePrivate false, private repositories are left out (pages stay
// full).
func (l *Loaders) RepositoriesOfOwner(ctx context.Context, owner string, includePrivate bool, args PageArgs) (Page[readmodel.Repository], error) {
	idx, pk, prefix := table.RepositoriesByOwner(owner)
	c := Collection{Index: idx, PK: pk, SKPrefix: prefix, Ascending: false, Binding: "RepositoryOwner.repositories/" + entities.LowerASCII(owner)}
	if !includePrivate {
		c.Binding += "/public"
		c.Keep = keep(func(r readmodel.Repository) bool { return !r.IsPrivate })
	}
	return queryPage[readmodel.Repository](ctx, l.Pager, c, args)
}

// StarOrder is the order of a list of stars: by when they were given.
type StarOrder bool

// The orders of a list of stars.
const (
	NewestStarFirst StarOrder = false // GitHub's default
	OldestStarFirst StarOrder = true
)

// String names the order in cursor bindings.
func (o StarOrder) String() string {
	if o == OldestStarFirst {
		return "asc"
	}
	return "desc"
}

// Stargazers lists the stars of one life of a repository in order of when
// they were given (table.Stargazers: a key range, never a sort in memory).
func (l *Loaders) Stargazers(ctx context.Context, owner, name string, life int, order StarOrder, args PageArgs) (Page[readmodel.Star], error) {
	idx, pk, prefix := table.Stargazers(owner, name)
	return queryPage[readmodel.Star](ctx, l.Pager, Collection{
		Index: idx, PK: pk, SKPrefix: prefix, Ascending: bool(order),
		Binding: "Repository.stargazers/" + entities.LowerASCII(owner) + "/" + entities.LowerASCII(name) + "/" + strconv.Itoa(life) + "/" + order.String(),
		Keep:    keep(func(s readmodel.Star) bool { return s.RepositoryLife == life }),
	}, args)
}

// StarredBy lists the stars login gave in order of when they were given
// (table.StarredBy), keeping only stars of repositories that still exist in
// the starred life and that viewer may see: pages stay full and
// hasNextPage exact for that viewer. Cursors are bound to the viewer too.
func (l *Loaders) StarredBy(ctx context.Context, login, viewer string, order StarOrder, args PageArgs) (Page[readmodel.Star], error) {
	return queryPage[readmodel.Star](ctx, l.Pager, l.starredCollection(login, viewer, order), args)
}

func (l *Loaders) starredCollection(login, viewer string, order StarOrder) Collection {
	idx, pk, prefix := table.StarredBy(login)
	return Collection{
		Index: idx, PK: pk, SKPrefix: prefix, Ascending: bool(order),
		Binding: "User.starredRepositories/" + entities.LowerASCII(login) + "/" + entities.LowerASCII(viewer) + "/" + order.String(),
		Keep:    keep(func(readmodel.Star) bool { return true }),
		Filter:  visibleLinks(l, viewer, starRef),
	}
}

// CountStarredBy is the totalCount of StarredBy for viewer: the stars it
// would list, counted (zero without reads when login starred nothing).
func (l *Loaders) CountStarredBy(ctx context.Context, login, viewer string, order StarOrder) (int, error) {
	c, err := l.AccountCounters(ctx, login)
	if err != nil || c.StarredCount <= 0 {
		return 0, err
	}
	return l.count(ctx, l.starredCollection(login, viewer, order))
}

// HasStarred reports whether login starred life of owner/name: one Query
// of the user's stars of that repository (DESIGN.md §3, "has viewer
// starred"). gqlgen resolves the field for the repositories of a list
// concurrently, so a page of repositories costs one round trip.
func (l *Loaders) HasStarred(ctx context.Context, login, owner, name string, life int) (bool, error) {
	if login == "" {
		return false, nil
	}
	pk, prefix := table.StarsOfUser(login, owner, name)
	one := int32(1)
	page, err := l.Pager.query(WithCursors(ctx, false), Collection{
		PK: pk, SKPrefix: prefix, Ascending: true, Binding: "Repository.viewerHasStarred",
		Keep: keep(func(s readmodel.Star) bool { return s.RepositoryLife == life }),
	}, PageArgs{First: &one})
	if err != nil {
		return false, err
	}
	return len(page.Items) > 0, nil
}

// ForksOf lists the forks linked to one life of a repository in the
// order they were created (ascending or not), keeping only forks that
// exist (in the linked life) and that viewer may see: pages stay full and
// hasNextPage exact for that viewer. Cursors are bound to the viewer and
// the direction too.
func (l *Loaders) ForksOf(ctx context.Context, owner, name string, life int, viewer string, ascending bool, args PageArgs) (Page[readmodel.ForkLink], error) {
	c := l.forksCollection(owner, name, life, viewer)
	c.Index, c.PK, c.SKPrefix = table.ForksByCreation(owner, name)
	c.Ascending = ascending
	c.Binding += "/CREATED_AT/" + strconv.FormatBool(ascending)
	return queryPage[readmodel.ForkLink](ctx, l.Pager, c, args)
}

// forksCollection lists the forks of one life of a repository that viewer
// may see, by owner login (the collection CountForksOf counts).
func (l *Loaders) forksCollection(owner, name string, life int, viewer string) Collection {
	idx, pk, prefix := table.ForksOf(owner, name)
	return Collection{
		Index: idx, PK: pk, SKPrefix: prefix, Ascending: true,
		Binding: "Repository.forks/" + entities.LowerASCII(owner) + "/" + entities.LowerASCII(name) + "/" + strconv.Itoa(life) + "/" + entities.LowerASCII(viewer),
		Keep:    keep(func(f readmodel.ForkLink) bool { return f.RepositoryLife == life }),
		Filter:  visibleLinks(l, viewer, forkRef),
	}
}

// CountForksOf is the totalCount of ForksOf for viewer — the repository's
// forkCount as that viewer may know it: the forks it would list, counted.
// forkCount is the repository's counter of all its forks; zero means no
// reads.
func (l *Loaders) CountForksOf(ctx context.Context, owner, name string, life int, forkCount int, viewer string) (int, error) {
	if forkCount <= 0 {
		return 0, nil
	}
	return l.count(ctx, l.forksCollection(owner, name, life, viewer))
}

// count is Pager.Count, remembered for the request: a connection's
// totalCount and the matching counter field share one count. Callers
// that find it running wait as a loader's waiters do (the batch
// scheduler counts them as waiting, not as busy).
func (l *Loaders) count(ctx context.Context, c Collection) (int, error) {
	l.countMu.Lock()
	call, ok := l.counts[c.Binding]
	if !ok {
		call = &countCall{}
		if l.counts == nil {
			l.counts = map[string]*countCall{}
		}
		l.counts[c.Binding] = call
	}
	l.countMu.Unlock()
	if !ok {
		func() {
			counted := false
			defer func() {
				if !counted {
					call.err = errCountFailed
				}
				l.sched.finish(&call.gate)
			}()
			call.n, call.err = l.Pager.Count(ctx, c)
			counted = true
		}()
	}
	l.sched.wait(&call.gate)
	return call.n, call.err
}

// errCountFailed is what the other callers of a count see when it
// panicked.
var errCountFailed = errors.New("loaders: count failed")

// countCall is one count of a request, shared by its callers.
type countCall struct {
	gate
	n   int
	err error
}

// RepositoryWith is Repository that also reports, from the same
// BatchGetItem, whether the read item at also (when not nil) is projected:
// a mutation's payload uses it to tell whether its own write's projection
// has been applied to the counters it shows.
func (l *Loaders) RepositoryWith(ctx context.Context, owner, name string, also *table.Key) (r *readmodel.Repository, projected bool, err error) {
	// Both loads are queued before either is awaited, so they share one
	// request: the counter and the item it counts are read together.
	repositoryThunk := l.ItemByKey.Load(ctx, table.RepositoryKey(owner, name))
	var alsoThunk func() (Item, error)
	if also != nil {
		alsoThunk = l.ItemByKey.Load(ctx, *also)
	}
	it, err := repositoryThunk()
	if err != nil {
		return nil, false, err
	}
	r = decoded[readmodel.Repository](it)
	if alsoThunk == nil {
		return r, false, nil
	}
	other, err := alsoThunk()
	if err != nil {
		return nil, false, err
	}
	_, projected = other[table.AttrType]
	return r, projected, nil
}
