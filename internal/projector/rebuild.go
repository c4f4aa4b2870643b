package projector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// rebuildRetry is the pause schedule of rebuild's retried reads and
// writes: 50 ms doubling up to 2 s.
func rebuildRetry() table.Backoff {
	return table.Backoff{Base: 50 * time.Millisecond, Max: 2 * time.Second}
}

// IsReadModelItem reports whether it belongs to the read model that a
// rebuild reproduces and verify compares: read items and projection
// markers. The write side (event, head and idempotency items) and the
// projector's bookkeeping (leases, workers, blocks, parked events) are not.
func IsReadModelItem(it map[string]ddb.AttributeValue) bool {
	if table.IsProjectorPK(attrStr(it, table.AttrPK)) {
		return false
	}
	if attrStr(it, table.AttrSK) == markerSK {
		return true
	}
	switch attrStr(it, table.AttrType) {
	case table.TypeEvent, table.TypeHead, table.TypeIdempotency, table.TypeShardLease, table.TypeParkedEvent, table.TypeProjectorRun:
		return false
	}
	return true
}

// RebuildOptions configure Rebuild.
type RebuildOptions struct {
	// Source holds the event log.
	SourceDB    *dynamodb.Client
	SourceTable string
	// Target receives the read model: the source table itself (a live
	// rebuild) or another one (a fresh table, or verify's scratch table).
	TargetDB    *dynamodb.Client
	TargetTable string
	// Codec decodes events. Default: events.NewCodec().
	Codec *events.Codec
	// Purge deletes the target's read model (read items and markers)
	// before replaying. A live rebuild needs it: markers would otherwise
	// make every replayed event a duplicate, and items changed behind the
	// projector's back would survive. Stop the projector first.
	Purge bool
	// Scratch, when set, is an empty table the log is replayed into first
	// — typically in an in-memory embedded engine — whose read model is
	// then copied into the target with batched writes (BatchWriteItem, 25
	// items a request, in parallel); with Purge, the target's read items
	// the replay does not have are deleted after the copy, so a live
	// rebuild never shows an empty read model. Against a network endpoint
	// this is several times faster than replaying into the target one
	// transaction per aggregate (see BenchmarkRebuildHTTP), and on
	// DynamoDB half the write cost (a transactional write costs two
	// units). It needs memory for the whole read model.
	ScratchDB    *dynamodb.Client
	ScratchTable string
	// CatchUp neither purges nor replays everything: it repairs (from the
	// log) every aggregate whose marker is behind its head — the remedy
	// for stream records lost to retention. Target must be Source.
	CatchUp bool
	// Name is the projector whose loss notes a catch-up marks repaired
	// and whose blocked aggregates it leaves alone. Default "main".
	Name string
	// ReadRate bounds a catch-up's reads in read capacity units per
	// second. Default: unlimited.
	ReadRate float64
	// Segments is the number of parallel Scan segments. Default 8.
	Segments int
	// Workers is the number of aggregates applied at once. Default 16.
	Workers int
	// Progress, when set, is updated while the rebuild runs.
	Progress *RebuildProgress
	// Logger receives operational records (with attributes such as
	// shard, worker and error). Default: discarded.
	Logger *slog.Logger
}

// RebuildProgress counts a running rebuild's work; read it from another
// goroutine to show progress.
type RebuildProgress struct {
	Scanned    atomic.Int64 // items read by the log scan
	Events     atomic.Int64 // events applied (or found applied)
	Aggregates atomic.Int64
	Purged     atomic.Int64 // read-model items deleted
	Copied     atomic.Int64 // read-model items copied from the scratch table
	Failed     atomic.Int64 // aggregates that could not be rebuilt
}

// RebuildStats summarise a rebuild.
type RebuildStats struct {
	Scanned    int64
	Events     int64
	Aggregates int64
	Purged     int64
	Copied     int64 // read-model items copied from the scratch table
	Repaired   int64 // aggregates replayed through the log-repair path
	Duration   time.Duration
	Failures   []AggregateFailure // at most 100
	Failed     int64
}

// AggregateFailure is an aggregate a rebuild could not project.
type AggregateFailure struct {
	Partition string
	Err       error
}

// EventsPerSecond is the replay rate.
func (s RebuildStats) EventsPerSecond() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Events) / s.Duration.Seconds()
}

