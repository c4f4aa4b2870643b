package projector

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// lossOpts are runner options for loss tests: short leases, and a sweep
// that follows a loss quickly.
func lossOpts(id string) RunnerOptions {
	return RunnerOptions{WorkerID: id, LeaseTimeout: time.Second, SweepGrace: 200 * time.Millisecond, SweepInterval: -1}
}

// trimmedShards returns the shards whose first records are gone.
func (e *testEnv) trimmedShards() []string {
	e.t.Helper()
	ctx := context.Background()
	arn, shards := e.shards()
	var out []string
	for _, sh := range shards {
		// Asked directly, not through the code under test.
		_, err := e.st.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(sh.ID),
			ShardIteratorType: streams.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(sh.Start)})
		switch {
		case isTrimmed(err):
			out = append(out, sh.ID)
		case isShardGone(err): // trimmed away since it was listed
		case err != nil:
			e.t.Fatal(err)
		}
	}
	return out
}

// streamHasHead reports whether a head record of partition pk is still
// readable in the stream.
func (e *testEnv) streamHasHead(pk string) bool {
	e.t.Helper()
	ctx := context.Background()
	arn, shards := e.shards()
	for _, sh := range shards {
		res, err := e.st.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(sh.ID), ShardIteratorType: streams.ShardIteratorTypeTrimHorizon})
		if isShardGone(err) {
			continue
		}
		if err != nil {
			e.t.Fatal(err)
		}
		for it := res.ShardIterator; it != nil; {
			page, err := e.st.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
			if isShardGone(err) || isTrimmed(err) {
				break
			}
			if err != nil {
				e.t.Fatal(err)
			}
			for _, rec := range page.Records {
				if h := decodeRecord(rec); h != nil && h.partition == pk {
					return true
				}
			}
			if len(page.Records) == 0 {
				break
			}
			it = page.NextShardIterator
		}
	}
	return false
}

// listedShards returns the ids of the shards the stream lists.
func (e *testEnv) listedShards() map[string]bool {
	e.t.Helper()
	_, shards := e.shards()
	out := map[string]bool{}
	for _, sh := range shards {
		out[sh.ID] = true
	}
	return out
}

// lossesOf returns the projector's loss notes of kind, by place.
func (e *testEnv) lossesOf(kind string) map[string]Loss {
	e.t.Helper()
	ls, err := listLosses(context.Background(), e.db, e.table, "main")
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]Loss{}
	for _, l := range ls {
		if l.Kind == kind {
			out[l.Where] = l
		}
	}
	return out
}

// allRepaired reports whether every loss note was marked repaired.
func (e *testEnv) allRepaired() bool {
	ls, err := listLosses(context.Background(), e.db, e.table, "main")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, l := range ls {
		if l.Repaired.IsZero() {
			return false
		}
	}
	return len(ls) > 0
}

// TestTrimWithoutCheckpointIsRepaired is defect 1 of issue 18: a
// projector ran without anything to checkpoint and stopped; an
// acknowledged write's records were then trimmed; a new projector reading
// the shards from their start must notice that their first records are
// gone, say so, and repair the write from the log — with no further write
// to that aggregate and no operator.
func TestTrimWithoutCheckpointIsRepaired(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 2, Retention: time.Second, MaintenanceInterval: 50 * time.Millisecond})
	w1 := e.startWorker(lossOpts("w1"), nil, nil)
	eventually(t, 10*time.Second, func() bool { return len(w1.r.Owned()) == 2 }, "w1 leasing both shards")
	w1.stop(t)

	ctx := context.Background()
	if _, err := e.x.Execute(ctx, "alice", entities.CreateUser{Login: "alice", Name: "Alice"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() bool { return !e.streamHasHead("ACCOUNT#alice") }, "alice's records trimmed")

	w2 := e.startWorker(lossOpts("w2"), nil, nil)
	e.waitCaughtUp(15 * time.Second)
	if e.accountItem("alice") == nil {
		t.Fatal("alice's read item is missing")
	}
	if n := counterSum(w2.r.m.LossesDetected, "kind", LossTrimmed); n == 0 {
		t.Error("no trimmed loss counted")
	}
	if len(e.lossesOf(LossTrimmed)) == 0 {
		t.Error("no trimmed loss noted")
	}
	eventually(t, 10*time.Second, e.allRepaired, "the loss notes marked repaired")
	st, err := GetStatus(ctx, StatusOptions{DB: e.db, Streams: e.st, Table: e.table})
	if err != nil {
		t.Fatal(err)
	}
	if st.Sweep.LastEnd.IsZero() || st.Sweep.Last.Repaired != 1 || st.Sweep.Pending() {
		t.Errorf("status of the sweep: %+v; want one completed pass that repaired alice, none pending", st.Sweep)
	}
	e.assertEqualsReplay(nil)
}

