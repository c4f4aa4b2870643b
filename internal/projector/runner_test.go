package projector

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

// TestRunnerRollingSplittingShards: shards roll over every second, each
// into two children, while commands run continuously and two workers
// share the stream. Afterwards the read model must equal a replay of the
// log, and every version of every aggregate must have been applied
// exactly once.
func TestRunnerRollingSplittingShards(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 2, ShardLifetime: time.Second, SplitOnRollover: true, MaxOpenShards: 8, MaintenanceInterval: 50 * time.Millisecond})
	marks := newMarkerLog()
	var applied [2]atomic.Int64
	w1 := e.startWorker(RunnerOptions{OnApplied: func(a Applied) { applied[0].Add(a.Last - a.First + 1) }}, marks, nil)
	e.startWorker(RunnerOptions{OnApplied: func(a Applied) { applied[1].Add(a.Last - a.First + 1) }}, marks, nil)

	m := newMutator(e, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	if err := m.run(ctx, "roll", 4, 0); err != nil {
		t.Fatal(err)
	}
	heads := e.waitCaughtUp(15 * time.Second)
	t.Logf("%d commands over %d aggregates", m.n.Load(), len(heads))

	ls, err := w1.r.leases.list(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done, children := 0, 0
	for _, l := range ls {
		if l.Done {
			done++
		}
		if l.Parent != "" {
			children++
		}
	}
	if done < 4 || children < 4 {
		t.Errorf("expected shard lineage to be exercised: %d leases, %d done, %d children", len(ls), done, children)
	}
	t.Logf("events applied by the workers: %d and %d", applied[0].Load(), applied[1].Load())
	if applied[0].Load() == 0 || applied[1].Load() == 0 {
		t.Errorf("one worker applied nothing: %d and %d events", applied[0].Load(), applied[1].Load())
	}
	marks.check(t, heads)
	e.assertEqualsReplay(nil)
}

// TestRunnerFailover: two workers share four shards; one is killed in the
// middle of a batch, either by cancelling it (it stops without
// checkpointing the batch and releases its leases) or by a hard stop (every
// request fails from then on, like a crashed or partitioned process). The
// other takes its shards over within the lease timeout; nothing is lost and
// nothing is applied twice. Both with readers woken by the engine and with
// polling readers (as against a remote endpoint).
func TestRunnerFailover(t *testing.T) {
	for _, c := range []struct {
		name string
		hard bool
		poll bool
	}{{"cancel", false, false}, {"hard-stop", true, false}, {"cancel/polling", false, true}, {"hard-stop/polling", true, true}} {
		hard := c.hard
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t, ddblocal.StreamOptions{Shards: 4})
			start := e.startWorker
			if c.poll {
				start = e.startPollingWorker
			}
			marks := newMarkerLog()
			const lease = time.Second
			// Kill a once it applied some records of the burst below, so
			// that it dies with a batch half applied.
			var killed atomic.Bool
			var killedAt atomic.Int64
			var applies atomic.Int64
			var aw atomic.Pointer[worker]
			onApplied := func(Applied) {
				if applies.Add(1) == 40 && killed.CompareAndSwap(false, true) {
					killedAt.Store(time.Now().UnixNano())
					if hard {
						aw.Load().kill.killed.Store(true)
					} else {
						aw.Load().cancel()
					}
				}
			}
			a := start(RunnerOptions{LeaseTimeout: lease, WorkerID: "a", OnApplied: onApplied}, marks, nil)
			aw.Store(a)
			b := start(RunnerOptions{LeaseTimeout: lease, WorkerID: "b"}, marks, nil)
			eventually(t, 10*time.Second, func() bool { return len(a.r.Owned()) == 2 && len(b.r.Owned()) == 2 }, "an even split of 4 shards between 2 workers")
			m := newMutator(e, 2)
			ctx := context.Background()
			for i := range 400 {
				if err := m.random(ctx, "burst-", i); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, 10*time.Second, killed.Load, "worker a applied part of the burst")
			eventually(t, 10*lease, func() bool { return len(b.r.Owned()) == 4 }, "worker b owning all 4 shards")
			t.Logf("takeover %v after the kill (lease timeout %v)", time.Since(time.Unix(0, killedAt.Load())).Round(time.Millisecond), lease)

			for i := range 200 {
				if err := m.random(ctx, "after-", i); err != nil {
					t.Fatal(err)
				}
			}
			heads := e.waitCaughtUp(15 * time.Second)
			marks.check(t, heads)
			e.assertEqualsReplay(nil)
		})
	}
}