// Rebuild replays the event log into the read model: a parallel Scan of
// the event items (Segment/TotalSegments), grouped per aggregate — a
// partition's items are contiguous in a scan segment — and applied in
// version order with Applier.ApplyLog. Aggregates are applied
// concurrently, in whatever order the scan yields them: the read model
// does not depend on the order in which aggregates are projected (the
// guards, life-aware writes and purges by key of apply.go, "Deletes" and
// "Repository lives"), so it equals the live one. Aggregates that cannot
// be replayed (poison) are reported and skipped; the rest of the rebuild
// continues. It returns an error only if the rebuild could not run.
func Rebuild(ctx context.Context, opts RebuildOptions) (RebuildStats, error) {
	if opts.TargetDB == nil {
		opts.TargetDB, opts.TargetTable = opts.SourceDB, opts.SourceTable
	}
	if opts.Codec == nil {
		opts.Codec = events.NewCodec()
	}
	orDefault(&opts.Segments, 8)
	orDefault(&opts.Workers, 16)
	if opts.Progress == nil {
		opts.Progress = &RebuildProgress{}
	}
	if opts.Logger == nil {
		opts.Logger = discardLogger()
	}
	if opts.Name == "" {
		opts.Name = "main"
	}
	same := opts.TargetTable == opts.SourceTable && opts.TargetDB == opts.SourceDB
	if opts.CatchUp && !same {
		return RebuildStats{}, errors.New("projector: a catch-up repairs the source table itself")
	}
	rb := &rebuilder{opts: opts, applier: NewApplier(opts.TargetDB, opts.TargetTable, opts.Codec), same: same}
	start := time.Now()
	var err error
	switch {
	case opts.CatchUp:
		err = rb.catchUp(ctx)
	case opts.ScratchDB != nil:
		err = rb.viaScratch(ctx)
	default:
		if opts.Purge {
			if err = purgeReadModel(ctx, opts.TargetDB, opts.TargetTable, opts.Segments, opts.Progress); err != nil {
				break
			}
		}
		err = rb.replay(ctx)
	}
	p := opts.Progress
	st := RebuildStats{
		Scanned: p.Scanned.Load(), Events: p.Events.Load(), Aggregates: p.Aggregates.Load(), Purged: p.Purged.Load(), Copied: p.Copied.Load(),
		Failed: p.Failed.Load(), Repaired: rb.repaired.Load(), Duration: time.Since(start),
	}
	rb.mu.Lock()
	st.Failures = rb.failures
	rb.mu.Unlock()
	sort.Slice(st.Failures, func(i, j int) bool { return st.Failures[i].Partition < st.Failures[j].Partition })
	return st, err
}

type rebuilder struct {
	opts     RebuildOptions
	applier  *Applier
	same     bool
	repaired atomic.Int64
	sweep    SweepStats // the catch-up's pass

	mu       sync.Mutex
	failures []AggregateFailure
}

func (rb *rebuilder) fail(p string, err error) {
	rb.opts.Progress.Failed.Add(1)
	rb.opts.Logger.Warn("rebuild: aggregate failed", slog.String("partition", p), slog.Any("error", err))
	rb.mu.Lock()
	if len(rb.failures) < 100 {
		rb.failures = append(rb.failures, AggregateFailure{Partition: p, Err: err})
	}
	rb.mu.Unlock()
}

// logGroup is one aggregate's events as the scan found them.
type logGroup struct {
	partition string
	envs      []events.Envelope
	bad       error // an event item could not be decoded
}

// replay scans the source's event items and applies them per aggregate.
func (rb *rebuilder) replay(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	groups := make(chan logGroup, rb.opts.Workers*2)
	var scanErr error
	var scanOnce sync.Once
	var scanners sync.WaitGroup
	for seg := range rb.opts.Segments {
		scanners.Add(1)
		go func() {
			defer scanners.Done()
			if err := rb.scanSegment(ctx, seg, groups); err != nil {
				scanOnce.Do(func() { scanErr = err; cancel() })
			}
		}()
	}
	go func() { scanners.Wait(); close(groups) }()
	var workers sync.WaitGroup
	for range rb.opts.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			b := &txBatch{}
			for g := range groups {
				if ctx.Err() != nil {
					continue
				}
				if !rb.addToBatch(ctx, b, g) {
					rb.applyGroup(ctx, g)
				}
			}
			rb.flushBatch(ctx, b)
		}()
	}
	workers.Wait()
	if scanErr != nil {
		return scanErr
	}
	return ctx.Err()
}