// TestTrimAfterRolloverIsRepaired is defect 1's second case: shards that
// had checkpoints roll over twice and are trimmed away while the
// projector is down, with acknowledged writes in them and in their
// children. The new projector must report each vanished shard — those
// with an unfinished lease and those it never leased — and repair every
// write.
func TestTrimAfterRolloverIsRepaired(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 2, Retention: time.Second, MaintenanceInterval: 50 * time.Millisecond})
	ctx := context.Background()
	w1 := e.startWorker(lossOpts("w1"), nil, nil)
	m := newMutator(e, 18)
	for i := range 10 {
		if err := m.create(ctx, fmt.Sprintf("before%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	e.waitCaughtUp(10 * time.Second)
	leased := w1.r.Owned()
	w1.stop(t)

	var firstChildren []string
	for round := range 2 {
		for i := range 10 {
			if err := m.create(ctx, fmt.Sprintf("down%d-%02d", round, i)); err != nil {
				t.Fatal(err)
			}
		}
		before := e.listedShards()
		if err := e.eng.RollShards(ctx); err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			for id := range e.listedShards() {
				if !before[id] {
					firstChildren = append(firstChildren, id)
				}
			}
		}
	}
	gone := append(append([]string(nil), leased...), firstChildren...)
	sort.Strings(gone)
	eventually(t, 15*time.Second, func() bool {
		listed := e.listedShards()
		for _, id := range gone {
			if listed[id] {
				return false
			}
		}
		return true
	}, "the first two generations of shards trimmed away")

	w2 := e.startWorker(lossOpts("w2"), nil, nil)
	e.waitCaughtUp(15 * time.Second)
	vanished := e.lossesOf(LossVanished)
	for _, id := range gone {
		if _, ok := vanished[id]; !ok {
			t.Errorf("shard %s vanished unread, but no loss was noted for it (notes: %v)", id, vanished)
		}
	}
	if n := counterSum(w2.r.m.LossesDetected, "kind", LossVanished); n < float64(len(gone)) {
		t.Errorf("%v vanished losses counted, want %d", n, len(gone))
	}
	eventually(t, 10*time.Second, e.allRepaired, "the loss notes marked repaired")
	e.assertEqualsReplay(nil)
}

// TestKilledLongerThanRetention is the fault test of issue 18: the only
// projector is killed (every request fails from then on) while writes go
// on and shards roll and split; it stays dead longer than the stream's
// retention; a new one starts. Without any operator action the read
// model must end equal to a replay of the log (verify clean), every
// version of every aggregate applied exactly once.
func TestKilledLongerThanRetention(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 2, ShardLifetime: 700 * time.Millisecond, SplitOnRollover: true, MaxOpenShards: 8,
		Retention: 1500 * time.Millisecond, MaintenanceInterval: 50 * time.Millisecond})
	marks := newMarkerLog()
	a := e.startWorker(lossOpts("a"), marks, nil)
	m := newMutator(e, 7)
	ctx, stopWrites := context.WithCancel(context.Background())
	defer stopWrites()
	writes := make(chan error, 1)
	go func() { writes <- m.run(ctx, "fault", 2, 2*time.Millisecond) }()

	eventually(t, 10*time.Second, func() bool { return m.n.Load() > 100 && counterSum(a.r.m.EventsApplied, "", "") > 0 }, "writes applied by a")
	a.kill.killed.Store(true)
	killedAt := m.n.Load()
	// Dead for longer than the retention: until records written after the
	// kill — which a never read — are trimmed (a shard trimmed from its
	// start may be one a finished before the kill: that says nothing).
	// The writers never touch this aggregate again.
	if _, err := e.x.Execute(context.Background(), "afterkill", entities.CreateUser{Login: "afterkill", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() bool { return !e.streamHasHead("ACCOUNT#afterkill") && m.n.Load() > killedAt+200 }, "records written after the kill trimmed")

	b := e.startWorker(lossOpts("b"), marks, nil)
	eventually(t, 10*time.Second, func() bool { return len(b.r.Owned()) > 0 }, "b leasing shards")
	time.Sleep(time.Second) // writes go on while b catches up
	stopWrites()
	if err := <-writes; err != nil {
		t.Fatal(err)
	}
	heads := e.waitCaughtUp(30 * time.Second)
	t.Logf("%d commands over %d aggregates; losses counted by b: %v trimmed, %v vanished, %v gaps; %v aggregates repaired by sweeps",
		m.n.Load(), len(heads), counterSum(b.r.m.LossesDetected, "kind", LossTrimmed), counterSum(b.r.m.LossesDetected, "kind", LossVanished),
		counterSum(b.r.m.LossesDetected, "kind", LossGap), counterSum(b.r.m.SweepRepaired, "", ""))
	if counterSum(b.r.m.LossesDetected, "", "") == 0 {
		t.Error("b detected no loss")
	}
	marks.check(t, heads)

	fresh := newTestEnv(t, ddblocal.StreamOptions{})
	rep, err := Verify(context.Background(), VerifyOptions{SourceDB: e.db, SourceTable: e.table, ScratchDB: fresh.db, ScratchTable: fresh.table, Segments: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Drift) != 0 || rep.Replay.Failed != 0 || rep.LiveItems == 0 {
		t.Errorf("verify: %d drifted (%+v), %d failed, %d live items", len(rep.Drift), rep.Drift[:min(3, len(rep.Drift))], rep.Replay.Failed, rep.LiveItems)
	}
	eventually(t, 10*time.Second, e.allRepaired, "the loss notes marked repaired")
}

// TestSweepRepairsWhatNoRecordBrings: aggregates whose projection was
// lost (read items and markers deleted behind the projector's back) are
// found by a sweep — partitions straddling pages, several segments — and
// repaired; halted aggregates are left alone; a second pass finds
// nothing.
func TestSweepRepairsWhatNoRecordBrings(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{})
	ctx := context.Background()
	m := newMutator(e, 11)
	for i := range 60 {
		if err := m.random(ctx, "sw-", i); err != nil {
			t.Fatal(err)
		}
	}
	ap := NewApplier(e.db, e.table, e.codec)
	if _, err := Rebuild(ctx, RebuildOptions{SourceDB: e.db, SourceTable: e.table, CatchUp: true}); err != nil {
		t.Fatal(err)
	}
	heads, behind := e.progress()
	if behind != 0 {
		t.Fatalf("%d behind after the initial catch-up", behind)
	}
	var lost []string
	for pk := range heads {
		lost = append(lost, pk)
	}
	sort.Strings(lost)
	lost = lost[:8]
	for _, pk := range lost {
		for _, k := range []table.Key{table.MarkerKey(table.Partition(pk)), {PK: pk, SK: pk}} {
			if _, err := e.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(e.table), Key: k.AV()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	halted := lost[0]
	st, err := Sweep(ctx, SweepOptions{DB: e.db, Table: e.table, Applier: ap, Segments: 3, PageSize: 7, ReadRate: -1,
		Blocked: func(p string) bool { return p == halted }})
	if err != nil {
		t.Fatal(err)
	}
	if st.Aggregates != int64(len(heads)) || st.Behind != 8 || st.Repaired != 7 || st.Blocked != 1 || st.Failed != 0 || st.ReadUnits <= 0 {
		t.Errorf("sweep: %+v; want %d aggregates, 8 behind, 7 repaired, 1 blocked, read units reported", st, len(heads))
	}
	if _, behind := e.progress(); behind != 1 {
		t.Errorf("%d aggregates behind after the sweep, want only the halted one", behind)
	}
	st, err = Sweep(ctx, SweepOptions{DB: e.db, Table: e.table, Applier: ap, ReadRate: -1})
	if err != nil || st.Repaired != 1 || st.Behind != 1 {
		t.Fatalf("second pass without the block: %+v, %v", st, err)
	}
	e.assertEqualsReplay(nil)
}

// shardSeqs returns the sequence numbers of the records still readable
// in each shard of the stream, in order (read directly, not through the
// code under test).
func (e *testEnv) shardSeqs() map[string][]string {
	e.t.Helper()
	ctx := context.Background()
	arn, shards := e.shards()
	out := map[string][]string{}
	for _, sh := range shards {
	again:
		res, err := e.st.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(sh.ID), ShardIteratorType: streams.ShardIteratorTypeTrimHorizon})
		if err != nil {
			e.t.Fatal(err)
		}
		out[sh.ID] = nil
		for it := res.ShardIterator; it != nil; {
			page, err := e.st.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
			if isTrimmed(err) {
				goto again // trimmed while read: read again
			}
			if err != nil {
				e.t.Fatal(err)
			}
			for _, rec := range page.Records {
				out[sh.ID] = append(out[sh.ID], aws.ToString(rec.Dynamodb.SequenceNumber))
			}
			if len(page.Records) == 0 {
				break
			}
			it = page.NextShardIterator
		}
	}
	return out
}

