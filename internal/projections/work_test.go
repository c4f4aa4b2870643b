package projections_test

import "testing"

// TestWorkGolden replays testdata/work.events.json — issues, pull requests,
// comments and reactions of octo/hello through every state change, and
// octo/gone deleted with late events (an issue close and a comment
// reaction appended before the delete but delivered after it) — and
// compares the read model with testdata/work.golden.json. It covers: GSI4
// keys following state, the repository's issue and pull request counters,
// comment counts, per-content reaction counts (including a re-added
// reaction and one on a deleted comment), deleted comments kept as marked
// items, and the tombstone guard dropping late writes of a deleted
// repository.
func TestWorkGolden(t *testing.T) { goldenReplay(t, "work") }