// scanSegment reads one scan segment's event items and emits them per
// partition. Partitions are contiguous within a segment (items are stored
// per partition); a partition met again later is emitted again, and the
// apply step repairs such fragments from the log.
func (rb *rebuilder) scanSegment(ctx context.Context, seg int, out chan<- logGroup) error {
	pager := dynamodb.NewScanPaginator(rb.opts.SourceDB, &dynamodb.ScanInput{
		TableName:                 aws.String(rb.opts.SourceTable),
		Segment:                   aws.Int32(int32(seg)),
		TotalSegments:             aws.Int32(int32(rb.opts.Segments)),
		FilterExpression:          aws.String("#et = :ev"),
		ExpressionAttributeNames:  map[string]string{"#et": table.AttrType},
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":ev": sv(table.TypeEvent)},
		ConsistentRead:            aws.Bool(true),
	})
	var cur logGroup
	emit := func() error {
		if cur.partition == "" {
			return nil
		}
		select {
		case out <- cur:
		case <-ctx.Done():
			return ctx.Err()
		}
		cur = logGroup{}
		return nil
	}
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("projector: scanning the event log (segment %d): %w", seg, err)
		}
		rb.opts.Progress.Scanned.Add(int64(page.ScannedCount))
		for _, it := range page.Items {
			p := attrStr(it, table.AttrPK)
			if p != cur.partition {
				if err := emit(); err != nil {
					return err
				}
				cur.partition = p
			}
			env, err := events.DecodeEventItem(it)
			if err != nil {
				cur.bad = fmt.Errorf("%w: event %s: %v", ErrPoison, attrStr(it, table.AttrSK), err)
				continue
			}
			cur.envs = append(cur.envs, env)
		}
	}
	return emit()
}

// txBatch packs whole aggregates into one TransactWriteItems (see
// Applier.batchable): a rebuild of many small aggregates then costs a
// request per ~50 aggregates instead of one each — over a network the
// request, not the item, is what costs (BenchmarkRebuildHTTP).
type txBatch struct {
	groups []logGroup
	items  []ddb.TransactWriteItem
	keys   map[table.Key]bool
}

// addToBatch adds g to b when it can be applied in a shared transaction
// (flushing b first when g does not fit); it reports false when g must
// be applied on its own.
func (rb *rebuilder) addToBatch(ctx context.Context, b *txBatch, g logGroup) bool {
	if g.bad != nil || len(g.envs) == 0 || len(g.envs) > maxBatchEvents {
		return false
	}
	sort.Slice(g.envs, func(i, j int) bool { return g.envs[i].Version < g.envs[j].Version })
	for i, env := range g.envs {
		if env.Version != int64(i+1) {
			return false
		}
	}
	id, err := events.ParseID(g.envs[0].Kind, g.envs[0].Aggregate)
	if err != nil {
		return false
	}
	items, keys, ok := rb.applier.batchable(id, g.envs)
	if !ok {
		return false
	}
	clash := false
	for _, k := range keys {
		clash = clash || b.keys[k]
	}
	if clash || len(b.items)+len(items) > maxTxItems {
		rb.flushBatch(ctx, b)
	}
	if b.keys == nil {
		b.keys = map[table.Key]bool{}
	}
	for _, k := range keys {
		b.keys[k] = true
	}
	b.groups = append(b.groups, g)
	b.items = append(b.items, items...)
	return true
}

// flushBatch commits b's transaction. If it fails for any reason (a
// marker already there, a condition, a size limit), each aggregate is
// applied on its own instead, which sorts out duplicates and gaps.
func (rb *rebuilder) flushBatch(ctx context.Context, b *txBatch) {
	if len(b.groups) == 0 {
		return
	}
	groups, items := b.groups, b.items
	*b = txBatch{}
	err := withRetry(ctx, func() error {
		_, err := rb.opts.TargetDB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		return err
	})
	if err != nil {
		for _, g := range groups {
			rb.applyGroup(ctx, g)
		}
		return
	}
	for _, g := range groups {
		rb.opts.Progress.Aggregates.Add(1)
		rb.opts.Progress.Events.Add(int64(len(g.envs)))
	}
}

