package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/projector"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestStatusJSONGolden: the keys and shapes of `projector status --json`
// are a contract with scripts and dashboards. A status with every part
// filled in (and one of each part empty) must encode exactly as
// testdata/status.golden.json; refresh it with -update only for a
// deliberate, documented change.
func TestStatusJSONGolden(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := projector.Status{
		Name: "main", At: at,
		Workers: []projector.Worker{
			{ID: "w1", Host: "h1", Started: at.Add(-time.Hour), Expiry: at.Add(5 * time.Second), Metrics: "http://127.0.0.1:9090/metrics"},
			{ID: "w2", Host: "h2", Started: at.Add(-2 * time.Hour), Expiry: at.Add(-time.Minute)},
		},
		Shards: []projector.ShardStatus{
			{Shard: projector.Shard{ID: "shardId-1", Start: "100"}, InStream: true, HasLease: true, CaughtUp: true,
				Lease: projector.Lease{Shard: "shardId-1", Owner: "w1", Expiry: at.Add(8 * time.Second), Fence: 3, Checkpoint: "120"}},
			{Shard: projector.Shard{ID: "shardId-2", Parent: "shardId-0", Start: "200", End: "300"}, InStream: true, HasLease: true,
				Lease: projector.Lease{Shard: "shardId-2", Fence: 1, Checkpoint: "250"}, Behind: 1000, Capped: true, Pending: 7, Lag: 1500 * time.Millisecond, Trimmed: true},
		},
		Blocked: []projector.Blocked{{Partition: "ACCOUNT#ada", Mode: "halt", First: 4, MaxSeen: 6, Held: 3, Error: "decode: bad", Since: at.Add(-time.Minute), Shard: "shardId-1", Worker: "w1"}},
		Parked:  2,
		Losses:  []projector.Loss{{Kind: "trimmed", Where: "shardId-2", Detail: "records trimmed", First: at.Add(-time.Hour), Last: at.Add(-time.Minute), Count: 2}},
		Sweep: projector.SweepState{Owner: "w1", Requested: at.Add(-time.Minute), LastStart: at.Add(-6 * time.Hour), LastEnd: at.Add(-5 * time.Hour),
			Last: projector.SweepSummary{Aggregates: 10, Behind: 1, Repaired: 1, Scanned: 40, ReadUnits: 12.5}},
	}
	cases := []struct {
		name   string
		status projector.Status
		golden string
	}{
		{"every part", st, "status.golden.json"},
		{"an empty projector", projector.Status{Name: "main", At: at}, "status_empty.golden.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetIndent("", "  ")
			if err := enc.Encode(statusJSON(tc.status, "hubstream")); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("status --json changed; if deliberate, document it and run with -update\ngot:\n%s\nwant:\n%s", buf.Bytes(), want)
			}
		})
	}
}
