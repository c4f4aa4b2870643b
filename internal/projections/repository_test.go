package projections_test

import "testing"

// TestRepositoryGolden replays testdata/repository.events.json —
// repositories of a user and an organization, forks (and a fork of a
// fork), stars given, taken back and given again, visibility changes, a
// deleted fork, a deleted repository with stars, an issue and a comment,
// and its name reused for a second life — and compares the read model
// with testdata/repository.golden.json: repository items with their
// counters, fork links, star items, owners' repositoryCount and
// privateRepositoryCount, users' starredCount, and the tombstones of
// deleted lives. Replaying each aggregate's whole log at once projects
// stars after repositories, so it also covers a star of a deleted life
// arriving after the purge (dropped by its guard).
func TestRepositoryGolden(t *testing.T) {
	goldenReplay(t, "repository")
}