// maxBatchEvents bounds the log of an aggregate applied in a shared
// transaction; longer ones take the usual path.
const maxBatchEvents = 64

// applyGroup projects one aggregate's events into the target.
func (rb *rebuilder) applyGroup(ctx context.Context, g logGroup) {
	if g.bad != nil || len(g.envs) == 0 {
		if g.bad == nil {
			g.bad = errors.New("no events")
		}
		rb.fail(g.partition, g.bad)
		return
	}
	sort.Slice(g.envs, func(i, j int) bool { return g.envs[i].Version < g.envs[j].Version })
	id, err := events.ParseID(g.envs[0].Kind, g.envs[0].Aggregate)
	if err != nil {
		rb.fail(g.partition, fmt.Errorf("%w: %v", ErrPoison, err))
		return
	}
	rb.opts.Progress.Aggregates.Add(1)
	complete := true
	for i, env := range g.envs {
		if env.Version != int64(i+1) {
			complete = false
			break
		}
	}
	if complete {
		err = withRetry(ctx, func() error { return rb.applier.ApplyLog(ctx, id, nil, 0, g.envs) })
		if err == nil {
			rb.opts.Progress.Events.Add(int64(len(g.envs)))
			return
		}
		if errors.Is(err, ErrPoison) {
			rb.fail(g.partition, err)
			return
		}
		// The target's marker disagrees (a live projector applied some of
		// it meanwhile, or a fragment): fall back to the log.
	}
	upTo := g.envs[len(g.envs)-1].Version
	rb.repaired.Add(1)
	if err := withRetry(ctx, func() error { return rb.repair(ctx, id, table.Partition(g.partition), upTo) }); err != nil {
		rb.fail(g.partition, err)
		return
	}
	rb.opts.Progress.Events.Add(int64(len(g.envs)))
}

// repair brings id's read model in the target up to upTo from the source's
// log.
func (rb *rebuilder) repair(ctx context.Context, id entities.ID, p table.Partition, upTo int64) error {
	if rb.same {
		return rb.applier.Repair(ctx, id, upTo)
	}
	mk, err := rb.opts.TargetDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(rb.opts.TargetTable), Key: table.Key{PK: string(p), SK: markerSK}.AV(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	applied := attrInt(mk.Item, table.AttrVersion)
	if applied >= upTo {
		return nil
	}
	log, err := loadLog(ctx, rb.opts.SourceDB, rb.opts.SourceTable, p, upTo)
	if err != nil {
		return err
	}
	var state entities.State
	for _, env := range log[:min(int(applied), len(log))] {
		ev, err := rb.opts.Codec.Decode(env)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPoison, err)
		}
		if state, err = entities.Evolve(state, ev, env.At); err != nil {
			return fmt.Errorf("%w: %v", ErrPoison, err)
		}
	}
	return rb.applier.ApplyLog(ctx, id, state, applied, log[min(int(applied), len(log)):])
}

// withRetry retries f on transient failures.
func withRetry(ctx context.Context, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil || !isTransient(err) || attempt >= 8 || ctx.Err() != nil {
			return err
		}
		if err := rebuildRetry().Sleep(ctx, attempt); err != nil {
			return err
		}
	}
}

