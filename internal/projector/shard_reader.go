package projector

// One shard's processor: it reads its shard from the checkpoint, waits
// for records when there are none, checkpoints what it handled and
// finishes the shard at its end.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
)

// errLeaseExpired means this worker could not renew its lease in time and
// stopped writing on its own (self-fencing); the fence protects the
// checkpoint regardless.
var errLeaseExpired = errors.New("projector: lease expired locally")

// process reads one leased shard from its checkpoint until the shard ends,
// the lease is lost or released, or ctx is done.
func (r *Runner) process(ctx context.Context, arn string, s *shardRun) {
	shard := s.shard.ID
	p := &shardProc{r: r, s: s, arn: arn, shard: shard}
	l := s.getLease()
	p.pos, p.posAt = l.Checkpoint, l.CheckAt
	s.handled(l.Checkpoint, l.CheckAt)
	s.checkpointed(l.Checkpoint)
	p.mustCheckpoint = l.Checkpoint == ""
	err := p.loop(ctx)
	s.mu.Lock()
	lost, stopping := s.lost, s.stopping
	s.mu.Unlock()
	switch {
	case errors.Is(err, errShardDone):
		r.opts.Logger.Info("shard finished", slog.String("shard", shard))
		return
	case errors.Is(err, ErrLeaseLost):
		r.lost(s, "checkpoint")
		return
	case lost:
		return
	}
	if errors.Is(err, errLeaseExpired) {
		r.m.LeaseEvents.WithLabelValues("expired").Inc()
		r.opts.Logger.Warn("could not renew a shard lease in time; stopped the shard", slog.String("shard", shard))
		return
	}
	// Graceful: stopping for balance, or shutting down. Store how far
	// the shard was read (what followed the last checkpoint may be only
	// the projector's own writes: a successor need not read them again,
	// and they must not look lost once retention trims them), then hand
	// the shard over at once instead of letting the lease expire.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if _, _, ahead := s.position(); ahead {
		if cerr := p.checkpoint(rctx, false); cerr != nil {
			r.opts.Logger.Warn("storing the last position read before releasing failed", slog.String("shard", shard), slog.Any("error", cerr))
		}
	}
	if rerr := r.leases.release(rctx, s.getLease(), r.opts.WorkerID); rerr == nil {
		r.m.LeaseEvents.WithLabelValues("released").Inc()
	}
	if stopping {
		r.opts.Logger.Info("released shard", slog.String("shard", shard))
	}
}

var errShardDone = errors.New("shard done")

// shardProc is the state of one shard's processor.
type shardProc struct {
	r     *Runner
	s     *shardRun
	arn   string
	shard string
	pos   string    // last record handled (in memory; ≥ the checkpoint)
	posAt time.Time // its creation time
	// mustCheckpoint: the next batch read is checkpointed whatever it
	// holds (see loop).
	mustCheckpoint bool
	// horizon: a trim from the shard's start was noted; until a record
	// is read, re-reading from the start means the trim horizon (the
	// same trim is not noted again).
	horizon bool
}

// log is the runner's logger with this shard's id.
func (p *shardProc) log() *slog.Logger { return p.r.opts.Logger.With(slog.String("shard", p.shard)) }
func (p *shardProc) loop(ctx context.Context) error {
	r := p.r
	iter, err := p.iterator(ctx)
	if err != nil {
		return err
	}
	failures := 0
	w := &waiter{notifier: r.opts.Notifier, arn: p.arn, shard: p.shard, pace: pacer{min: r.opts.PollInterval, max: r.opts.MaxPollInterval}}
	for {
		select {
		case <-p.s.stop:
			return nil
		default:
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !p.s.valid(r.opts.Now()) {
			return errLeaseExpired
		}
		if err := w.beforeRead(); err != nil && !w.notifyFailed {
			w.notifyFailed = true
			p.log().Warn("stream notifications unavailable; polling", slog.Any("error", err))
		}
		res, err := r.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(int32(r.opts.BatchSize))})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failures++
			switch {
			case isExpiredIterator(err):
				r.m.StreamErrors.WithLabelValues(p.shard, "expired").Inc()
				p.log().Info("iterator expired; re-acquiring", slog.String("after", seqOrStart(p.pos)))
			case isTrimmed(err):
				r.m.StreamErrors.WithLabelValues(p.shard, "trimmed").Inc()
				p.trimmed(ctx)
				p.pos, p.horizon, p.mustCheckpoint = "", true, true
			case isShardGone(err):
				r.m.StreamErrors.WithLabelValues(p.shard, "gone").Inc()
				return p.vanished(ctx)
			case isThrottled(err):
				r.m.StreamErrors.WithLabelValues(p.shard, "throttled").Inc()
				if err := r.opts.retry().Sleep(ctx, failures-1); err != nil {
					return err
				}
				continue // the iterator is still good
			default:
				r.m.StreamErrors.WithLabelValues(p.shard, "other").Inc()
				p.log().Warn("reading the shard failed; retrying", slog.Any("error", err))
				if err := r.opts.retry().Sleep(ctx, failures-1); err != nil {
					return err
				}
			}
			if iter, err = p.iterator(ctx); err != nil {
				return err
			}
			continue
		}
		failures = 0
		now := r.opts.Now()
		if n := len(res.Records); n > 0 {
			r.m.RecordsRead.WithLabelValues(p.shard).Add(float64(n))
			if at := recordTime(res.Records[n-1]); !at.IsZero() {
				r.m.IteratorAge.WithLabelValues(p.shard).Set(max(0, now.Sub(at).Seconds()))
			}
			heads, err := p.batch(ctx, res.Records)
			if err != nil {
				return err // cancelled or lease gone: no checkpoint
			}
			last := res.Records[n-1]
			p.pos = aws.ToString(last.Dynamodb.SequenceNumber)
			if at := recordTime(last); !at.IsZero() {
				p.posAt = at
			}
			p.s.handled(p.pos, p.posAt)
			// Checkpoint after applying head records. A batch of the
			// projector's own writes alone (read items, markers, leases:
			// they come back through the stream) is stored by the next
			// lease renewal instead (renewLeases), which costs no write
			// and feeds no loop. A shard without a checkpoint, or whose
			// trim was just noted, is checkpointed at once: a restart
			// resumes after what was read instead of finding the same
			// trim again.
			if (heads > 0 || p.mustCheckpoint) && res.NextShardIterator != nil {
				if err := p.checkpoint(ctx, false); err != nil {
					return err
				}
				p.mustCheckpoint = false
			}
		} else {
			r.m.IteratorAge.WithLabelValues(p.shard).Set(0)
			r.m.Lag.WithLabelValues(p.shard).Set(0)
		}
		if res.NextShardIterator == nil {
			return p.finish(ctx)
		}
		iter = res.NextShardIterator
		if err := w.afterRead(ctx, p.s.stop, len(res.Records)); err != nil {
			if errors.Is(err, errStopWaiting) {
				return nil
			}
			return err
		}
	}
}
func seqOrStart(seq string) string {
	if seq == "" {
		return "the trim horizon"
	}
	return seq
}

