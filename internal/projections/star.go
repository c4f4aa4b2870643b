package projections

import (
	"fmt"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// projectStar projects star events: the star item in the user's partition
// (indexed as a stargazer of the repository), the user's starredCount and
// the repository's stargazerCount, all in one append and all guarded by
// the tombstone of the repository life the star belongs to.
//
// The star item's key includes when it was starred (stars list by time
// within a repository prefix), so Unstarred finds the key in the state
// before it; the state keeps StarredAt for that.
func projectStar(ev Event) ([]Write, error) {
	switch ev.Event.(type) {
	case *entities.Starred:
		s, err := stateAfter[entities.Star](ev, "star")
		if err != nil {
			return nil, err
		}
		at := formatTime(s.StarredAt)
		guard := RepositoryGuard(s.Owner, s.Name, s.RepositoryLife)
		w, err := itemWrite(StarItemKey(s), readmodel.Star{
			Header: readmodel.Header{Version: ev.Env.Version},
			Login:  s.Login, Owner: s.Owner, Name: s.Name, RepositoryLife: s.RepositoryLife, StarredAt: s.StarredAt,
		}, table.StarIndexKeys(s.Login, s.Owner, s.Name, at)...)
		w.Guard = guard
		return append([]Write{w}, starCounters(s, +1, guard)...), err
	case *entities.Unstarred:
		s, err := stateBefore[entities.Star](ev, "star")
		if err != nil {
			return nil, err
		}
		guard := RepositoryGuard(s.Owner, s.Name, s.RepositoryLife)
		del := Write{Key: StarItemKey(s), Delete: true, Guard: guard}
		return append([]Write{del}, starCounters(s, -1, guard)...), nil
	}
	return nil, fmt.Errorf("projections: unexpected star event %s", ev.Env.Type)
}

// StarItemKey is the key of the read item of star s's latest Starred (its
// key includes when it was starred). A mutation's payload uses it to tell
// whether the projection of its own star has been applied yet.
func StarItemKey(s *entities.Star) table.Key {
	return table.StarKey(s.Login, s.Owner, s.Name, formatTime(s.StarredAt))
}

// starCounters moves the user's and the repository's star counters by d.
//
// The user's starredCount also gets an unguarded ADD 0, merged with the
// guarded change: a star of a deleted repository life leaves the counter
// at 0 whether it was projected before the delete (counted, then
// uncounted by the purge) or after it (its guarded writes dropped), so the
// read model does not depend on which came first. (The repository's
// counter needs no such care: the item of a deleted life is gone either
// way.)
func starCounters(s *entities.Star, d int64, guard *table.Key) []Write {
	return []Write{
		{Key: table.AccountKey(s.Login), Add: map[string]int64{readmodel.AttrStarredCount: d}, Guard: guard},
		{Key: table.AccountKey(s.Login), Add: map[string]int64{readmodel.AttrStarredCount: 0}},
		{Key: table.RepositoryKey(s.Owner, s.Name), Add: map[string]int64{readmodel.AttrStargazerCount: d}, Guard: guard, Life: s.RepositoryLife},
	}
}
