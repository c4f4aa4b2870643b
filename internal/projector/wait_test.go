package projector

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

func TestPacer(t *testing.T) {
	const ms = time.Millisecond
	cases := []struct {
		name     string
		min, max time.Duration
		reads    []bool // whether each read returned records
		want     []time.Duration
	}{
		{"records flowing: one read per PollInterval", 200 * ms, time.Second,
			[]bool{true, true, true}, []time.Duration{200 * ms, 200 * ms, 200 * ms}},
		{"idle: doubling up to the bound", 200 * ms, time.Second,
			[]bool{false, false, false, false, false}, []time.Duration{200 * ms, 400 * ms, 800 * ms, time.Second, time.Second}},
		{"records reset the back-off", 200 * ms, time.Second,
			[]bool{false, false, false, true, false}, []time.Duration{200 * ms, 400 * ms, 800 * ms, 200 * ms, 200 * ms}},
		{"bound equal to the interval: constant", 100 * ms, 100 * ms,
			[]bool{false, false, true, false}, []time.Duration{100 * ms, 100 * ms, 100 * ms, 100 * ms}},
		{"long idle does not overflow", ms, time.Second,
			make([]bool, 200), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := pacer{min: tc.min, max: tc.max}
			for i, records := range tc.reads {
				got := p.next(records)
				if tc.want != nil && got != tc.want[i] {
					t.Fatalf("read %d (records %v): next after %v, want %v", i, records, got, tc.want[i])
				}
				if got < tc.min || got > tc.max {
					t.Fatalf("read %d: next after %v, outside [%v, %v]", i, got, tc.min, tc.max)
				}
			}
		})
	}
}

// manualNotifier is a StreamNotifier driven by the test alone: its channel
// closes only when the test says it committed records, never for the
// projector's own writes, lease renewals or anything else the engine
// commits. Nothing but the reader's own logic can then bring the test's
// records in.
type manualNotifier struct {
	mu    sync.Mutex
	ch    chan struct{}
	taken chan struct{} // a token per StreamActivity call (lossy)
}

func newManualNotifier() *manualNotifier {
	return &manualNotifier{ch: make(chan struct{}), taken: make(chan struct{}, 1)}
}

func (n *manualNotifier) StreamActivity(_, _ string) (<-chan struct{}, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	select {
	case n.taken <- struct{}{}:
	default:
	}
	return n.ch, nil
}

// notify wakes every reader that took the channel.
func (n *manualNotifier) notify() {
	n.mu.Lock()
	defer n.mu.Unlock()
	close(n.ch)
	n.ch = make(chan struct{})
}

// appliedCounter counts applied events and lets a test wait for a total.
type appliedCounter struct {
	mu   sync.Mutex
	n    int64
	more chan struct{} // closed and replaced on every change
}

func newAppliedCounter() *appliedCounter { return &appliedCounter{more: make(chan struct{})} }

func (c *appliedCounter) onApplied(a Applied) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += a.Last - a.First + 1
	close(c.more)
	c.more = make(chan struct{})
}

func (c *appliedCounter) get() (int64, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.more
}

// wait waits until want events were applied; deadline only bounds a
// failure (a reader that missed its records sleeps for notifiedRecheck,
// far longer).
func (c *appliedCounter) wait(t *testing.T, want int64, deadline time.Duration, what string) {
	t.Helper()
	timeout := time.After(deadline)
	for {
		n, more := c.get()
		if n >= want {
			if n > want {
				t.Fatalf("%s: %d events applied, want %d", what, n, want)
			}
			return
		}
		select {
		case <-more:
		case <-timeout:
			t.Fatalf("%s: %d of %d events applied within %v: the reader missed records", what, n, want, deadline)
		}
	}
}

// TestNotifiedReaderMissesNothing: a reader woken by a notifier instead of
// polling. A burst of appends is committed, and the readers notified,
// while the reader is between wake-ups — after it read the shard and found
// nothing, before it waits — and it must apply all of it, one record per
// read (BatchSize 1, so it must keep reading without a wake-up per
// record). Then spurious wake-ups (no commit) must change nothing: no
// event applied twice, no checkpoint written, and the next append applied
// once.
func TestNotifiedReaderMissesNothing(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 1})
	n := newManualNotifier()
	marks := newMarkerLog()
	applied := newAppliedCounter()
	w := e.startWorker(RunnerOptions{Notifier: n, BatchSize: 1, LeaseTimeout: 3 * time.Second, OnApplied: applied.onApplied}, marks, nil)
	eventually(t, 10*time.Second, func() bool { return len(w.r.Owned()) == 1 }, "the worker owning the shard")
	m := newMutator(e, 19)
	ctx := context.Background()

	if err := m.create(ctx, "first"); err != nil {
		t.Fatal(err)
	}
	n.notify()
	applied.wait(t, 1, 20*time.Second, "the first append")

	// The burst: committed from inside the reader's next empty read, after
	// the engine answered and before the reader sees the answer.
	const burst = 30
	var once sync.Once
	injected := make(chan error, 1)
	w.reads.set(func(records int) {
		if records > 0 {
			return
		}
		once.Do(func() {
			defer w.reads.set(nil)
			for i := range burst {
				var err error
				if i%3 == 2 {
					err = m.update(ctx, "first")
				} else {
					err = m.create(ctx, fmt.Sprintf("burst%02d", i))
				}
				if err != nil {
					injected <- err
					return
				}
			}
			n.notify()
			injected <- nil
		})
	})
	n.notify() // the reader is idle by now: wake it for that read
	select {
	case err := <-injected:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the reader made no empty read to inject the burst into")
	}
	applied.wait(t, 1+burst, 20*time.Second, "the burst committed between wake-ups")

	// Spurious wake-ups: nothing was committed for them. The reader takes
	// a channel only after it checkpointed the batch before, so the count
	// is taken after the first round.
	var checkpoints float64
	for i := range 26 {
		select {
		case <-n.taken:
		default:
		}
		n.notify()
		select {
		case <-n.taken: // the reader woke and read again
		case <-time.After(20 * time.Second):
			t.Fatal("the reader did not read again after a wake-up")
		}
		if i == 0 {
			checkpoints = counterSum(w.r.m.Checkpoints, "", "")
		}
	}
	if got, _ := applied.get(); got != 1+burst {
		t.Errorf("spurious wake-ups applied events: %d applied, want %d", got, 1+burst)
	}
	if got := counterSum(w.r.m.Checkpoints, "", ""); got != checkpoints {
		t.Errorf("spurious wake-ups wrote checkpoints: %v, want %v", got, checkpoints)
	}

	if err := m.create(ctx, "last"); err != nil {
		t.Fatal(err)
	}
	n.notify()
	applied.wait(t, 2+burst, 20*time.Second, "the append after the spurious wake-ups")
	heads := e.waitCaughtUp(10 * time.Second)
	marks.check(t, heads)
	e.assertEqualsReplay(nil)
}