// catchUp repairs every aggregate whose marker is behind its head: one
// anti-entropy pass (Sweep) at full speed, everything committed before it
// started considered. Blocked aggregates are left to `projector dlq
// retry`. A pass without failures marks the projector's loss notes
// repaired.
func (rb *rebuilder) catchUp(ctx context.Context) error {
	blocked, _, err := NewDLQ(rb.opts.SourceDB, rb.opts.SourceTable, rb.opts.Name, nil).List(ctx)
	if err != nil {
		return err
	}
	isBlocked := map[string]bool{}
	for _, b := range blocked {
		isBlocked[b.Partition] = true
	}
	rate := rb.opts.ReadRate
	if rate == 0 {
		rate = -1
	}
	st, err := Sweep(ctx, SweepOptions{
		DB: rb.opts.SourceDB, Table: rb.opts.SourceTable, Applier: rb.applier, Segments: rb.opts.Segments, ReadRate: rate,
		Blocked: func(p string) bool { return isBlocked[p] }, Progress: rb.opts.Progress, Logger: rb.opts.Logger,
	})
	rb.repaired.Add(st.Repaired)
	rb.mu.Lock()
	rb.failures = append(rb.failures, st.Failures...)
	rb.mu.Unlock()
	rb.sweep = st
	if err != nil {
		return err
	}
	rb.opts.Logger.Info("catch-up done", slog.Int64("aggregates", st.Aggregates), slog.Int64("behind", st.Behind), slog.Int64("repaired", st.Repaired), slog.Int64("blocked", st.Blocked), slog.Int64("failed", st.Failed))
	if st.Failed > 0 {
		return nil
	}
	if err := recordPass(ctx, rb.opts.SourceDB, rb.opts.SourceTable, rb.opts.Name, st); err != nil {
		return err
	}
	_, err = markLossesRepaired(ctx, rb.opts.SourceDB, rb.opts.SourceTable, rb.opts.Name, st.Cutoff, time.Now())
	return err
}

// PrepareScratch creates a scratch table for Rebuild or Verify (the
// table's schema, as table.EnsureTable makes it) and turns its stream off:
// nobody reads a scratch table's stream, and staging its records costs
// the engine a sixth of a replay's time.
func PrepareScratch(ctx context.Context, db *dynamodb.Client, name string) error {
	if err := table.EnsureTable(ctx, db, name, time.Minute); err != nil {
		return err
	}
	_, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), StreamSpecification: &ddb.StreamSpecification{StreamEnabled: aws.Bool(false)}})
	if err != nil {
		return fmt.Errorf("projector: turning off the stream of scratch table %s: %w", name, err)
	}
	return nil
}

// viaScratch replays the log into the scratch table, copies the result
// into the target with batched writes and, with Purge, deletes the
// target's read items the replay does not have.
func (rb *rebuilder) viaScratch(ctx context.Context) error {
	o := rb.opts
	replay := &rebuilder{opts: o, applier: NewApplier(o.ScratchDB, o.ScratchTable, o.Codec)}
	replay.opts.TargetDB, replay.opts.TargetTable = o.ScratchDB, o.ScratchTable
	t0 := time.Now()
	err := replay.replay(ctx)
	o.Logger.Info("rebuild: log replayed into the scratch table", slog.Duration("took", time.Since(t0).Round(time.Millisecond)))
	t0 = time.Now()
	rb.repaired.Add(replay.repaired.Load())
	rb.mu.Lock()
	rb.failures = append(rb.failures, replay.failures...)
	rb.mu.Unlock()
	if err != nil {
		return err
	}
	var mu sync.Mutex
	keep := map[table.Key]struct{}{}
	err = parallelScan(ctx, o.ScratchDB, o.ScratchTable, o.Segments, &dynamodb.ScanInput{}, func(items []map[string]ddb.AttributeValue, _ int32) error {
		var puts []ddb.WriteRequest
		var keys []table.Key
		for _, it := range items {
			if IsReadModelItem(it) {
				puts = append(puts, ddb.WriteRequest{PutRequest: &ddb.PutRequest{Item: it}})
				keys = append(keys, itemKey(it))
			}
		}
		if err := batchWrite(ctx, o.TargetDB, o.TargetTable, puts); err != nil {
			return err
		}
		o.Progress.Copied.Add(int64(len(puts)))
		if o.Purge {
			mu.Lock()
			for _, k := range keys {
				keep[k] = struct{}{}
			}
			mu.Unlock()
		}
		return nil
	}, nil)
	o.Logger.Info("rebuild: read-model items copied", slog.Int64("items", o.Progress.Copied.Load()), slog.Duration("took", time.Since(t0).Round(time.Millisecond)))
	if err != nil || !o.Purge {
		return err
	}
	defer func(t0 time.Time) {
		o.Logger.Info("rebuild: stale read-model items deleted", slog.Int64("items", o.Progress.Purged.Load()), slog.Duration("took", time.Since(t0).Round(time.Millisecond)))
	}(time.Now())
	return parallelScan(ctx, o.TargetDB, o.TargetTable, o.Segments, &dynamodb.ScanInput{
		ProjectionExpression: aws.String("PK, SK, #et"),
	}, func(items []map[string]ddb.AttributeValue, _ int32) error {
		var dels []ddb.WriteRequest
		for _, it := range items {
			if !IsReadModelItem(it) {
				continue
			}
			k := itemKey(it)
			mu.Lock()
			_, ok := keep[k]
			mu.Unlock()
			if !ok {
				dels = append(dels, ddb.WriteRequest{DeleteRequest: &ddb.DeleteRequest{Key: k.AV()}})
			}
		}
		if err := batchWrite(ctx, o.TargetDB, o.TargetTable, dels); err != nil {
			return err
		}
		o.Progress.Purged.Add(int64(len(dels)))
		return nil
	}, map[string]string{"#et": table.AttrType})
}

