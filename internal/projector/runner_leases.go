package projector

// The leases of the shards a Runner holds: each shard's lease state, the
// periodic renewal that also stores its reader's position, and what
// happens when a lease is lost.

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"
)

// shardRun is a shard this worker holds and processes.
type shardRun struct {
	shard  Shard
	cancel context.CancelFunc
	stop   chan struct{} // closed: finish the current batch, checkpoint and release
	done   chan struct{} // closed when the processor returned

	mu        sync.Mutex
	lease     Lease
	validTill time.Time // local deadline of the lease (self-fencing)
	lastWrite time.Time // last successful renewal or checkpoint
	stopping  bool
	lost      bool
	// read is the last record the processor handled (and readAt its
	// creation time); stored the checkpoint in the lease. A renewal
	// stores read when it is ahead (see renewLeases).
	read, stored string
	readAt       time.Time

	// writeMu serialises the lease writes of the processor and of the
	// renewal loop, so that each writes the latest position handled and
	// the checkpoint never moves backwards.
	writeMu sync.Mutex
}

func (s *shardRun) valid(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.lost && now.Before(s.validTill)
}
func (s *shardRun) renewed(start time.Time, timeout time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastWrite = start
	s.validTill = start.Add(timeout - timeout/10)
}
func (s *shardRun) getLease() Lease {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lease
}

// handled publishes seq (created at at) as the last record handled.
func (s *shardRun) handled(seq string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read, s.readAt = seq, at
}

// position returns the last record handled, its creation time, and
// whether it is ahead of the checkpoint stored.
func (s *shardRun) position() (seq string, at time.Time, ahead bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.read, s.readAt, s.read != "" && s.read != s.stored
}

// checkpointed records that seq is the stored checkpoint.
func (s *shardRun) checkpointed(seq string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq != "" {
		s.stored = seq
	}
}
func (r *Runner) renewEvery() time.Duration { return r.opts.LeaseTimeout / 3 }

// renewLeases renews the leases not renewed (or checkpointed) within the
// last LeaseTimeout/3, and stops the processors of leases that were lost.
//
// A renewal of a shard whose processor handled records after the stored
// checkpoint stores it: those are the batches it does not checkpoint
// itself — the projector's own writes (read items, markers, lease and
// heartbeat writes), which come back through the stream, and which would
// feed a loop if each were checkpointed. Without it a shard carrying only
// those keeps an old checkpoint whose successors retention trims: status
// shows it TRIMMED and a restart or failover notes a loss that is none.
// The checkpoint write renews the lease as well, so it costs no write.
func (r *Runner) renewLeases(ctx context.Context) {
	runs := r.ownedRuns()
	for _, s := range runs {
		s.mu.Lock()
		due := !s.lost && r.opts.Now().Sub(s.lastWrite) >= r.renewEvery()
		l := s.lease
		s.mu.Unlock()
		if !due {
			continue
		}
		start := r.opts.Now()
		rctx, cancel := context.WithTimeout(ctx, r.renewEvery())
		s.writeMu.Lock()
		seq, at, ahead := s.position()
		var err error
		if ahead {
			_, err = r.leases.checkpoint(rctx, l, r.opts.WorkerID, seq, at, false)
		} else {
			_, err = r.leases.renew(rctx, l, r.opts.WorkerID)
		}
		if err == nil && ahead {
			s.checkpointed(seq)
		}
		s.writeMu.Unlock()
		cancel()
		switch {
		case err == nil:
			s.renewed(start, r.opts.LeaseTimeout)
			r.m.LeaseEvents.WithLabelValues("renewed").Inc()
			if ahead {
				r.m.Checkpoints.WithLabelValues(s.shard.ID).Inc()
			}
		case errors.Is(err, ErrLeaseLost):
			r.lost(s, "renewal")
		case ctx.Err() == nil:
			r.opts.Logger.Warn("renewing a shard lease failed", slog.String("shard", s.shard.ID), slog.Any("error", err))
		}
	}
}

// lost stops the processor of a lease that another worker took.
func (r *Runner) lost(s *shardRun, during string) {
	s.mu.Lock()
	already := s.lost
	s.lost = true
	s.mu.Unlock()
	if !already {
		r.m.LeaseEvents.WithLabelValues("lost").Inc()
		r.opts.Logger.Warn("lost a shard lease; stopping the shard", slog.String("shard", s.shard.ID), slog.String("during", during))
	}
	s.cancel()
}
func (r *Runner) refreshBlocked(ctx context.Context) {
	halted, parking, parked, err := r.blk.refresh(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.opts.Logger.Warn("reading blocked aggregates failed", slog.Any("error", err))
		}
		return
	}
	r.m.HaltedAggs.Set(float64(halted))
	r.m.ParkingAggs.Set(float64(parking))
	r.m.ParkedEvents.Set(float64(parked))
}

// ownedRuns returns the runs of the shards the worker owns now, so that
// they can be worked on without holding the runner's lock.
func (r *Runner) ownedRuns() []*shardRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Collect(maps.Values(r.owned))
}
