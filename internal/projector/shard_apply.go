package projector

// How a shard's processor applies a batch of stream records: grouped by
// aggregate, applied in parallel across aggregates and in order within
// one, retried while the failure is transient, and poison blocked.

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// batch applies the head records of one GetRecords page: aggregates in
// parallel (bounded), each aggregate's records in order. It returns the
// number of head records handled (applied, held or blocked) and an error
// only when the batch could not be completed (cancellation, lost lease):
// the caller must not checkpoint then.
func (p *shardProc) batch(ctx context.Context, recs []streams.Record) (int, error) {
	start := time.Now()
	var order []string
	groups := map[string][]*headRecord{}
	heads := 0
	for _, rec := range recs {
		if isHeadRecord(rec) {
			// Handled even when it carries no events: the checkpoint must
			// move past it, or status would count it pending for ever.
			heads++
		}
		h := decodeRecord(rec)
		if h == nil {
			continue
		}
		if _, ok := groups[h.partition]; !ok {
			order = append(order, h.partition)
		}
		groups[h.partition] = append(groups[h.partition], h)
	}
	if len(order) == 0 {
		return heads, nil
	}
	var lastCreated time.Time
	for _, g := range groups {
		if c := g[len(g)-1].created; c.After(lastCreated) {
			lastCreated = c
		}
	}
	if len(order) == 1 {
		if err := p.group(ctx, groups[order[0]]); err != nil {
			return 0, err
		}
	} else {
		gctx, cancel := context.WithCancel(ctx)
		defer cancel()
		sem := make(chan struct{}, p.r.opts.Concurrency)
		var wg sync.WaitGroup
		var once sync.Once
		var firstErr error
		for _, key := range order {
			sem <- struct{}{}
			if gctx.Err() != nil {
				<-sem
				break
			}
			wg.Add(1)
			go func(g []*headRecord) {
				defer wg.Done()
				defer func() { <-sem }()
				if err := p.group(gctx, g); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}(groups[key])
		}
		wg.Wait()
		if firstErr != nil {
			return 0, firstErr
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
	}
	now := p.r.opts.Now()
	if !lastCreated.IsZero() {
		p.r.m.Lag.WithLabelValues(p.shard).Set(max(0, now.Sub(lastCreated).Seconds()))
	}
	p.r.m.BatchDuration.Observe(time.Since(start).Seconds())
	return heads, nil
}

// group applies one aggregate's records of a batch in order (applyGroup,
// the path BatchApplier shares).
func (p *shardProc) group(ctx context.Context, recs []*headRecord) error {
	_, err := applyGroup(ctx, p, recs)
	return err
}
func (p *shardProc) applied(recs []*headRecord) {
	n := 0
	now := p.r.opts.Now()
	for _, h := range recs {
		n += len(h.app.Events)
		if !h.created.IsZero() {
			p.r.m.ApplyLag.Observe(max(0, now.Sub(h.created).Seconds()))
		}
		if p.r.opts.OnApplied != nil {
			p.r.opts.OnApplied(Applied{Shard: p.shard, ID: h.id, First: h.first(), Last: h.last(), Created: h.created})
		}
	}
	p.r.m.EventsApplied.WithLabelValues(p.shard).Add(float64(n))
}

// poisonous wraps the final error of an append that will not apply.
type poisonous struct{ err error }

func (e poisonous) Error() string { return e.err.Error() }
func (e poisonous) Unwrap() error { return e.err }
func isPoisonous(err error) bool {
	var p poisonous
	return errors.As(err, &p)
}

// logRetry warns that applying a's events failed with err and will be
// retried: on the first failure and every tenth after it, so that a long
// outage is visible without flooding the log.
func logRetry(log *slog.Logger, a Append, attempt int, err error) {
	if attempt == 0 || attempt%10 == 0 {
		log.Warn("applying failed; retrying", slog.String("aggregate", a.ID.String()), slog.Int64("first", a.Events[0].Version), slog.Int64("last", a.Events[len(a.Events)-1].Version), slog.Any("error", err))
	}
}

// logPoison logs that h cannot be applied because of cause, and returns
// how its aggregate is blocked (ModePark when park, else ModeHalt) and
// the cause to record, unwrapped from poisonous.
func logPoison(log *slog.Logger, park bool, h *headRecord, cause error) (mode string, why error) {
	mode = ModeHalt
	if park {
		mode = ModePark
	}
	var pe poisonous
	if errors.As(cause, &pe) {
		cause = pe.err
	}
	log.Error("POISON: an append cannot be applied; other aggregates continue", slog.String("partition", h.partition), slog.Int64("first", h.first()), slog.Int64("last", h.last()),
		slog.String("kind", string(h.kind)), slog.String("mode", mode), slog.Any("error", cause))
	return mode, cause
}

// apply applies a, retrying: transient failures without limit (an outage
// must not block aggregates), ErrPoison PoisonAttempts times, other
// failures MaxAttempts times. The final error of an append that will not
// apply is a poisonous; others are cancellation and lease loss.
func (p *shardProc) apply(ctx context.Context, a Append) error {
	r := p.r
	poisonTries, otherTries := 0, 0
	for attempt := 0; ; attempt++ {
		if !p.s.valid(r.opts.Now()) {
			return errLeaseExpired
		}
		gap, err := r.applier.apply(ctx, a)
		if err == nil {
			if gap != nil {
				// The Applier repaired this aggregate from the log; the
				// records that were skipped may have carried other
				// aggregates' appends, which only a sweep finds.
				r.lossDetected(ctx, Loss{Kind: LossGap, Where: p.shard, Detail: gap.String()}, true)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		class := "other"
		switch {
		case errors.Is(err, ErrPoison):
			class = "poison"
			poisonTries++
		case isTransient(err):
			class = "transient"
		default:
			otherTries++
		}
		r.m.ApplyErrors.WithLabelValues(p.shard, class).Inc()
		if poisonTries >= r.opts.PoisonAttempts || otherTries >= r.opts.MaxAttempts {
			return poisonous{err}
		}
		logRetry(p.log(), a, attempt, err)
		if err := r.opts.retry().Sleep(ctx, attempt); err != nil {
			return err
		}
	}
}

// poison blocks h's aggregate (halting it, or parking h) because of cause.
func (p *shardProc) poison(ctx context.Context, h *headRecord, cause error) error {
	mode, cause := logPoison(p.log(), p.r.opts.Park, h, cause)
	p.r.m.Poison.WithLabelValues(p.shard, mode).Inc()
	return p.retryWrite(ctx, func() error { return p.r.blk.block(ctx, h, cause, p.shard) })
}

// hold records h as held behind its aggregate's block; lifted reports that
// the block is gone and h must be applied.
func (p *shardProc) hold(ctx context.Context, h *headRecord) (lifted bool, err error) {
	err = p.retryWrite(ctx, func() error {
		var e error
		lifted, e = p.r.blk.hold(ctx, h, p.shard)
		return e
	})
	if err == nil && !lifted {
		p.r.m.Held.WithLabelValues(p.shard).Inc()
	}
	return lifted, err
}

// retryWrite runs a bookkeeping write until it succeeds or ctx ends.
func (p *shardProc) retryWrite(ctx context.Context, f func() error) error {
	for attempt := 0; ; attempt++ {
		if !p.s.valid(p.r.opts.Now()) {
			return errLeaseExpired
		}
		err := f()
		if err == nil || ctx.Err() != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return nil
		}
		p.log().Warn("recording a poison event failed; retrying", slog.Any("error", err))
		if err := p.r.opts.retry().Sleep(ctx, attempt); err != nil {
			return err
		}
	}
}
