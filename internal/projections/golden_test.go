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
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projections"
	"github.com/hubstream/hubstream/internal/table"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// memTable returns a client of a fresh memory-only embedded engine and the
// name of an empty hubstream table in it.
func memTable(t *testing.T) (*dynamodb.Client, string) {
	t.Helper()
	eng, err := ddblocal.New(ddblocal.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	ctx := context.Background()
	clients, err := table.NewClients(ctx, table.ClientConfig{Endpoint: "http://ddblocal.embedded", HTTPClient: eng.HTTPClient(), StaticCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	const name = "hubstream"
	if err := table.EnsureTable(ctx, clients.DB, name, time.Minute); err != nil {
		t.Fatal(err)
	}
	return clients.DB, name
}

// fixtureAppend is one head record's worth of a fixture: the consecutive
// events of one aggregate appended by one command.
type fixtureAppend struct {
	partition string
	append    projections.Append
}

// loadFixture reads testdata/<area>.events.json and groups it into the
// appends the Executor would have made (same aggregate and command), in
// log order, each with the state before it folded from the log.
func loadFixture(t *testing.T, area string) ([]fixtureAppend, map[string][]events.Envelope) {
	t.Helper()
	path := filepath.Join("testdata", area+".events.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var envs []events.Envelope
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&envs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
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
			out = append(out, fixtureAppend{partition: key, append: projections.Append{ID: id, Before: states[key], BeforeVersion: env.Version - 1, Events: []events.Envelope{env}}})
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
		run  func(ap *projections.Applier) error
	}{
		{"one append per head record", func(ap *projections.Applier) error {
			for _, a := range appends {
				if err := ap.Apply(ctx, a.append); err != nil {
					return err
				}
			}
			return nil
		}},
		{"every append delivered twice", func(ap *projections.Applier) error {
			for _, a := range appends {
				for range 2 {
					if err := ap.Apply(ctx, a.append); err != nil {
						return err
					}
				}
			}
			return nil
		}},
		{"whole log per aggregate", func(ap *projections.Applier) error {
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
			db, tbl := memTable(t)
			if err := s.run(projections.NewApplier(db, tbl, events.NewCodec())); err != nil {
				t.Fatal(err)
			}
			got := readModelJSON(t, db, tbl)
			if *update && i == 0 {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				golden = got
				return
			}
			if !bytes.Equal(got, golden) {
				t.Errorf("read model differs from %s (rerun with -update if intended):\n%s", goldenPath, firstDiff(golden, got))
			}
		})
	}
}

// readModelJSON scans the table's read items (everything but projection
// markers), sorted by key, one JSON object per line.
func readModelJSON(t *testing.T, db *dynamodb.Client, tbl string) []byte {
	t.Helper()
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(tbl), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if s, _ := it[table.AttrSK].(*types.AttributeValueMemberS); s != nil && s.Value == "PROJECTION" {
				continue
			}
			items = append(items, it)
		}
	}
	str := func(it map[string]types.AttributeValue, n string) string {
		s, _ := it[n].(*types.AttributeValueMemberS)
		if s == nil {
			return ""
		}
		return s.Value
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if str(a, table.AttrPK) != str(b, table.AttrPK) {
			return str(a, table.AttrPK) < str(b, table.AttrPK)
		}
		return str(a, table.AttrSK) < str(b, table.AttrSK)
	})
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, it := range items {
		line, err := json.Marshal(plainItem(it))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("  ")
		b.Write(line)
		if i < len(items)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	return b.Bytes()
}

// plainItem renders an item as plain JSON values (numbers keep their
// exact text); encoding/json sorts map keys, so output is stable.
func plainItem(it map[string]types.AttributeValue) map[string]any {
	out := make(map[string]any, len(it))
	for k, v := range it {
		out[k] = plainValue(v)
	}
	return out
}

func plainValue(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return json.Number(v.Value)
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": v.Value}
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = plainValue(e)
		}
		return l
	case *types.AttributeValueMemberM:
		return plainItem(v.Value)
	}
	return fmt.Sprintf("%T", v)
}

// firstDiff shows the first differing lines of two texts.
func firstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	var b strings.Builder
	n := 0
	for i := 0; i < max(len(w), len(g)) && n < 20; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  - %s\n  + %s\n", i+1, wl, gl)
			n++
		}
	}
	return b.String()
}
