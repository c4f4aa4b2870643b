package table

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is an exponential retry schedule with jitter, for retrying
// DynamoDB calls: throttling, UnprocessedKeys, transaction conflicts,
// projector leases. Retry attempt 0 waits about Base, each later attempt
// twice as long as the one before, up to Max; every pause is spread by
// ±25% so that callers who failed together do not retry together.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

// Delay returns the pause before retry attempt (0-based). A zero Backoff
// returns 0.
func (b Backoff) Delay(attempt int) time.Duration {
	if b.Base <= 0 {
		return 0
	}
	d := b.Base << min(max(attempt, 0), 30)
	if d <= 0 || (b.Max > 0 && d > b.Max) {
		d = b.Max
	}
	if d <= 0 {
		return 0
	}
	return d - d/4 + time.Duration(rand.Int64N(int64(d)/2+1))
}

// Sleep waits Delay(attempt). It returns ctx.Err() if ctx is done first,
// and nil otherwise.
func (b Backoff) Sleep(ctx context.Context, attempt int) error {
	return SleepContext(ctx, b.Delay(attempt))
}

// SleepContext waits d, or returns ctx.Err() if ctx is done first; a
// non-positive d only checks ctx.
func SleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
