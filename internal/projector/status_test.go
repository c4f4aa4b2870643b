package projector

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	dto "github.com/prometheus/client_model/go"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
)

// TestStatusIdleIsCaughtUp: opening an issue writes the repository's head
// with no events (only its issue counter moves). Once the projector has
// applied everything and the system is idle, status must show every shard
// with nothing pending and no lag — such heads are not pending, and the
// projector checkpoints past them.
func TestStatusIdleIsCaughtUp(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 4})
	ctx := context.Background()
	e.startWorker(RunnerOptions{PollInterval: 5 * time.Millisecond}, nil, nil)
	if _, err := e.x.Execute(ctx, "octo", entities.CreateUser{Login: "octo", Name: "O"}); err != nil {
		t.Fatal(err)
	}
	var repos []entities.RepositoryID
	for i := range 8 {
		repo := entities.NewRepositoryID("octo", fmt.Sprintf("r%d", i))
		if _, err := e.x.Execute(ctx, "octo", entities.CreateRepository{Owner: "octo", Name: repo.Name(), Actor: "octo"}); err != nil {
			t.Fatal(err)
		}
		repos = append(repos, repo)
	}
	e.waitCaughtUp(10 * time.Second)
	// Now, with the projector caught up, each issue comes in batches of
	// its own: the repository's event-less head among them.
	for _, repo := range repos {
		if _, err := e.x.Execute(ctx, "octo", entities.OpenIssue{Actor: "octo", Repository: repo, Title: "t"}); err != nil {
			t.Fatal(err)
		}
		e.waitCaughtUp(10 * time.Second)
	}
	if n := e.shardsEndingWithEmptyHead(); n == 0 {
		t.Fatal("setup: no shard ends with a head that carries no events; the case is not exercised")
	}

	var st Status
	eventually(t, 10*time.Second, func() bool {
		var err error
		st, err = GetStatus(ctx, StatusOptions{DB: e.db, Streams: e.st, Table: e.table})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st.Shards {
			if s.Pending != 0 || !s.CaughtUp {
				return false
			}
		}
		return len(st.Shards) == 4
	}, "every shard caught up in status")
	for _, s := range st.Shards {
		if s.Lag != 0 {
			t.Errorf("shard %s: lag %v on an idle, caught-up projector", s.Shard.ID, s.Lag)
		}
	}
}

// shardsEndingWithEmptyHead counts the shards whose last head record
// carries no events.
func (e *testEnv) shardsEndingWithEmptyHead() int {
	e.t.Helper()
	ctx := context.Background()
	arn, shards := e.shards()
	n := 0
	for _, sh := range shards {
		it, _, err := iterator(ctx, e.st, arn, sh, "")
		if err != nil {
			e.t.Fatal(err)
		}
		lastEmpty := false
		for it != nil {
			res, err := e.st.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
			if err != nil {
				e.t.Fatal(err)
			}
			for _, rec := range res.Records {
				if isHeadRecord(rec) {
					lastEmpty = decodeRecord(rec) == nil
				}
			}
			if len(res.Records) == 0 {
				break
			}
			it = res.NextShardIterator
		}
		if lastEmpty {
			n++
		}
	}
	return n
}

