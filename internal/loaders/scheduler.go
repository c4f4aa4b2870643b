package loaders

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

// The batch scheduler of one request. A loader batches the keys its
// callers ask for and sends them together; the question is when. A clock
// (collect keys for a few milliseconds) pays its window at every level of
// every query, and still splits a level whose resolvers are scheduled late
// on a busy machine. Instead the scheduler sends the open batches as soon
// as nothing in the request can ask for more keys: when every unit of
// work that might (a GraphQL field being resolved, a batch in flight) is
// either finished or waiting for a batch's result.
//
// The GraphQL layer keeps the count of units (Begin, FieldStart,
// FieldDone, End): before a field's resolver returns it announces the
// child fields the executor will resolve under its result, so the count
// never touches zero while a level is still being spread out. Waiting
// for a result gives the waiter's unit back, and a batch hands the units
// of its waiters back before it wakes them. When the count is off (a field
// not announced, a resolver waiting on something else than a loader), the
// window is still there, as a stall detector: an open batch is sent once
// Options.Stall passed without progress (no field finished or started, no
// key asked for, no batch answered). A busy machine that is slow to run a
// level's goroutines does not split the level's batch, as a plain window
// did: its fields keep finishing. Without Begin (loads outside a GraphQL
// operation) the window is a plain one: a batch is sent when it is
// Options.Wait old.
//
// Lessons of the profile (hubbench, see docs/benchmarks.md): the window
// was the whole latency of the reads (5 ms per level at ~0.3 ms of work),
// and the dataloader's goroutine per key of LoadMany showed up under load;
// the scheduler starts none per key (the waiter that completes a level
// sends the batch itself; the dataloader that runs it starts two per
// batch).

// Dispatch triggers, as ObserveDispatch reports them.
const (
	// TriggerIdle: every unit of the request was done or waiting.
	TriggerIdle = "idle"
	// TriggerWindow: the batch was Options.Wait old (the fallback).
	TriggerWindow = "window"
	// TriggerFull: the batch held as many keys as one request may.
	TriggerFull = "full"
)

// scheduler is one request's dispatch state, shared by its batchers.
type scheduler struct {
	mu       sync.Mutex
	window   time.Duration // while not tracking
	stall    time.Duration // while tracking
	observe  func(loader, trigger string)
	tracking bool // Begin was called and End not yet
	running  int  // units that may still ask for keys (while tracking)
	open     []opener
	timer    *time.Timer
	// progress counts events that show the request is not stalled (while
	// tracking); seen is its value when the window was last armed.
	progress, seen uint64
}

// opener is a batcher with an open batch.
type opener interface {
	// take removes the open batch and returns the function that sends it
	// (nil when there is none). The scheduler's lock is held.
	take() func()
	name() string
}

// waiter is one goroutine waiting for one or more results.
type waiter struct {
	remaining int
	wake      chan struct{}
}

// gate is a result (or anything one-shot) goroutines of the request wait
// for. Guarded by the scheduler's lock.
type gate struct {
	done    bool
	waiters []*waiter
}

// wait blocks until every gate is done. While it blocks, the caller's
// unit is given back, which may complete a level: then the open batches
// are sent, the first by the caller itself.
func (s *scheduler) wait(gates ...*gate) {
	s.mu.Lock()
	w := &waiter{}
	for _, g := range gates {
		if !g.done {
			w.remaining++
			g.waiters = append(g.waiters, w)
		}
	}
	if w.remaining == 0 {
		s.mu.Unlock()
		return
	}
	w.wake = make(chan struct{})
	var send []func()
	if s.tracking {
		s.running--
		s.progress++
		send = s.idleLocked()
	}
	s.mu.Unlock()
	run(send)
	<-w.wake
}

// finish marks gates done and wakes their waiters, whose units are counted
// again first. The lock is held.
func (s *scheduler) finishLocked(gates []*gate) {
	s.progress++
	for _, g := range gates {
		g.done = true
		for _, w := range g.waiters {
			w.remaining--
			if w.remaining == 0 {
				if s.tracking {
					s.running++
				}
				close(w.wake)
			}
		}
		g.waiters = nil
	}
}

