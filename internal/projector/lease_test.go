package projector

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

// TestStaleWorkerCannotCheckpoint: a worker whose lease expired and was
// taken over can no longer write anything to it — checkpoint, renewal,
// done flag or release — even though it still believes it owns the shard;
// the new owner's checkpoint stands.
func TestStaleWorkerCannotCheckpoint(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{})
	ctx := context.Background()
	const timeout = 200 * time.Millisecond
	ls := &leases{db: e.db, table: e.table, name: "main", timeout: timeout, now: time.Now}
	const shard = "shardId-00000000000000000001-00000001"

	a, err := ls.acquire(ctx, Lease{Shard: shard}, "", "a")
	if err != nil {
		t.Fatal(err)
	}
	if a.Fence != 1 {
		t.Fatalf("first fence = %d, want 1", a.Fence)
	}
	if _, err := ls.checkpoint(ctx, a, "a", "100000000000000000010", time.Now(), false); err != nil {
		t.Fatal(err)
	}
	// b may not take a live lease.
	seen, _ := ls.get(ctx, shard)
	if _, err := ls.acquire(ctx, seen, "", "b"); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("acquiring a live lease: %v, want ErrLeaseLost", err)
	}
	time.Sleep(timeout + 50*time.Millisecond)
	seen, _ = ls.get(ctx, shard)
	b, err := ls.acquire(ctx, seen, "", "b")
	if err != nil {
		t.Fatalf("taking over an expired lease: %v", err)
	}
	if b.Fence != 2 || b.Checkpoint != "100000000000000000010" {
		t.Fatalf("after takeover: fence %d checkpoint %q", b.Fence, b.Checkpoint)
	}
	if _, err := ls.checkpoint(ctx, b, "b", "100000000000000000020", time.Now(), false); err != nil {
		t.Fatal(err)
	}

	// a wakes up and tries to go on.
	if _, err := ls.checkpoint(ctx, a, "a", "100000000000000000030", time.Now(), false); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("stale checkpoint: %v, want ErrLeaseLost", err)
	}
	if _, err := ls.checkpoint(ctx, a, "a", "100000000000000000030", time.Now(), true); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("stale done: %v, want ErrLeaseLost", err)
	}
	if _, err := ls.renew(ctx, a, "a"); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("stale renewal: %v, want ErrLeaseLost", err)
	}
	if err := ls.release(ctx, a, "a"); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("stale release: %v, want ErrLeaseLost", err)
	}
	// Even a's own new lease (after b released) does not revive the old
	// fence.
	if err := ls.release(ctx, b, "b"); err != nil {
		t.Fatal(err)
	}
	seen, _ = ls.get(ctx, shard)
	a2, err := ls.acquire(ctx, seen, "", "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ls.checkpoint(ctx, a, "a", "100000000000000000040", time.Now(), false); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("checkpoint with the fence of an earlier lease: %v, want ErrLeaseLost", err)
	}
	got, _ := ls.get(ctx, shard)
	if got.Checkpoint != "100000000000000000020" || got.Fence != a2.Fence || got.Fence != 3 || got.Owner != "a" || got.Done {
		t.Errorf("lease after the stale writes: %+v", got)
	}
}

// TestStaleRunnerCannotCheckpoint: the same at the runner level. Worker a
// is partitioned from the table (every request fails) until b took its
// shards over; when the partition heals, a's processors, whose leases are
// gone, stop without moving any checkpoint, and the two workers share the
// shards again.
func TestStaleRunnerCannotCheckpoint(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 2})
	a := e.startWorker(RunnerOptions{WorkerID: "a"}, nil, nil)
	eventually(t, 5*time.Second, func() bool { return len(a.r.Owned()) == 2 }, "a owning both shards")
	m := newMutator(e, 4)
	ctx := context.Background()
	for i := range 50 {
		if err := m.random(ctx, "p-", i); err != nil {
			t.Fatal(err)
		}
	}
	e.waitCaughtUp(5 * time.Second)
	before, err := a.r.leases.list(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.kill.killed.Store(true)
	b := e.startWorker(RunnerOptions{WorkerID: "b"}, nil, nil)
	eventually(t, 10*time.Second, func() bool { return len(b.r.Owned()) == 2 }, "b taking both shards over")
	for i := range 50 {
		if err := m.random(ctx, "q-", i); err != nil {
			t.Fatal(err)
		}
	}
	e.waitCaughtUp(5 * time.Second)
	a.kill.killed.Store(false) // the partition heals
	eventually(t, 10*time.Second, func() bool { return len(a.r.Owned()) == 1 && len(b.r.Owned()) == 1 }, "the shards shared again")
	after, err := b.r.leases.list(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for id, l := range after {
		if l.Fence <= before[id].Fence {
			t.Errorf("shard %s: fence %d did not move past a's %d", id, l.Fence, before[id].Fence)
		}
	}
	if n := counterSum(a.r.m.LeaseEvents, "event", "lost") + counterSum(a.r.m.LeaseEvents, "event", "expired"); n == 0 {
		t.Errorf("a never noticed it lost its leases")
	}
	e.assertEqualsReplay(nil)
}
