package loaders

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// The repository area's loaders: repositories, their owners' lists,
// stars and forks. Entity loads return what the read model holds; the
// access policy (internal/entities/policy.go) decides what a viewer may
// see, on the facts Relations loads. Lists whose items depend on the
// viewer (StarredBy, ForksOf) apply it while paging, so pages stay full
// and counts (CountStarredBy, CountForksOf) exact for that viewer.

// Repository is the read model of a repository.
type Repository struct {
	Owner       string // as the owner spells its login
	Name        string
	Description string
	IsPrivate   bool
	IsFork      bool
	ParentOwner string // "" unless a fork
	ParentName  string
	ParentLife  int
	// Life tells apart successive repositories of the same name (a name
	// reused after a delete); stars and fork links record the life they
	// belong to.
	Life      int
	CreatedAt time.Time
	UpdatedAt time.Time
	// Counters kept by the projections of stars, forks, issues and pull
	// requests.
	StargazerCount   int
	ForkCount        int
	OpenIssueCount   int
	ClosedIssueCount int
	OpenPullCount    int
	ClosedPullCount  int
	MergedPullCount  int
}

// Star is the read model of a user's star on a repository.
type Star struct {
	Login     string // the stargazer, as the user spells their login
	Owner     string // the repository
	Name      string
	RepoLife  int
	StarredAt time.Time
}

// ForkLink is the read model of a fork's link in its parent's partition.
type ForkLink struct {
	ForkOwner string
	ForkName  string
	ForkLife  int
}

// DecodeRepository decodes a repository item; nil for a missing item or
// counter residue (an item without `_et`: a star or fork counted before
// the repository's own item was projected).
func DecodeRepository(it Item) *Repository {
	if !isType(it, table.TypeRepository) {
		return nil
	}
	return &Repository{
		Owner:            attrS(it, table.ReadOwner),
		Name:             attrS(it, table.ReadName),
		Description:      attrS(it, table.ReadDescription),
		IsPrivate:        attrBool(it, table.ReadIsPrivate),
		IsFork:           attrBool(it, table.ReadIsFork),
		ParentOwner:      attrS(it, table.ReadParentOwner),
		ParentName:       attrS(it, table.ReadParentName),
		ParentLife:       attrInt(it, table.ReadParentLife),
		Life:             attrInt(it, table.ReadLife),
		CreatedAt:        attrTime(it, table.ReadCreatedAt),
		UpdatedAt:        attrTime(it, table.ReadUpdatedAt),
		StargazerCount:   attrInt(it, table.ReadStargazerCount),
		ForkCount:        attrInt(it, table.ReadForkCount),
		OpenIssueCount:   attrInt(it, table.ReadOpenIssueCount),
		ClosedIssueCount: attrInt(it, table.ReadClosedIssueCount),
		OpenPullCount:    attrInt(it, table.ReadOpenPullCount),
		ClosedPullCount:  attrInt(it, table.ReadClosedPullCount),
		MergedPullCount:  attrInt(it, table.ReadMergedPullCount),
	}
}

// DecodeStar decodes a star item (of Stargazers or StarredBy); ok is
// false for anything else.
func DecodeStar(it Item) (*Star, bool) {
	if !isType(it, table.TypeStar) {
		return nil, false
	}
	return &Star{
		Login:     attrS(it, table.ReadLogin),
		Owner:     attrS(it, table.ReadOwner),
		Name:      attrS(it, table.ReadName),
		RepoLife:  attrInt(it, table.ReadRepoLife),
		StarredAt: attrTime(it, table.ReadStarredAt),
	}, true
}

// DecodeForkLink decodes a fork link item (of ForksOf); ok is false for
// anything else.
func DecodeForkLink(it Item) (*ForkLink, bool) {
	if !isType(it, table.TypeFork) {
		return nil, false
	}
	return &ForkLink{ForkOwner: attrS(it, table.ReadForkOwner), ForkName: attrS(it, table.ReadForkName), ForkLife: attrInt(it, table.ReadForkLife)}, true
}