// idleLocked returns the senders of the open batches when no unit is
// running, and counts each as a running unit. The lock is held.
func (s *scheduler) idleLocked() []func() {
	if !s.tracking || s.running > 0 || len(s.open) == 0 {
		return nil
	}
	return s.takeLocked(TriggerIdle)
}

// takeLocked takes every open batch, stops the window and counts each
// batch as a running unit. The lock is held.
func (s *scheduler) takeLocked(trigger string) []func() {
	var send []func()
	for _, o := range s.open {
		if f := o.take(); f != nil {
			send = append(send, f)
			if s.observe != nil {
				s.observe(o.name(), trigger)
			}
		}
	}
	s.open = s.open[:0]
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.tracking {
		s.running += len(send)
	}
	return send
}

// opened records that o has a new open batch and arms the window. The
// lock is held.
func (s *scheduler) openedLocked(o opener) {
	s.open = append(s.open, o)
	if s.timer == nil {
		s.seen = s.progress
		d := s.window
		if s.tracking {
			d = s.stall
		}
		s.timer = time.AfterFunc(d, s.windowElapsed)
	}
}

// windowElapsed sends whatever is open: the fallback. While tracking, it
// waits another window instead when the request made progress since the
// window was armed.
func (s *scheduler) windowElapsed() {
	s.mu.Lock()
	if s.tracking && s.progress != s.seen && s.timer != nil {
		s.seen = s.progress
		s.timer.Reset(s.stall)
		s.mu.Unlock()
		return
	}
	send := s.takeLocked(TriggerWindow)
	s.mu.Unlock()
	run(send)
}

// finish marks g done and wakes its waiters.
func (s *scheduler) finish(g *gate) {
	s.mu.Lock()
	s.finishLocked([]*gate{g})
	s.mu.Unlock()
}

// sent is called by a batch once its results are set: its unit is given
// back, which may complete the next level. The lock is held.
func (s *scheduler) sentLocked() []func() {
	if s.tracking {
		s.running--
	}
	return s.idleLocked()
}

// run sends batches: all but the first in goroutines of their own, the
// first in the caller's.
func run(send []func()) {
	for i := 1; i < len(send); i++ {
		go send[i]()
	}
	if len(send) > 0 {
		send[0]()
	}
}

// Begin starts counting units for a GraphQL operation that will resolve
// fields fields before anything else (its root fields, announced; 0 when
// they are started one by one with FieldStart, as a mutation's are).
func (l *Loaders) Begin(fields int) {
	s := l.sched
	s.mu.Lock()
	s.tracking, s.running = true, fields
	s.mu.Unlock()
}

// FieldStart counts a field that was not announced (a mutation's root
// field, resolved one after the other).
func (l *Loaders) FieldStart() {
	s := l.sched
	s.mu.Lock()
	if s.tracking {
		s.running++
		s.progress++
	}
	s.mu.Unlock()
}

// FieldDone ends a field's unit after announcing children more: the
// fields the executor will resolve under its result. When that leaves no
// unit running, the open batches are sent (by the caller).
func (l *Loaders) FieldDone(children int) {
	s := l.sched
	s.mu.Lock()
	if !s.tracking {
		s.mu.Unlock()
		return
	}
	s.running += children - 1
	s.progress++
	send := s.idleLocked()
	s.mu.Unlock()
	run(send)
}

// Abandon stops counting for the rest of the operation: the GraphQL layer
// could not tell what a field's result will resolve. Open batches are
// then sent by the plain window (Options.Wait).
func (l *Loaders) Abandon() {
	s := l.sched
	s.mu.Lock()
	s.tracking = false
	if s.timer != nil {
		s.timer.Reset(s.window)
	}
	s.mu.Unlock()
}