// parallelScan scans tbl with segments in parallel, handing every page to
// f (concurrently). in's table and segment fields are set here.
func parallelScan(ctx context.Context, db *dynamodb.Client, tbl string, segments int, in *dynamodb.ScanInput, f func(items []map[string]ddb.AttributeValue, scanned int32) error, extraNames map[string]string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for seg := range segments {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sin := *in
			sin.TableName = aws.String(tbl)
			sin.Segment = aws.Int32(int32(seg))
			sin.TotalSegments = aws.Int32(int32(segments))
			sin.ConsistentRead = aws.Bool(true)
			if len(extraNames) > 0 {
				names := map[string]string{}
				for k, v := range in.ExpressionAttributeNames {
					names[k] = v
				}
				for k, v := range extraNames {
					names[k] = v
				}
				sin.ExpressionAttributeNames = names
			}
			pager := dynamodb.NewScanPaginator(db, &sin)
			for pager.HasMorePages() {
				page, err := pager.NextPage(ctx)
				if err == nil {
					err = f(page.Items, page.ScannedCount)
				}
				if err != nil {
					once.Do(func() { first = fmt.Errorf("projector: scanning %s: %w", tbl, err); cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// purgeReadModel deletes every read-model item (read items and markers)
// of tbl.
func purgeReadModel(ctx context.Context, db *dynamodb.Client, tbl string, segments int, progress *RebuildProgress) error {
	return parallelScan(ctx, db, tbl, segments, &dynamodb.ScanInput{
		ProjectionExpression: aws.String("PK, SK, #et"),
	}, func(items []map[string]ddb.AttributeValue, _ int32) error {
		var keys []map[string]ddb.AttributeValue
		for _, it := range items {
			if IsReadModelItem(it) {
				keys = append(keys, table.Key{PK: attrStr(it, table.AttrPK), SK: attrStr(it, table.AttrSK)}.AV())
			}
		}
		if err := batchDelete(ctx, db, tbl, keys); err != nil {
			return err
		}
		progress.Purged.Add(int64(len(keys)))
		return nil
	}, map[string]string{"#et": table.AttrType})
}

// batchDelete deletes keys with BatchWriteItem, retrying unprocessed ones.
func batchDelete(ctx context.Context, db *dynamodb.Client, tbl string, keys []map[string]ddb.AttributeValue) error {
	reqs := make([]ddb.WriteRequest, len(keys))
	for i, k := range keys {
		reqs[i] = ddb.WriteRequest{DeleteRequest: &ddb.DeleteRequest{Key: k}}
	}
	return batchWrite(ctx, db, tbl, reqs)
}

// batchWrite sends writes with BatchWriteItem, 25 a request, retrying
// unprocessed ones and transient failures with backoff.
func batchWrite(ctx context.Context, db *dynamodb.Client, tbl string, writes []ddb.WriteRequest) error {
	for start := 0; start < len(writes); start += 25 {
		reqs := writes[start:min(start+25, len(writes))]
		for attempt := 0; len(reqs) > 0; attempt++ {
			res, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddb.WriteRequest{tbl: reqs}})
			if err != nil {
				if !isTransient(err) || attempt >= 10 {
					return err
				}
			} else {
				reqs = res.UnprocessedItems[tbl]
				if len(reqs) == 0 {
					break
				}
			}
			if err := rebuildRetry().Sleep(ctx, attempt); err != nil {
				return err
			}
		}
	}
	return nil
}
