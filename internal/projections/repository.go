package projections

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// RepoGuard returns the guard for writes that belong to one life of a
// repository (Write.Guard): the life's tombstone, which the purge of a
// RepositoryDeleted puts before it deletes anything. Projections of
// everything that lives under a repository (stars, fork links, issues,
// pull requests, comments, reactions) guard their writes with it, so a
// late event of a deleted repository is not projected back. life is
// entities.Repository.Life, recorded by the command in its events.
func RepoGuard(owner, repo string, life int) *table.Key {
	k := table.RepoTombstoneKey(owner, repo, life)
	return &k
}

// projectRepository projects repository events: the repository's own read
// item, its owner's repository counters, and for a fork the link in the
// parent's partition with the parent's fork counter.
func projectRepository(ev Event) ([]Write, error) {
	switch e := ev.Event.(type) {
	case *entities.RepositoryCreated, *entities.RepositoryForked, *entities.RepositoryUpdated:
		r, ok := ev.After.(*entities.Repository)
		if !ok || r == nil {
			return nil, fmt.Errorf("projections: %s left no repository state", ev.Env.Type)
		}
		ws := []Write{repositoryItem(ev.Env.Version, r)}
		before, _ := ev.Before.(*entities.Repository)
		if _, updated := e.(*entities.RepositoryUpdated); updated {
			if before != nil && before.IsPrivate != r.IsPrivate {
				ws = append(ws, Write{Key: table.AccountKey(r.Owner), Add: map[string]int64{table.ReadPrivateRepositoryCount: boolDelta(r.IsPrivate)}})
			}
			return ws, nil
		}
		ws = append(ws, ownerCounters(r, +1))
		if f, ok := e.(*entities.RepositoryForked); ok {
			ws = append(ws, forkLinkWrites(ev.Env.Version, r, f)...)
		}
		return ws, nil
	case *entities.RepositoryDeleted:
		r, ok := ev.Before.(*entities.Repository)
		if !ok || r == nil {
			return nil, fmt.Errorf("projections: %s of a missing repository", ev.Env.Type)
		}
		return []Write{ownerCounters(r, -1), {Purge: repositoryPurge(r, e.LastNumber)}}, nil
	}
	return nil, fmt.Errorf("projections: unexpected repository event %s", ev.Env.Type)
}

// repositoryItem is the full read item of r at version v. Absent optional
// attributes are removed, so a new life never inherits an old one's.
func repositoryItem(v int64, r *entities.Repository) Write {
	set := map[string]types.AttributeValue{
		table.AttrType:      sv(table.TypeRepository),
		table.AttrVersion:   nv(v),
		table.ReadOwner:     sv(r.Owner),
		table.ReadName:      sv(r.Name),
		table.ReadIsPrivate: bv(r.IsPrivate),
		table.ReadIsFork:    bv(r.IsFork()),
		table.ReadLife:      nv(int64(r.Life)),
		table.ReadCreatedAt: tv(r.CreatedAt),
		table.ReadUpdatedAt: tv(r.UpdatedAt),
	}
	var remove []string
	if r.Description == "" {
		remove = append(remove, table.ReadDescription)
	} else {
		set[table.ReadDescription] = sv(r.Description)
	}
	if r.IsFork() {
		set[table.ReadParentOwner] = sv(r.ParentOwner)
		set[table.ReadParentName] = sv(r.ParentName)
		set[table.ReadParentLife] = nv(int64(r.ParentLife))
	} else {
		remove = append(remove, table.ReadParentOwner, table.ReadParentName, table.ReadParentLife)
	}
	withIndexKeys(set, table.RepositoryIndexKeys(r.Owner, r.Name, formatTime(r.UpdatedAt)))
	return Write{Key: table.RepositoryKey(r.Owner, r.Name), Set: set, Remove: remove, Life: r.Life}
}

// ownerCounters moves the owner's repository counters by d.
func ownerCounters(r *entities.Repository, d int64) Write {
	add := map[string]int64{table.ReadRepositoryCount: d}
	if r.IsPrivate {
		add[table.ReadPrivateRepositoryCount] = d
	}
	return Write{Key: table.AccountKey(r.Owner), Add: add}
}

func boolDelta(b bool) int64 {
	if b {
		return 1
	}
	return -1
}

