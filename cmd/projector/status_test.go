package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/projector"
)

// TestStatusShowsLossesWithoutProjector is finding 5 of the review of
// issue 18: with no projector running, status derives the losses it can
// see — leases of shards that left the stream unfinished, parents that
// left it never leased, shards trimmed after their checkpoint — instead
// of showing them as "gone"; a projector started afterwards notes them
// and repairs what they lost, and status then shows the notes, repaired.
func TestStatusShowsLossesWithoutProjector(t *testing.T) {
	ep := newEndpoint(t, ddblocal.StreamOptions{Shards: 2, Retention: time.Second, MaintenanceInterval: 50 * time.Millisecond})
	eng, cc, clients := ep.eng, ep.cc, ep.clients
	x := ep.withTable(t, "lossstatus")
	ctx := context.Background()
	cmd := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := run(ctx, args, &out, &out, cc)
		return code, out.String()
	}
	runProjector := func(id string) (stop func()) {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan int, 1)
		var out bytes.Buffer
		go func() {
			done <- run(runCtx, []string{"run", "--metrics-addr", "", "--poll-interval", "10ms", "--lease-timeout", "1s", "--worker-id", id, "--sweep-grace", "200ms", "--sweep-interval", "0"}, &out, &out, cc)
		}()
		return func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("run exited %d:\n%s", code, out.String())
			}
		}
	}
	waitFor := func(what string, cond func(string) bool) string {
		t.Helper()
		var out string
		for end := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			var code int
			code, out = cmd("status")
			if code == 0 && cond(out) {
				return out
			}
			if time.Now().After(end) {
				t.Fatalf("%s: not reached; status:\n%s", what, out)
			}
		}
	}
	createUsers(t, x, "before", 10)
	stop := runProjector("w1")
	waitFor("the first projector caught up", func(s string) bool { return strings.Contains(s, "w1") && pendingZero(s) })
	stop()

	// While no projector runs, the leased shards roll over twice and are
	// trimmed away with appends in them and in their children.
	first := streamShards(t, clients.Streams)
	gone := map[string]bool{}
	for id := range first {
		gone[id] = true
	}
	for round := range 2 {
		createUsers(t, x, fmt.Sprintf("down%d-", round), 10)
		before := streamShards(t, clients.Streams)
		if err := eng.RollShards(ctx); err != nil {
			t.Fatal(err)
		}
		for id := range streamShards(t, clients.Streams) {
			if round == 0 && !before[id] {
				gone[id] = true // the first children, never leased
			}
		}
	}
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		now, left := streamShards(t, clients.Streams), 0
		for id := range gone {
			if now[id] {
				left++
			}
		}
		if left == 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("%d shards of the first two generations still listed", left)
		}
	}
	_, out := cmd("status")
	t.Logf("status without a projector:\n%s", out)
	for id := range gone {
		if !strings.Contains(out, "LOSS VANISHED "+id) {
			t.Errorf("status does not show shard %s as a vanished loss", id)
		}
	}
	for id := range first {
		if f := strings.Fields(lineOf(out, id)); len(f) < 3 || f[2] != "VANISHED" {
			t.Errorf("status does not show the unfinished lease of shard %s as VANISHED: %q", id, lineOf(out, id))
		}
	}
	if !strings.Contains(out, "NOT NOTED YET") {
		t.Errorf("status shows no unnoted loss")
	}
	code, js := cmd("status", "--json")
	var doc struct {
		Shards []struct {
			Shard    string `json:"shard"`
			Vanished bool   `json:"vanished"`
			LagMS    *int64 `json:"lag_ms"`
		} `json:"shards"`
		Unnoted []struct {
			Kind  string `json:"kind"`
			Where string `json:"where"`
		} `json:"unnoted_losses"`
	}
	if err := json.Unmarshal([]byte(js), &doc); code != 0 || err != nil {
		t.Fatalf("status --json: %d, %v\n%s", code, err, js)
	}
	vanished := map[string]bool{}
	for _, u := range doc.Unnoted {
		vanished[u.Where] = u.Kind == projector.LossVanished
	}
	for id := range gone {
		if !vanished[id] {
			t.Errorf("status --json: shard %s not among the unnoted vanished losses: %+v", id, doc.Unnoted)
		}
	}
	for _, s := range doc.Shards {
		if s.LagMS == nil {
			t.Errorf("status --json: shard %s without lag_ms", s.Shard)
		}
	}

	// A projector notes them and repairs what they lost.
	stop = runProjector("w2")
	defer stop()
	out = waitFor("the losses noted and repaired", func(s string) bool {
		return pendingZero(s) && !strings.Contains(s, "NOT NOTED YET") && !strings.Contains(s, "REPAIR DUE") && strings.Contains(s, "all repaired")
	})
	t.Logf("status after the projector ran:\n%s", out)
	if code, out := cmd("verify", "--recheck", "0"); code != 0 {
		t.Errorf("verify after the repair: %d\n%s", code, out)
	}
}

