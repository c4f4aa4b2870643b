// Package replay_test checks that the read model is a pure function of the
// event log: a hand-written log replays to a golden read model, every way
// of feeding it to the Applier gives the same result, and a rebuild from
// the log of a live system reproduces the live read model exactly.
package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

var update = flag.Bool("update", false, "rewrite golden files under test/testdata")

const (
	eventsFixture = "../testdata/accounts.events.json"
	goldenFile    = "../testdata/accounts.golden.json"
)

func loadFixture(t *testing.T) []events.Envelope {
	t.Helper()
	return testkit.ReadEnvelopes(t, eventsFixture)
}

// TestGoldenReplay replays test/testdata/accounts.events.json into a fresh
// table and compares the read model (read items and projection markers,
// see testkit.IsReadModel) with test/testdata/accounts.golden.json. Every
// feeding strategy must produce the same bytes. Run with -update to
// rewrite the golden file after an intended projection change.
func TestGoldenReplay(t *testing.T) {
	envs := loadFixture(t)
	log, err := testkit.GroupLog(envs)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	ctx := context.Background()

	strategies := []struct {
		name string
		run  func(t *testing.T, ap *projector.Applier, put func([]events.Envelope))
	}{
		{"ApplyLog per aggregate", func(t *testing.T, ap *projector.Applier, _ func([]events.Envelope)) {
			for _, p := range slices.Sorted(maps.Keys(log)) {
				if err := ap.ApplyLog(ctx, idOf(t, log[p][0]), nil, 0, log[p]); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"ApplyLog twice is idempotent", func(t *testing.T, ap *projector.Applier, _ func([]events.Envelope)) {
			for range 2 {
				for _, p := range slices.Sorted(maps.Keys(log)) {
					if err := ap.ApplyLog(ctx, idOf(t, log[p][0]), nil, 0, log[p]); err != nil {
						t.Fatal(err)
					}
				}
			}
		}},
		{"Apply one append per event, in global log order", func(t *testing.T, ap *projector.Applier, _ func([]events.Envelope)) {
			for _, env := range envs {
				if err := ap.Apply(ctx, appendOf(t, log, env)); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"Apply with every append delivered twice", func(t *testing.T, ap *projector.Applier, _ func([]events.Envelope)) {
			for _, env := range envs {
				a := appendOf(t, log, env)
				for range 2 {
					if err := ap.Apply(ctx, a); err != nil {
						t.Fatal(err)
					}
				}
			}
		}},
		{"Apply of the whole log as one append per aggregate", func(t *testing.T, ap *projector.Applier, _ func([]events.Envelope)) {
			for _, p := range slices.Sorted(maps.Keys(log)) {
				if err := ap.Apply(ctx, projector.Append{ID: idOf(t, log[p][0]), Events: log[p]}); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"Apply of only the last event, gap repaired from the event log", func(t *testing.T, ap *projector.Applier, put func([]events.Envelope)) {
			put(envs)
			for _, p := range slices.Sorted(maps.Keys(log)) {
				g := log[p]
				last := g[len(g)-1]
				before, err := testkit.FoldState(g[:len(g)-1])
				if err != nil {
					t.Fatal(err)
				}
				if err := ap.Apply(ctx, projector.Append{ID: idOf(t, last), Before: before, BeforeVersion: last.Version - 1, Events: []events.Envelope{last}}); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}

	var golden []byte
	if !*update {
		if golden, err = os.ReadFile(goldenFile); err != nil {
			t.Fatalf("%v (run go test ./test/replay -run Golden -update to create it)", err)
		}
	}
	for i, s := range strategies {
		t.Run(s.name, func(t *testing.T) {
			a := testkit.FreshTable(t)
			db, tbl := a.Clients().DB, a.TableName()
			ap := projector.NewApplier(db, tbl, events.NewCodec())
			s.run(t, ap, func(envs []events.Envelope) {
				if err := testkit.PutEvents(ctx, db, tbl, envs); err != nil {
					t.Fatal(err)
				}
			})
			items, err := testkit.ReadModel(ctx, db, tbl)
			if err != nil {
				t.Fatal(err)
			}
			checkAgainstLog(t, items, log)
			got, err := testkit.MarshalItems(items)
			if err != nil {
				t.Fatal(err)
			}
			if *update && i == 0 {
				if err := os.WriteFile(goldenFile, got, 0o644); err != nil {
					t.Fatal(err)
				}
				golden = got
				t.Logf("wrote %s (%d items)", filepath.Base(goldenFile), len(items))
				return
			}
			if !bytes.Equal(got, golden) {
				t.Errorf("read model differs from %s (rerun with -update if the change is intended):\n%s", goldenFile, testkit.FirstDiff(golden, got))
			}
		})
	}
}

// TestEventItemFormat: the event items testkit.PutEvents writes for the
// repair strategy decode to the fixture's envelopes, so they are what the
// Executor writes.
func TestEventItemFormat(t *testing.T) {
	envs := loadFixture(t)
	a := testkit.FreshTable(t)
	ctx := context.Background()
	if err := testkit.PutEvents(ctx, a.Clients().DB, a.TableName(), envs); err != nil {
		t.Fatal(err)
	}
	log, err := testkit.EventLog(ctx, a.Clients().DB, a.TableName())
	if err != nil {
		t.Fatal(err)
	}
	want, err := testkit.GroupLog(envs)
	if err != nil {
		t.Fatal(err)
	}
	for p, g := range want {
		for i, env := range g {
			got := log[p][i]
			if !got.At.Equal(env.At) || got.Type != env.Type || got.Version != env.Version || got.Actor != env.Actor || got.Command != env.Command || got.Schema != env.Schema || !jsonEqual(got.Data, env.Data) {
				t.Errorf("%s v%d: read back %+v, want %+v", p, env.Version, got, env)
			}
		}
	}
}

// checkAgainstLog verifies the read model against the log itself,
// independently of the golden file: one account read item and one marker
// per aggregate, holding the state folded from its events.
func checkAgainstLog(t *testing.T, items []testkit.Item, log map[string][]events.Envelope) {
	t.Helper()
	byKey := map[table.Key]testkit.Item{}
	for _, it := range items {
		byKey[table.Key{PK: testkit.S(it, table.AttrPK), SK: testkit.S(it, table.AttrSK)}] = it
	}
	if want := 2 * len(log); len(items) != want {
		t.Errorf("%d read-model items, want %d (an account item and a marker per aggregate)", len(items), want)
	}
	for p, g := range log {
		st, err := testkit.FoldState(g)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		acc := st.(*entities.Account)
		last := fmt.Sprint(g[len(g)-1].Version)
		marker := byKey[table.Key{PK: p, SK: testkit.MarkerSK}]
		if marker == nil || testkit.N(marker, table.AttrVersion) != last {
			t.Errorf("%s: marker %v, want _v %s", p, marker, last)
		}
		it := byKey[table.AccountKey(acc.Login)]
		if it == nil {
			t.Errorf("%s: no account read item", p)
			continue
		}
		checks := []struct{ attr, want string }{
			{table.AttrType, table.TypeAccount},
			{"login", acc.Login},
			{"kind", string(acc.Type)},
			{"name", acc.Name},
			{"email", acc.Email},
			{"bio", acc.Bio},
		}
		for _, c := range checks {
			if got := testkit.S(it, c.attr); got != c.want {
				t.Errorf("%s: %s = %q, want %q", p, c.attr, got, c.want)
			}
		}
		if got := testkit.N(it, table.AttrVersion); got != last {
			t.Errorf("%s: _v = %s, want %s", p, got, last)
		}
		for _, ts := range []struct {
			attr string
			want string
		}{{"createdAt", g[0].At.UTC().Format("2006-01-02T15:04:05.000000000Z")}, {"updatedAt", g[len(g)-1].At.UTC().Format("2006-01-02T15:04:05.000000000Z")}} {
			if got := testkit.S(it, ts.attr); got != ts.want {
				t.Errorf("%s: %s = %q, want %q", p, ts.attr, got, ts.want)
			}
		}
		for _, opt := range []string{"name", "email", "bio"} {
			if v, ok := it[opt]; ok && testkit.S(it, opt) == "" {
				t.Errorf("%s: empty %s stored as %v, want the attribute removed", p, opt, v)
			}
		}
	}
}

func idOf(t *testing.T, env events.Envelope) entities.ID {
	t.Helper()
	id, err := events.ParseID(env.Kind, env.Aggregate)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// appendOf is the single-event append of env as the runner would build it
// from a head record: the state before it comes from the previous head.
func appendOf(t *testing.T, log map[string][]events.Envelope, env events.Envelope) projector.Append {
	t.Helper()
	id := idOf(t, env)
	p, err := events.Partition(id)
	if err != nil {
		t.Fatal(err)
	}
	before, err := testkit.FoldState(log[string(p)][:env.Version-1])
	if err != nil {
		t.Fatal(err)
	}
	return projector.Append{ID: id, Before: before, BeforeVersion: env.Version - 1, Events: []events.Envelope{env}}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}