// TestRunnerIteratorExpiryAndTrim: the projector is paused (its stream
// reads block) longer than both the iterator lifetime and the stream's
// retention. On resuming, its iterator has expired and the records after
// its position are gone: it re-acquires an iterator, continues from the
// trim horizon and the Applier repairs every aggregate that changes again
// from the event log. Aggregates that do not change again are what
// `projector rebuild --catch-up` repairs, which the trim note in status
// points to.
func TestRunnerIteratorExpiryAndTrim(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 2, Retention: 1500 * time.Millisecond, IteratorTTL: 700 * time.Millisecond, MaintenanceInterval: 50 * time.Millisecond})
	// The sweep the trim asks for is held off (a long grace), so that the
	// aggregates it left behind stay behind for the catch-up to repair.
	w := e.startWorker(RunnerOptions{LeaseTimeout: 3 * time.Second, SweepGrace: time.Hour}, nil, nil)
	m := newMutator(e, 3)
	ctx := context.Background()
	var early, late []string
	for i := range 30 {
		login := fmt.Sprintf("early%02d", i)
		if err := m.create(ctx, login); err != nil {
			t.Fatal(err)
		}
		early = append(early, login)
	}
	e.waitCaughtUp(10 * time.Second)

	w.gate.pause()
	time.Sleep(100 * time.Millisecond) // let the worker block in GetRecords
	for i, login := range early {
		if i%2 == 0 {
			if err := m.update(ctx, login); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 20 {
		login := fmt.Sprintf("late%02d", i)
		if err := m.create(ctx, login); err != nil {
			t.Fatal(err)
		}
		late = append(late, login)
	}
	time.Sleep(2500 * time.Millisecond) // past retention and iterator lifetime
	w.gate.resume()

	// Every early user and half of the late ones change again.
	for _, login := range early {
		if err := m.update(ctx, login); err != nil {
			t.Fatal(err)
		}
	}
	for _, login := range late[:10] {
		if err := m.update(ctx, login); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 10*time.Second, func() bool {
		_, behind := e.progress()
		return behind == 10
	}, "all but the 10 unchanged late users caught up")
	if n := counterSum(w.r.m.StreamErrors, "kind", "expired"); n == 0 {
		t.Errorf("no expired iterator was seen")
	}
	if n := counterSum(w.r.m.StreamErrors, "kind", "trimmed"); n == 0 {
		t.Errorf("no trimmed records were seen")
	}
	st, err := GetStatus(ctx, StatusOptions{DB: e.db, Streams: e.st, Table: e.table})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, l := range st.Losses {
		if l.Repaired.IsZero() {
			kinds[l.Kind]++
		}
	}
	// The trim itself, and the gaps of the aggregates that changed again.
	if kinds[LossTrimmed] == 0 || kinds[LossGap] == 0 || !st.Sweep.Pending() {
		t.Errorf("status shows no trim and gap losses waiting for a sweep: %+v, sweep %+v", st.Losses, st.Sweep)
	}

	// The catch-up repairs the rest from the log.
	stats, err := Rebuild(ctx, RebuildOptions{SourceDB: e.db, SourceTable: e.table, CatchUp: true})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Repaired != 10 || stats.Failed != 0 {
		t.Errorf("catch-up repaired %d aggregates (%d failed), want 10", stats.Repaired, stats.Failed)
	}
	e.waitCaughtUp(5 * time.Second)
	e.assertEqualsReplay(nil)
	if st, err = GetStatus(ctx, StatusOptions{DB: e.db, Streams: e.st, Table: e.table}); err != nil {
		t.Fatal(err)
	}
	for _, l := range st.Losses {
		if l.Repaired.IsZero() {
			t.Errorf("loss not marked repaired after the catch-up: %+v", l)
		}
	}
}

// TestRunnerThrottled: 40 % of the worker's stream reads and
// transactions are throttled; it backs off and retries (the SDK first,
// then the runner) and the read model still converges to a replay of the
// log, every version applied once. The worker polls, as against DynamoDB.
func TestRunnerThrottled(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 2})
	marks := newMarkerLog()
	w := e.startPollingWorker(RunnerOptions{LeaseTimeout: 3 * time.Second}, marks, nil)
	w.kill.throttle.Store(40)
	m := newMutator(e, 8)
	ctx := context.Background()
	for i := range 300 {
		if err := m.random(ctx, "thr-", i); err != nil {
			t.Fatal(err)
		}
	}
	heads := e.waitCaughtUp(15 * time.Second)
	if w.kill.throttled.Load() == 0 {
		t.Fatal("nothing was throttled")
	}
	t.Logf("%d requests throttled; %v throttled stream reads and %v throttled applies reached the runner", w.kill.throttled.Load(),
		counterSum(w.r.m.StreamErrors, "kind", "throttled"), counterSum(w.r.m.ApplyErrors, "class", "transient"))
	marks.check(t, heads)
	e.assertEqualsReplay(nil)
}
