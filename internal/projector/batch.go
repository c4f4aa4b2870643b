package projector

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// BatchOptions configure a BatchApplier. Zero fields take the documented
// defaults, which are the Runner's.
type BatchOptions struct {
	// Name is the projector whose block and DLQ items poison events go to
	// (PROJECTOR#{Name}), so that `projector status` and `projector dlq`
	// show them. Default "main".
	Name string
	// WorkerID is recorded on block and DLQ items. Default "batch".
	WorkerID string
	// Park moves poison events to the DLQ instead of only halting their
	// aggregate (RunnerOptions.Park).
	Park bool
	// Concurrency bounds how many aggregates of one batch are applied at
	// once. Default 8.
	Concurrency int
	// MaxAttempts and PoisonAttempts are RunnerOptions'. Defaults 5 and 2.
	MaxAttempts    int
	PoisonAttempts int
	// TransientAttempts bounds how often an append failing with a
	// transient error (throttling, network, 5xx, an outage) is tried before
	// ApplyRecords gives up on it and reports it unhandled, to be
	// delivered again. Default 0: until ctx is done (a Lambda bounds ctx
	// by its deadline).
	TransientAttempts int
	// RetryBase is the first retry pause; pauses double up to 5 s.
	// Default 100 ms.
	RetryBase time.Duration
	// RefreshEvery is how old the cached set of blocked aggregates may
	// grow before ApplyRecords reloads it (one Query). Default 10 s.
	RefreshEvery time.Duration
	// OnApplied, when set, is called after each head record's events were
	// applied.
	OnApplied func(Applied)
	// Logger receives operational records (with attributes such as
	// shard, worker and error). Default: discarded.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// BatchApplier applies batches of stream records that something other
// than a Runner reads from the stream — the AWS Lambda event source
// mapping — on the Runner's own path: the same decoding of head records,
// the same per-aggregate order and coalescing (applyGroup), the same
// exactly-once Applier and the same poison handling (halt or park, with
// later records of a blocked aggregate held). It keeps no checkpoints or
// leases: the deliverer does, and ApplyRecords tells it where to resume.
// It is safe for concurrent use.
type BatchApplier struct {
	applier *Applier
	blk     *blocker
	opts    BatchOptions

	mu          sync.Mutex
	refreshedAt time.Time
}

// NewBatchApplier returns a BatchApplier writing read items and projector
// bookkeeping into tableName through applier.
func NewBatchApplier(db *dynamodb.Client, tableName string, applier *Applier, opts BatchOptions) *BatchApplier {
	if opts.Name == "" {
		opts.Name = "main"
	}
	if opts.WorkerID == "" {
		opts.WorkerID = "batch"
	}
	orDefault(&opts.Concurrency, 8)
	orDefault(&opts.MaxAttempts, 5)
	orDefault(&opts.PoisonAttempts, 2)
	orDefault(&opts.RetryBase, 100*time.Millisecond)
	orDefault(&opts.RefreshEvery, 10*time.Second)
	if opts.Logger == nil {
		opts.Logger = discardLogger()
	}
	opts.Logger = opts.Logger.With(slog.String("worker", opts.WorkerID), slog.String("table", tableName))
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &BatchApplier{
		applier: applier,
		blk:     &blocker{db: db, table: tableName, name: opts.Name, worker: opts.WorkerID, park: opts.Park, now: opts.Now, set: map[string]bool{}},
		opts:    opts,
	}
}

// BatchResult is the outcome of ApplyRecords.
type BatchResult struct {
	// Handled is the number of leading records that were handled:
	// applied, blocked, held, or not head records. When it is less than
	// the batch's length, recs[Handled] is the first record that was not
	// (Err says why), and the deliverer must deliver recs[Handled:] again;
	// records after it that were applied are no-ops the second time.
	Handled int
	Err     error
	// Heads counts head records; Events the events applied; Poisoned the
	// records that blocked their aggregate; Held those held behind a
	// block.
	Heads, Events, Poisoned, Held int
}

// ApplyRecords applies recs, one shard's records in stream order. Each
// aggregate's records are applied in order, aggregates in parallel. A
// record that cannot be handled before ctx ends (or, with
// TransientAttempts, after that many transient failures) stops its
// aggregate there; the result says which record that is. It never returns
// with an aggregate's later record applied before an earlier one.
func (b *BatchApplier) ApplyRecords(ctx context.Context, shard string, recs []streams.Record) BatchResult {
	b.maybeRefresh(ctx)
	var order []string
	groups := map[string][]*headRecord{}
	index := map[*headRecord]int{}
	res := BatchResult{Handled: len(recs)}
	for i, rec := range recs {
		h := decodeRecord(rec)
		if h == nil {
			continue
		}
		res.Heads++
		index[h] = i
		if _, ok := groups[h.partition]; !ok {
			order = append(order, h.partition)
		}
		groups[h.partition] = append(groups[h.partition], h)
	}
	sink := &batchSink{b: b, shard: shard}
	var mu sync.Mutex
	sem := make(chan struct{}, b.opts.Concurrency)
	var wg sync.WaitGroup
	for _, p := range order {
		g := groups[p]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			n, err := applyGroup(ctx, sink, g)
			if err == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if at := index[g[n]]; at < res.Handled {
				res.Handled, res.Err = at, err
			}
		}()
	}
	wg.Wait()
	res.Events = int(sink.events.Load())
	res.Poisoned = int(sink.poisoned.Load())
	res.Held = int(sink.held.Load())
	return res
}