// End stops counting at the end of an operation and reports whether the
// count came out even (every announced field was resolved): false means
// the GraphQL layer's announcements and the executor disagreed, which
// only costs waiting for the window.
func (l *Loaders) End() bool {
	s := l.sched
	s.mu.Lock()
	defer s.mu.Unlock()
	even := !s.tracking || s.running == 0
	s.tracking, s.running = false, 0
	return even
}

// Batcher loads values by key for one request: concurrent Loads are
// collected into batches sent by the request's scheduler, and every key's
// result (error included) is cached for the rest of the request.
type Batcher[K comparable, V any] struct {
	s     *scheduler
	label string
	fn    func(context.Context, []K) ([]V, error)
	max   int

	// Guarded by s.mu.
	cache   map[K]*result[V]
	ctx     context.Context // of the open batch's first Load
	keys    []K
	results []*result[V]
}

// result is one key's value, once its gate is done.
type result[V any] struct {
	gate
	v   V
	err error
}

func newBatcher[K comparable, V any](s *scheduler, label string, max int, fn func(context.Context, []K) ([]V, error)) *Batcher[K, V] {
	return &Batcher[K, V]{s: s, label: label, fn: fn, max: max, cache: map[K]*result[V]{}}
}

func (b *Batcher[K, V]) name() string { return b.label }

// Load asks for key and returns a thunk that waits for its value. The
// first Load of a key adds it to the open batch; later ones share its
// result.
func (b *Batcher[K, V]) Load(ctx context.Context, key K) func() (V, error) {
	b.s.mu.Lock()
	r := b.addLocked(ctx, key)
	send := b.fullLocked()
	b.s.mu.Unlock()
	for _, f := range send {
		go f()
	}
	return func() (V, error) {
		b.s.wait(&r.gate)
		return r.v, r.err
	}
}

// LoadMany is Load for several keys: the thunk returns the values and,
// when any failed, the errors, both aligned with keys.
func (b *Batcher[K, V]) LoadMany(ctx context.Context, keys []K) func() ([]V, []error) {
	rs := make([]*result[V], len(keys))
	b.s.mu.Lock()
	var send []func()
	for i, k := range keys {
		rs[i] = b.addLocked(ctx, k)
		send = append(send, b.fullLocked()...)
	}
	b.s.mu.Unlock()
	for _, f := range send {
		go f()
	}
	return func() ([]V, []error) {
		gates := make([]*gate, len(rs))
		for i, r := range rs {
			gates[i] = &r.gate
		}
		b.s.wait(gates...)
		vs := make([]V, len(rs))
		var errs []error
		for i, r := range rs {
			vs[i] = r.v
			if r.err != nil {
				if errs == nil {
					errs = make([]error, len(rs))
				}
				errs[i] = r.err
			}
		}
		return vs, errs
	}
}

// Prime caches v for key unless key is cached already.
func (b *Batcher[K, V]) Prime(_ context.Context, key K, v V) {
	b.s.mu.Lock()
	if _, ok := b.cache[key]; !ok {
		b.cache[key] = &result[V]{gate: gate{done: true}, v: v}
	}
	b.s.mu.Unlock()
}

// Clear forgets key's cached result (a later Load reads it again).
func (b *Batcher[K, V]) Clear(_ context.Context, key K) {
	b.s.mu.Lock()
	delete(b.cache, key)
	b.s.mu.Unlock()
}

// addLocked returns key's result, adding key to the open batch when it
// is new. The lock is held.
func (b *Batcher[K, V]) addLocked(ctx context.Context, key K) *result[V] {
	if r, ok := b.cache[key]; ok {
		return r
	}
	r := &result[V]{}
	b.cache[key] = r
	b.s.progress++
	if len(b.keys) == 0 {
		b.ctx = ctx
		b.s.openedLocked(b)
	}
	b.keys = append(b.keys, key)
	b.results = append(b.results, r)
	return r
}