// TestLagIsMeasuredInMilliseconds: an append committed at 12:00:00.400
// and applied at 12:00:00.555 lagged 155 ms — not the 555 ms that the
// stream record's whole-second creation time (12:00:00) would make of it.
// The clocks are fixed, so the numbers are exact.
func TestLagIsMeasuredInMilliseconds(t *testing.T) {
	commit := time.Date(2030, 6, 1, 12, 0, 0, 400_000_000, time.UTC)
	engineNow := commit.Add(100 * time.Millisecond) // the record's creation second is 12:00:00
	applyNow := commit.Add(155 * time.Millisecond)
	e := newTestEnvWith(t, ddblocal.Options{Streams: ddblocal.StreamOptions{Shards: 1}, Now: func() time.Time { return engineNow }},
		events.ExecutorOptions{Now: func() time.Time { return commit }})
	ctx := context.Background()
	if _, err := e.x.Execute(ctx, "lagged", entities.CreateUser{Login: "lagged", Name: "L"}); err != nil {
		t.Fatal(err)
	}

	st, err := GetStatus(ctx, StatusOptions{DB: e.db, Streams: e.st, Table: e.table, Now: func() time.Time { return applyNow }})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Shards) != 1 || st.Shards[0].Pending != 1 || st.Shards[0].Lag != 155*time.Millisecond {
		t.Fatalf("status before the projector ran: %+v; want 1 pending, lag 155ms", st.Shards)
	}

	applied := make(chan Applied, 1)
	w := e.startWorker(RunnerOptions{Now: func() time.Time { return applyNow }, OnApplied: func(a Applied) { applied <- a }}, nil, nil)
	var a Applied
	select {
	case a = <-applied:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing applied")
	}
	if !a.Created.Equal(commit) {
		t.Errorf("Applied.Created %v, want the commit time %v", a.Created, commit)
	}
	var h dto.Metric
	if err := w.r.m.ApplyLag.Write(&h); err != nil {
		t.Fatal(err)
	}
	if c, s := h.GetHistogram().GetSampleCount(), h.GetHistogram().GetSampleSum(); c != 1 || math.Abs(s-0.155) > 1e-9 {
		t.Errorf("apply-lag histogram: %d samples summing to %v s, want 1 of 0.155 s", c, s)
	}
	var g dto.Metric
	if err := w.r.m.Lag.WithLabelValues(a.Shard).Write(&g); err != nil {
		t.Fatal(err)
	}
	if v := g.GetGauge().GetValue(); math.Abs(v-0.155) > 1e-9 && v != 0 {
		t.Errorf("lag gauge %v s, want 0.155 s (or 0 once caught up)", v)
	}
}

// TestStatusTrimNoted: a shard whose records after its checkpoint were
// trimmed shows as trimmed and among the losses no note records — until
// the live worker holding it notes the trim (it then reads on from the
// horizon and checkpoints at the next record), and again when that
// worker dies (records written since may have been trimmed too). Finding
// 2 of the review of issue 18: a noted (and repaired) trim must not keep
// an idle shard TRIMMED for ever.
func TestStatusTrimNoted(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 1, Retention: time.Second, MaintenanceInterval: 50 * time.Millisecond})
	ctx := context.Background()
	if _, err := e.x.Execute(ctx, "gone", entities.CreateUser{Login: "gone", Name: "G"}); err != nil {
		t.Fatal(err)
	}
	var shard string
	var seqs []string
	for id, s := range e.shardSeqs() {
		shard, seqs = id, s
	}
	eventually(t, 10*time.Second, func() bool { return len(e.shardSeqs()[shard]) == 0 }, "the shard's records trimmed")

	// A worker holds the shard with a checkpoint before the trimmed
	// records: written through the lease protocol, as a worker would.
	now := time.Now()
	ls := &leases{db: e.db, table: e.table, name: "main", timeout: time.Minute, now: time.Now}
	if err := ls.heartbeat(ctx, "w", "h", now); err != nil {
		t.Fatal(err)
	}
	l, err := ls.acquire(ctx, Lease{Shard: shard}, "", "w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ls.checkpoint(ctx, l, "w", seqs[0], now, false); err != nil {
		t.Fatal(err)
	}
	status := func() ShardStatus {
		t.Helper()
		st, err := GetStatus(ctx, StatusOptions{DB: e.db, Streams: e.st, Table: e.table})
		if err != nil {
			t.Fatal(err)
		}
		unnoted := false
		for _, u := range st.Unnoted {
			unnoted = unnoted || (u.Kind == LossTrimmed && u.Where == shard)
		}
		ss := st.Shards[0]
		if unnoted != (ss.Trimmed && !ss.TrimNoted) {
			t.Errorf("shard trimmed %v, noted %v, but among the unnoted losses: %v", ss.Trimmed, ss.TrimNoted, unnoted)
		}
		return ss
	}
	steps := []struct {
		name       string
		do         func() error
		wantNoted  bool
		wantStatus bool // Trimmed
	}{
		{"not noted yet", func() error { return nil }, false, true},
		{"noted by the live holder", func() error {
			return noteLoss(ctx, e.db, e.table, "main", Loss{Kind: LossTrimmed, Where: shard, Detail: "test", Worker: "w"}, time.Now())
		}, true, true},
		{"its holder dead", func() error { return ls.leave(ctx, "w") }, false, true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.do(); err != nil {
				t.Fatal(err)
			}
			ss := status()
			if ss.Trimmed != s.wantStatus || ss.TrimNoted != s.wantNoted {
				t.Errorf("trimmed %v, noted %v; want %v, %v", ss.Trimmed, ss.TrimNoted, s.wantStatus, s.wantNoted)
			}
		})
	}
}
