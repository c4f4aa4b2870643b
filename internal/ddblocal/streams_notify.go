package ddblocal

import (
	"sync"
	"sync/atomic"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// Stream activity notifications for in-process consumers.
//
// A DynamoDB Streams client learns about new records only by calling
// GetRecords again, so an idle consumer polls for ever. Consumers in the
// engine's own process need not: StreamActivity hands them a channel that
// the next commit staging records in their shard closes. The records and
// their order are the wire API's; only the waiting changes.
//
// Channels are made only while someone waits, and a commit wakes only the
// shards it wrote to, so a commit nobody waits for pays one atomic load.

// shardRef names a shard of a stream by the engine's internal ids.
type shardRef struct {
	stream uint32
	shard  uint32 // anyShard: the stream as a whole
}

const anyShard = ^uint32(0)

// streamWaiters holds the channels handed out by StreamActivity.
type streamWaiters struct {
	// n counts the open channels; commits skip the mutex while it is 0.
	// A waiter registers (n > 0) before it reads, and a commit loads n
	// after its batch was applied, so a commit that sees 0 was applied
	// before the waiter's read began: the read sees its records.
	n      atomic.Int64
	mu     sync.Mutex
	chans  map[shardRef]chan struct{}
	closed bool // the engine closed: every channel is handed out closed
}

// closedChan is handed out when there is nothing to wait for.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (w *streamWaiters) wait(ref shardRef) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return closedChan
	}
	c, ok := w.chans[ref]
	if !ok {
		if w.chans == nil {
			w.chans = map[shardRef]chan struct{}{}
		}
		c = make(chan struct{})
		w.chans[ref] = c
		w.n.Add(1)
	}
	return c
}

// wake closes the channels of the shards in refs and of their streams.
// The caller has applied the batch that wrote to them.
func (w *streamWaiters) wake(refs []shardRef) {
	if len(refs) == 0 || w.n.Load() == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range refs {
		w.closeLocked(r)
		w.closeLocked(shardRef{stream: r.stream, shard: anyShard})
	}
}

// wakeStream closes every channel of a stream: its shards changed (closed
// by a rollover or by disabling the stream, or forgotten after retention).
func (w *streamWaiters) wakeStream(stream uint32) {
	if w.n.Load() == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for r := range w.chans {
		if r.stream == stream {
			w.closeLocked(r)
		}
	}
}

// closeAll wakes everyone for good: the engine closed.
func (w *streamWaiters) closeAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for r := range w.chans {
		w.closeLocked(r)
	}
}

func (w *streamWaiters) closeLocked(r shardRef) {
	if c, ok := w.chans[r]; ok {
		close(c)
		delete(w.chans, r)
		w.n.Add(-1)
	}
}

// addTouched appends ref to refs unless it is already there (a commit
// touches few shards; most touch one).
func addTouched(refs []shardRef, ref shardRef) []shardRef {
	for _, r := range refs {
		if r == ref {
			return refs
		}
	}
	return append(refs, ref)
}

// StreamActivity returns a channel that is closed when there may be new
// stream records to read in shard shardID of the stream streamArn (in any
// of its shards when shardID is ""): the next time a commit stages records
// there, when the shard closes (a rollover, the stream disabled), or when
// the engine closes. A closed shard's channel is returned closed.
//
// Take the channel before GetRecords and wait on it only after a read that
// returned nothing: records committed in between close it, so none is
// missed. Wake-ups may be spurious (a closed shard, a stream-wide change,
// records of the consumer's own writes); reading again is always safe.
// The channel is shared by every waiter of the shard, so waiting costs one
// channel per busy shard, not per waiter.
//
// It fails with ResourceNotFoundException, as GetRecords would, when the
// stream or the shard does not exist. It has no other side effects.
func (e *Engine) StreamActivity(streamArn, shardID string) (<-chan struct{}, error) {
	s, err := e.streamByArn(streamArn)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.closed:
		return closedChan, nil
	default:
	}
	ref := shardRef{stream: s.def.ID, shard: anyShard}
	if shardID != "" {
		s.mu.RLock()
		sh := s.shardByID(shardID)
		var idx uint32
		var closed bool
		if sh != nil {
			idx, closed = sh.Idx, sh.End != 0
		}
		s.mu.RUnlock()
		if sh == nil {
			return nil, ddberr.New(ddberr.ResourceNotFound, "Requested resource not found: Shard does not exist")
		}
		if closed {
			return closedChan, nil
		}
		ref.shard = idx
	}
	return e.streams.waiters.wait(ref), nil
}