// fullLocked takes the open batch when it holds max keys. The lock is
// held.
func (b *Batcher[K, V]) fullLocked() []func() {
	if b.max <= 0 || len(b.keys) < b.max {
		return nil
	}
	f := b.take()
	if b.s.observe != nil {
		b.s.observe(b.label, TriggerFull)
	}
	if b.s.tracking {
		b.s.running++
	}
	// The batch is no longer open; the scheduler's list may still name
	// b, whose take then finds nothing (or a later batch).
	return []func(){f}
}

// take implements opener. The lock is held.
func (b *Batcher[K, V]) take() func() {
	if len(b.keys) == 0 {
		return nil
	}
	ctx, keys, results := b.ctx, b.keys, b.results
	b.ctx, b.keys, b.results = nil, nil, nil
	return func() { b.send(ctx, keys, results) }
}

// send loads one batch and sets its results; a panic of the batch
// function is every key's error.
func (b *Batcher[K, V]) send(ctx context.Context, keys []K, results []*result[V]) {
	vs, err := b.call(ctx, keys)
	if err == nil && len(vs) != len(keys) {
		err = fmt.Errorf("loaders: %s: %d values for %d keys", b.label, len(vs), len(keys))
	}
	b.s.mu.Lock()
	gates := make([]*gate, len(results))
	for i, r := range results {
		if err != nil {
			r.err = err
			// An error is not remembered past this request's waiters: a
			// later Load asks again.
			if b.cache[keys[i]] == r {
				delete(b.cache, keys[i])
			}
		} else {
			r.v = vs[i]
		}
		gates[i] = &r.gate
	}
	b.s.finishLocked(gates)
	next := b.s.sentLocked()
	b.s.mu.Unlock()
	run(next)
}

// call runs one batch through a dataloader (graph-gophers/dataloader v7)
// sized to exactly the batch's keys: the scheduler decides when a batch
// leaves, the dataloader runs it — the batch function once for all keys,
// its panic recovered as every key's error, its results checked against
// the keys and handed to each key's thunk. dataloader v7 (v7.1.0, the
// newest) can only send a batch when its window elapses or when it holds
// its capacity; a capacity of len(keys) makes it send on the last Load,
// with no window. Its cache is off: keys are unique here, and the
// request's cache is the Batcher's (it must count waiters, which a
// dataloader thunk cannot).
func (b *Batcher[K, V]) call(ctx context.Context, keys []K) ([]V, error) {
	if len(keys) == 0 {
		return nil, nil // a capacity of 0 would be no capacity
	}
	var batchErr error
	dl := dataloader.NewBatchedLoader(func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		vs, err := b.protected(ctx, keys)
		out := make([]*dataloader.Result[V], len(keys))
		if err == nil && len(vs) != len(keys) {
			err = fmt.Errorf("loaders: %s: %d values for %d keys", b.label, len(vs), len(keys))
		}
		batchErr = err
		for i := range out {
			if err != nil {
				out[i] = &dataloader.Result[V]{Error: err}
			} else {
				out[i] = &dataloader.Result[V]{Data: vs[i]}
			}
		}
		return out
	},
		dataloader.WithBatchCapacity[K, V](len(keys)),
		dataloader.WithCache[K, V](&dataloader.NoCache[K, V]{}),
		// Never reached: the last Load fills the batch.
		dataloader.WithWait[K, V](time.Hour),
	)
	thunks := make([]dataloader.Thunk[V], len(keys))
	for i, k := range keys {
		thunks[i] = dl.Load(ctx, k)
	}
	vs := make([]V, len(keys))
	for i, th := range thunks {
		v, err := th()
		if err != nil {
			if batchErr != nil {
				return nil, batchErr
			}
			return nil, fmt.Errorf("loaders: %s: %w", b.label, err)
		}
		vs[i] = v
	}
	return vs, nil
}

// protected calls the batch function, its panic returned as an error
// (dataloader would log it with the standard logger).
func (b *Batcher[K, V]) protected(ctx context.Context, keys []K) (vs []V, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("loaders: %s: panic in batch: %v", b.label, p)
		}
	}()
	return b.fn(ctx, keys)
}