// iterator returns an iterator after p.pos, retrying transient failures.
func (p *shardProc) iterator(ctx context.Context) (*string, error) {
	for attempt := 0; ; attempt++ {
		sh := p.s.shard
		if p.horizon && p.pos == "" {
			sh = Shard{ID: sh.ID}
		}
		it, trimmed, err := iterator(ctx, p.r.streams, p.arn, sh, p.pos)
		if err == nil {
			if trimmed {
				p.r.m.StreamErrors.WithLabelValues(p.shard, "trimmed").Inc()
				p.trimmed(ctx)
				p.pos, p.horizon, p.mustCheckpoint = "", true, true
			}
			return it, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if isShardGone(err) {
			return nil, p.vanished(ctx)
		}
		if !p.s.valid(p.r.opts.Now()) {
			return nil, errLeaseExpired
		}
		p.log().Warn("getting an iterator failed; retrying", slog.Any("error", err))
		if err := p.r.opts.retry().Sleep(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// trimmed reports that records after p.pos (or from the shard's start)
// were trimmed before they were read: the reader continues from the trim
// horizon, and a sweep pass repairs what the lost records carried.
func (p *shardProc) trimmed(ctx context.Context) {
	from := "after " + p.pos
	if p.pos == "" {
		from = "from the shard's start " + p.s.shard.Start
	}
	p.r.lossDetected(ctx, Loss{Kind: LossTrimmed, Where: p.shard, Detail: fmt.Sprintf("records %s were trimmed before they were read; reading on from the trim horizon", from)}, true)
}

// vanished handles a shard that left the stream while this worker read
// it: whatever was unread is lost (noted, and swept), and the shard is
// finished so that its children start.
func (p *shardProc) vanished(ctx context.Context) error {
	p.r.lossDetected(ctx, Loss{Kind: LossVanished, Where: p.shard, Detail: fmt.Sprintf("shard left the stream while it was read (at %s): its unread records were trimmed", seqOrStart(p.pos))}, true)
	return p.finish(ctx)
}

// checkpoint stores p.pos (done: and marks the shard finished).
func (p *shardProc) checkpoint(ctx context.Context, done bool) error {
	r := p.r
	for attempt := 0; ; attempt++ {
		if !p.s.valid(r.opts.Now()) {
			return errLeaseExpired
		}
		start := r.opts.Now()
		p.s.writeMu.Lock()
		_, err := r.leases.checkpoint(ctx, p.s.getLease(), r.opts.WorkerID, p.pos, p.posAt, done)
		if err == nil {
			p.s.checkpointed(p.pos)
		}
		p.s.writeMu.Unlock()
		if err == nil {
			p.s.renewed(start, r.opts.LeaseTimeout)
			r.m.Checkpoints.WithLabelValues(p.shard).Inc()
			return nil
		}
		if errors.Is(err, ErrLeaseLost) || ctx.Err() != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		p.log().Warn("checkpointing failed; retrying", slog.Any("error", err))
		if err := r.opts.retry().Sleep(ctx, attempt); err != nil {
			return err
		}
	}
}

// finish marks a closed (or vanished) shard done after everything in it
// was handled, so that its children may start.
func (p *shardProc) finish(ctx context.Context) error {
	if err := p.checkpoint(ctx, true); err != nil {
		return err
	}
	return errShardDone
}