// streamShards lists the ids of the shards of the table's stream.
func streamShards(t *testing.T, st *dynamodbstreams.Client) map[string]bool {
	t.Helper()
	ctx := context.Background()
	res, err := st.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("lossstatus")})
	if err != nil || len(res.Streams) == 0 {
		t.Fatalf("listing streams: %v", err)
	}
	out := map[string]bool{}
	var start *string
	for {
		d, err := st.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: res.Streams[0].StreamArn, ExclusiveStartShardId: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range d.StreamDescription.Shards {
			out[aws.ToString(sh.ShardId)] = true
		}
		if start = d.StreamDescription.LastEvaluatedShardId; start == nil {
			return out
		}
	}
}

// lineOf returns the line of out that begins with prefix ("" if none).
func lineOf(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestWriteStatus: finding 6 of the review of issue 18 — a week of loss
// notes (one per kind and shard) and an hour of dead workers must not
// bury the status: repaired notes are summed up per kind, notes with a
// repair due beyond a few are counted, workers dead for long are
// counted; --all lists everything. A noted trim shows on its shard
// until it is repaired, then no more.
func TestWriteStatus(t *testing.T) {
	at := time.Date(2030, 1, 8, 12, 0, 0, 0, time.UTC)
	st := projector.Status{Name: "main", At: at}
	st.Workers = append(st.Workers,
		projector.Worker{ID: "live", Host: "h", Expiry: at.Add(5 * time.Second)},
		projector.Worker{ID: "just-died", Host: "h", Expiry: at.Add(-time.Minute)})
	for i := range 3 {
		st.Workers = append(st.Workers, projector.Worker{ID: fmt.Sprintf("long-dead%d", i), Host: "h", Expiry: at.Add(-time.Duration(20+i) * time.Minute)})
	}
	for i := range 352 {
		l := projector.Loss{Kind: projector.LossTrimmed, Where: fmt.Sprintf("shard-%03d", i), Detail: "records were trimmed", Count: 1,
			First: at.Add(-time.Duration(i) * time.Minute), Last: at.Add(-time.Duration(i) * time.Minute), Repaired: at.Add(-time.Duration(i)*time.Minute + time.Second)}
		if i < 12 {
			l.Repaired = time.Time{}
		}
		st.Losses = append(st.Losses, l)
	}
	open := projector.Shard{ID: "shard-open"}
	st.Shards = []projector.ShardStatus{
		{Shard: projector.Shard{ID: "shard-000"}, InStream: true, Trimmed: true, TrimNoted: true, CaughtUp: true},    // noted, repair due
		{Shard: projector.Shard{ID: "shard-100"}, InStream: true, Trimmed: true, TrimNoted: true, CaughtUp: true},    // noted, repaired
		{Shard: projector.Shard{ID: "shard-new"}, InStream: true, Trimmed: true, CaughtUp: true},                     // not noted
		{Shard: projector.Shard{ID: "shard-gone"}, Vanished: true, HasLease: true, Lease: projector.Lease{Fence: 2}}, // unfinished, left the stream
		{Shard: open, InStream: true, CaughtUp: true},
	}
	cases := []struct {
		name      string
		all       bool
		want      []string
		wantCount map[string]int
	}{
		{
			name: "summarised",
			want: []string{"DEAD just-died", "and 3 workers dead for longer (the latest heartbeat expired 20m0s ago; --all lists them)",
				"LOSS … and 2 more notes with a repair due", "LOSS TRIMMED: 340 notes (340 detections, first 2030-01-08T06:09:00Z, last 2030-01-08T11:48:00Z): all repaired, the latest 2030-01-08T11:48:01Z"},
			wantCount: map[string]int{"LOSS TRIMMED shard-": 10, "DEAD long-dead": 0},
		},
		{
			name:      "all",
			all:       true,
			want:      []string{"DEAD long-dead2"},
			wantCount: map[string]int{"LOSS TRIMMED shard-": 352, "DEAD ": 4, "all repaired": 0},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			writeStatus(&b, st, "tbl", c.all)
			out := b.String()
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q", w)
				}
			}
			for w, n := range c.wantCount {
				if got := strings.Count(out, w); got != n {
					t.Errorf("%d × %q, want %d", got, w, n)
				}
			}
			states := map[string]string{"shard-000": "open,trim-noted,caught-up", "shard-100": "open,caught-up", "shard-new": "open,TRIMMED,caught-up", "shard-gone": "VANISHED", "shard-open": "open,caught-up"}
			for id, want := range states {
				if f := strings.Fields(lineOf(out, id+" ")); len(f) < 3 || f[2] != want {
					t.Errorf("shard %s: line %q, want state %s", id, lineOf(out, id+" "), want)
				}
			}
			if t.Failed() {
				t.Logf("status:\n%s", out)
			}
		})
	}
}
