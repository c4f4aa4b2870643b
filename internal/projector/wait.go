package projector

import (
	"context"
	"errors"
	"time"
)

// How a shard reader waits for records (docs/projector.md, "Waiting for
// records: lag and cost").
//
// DynamoDB Streams has no push: a reader learns about new records only by
// calling GetRecords again. Polling every shard every few milliseconds
// keeps lag low but costs CPU (and, on DynamoDB, requests) for ever, even
// when nothing happens. So:
//
//   - In the process of the embedded engine, a StreamNotifier tells the
//     reader when a commit staged records in its shard: an idle reader
//     makes no calls at all, and a commit is read at once.
//   - Against a remote endpoint, the reader polls adaptively: at most one
//     GetRecords per PollInterval while records flow, backing off
//     exponentially to MaxPollInterval while the shard is idle.

// StreamNotifier wakes in-process stream readers when their shard may have
// new records, so that they need not poll. ddblocal.Engine implements it
// (internal/app wires it); a remote endpoint has none.
type StreamNotifier interface {
	// StreamActivity returns a channel that is closed when records may
	// have been committed to shardID of streamArn after the call (or the
	// shard closed). Readers take it before GetRecords and wait on it only
	// after a read that returned nothing, so no record is missed; spurious
	// wake-ups are allowed. An error means the reader polls this time.
	StreamActivity(streamArn, shardID string) (<-chan struct{}, error)
}

// notifiedRecheck is how long a notified reader sleeps at most without a
// wake-up. The notifier's promise does not need it; it bounds what a lost
// notification could cost, and a read a minute keeps the reader's iterator
// fresh (DynamoDB's expire after 15 minutes). Four shards cost four reads a
// minute.
const notifiedRecheck = time.Minute

// pacer spaces one shard's GetRecords calls when there is no notifier.
type pacer struct {
	min, max time.Duration
	idle     int // consecutive empty reads
}

// next returns how long after the start of the last call the next one may
// start, given whether the last call returned records: PollInterval while
// records flow (the call rate never exceeds 1/PollInterval), then
// PollInterval, 2×, 4×… up to MaxPollInterval while the shard stays idle.
func (p *pacer) next(records bool) time.Duration {
	if records {
		p.idle = 0
		return p.min
	}
	p.idle++
	d := p.min
	for i := 1; i < p.idle && d < p.max; i++ {
		d *= 2
	}
	return min(d, p.max)
}

// errStopWaiting: the reader was asked to stop while it waited.
var errStopWaiting = errors.New("projector: stop waiting")

// waiter is one shard reader's way of waiting between reads.
type waiter struct {
	notifier     StreamNotifier
	arn, shard   string
	pace         pacer
	woke         <-chan struct{} // taken before the current read (nil: poll)
	start        time.Time       // when the current read started
	notifyFailed bool            // StreamActivity failed once (logged)
}

// beforeRead is called just before each GetRecords: it takes the
// notification channel first, so that records committed while the read
// runs close it. It returns the error of a failing notifier (the reader
// then polls until it works again).
func (w *waiter) beforeRead() error {
	w.start = time.Now()
	w.woke = nil
	if w.notifier == nil {
		return nil
	}
	c, err := w.notifier.StreamActivity(w.arn, w.shard)
	if err != nil {
		return err
	}
	w.woke = c
	return nil
}

// afterRead waits after a read that returned n records, until the next read
// is due, ctx ends (its error) or stop is closed (errStopWaiting). With a
// notifier a reader that got records reads again at once, and an idle one
// sleeps until woken; without one, the pacer decides.
func (w *waiter) afterRead(ctx context.Context, stop <-chan struct{}, n int) error {
	var d time.Duration
	switch {
	case w.woke != nil && n > 0:
		return nil
	case w.woke != nil:
		d = notifiedRecheck
	default:
		d = w.pace.next(n > 0) - time.Since(w.start)
		if d <= 0 {
			return nil
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return errStopWaiting
	case <-w.woke: // nil when polling: never ready
	case <-t.C:
	}
	return nil
}