// Repository loads owner/name (case-insensitive); nil if there is none
// (never created, deleted, or not projected yet).
func (l *Loaders) Repository(ctx context.Context, owner, name string) (*Repository, error) {
	it, err := l.ItemByKey.Load(ctx, table.RepositoryKey(owner, name))()
	if err != nil {
		return nil, err
	}
	return DecodeRepository(it), nil
}

// RepositoryRef names a repository.
type RepositoryRef struct{ Owner, Name string }

// Repositories loads several repositories in one batch, aligned with
// refs (nil for missing ones).
func (l *Loaders) Repositories(ctx context.Context, refs []RepositoryRef) ([]*Repository, error) {
	keys := make([]table.Key, len(refs))
	for i, r := range refs {
		keys[i] = table.RepositoryKey(r.Owner, r.Name)
	}
	items, errs := l.ItemByKey.LoadMany(ctx, keys)()
	out := make([]*Repository, len(refs))
	for i, it := range items {
		if i < len(errs) && errs[i] != nil {
			return nil, errs[i]
		}
		out[i] = DecodeRepository(it)
	}
	return out, nil
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
	items, errs := l.ItemByKey.LoadMany(ctx, keys)()
	for j, it := range items {
		if j < len(errs) && errs[j] != nil {
			return nil, errs[j]
		}
		var role entities.MemberRole
		if m, ok := DecodeMembership(it); ok {
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
func (l *Loaders) VisibleRepositories(ctx context.Context, refs []RepositoryRef, lives []int, viewer string) ([]*Repository, error) {
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
func (l *Loaders) visibleLinks(viewer string, ref func(Item) (RepositoryRef, int)) func(context.Context, []Item) ([]bool, error) {
	return func(ctx context.Context, items []Item) ([]bool, error) {
		refs := make([]RepositoryRef, len(items))
		lives := make([]int, len(items))
		for i, it := range items {
			refs[i], lives[i] = ref(it)
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

func starRef(it Item) (RepositoryRef, int) {
	return RepositoryRef{Owner: attrS(it, table.ReadOwner), Name: attrS(it, table.ReadName)}, attrInt(it, table.ReadRepoLife)
}

func forkRef(it Item) (RepositoryRef, int) {
	return RepositoryRef{Owner: attrS(it, table.ReadForkOwner), Name: attrS(it, table.ReadForkName)}, attrInt(it, table.ReadForkLife)
}

// ReposOfOwner lists owner's repositories, most recently updated first.
// With includePrivate false, private repositories are left out (pages stay
// full).
func (l *Loaders) ReposOfOwner(ctx context.Context, owner string, includePrivate bool, args PageArgs) (Page, error) {
	idx, pk, prefix := table.ReposByOwner(owner)
	c := Collection{Index: idx, PK: pk, SKPrefix: prefix, Ascending: false, Binding: "RepositoryOwner.repositories/" + entities.LowerASCII(owner)}
	if !includePrivate {
		c.Binding += "/public"
		c.Keep = func(it map[string]types.AttributeValue) bool { return !attrBool(it, table.ReadIsPrivate) }
	}
	return l.Pager.Query(ctx, c, args)
}

// Stargazers lists the stars of one life of a repository, by stargazer
// login.
func (l *Loaders) Stargazers(ctx context.Context, owner, name string, life int, args PageArgs) (Page, error) {
	idx, pk, prefix := table.Stargazers(owner, name)
	return l.Pager.Query(ctx, Collection{
		Index: idx, PK: pk, SKPrefix: prefix, Ascending: true,
		Binding: "Repository.stargazers/" + entities.LowerASCII(owner) + "/" + entities.LowerASCII(name) + "/" + strconv.Itoa(life),
		Keep:    func(it map[string]types.AttributeValue) bool { return attrInt(it, table.ReadRepoLife) == life },
	}, args)
}

// StarredBy lists the stars login gave, by repository owner and name,
// keeping only stars of repositories that still exist in the starred life
// and that viewer may see: pages stay full and hasNextPage exact for that
// viewer. Cursors are bound to the viewer too.
func (l *Loaders) StarredBy(ctx context.Context, login, viewer string, args PageArgs) (Page, error) {
	return l.Pager.Query(ctx, l.starredCollection(login, viewer), args)
}

func (l *Loaders) starredCollection(login, viewer string) Collection {
	pk, prefix := table.StarsOfUser(login, "", "")
	return Collection{
		PK: pk, SKPrefix: prefix, Ascending: true,
		Binding: "User.starredRepositories/" + entities.LowerASCII(login) + "/" + entities.LowerASCII(viewer),
		Keep:    func(it Item) bool { return isType(it, table.TypeStar) },
		Filter:  l.visibleLinks(viewer, starRef),
	}
}

// CountStarredBy is the totalCount of StarredBy for viewer: the stars it
// would list, counted (zero without reads when login starred nothing).
func (l *Loaders) CountStarredBy(ctx context.Context, login, viewer string) (int, error) {
	n, err := l.StarredCountOf(ctx, login)
	if err != nil || n <= 0 {
		return 0, err
	}
	return l.count(ctx, l.starredCollection(login, viewer))
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
	page, err := l.Pager.Query(ctx, Collection{
		PK: pk, SKPrefix: prefix, Ascending: true, Binding: "Repository.viewerHasStarred",
		Keep: func(it map[string]types.AttributeValue) bool { return attrInt(it, table.ReadRepoLife) == life },
	}, PageArgs{First: &one})
	if err != nil {
		return false, err
	}
	return len(page.Items) > 0, nil
}

// ForksOf lists the forks linked to one life of a repository, by fork
// owner login, keeping only forks that exist (in the linked life) and that
// viewer may see: pages stay full and hasNextPage exact for that viewer.
// Cursors are bound to the viewer too.
func (l *Loaders) ForksOf(ctx context.Context, owner, name string, life int, viewer string, args PageArgs) (Page, error) {
	return l.Pager.Query(ctx, l.forksCollection(owner, name, life, viewer), args)
}

func (l *Loaders) forksCollection(owner, name string, life int, viewer string) Collection {
	idx, pk, prefix := table.ForksOf(owner, name)
	return Collection{
		Index: idx, PK: pk, SKPrefix: prefix, Ascending: true,
		Binding: "Repository.forks/" + entities.LowerASCII(owner) + "/" + entities.LowerASCII(name) + "/" + strconv.Itoa(life) + "/" + entities.LowerASCII(viewer),
		Keep: func(it map[string]types.AttributeValue) bool {
			return isType(it, table.TypeFork) && attrInt(it, table.ReadRepoLife) == life
		},
		Filter: l.visibleLinks(viewer, forkRef),
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

// RepositoryCounts are an owner's repository counters.
type RepositoryCounts struct {
	Total   int
	Private int
}

// RepositoryCountsOf reads owner's repository counters from its account
// item.
func (l *Loaders) RepositoryCountsOf(ctx context.Context, owner string) (RepositoryCounts, error) {
	it, err := l.ItemByKey.Load(ctx, table.AccountKey(owner))()
	if err != nil {
		return RepositoryCounts{}, err
	}
	return RepositoryCounts{Total: attrInt(it, table.ReadRepositoryCount), Private: attrInt(it, table.ReadPrivateRepositoryCount)}, nil
}

// StarredCountOf reads how many repositories login starred.
func (l *Loaders) StarredCountOf(ctx context.Context, login string) (int, error) {
	it, err := l.ItemByKey.Load(ctx, table.AccountKey(login))()
	if err != nil {
		return 0, err
	}
	return attrInt(it, table.ReadStarredCount), nil
}
