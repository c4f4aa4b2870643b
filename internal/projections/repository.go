package projections

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// RepositoryGuard returns the guard for writes that belong to one life of a
// repository (Write.Guard): the life's tombstone, which the purge of a
// RepositoryDeleted puts before it deletes anything. Projections of
// everything that lives under a repository (stars, fork links, issues,
// pull requests, comments, reactions) guard their writes with it, so a
// late event of a deleted repository is not projected back. life is
// entities.Repository.Life, recorded by the command in its events.
func RepositoryGuard(owner, repo string, life int) *table.Key {
	k := table.RepositoryTombstoneKey(owner, repo, life)
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
		item, err := repositoryItem(ev.Env.Version, r)
		if err != nil {
			return nil, err
		}
		ws := []Write{item}
		before, _ := ev.Before.(*entities.Repository)
		if _, updated := e.(*entities.RepositoryUpdated); updated {
			if before != nil && before.IsPrivate != r.IsPrivate {
				ws = append(ws, Write{Key: table.AccountKey(r.Owner), Add: map[string]int64{readmodel.AttrPrivateRepositoryCount: boolDelta(r.IsPrivate)}})
			}
			return ws, nil
		}
		ws = append(ws, ownerCounters(r, +1))
		if f, ok := e.(*entities.RepositoryForked); ok {
			links, err := forkLinkWrites(ev.Env.Version, r, f)
			return append(ws, links...), err
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
func repositoryItem(v int64, r *entities.Repository) (Write, error) {
	item := readmodel.Repository{
		Header: readmodel.Header{Version: v},
		Owner:  r.Owner, Name: r.Name, Description: r.Description, IsPrivate: r.IsPrivate, IsFork: r.IsFork(),
		Life: r.Life, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.IsFork() {
		item.ParentOwner, item.ParentName, item.ParentLife = r.ParentOwner, r.ParentName, r.ParentLife
	}
	w, err := itemWrite(table.RepositoryKey(r.Owner, r.Name), item, table.RepositoryIndexKeys(r.Owner, r.Name, formatTime(r.UpdatedAt))...)
	w.Life = r.Life
	return w, err
}

// ownerCounters moves the owner's repository counters by d.
func ownerCounters(r *entities.Repository, d int64) Write {
	add := map[string]int64{readmodel.AttrRepositoryCount: d}
	if r.IsPrivate {
		add[readmodel.AttrPrivateRepositoryCount] = d
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
func forkLinkWrites(v int64, r *entities.Repository, f *entities.RepositoryForked) ([]Write, error) {
	guard := RepositoryGuard(f.ParentOwner, f.ParentName, f.ParentLife)
	link, err := itemWrite(table.ForkKey(f.ParentOwner, f.ParentName, r.Owner), readmodel.ForkLink{
		Header: readmodel.Header{Version: v},
		Owner:  f.ParentOwner, Name: f.ParentName, RepositoryLife: f.ParentLife,
		ForkOwner: r.Owner, ForkName: r.Name, ForkLife: r.Life, CreatedAt: r.CreatedAt,
	}, table.ForkIndexKeys(f.ParentOwner, f.ParentName, r.Owner, table.FormatTime(r.CreatedAt))...)
	link.Guard = guard
	return []Write{
		link,
		{Key: table.RepositoryKey(f.ParentOwner, f.ParentName), Add: map[string]int64{readmodel.AttrForkCount: 1}, Guard: guard, Life: f.ParentLife},
	}, err
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
		Tombstone: RepositoryGuard(r.Owner, r.Name, r.Life),
		Items: []PurgeItem{
			{Key: table.RepositoryKey(r.Owner, r.Name), Match: map[string]types.AttributeValue{table.ReadLife: life}},
		},
	}
	if r.IsFork() {
		spec.Items = append(spec.Items, PurgeItem{
			Key:   table.ForkKey(r.ParentOwner, r.ParentName, r.Owner),
			Match: map[string]types.AttributeValue{readmodel.AttrForkLife: life},
			Adjust: []Write{{
				Key: table.RepositoryKey(r.ParentOwner, r.ParentName), Add: map[string]int64{readmodel.AttrForkCount: -1},
				Guard: RepositoryGuard(r.ParentOwner, r.ParentName, r.ParentLife), Life: r.ParentLife,
			}},
		})
	}
	idx, pk, prefix := table.Stargazers(r.Owner, r.Name)
	spec.Collections = append(spec.Collections, PurgeCollection{
		Index: idx, PK: pk, SKPrefix: prefix,
		Match: map[string]types.AttributeValue{table.AttrType: sv(table.TypeStar), readmodel.AttrRepositoryLife: life},
		Adjust: func(it map[string]types.AttributeValue) []Write {
			star, ok := readmodel.Decode[readmodel.Star](it)
			if !ok {
				return nil
			}
			return []Write{{Key: table.AccountKey(star.Login), Add: map[string]int64{readmodel.AttrStarredCount: -1}}}
		},
	})
	_, pk, prefix = table.ForksOf(r.Owner, r.Name)
	spec.Collections = append(spec.Collections, PurgeCollection{
		PK: pk, SKPrefix: prefix,
		Match: map[string]types.AttributeValue{table.AttrType: sv(table.TypeFork), readmodel.AttrRepositoryLife: life},
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
