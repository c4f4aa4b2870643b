package projections_test

// Shared harness of the per-area projection golden tests: an area's test
// calls goldenReplay(t, "<area>"), which replays
// testdata/<area>.events.json through the Applier in several ways and
// compares the read model with testdata/<area>.golden.json. Run
// `go test ./internal/projections -run <Test> -update` to rewrite the
// golden files after an intended projection change.

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/test/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// fixtureAppend is one head record's worth of a fixture: the consecutive
// events of one aggregate appended by one command.
type fixtureAppend struct {
	partition string
	append    projector.Append
}

// loadFixture reads testdata/<area>.events.json and groups it into the
// appends the Executor would have made (same aggregate and command), in
// log order, each with the state before it folded from the log.
func loadFixture(t *testing.T, area string) ([]fixtureAppend, map[string][]events.Envelope) {
	t.Helper()
	path := filepath.Join("testdata", area+".events.json")
	envs := testkit.ReadEnvelopes(t, path)
	logs := map[string][]events.Envelope{}
	states := map[string]entities.State{}
	var out []fixtureAppend
	codec := events.NewCodec()
	for i, env := range envs {
		id, err := events.ParseID(env.Kind, env.Aggregate)
		if err != nil {
			t.Fatalf("%s: event %d: %v", path, i, err)
		}
		p, err := events.Partition(id)
		if err != nil {
			t.Fatal(err)
		}
		key := string(p)
		if want := int64(len(logs[key]) + 1); env.Version != want {
			t.Fatalf("%s: event %d of %s has version %d, want %d", path, i, key, env.Version, want)
		}
		if n := len(out); n > 0 && out[n-1].partition == key && out[n-1].append.Events[0].Command == env.Command {
			out[n-1].append.Events = append(out[n-1].append.Events, env)
		} else {
			out = append(out, fixtureAppend{partition: key, append: projector.Append{ID: id, Before: states[key], BeforeVersion: env.Version - 1, Events: []events.Envelope{env}}})
		}
		ev, err := codec.Decode(env)
		if err != nil {
			t.Fatalf("%s: event %d: %v", path, i, err)
		}
		if states[key], err = entities.Evolve(states[key], ev, env.At); err != nil {
			t.Fatalf("%s: event %d: %v", path, i, err)
		}
		logs[key] = append(logs[key], env)
	}
	return out, logs
}

// goldenReplay replays an area's fixture into fresh tables — one append
// per head record in log order; every append delivered twice; each
// aggregate's whole log at once, in partition order — and checks that all
// give the read model in testdata/<area>.golden.json.
func goldenReplay(t *testing.T, area string) {
	t.Helper()
	appends, logs := loadFixture(t, area)
	ctx := context.Background()
	goldenPath := filepath.Join("testdata", area+".golden.json")
	strategies := []struct {
		name string
		run  func(ap *projector.Applier) error
	}{
		{"one append per head record", func(ap *projector.Applier) error {
			for _, a := range appends {
				if err := ap.Apply(ctx, a.append); err != nil {
					return err
				}
			}
			return nil
		}},
		{"every append delivered twice", func(ap *projector.Applier) error {
			for _, a := range appends {
				for range 2 {
					if err := ap.Apply(ctx, a.append); err != nil {
						return err
					}
				}
			}
			return nil
		}},
		{"whole log per aggregate", func(ap *projector.Applier) error {
			keys := make([]string, 0, len(logs))
			for k := range logs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				id, err := events.ParseID(logs[k][0].Kind, logs[k][0].Aggregate)
				if err != nil {
					return err
				}
				if err := ap.ApplyLog(ctx, id, nil, 0, logs[k]); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	var golden []byte
	if !*update {
		var err error
		if golden, err = os.ReadFile(goldenPath); err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
	}
	for i, s := range strategies {
		t.Run(s.name, func(t *testing.T) {
			db, tbl := testkit.MemTable(t)
			if err := s.run(projector.NewApplier(db, tbl, events.NewCodec())); err != nil {
				t.Fatal(err)
			}
			got := testkit.ReadModelJSON(t, db, tbl)
			if *update && i == 0 {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				golden = got
				return
			}
			if !bytes.Equal(got, golden) {
				t.Errorf("read model differs from %s (rerun with -update if intended):\n%s", goldenPath, testkit.FirstDiff(golden, got))
			}
		})
	}
}