// forkLinkWrites link a new fork into its parent's partition and count it
// there, guarded by the parent life's tombstone: a fork made just before
// its parent was deleted must not recreate the parent's item or links.
func forkLinkWrites(v int64, r *entities.Repository, f *entities.RepositoryForked) []Write {
	guard := RepoGuard(f.ParentOwner, f.ParentName, f.ParentLife)
	set := map[string]types.AttributeValue{
		table.AttrType:      sv(table.TypeFork),
		table.AttrVersion:   nv(v),
		table.ReadOwner:     sv(f.ParentOwner),
		table.ReadName:      sv(f.ParentName),
		table.ReadRepoLife:  nv(int64(f.ParentLife)),
		table.ReadForkOwner: sv(r.Owner),
		table.ReadForkName:  sv(r.Name),
		table.ReadForkLife:  nv(int64(r.Life)),
		table.ReadCreatedAt: tv(r.CreatedAt),
	}
	withIndexKeys(set, table.ForkIndexKeys(f.ParentOwner, f.ParentName, r.Owner))
	return []Write{
		{Key: table.ForkKey(f.ParentOwner, f.ParentName, r.Owner), Set: set, Guard: guard},
		{Key: table.RepositoryKey(f.ParentOwner, f.ParentName), Add: map[string]int64{table.ReadForkCount: 1}, Guard: guard, Life: f.ParentLife},
	}
}

// repositoryPurge is what deleting life r.Life of a repository removes:
// the repository item (if it is still this life's: a later life's write
// may have replaced it already, see apply.go, "Repository lives"); its own
// fork link in its parent (uncounting it there); its stargazers' star
// items (uncounting them on the users); the links of its forks (the forks
// themselves live on, parentless); and every issue and pull request of
// this life — numbers (NumberBase, lastNumber] — with their whole
// partitions (reactions, counters), and their comments and comment
// reactions in the repository's partition. Everything is matched by life
// or number range, so nothing of a later life is touched.
func repositoryPurge(r *entities.Repository, lastNumber int64) *PurgeSpec {
	life := nv(int64(r.Life))
	spec := &PurgeSpec{
		Tombstone: RepoGuard(r.Owner, r.Name, r.Life),
		Items: []PurgeItem{
			{Key: table.RepositoryKey(r.Owner, r.Name), Match: map[string]types.AttributeValue{table.ReadLife: life}},
		},
	}
	if r.IsFork() {
		spec.Items = append(spec.Items, PurgeItem{
			Key:   table.ForkKey(r.ParentOwner, r.ParentName, r.Owner),
			Match: map[string]types.AttributeValue{table.ReadForkLife: life},
			Adjust: []Write{{
				Key: table.RepositoryKey(r.ParentOwner, r.ParentName), Add: map[string]int64{table.ReadForkCount: -1},
				Guard: RepoGuard(r.ParentOwner, r.ParentName, r.ParentLife), Life: r.ParentLife,
			}},
		})
	}
	idx, pk, prefix := table.Stargazers(r.Owner, r.Name)
	spec.Collections = append(spec.Collections, PurgeCollection{
		Index: idx, PK: pk, SKPrefix: prefix,
		Match: map[string]types.AttributeValue{table.AttrType: sv(table.TypeStar), table.ReadRepoLife: life},
		Adjust: func(it map[string]types.AttributeValue) []Write {
			login, ok := it[table.ReadLogin].(*types.AttributeValueMemberS)
			if !ok {
				return nil
			}
			return []Write{{Key: table.AccountKey(login.Value), Add: map[string]int64{table.ReadStarredCount: -1}}}
		},
	})
	_, pk, prefix = table.ForksOf(r.Owner, r.Name)
	spec.Collections = append(spec.Collections, PurgeCollection{
		PK: pk, SKPrefix: prefix,
		Match: map[string]types.AttributeValue{table.AttrType: sv(table.TypeFork), table.ReadRepoLife: life},
	})
	if lastNumber > r.NumberBase {
		lo, hi := int(r.NumberBase)+1, int(lastNumber)
		// Each number of the life is an issue or a pull request; their
		// partitions are purged by key, not found through GSI1: an issue
		// whose opening is not projected yet has no GSI keys, but
		// comment counts and reactions projected onto it may be there.
		for n := lo; n <= hi; n++ {
			spec.Partitions = append(spec.Partitions,
				string(table.IssuePartition(r.Owner, r.Name, n)), string(table.PullRequestPartition(r.Owner, r.Name, n)))
		}
		// Comments and their reactions live in the repository's
		// partition, numbered like issues whatever they comment on.
		pk, _ := table.CommentsOf(r.Owner, r.Name, lo)
		from, to := table.CommentRange(lo, hi)
		spec.Collections = append(spec.Collections, PurgeCollection{PK: pk, SKFrom: from, SKTo: to})
		from, to = table.CommentReactionRange(lo, hi)
		spec.Collections = append(spec.Collections, PurgeCollection{PK: pk, SKFrom: from, SKTo: to})
	}
	return spec
}