// seqAfter reports whether sequence number a is after b (both decimal).
func seqAfter(a, b string) bool {
	x, _ := new(big.Int).SetString(a, 10)
	y, _ := new(big.Int).SetString(b, 10)
	return x != nil && y != nil && x.Cmp(y) > 0
}

// TestIdleShardIsNotTrimmed is finding 2 of the review of issue 18: on a
// caught-up projector the only records after the last append are the
// projector's own writes (read items, markers, lease renewals). They are
// read, and must be checkpointed too — at a bounded rate — or retention
// trims them after the checkpoint: status shows the idle shard TRIMMED,
// and a restart or a failover notes a loss that is none and sweeps.
func TestIdleShardIsNotTrimmed(t *testing.T) {
	cases := []struct {
		name string
		end  func(w *worker)
	}{
		{"graceful restart", func(w *worker) { w.stop(t) }},
		{"failover from a dead worker", func(w *worker) { w.kill.killed.Store(true) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t, ddblocal.StreamOptions{Shards: 3, Retention: 3 * time.Second, MaintenanceInterval: 50 * time.Millisecond})
			ctx := context.Background()
			w1 := e.startWorker(lossOpts("w1"), nil, nil)
			m := newMutator(e, 3)
			for i := range 12 {
				if err := m.create(ctx, fmt.Sprintf("idle%d", i)); err != nil {
					t.Fatal(err)
				}
			}
			e.waitCaughtUp(10 * time.Second)
			// Idle for longer than the retention: everything written up
			// to the catch-up, the projector's own writes included, is
			// trimmed; only the projector's later writes (lease renewals,
			// in the shard holding its partition) are left.
			last := map[string]string{}
			for id, seqs := range e.shardSeqs() {
				if len(seqs) > 0 {
					last[id] = seqs[len(seqs)-1]
				}
			}
			eventually(t, 20*time.Second, func() bool {
				for id, seqs := range e.shardSeqs() {
					if len(seqs) > 0 && last[id] != "" && !seqAfter(seqs[0], last[id]) {
						return false
					}
				}
				return true
			}, "the records up to the catch-up trimmed")
			st, err := GetStatus(ctx, StatusOptions{DB: e.db, Streams: e.st, Table: e.table})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range st.Shards {
				if s.Trimmed || !s.CaughtUp {
					t.Errorf("idle shard %s: trimmed %v, caught up %v (checkpoint %s); want caught up, not trimmed", s.Shard.ID, s.Trimmed, s.CaughtUp, s.Lease.Checkpoint)
				}
			}

			c.end(w1)
			w2 := e.startWorker(lossOpts("w2"), nil, nil)
			eventually(t, 10*time.Second, func() bool { return len(w2.r.Owned()) == 3 }, "w2 leasing the shards")
			if err := m.create(ctx, "after"); err != nil {
				t.Fatal(err)
			}
			e.waitCaughtUp(10 * time.Second)
			if n := counterSum(w2.r.m.LossesDetected, "", ""); n != 0 {
				t.Errorf("w2 counted %v losses on a shard whose unread records were only its predecessor's own writes (notes %v)", n, e.lossesOf(LossTrimmed))
			}
			if notes := e.lossesOf(LossTrimmed); len(notes) != 0 {
				t.Errorf("trimmed losses noted: %v", notes)
			}
		})
	}
}

// TestFoundAndRepairedNote: a loss a sweep pass found and repaired in one
// go (stale) is noted as detected no later than it was repaired, even
// though it is noted after the pass ended (finding 6 of the review of
// issue 18: notes showed Repaired earlier than First).
func TestFoundAndRepairedNote(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{})
	finished := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	r := NewRunner(e.db, e.st, e.table, NewApplier(e.db, e.table, e.codec), RunnerOptions{WorkerID: "w", Now: func() time.Time { return finished.Add(3 * time.Second) }})
	r.lossDetected(context.Background(), Loss{Kind: LossStale, Where: "sweep", Repaired: finished, Detail: "found"}, false)
	l, ok := e.lossesOf(LossStale)["sweep"]
	if !ok {
		t.Fatal("no note")
	}
	if l.Repaired.Before(l.First) || l.Repaired.Before(l.Last) || !l.Repaired.Equal(finished) {
		t.Errorf("note detected %v–%v, repaired %v; want repaired at the pass's end %v, not before its detection", l.First, l.Last, l.Repaired, finished)
	}
}