// maybeRefresh reloads the blocked set when it is older than RefreshEvery.
// A failure is logged and the cache kept: the block items decide anyway
// (an append of a blocked aggregate that is not known to be blocked fails
// behind its marker, is repaired from the log, meets the poison event
// again and is then held).
func (b *BatchApplier) maybeRefresh(ctx context.Context) {
	now := b.opts.Now()
	b.mu.Lock()
	due := b.refreshedAt.IsZero() || now.Sub(b.refreshedAt) >= b.opts.RefreshEvery
	b.mu.Unlock()
	if !due {
		return
	}
	if _, _, _, err := b.blk.refresh(ctx); err != nil {
		b.opts.Logger.Warn("reading blocked aggregates failed", slog.Any("error", err))
		return
	}
	b.mu.Lock()
	b.refreshedAt = now
	b.mu.Unlock()
}

func (o BatchOptions) retryPause(ctx context.Context, attempt int) error {
	return RunnerOptions{RetryBase: o.RetryBase}.retry().Sleep(ctx, attempt)
}

// batchSink is a BatchApplier's recordSink for one batch.
type batchSink struct {
	b     *BatchApplier
	shard string

	events, poisoned, held atomic.Int64
}

// log is the applier's logger with this batch's shard.
func (s *batchSink) log() *slog.Logger { return s.b.opts.Logger.With(slog.String("shard", s.shard)) }

func (s *batchSink) blocked(partition string) bool { return s.b.blk.blocked(partition) }

// apply applies a with the Runner's retry rules (shardProc.apply), except
// that transient failures end after TransientAttempts when it is set.
func (s *batchSink) apply(ctx context.Context, a Append) error {
	o := s.b.opts
	poisonTries, otherTries, transientTries := 0, 0, 0
	for attempt := 0; ; attempt++ {
		err := s.b.applier.Apply(ctx, a)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch {
		case errors.Is(err, ErrPoison):
			poisonTries++
		case isTransient(err):
			transientTries++
		default:
			otherTries++
		}
		if poisonTries >= o.PoisonAttempts || otherTries >= o.MaxAttempts {
			return poisonous{err}
		}
		if o.TransientAttempts > 0 && transientTries >= o.TransientAttempts {
			return err
		}
		logRetry(s.log(), a, attempt, err)
		if err := o.retryPause(ctx, attempt); err != nil {
			return err
		}
	}
}

func (s *batchSink) poison(ctx context.Context, h *headRecord, cause error) error {
	_, cause = logPoison(s.log(), s.b.opts.Park, h, cause)
	if err := s.retryWrite(ctx, func() error { return s.b.blk.block(ctx, h, cause, s.shard) }); err != nil {
		return err
	}
	s.poisoned.Add(1)
	return nil
}

func (s *batchSink) hold(ctx context.Context, h *headRecord) (bool, error) {
	var lifted bool
	err := s.retryWrite(ctx, func() error {
		var e error
		lifted, e = s.b.blk.hold(ctx, h, s.shard)
		return e
	})
	if err == nil && !lifted {
		s.held.Add(1)
	}
	return lifted, err
}

// retryWrite runs a bookkeeping write until it succeeds or ctx ends (then
// it returns ctx's error: the record is not handled).
func (s *batchSink) retryWrite(ctx context.Context, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log().Warn("recording a poison event failed; retrying", slog.Any("error", err))
		if err := s.b.opts.retryPause(ctx, attempt); err != nil {
			return err
		}
	}
}

func (s *batchSink) applied(recs []*headRecord) {
	for _, h := range recs {
		s.events.Add(int64(len(h.app.Events)))
		if s.b.opts.OnApplied != nil {
			s.b.opts.OnApplied(Applied{Shard: s.shard, ID: h.id, First: h.first(), Last: h.last(), Created: h.created})
		}
	}
}
