// Package memstore is an in-memory storage.Store: the engine's store when it
// runs without a data directory, and the reference the durable store is
// compared against.
//
// Entries live in a copy-on-write B-tree (github.com/tidwall/btree). Apply
// mutates the live tree under a mutex; Snapshot takes an O(1) Copy of it, and
// the first write to a node after a snapshot copies that node, so snapshots
// read without locks and never see a later write. Consecutive snapshots with
// no Apply in between share one frozen copy.
//
// Memory: each entry is one exact-size allocation holding key and value back
// to back, referenced from the tree by a 16-byte header (pointer plus two
// 32-bit lengths). Compared with a {key, value []byte} item (48 bytes in the
// tree and two allocations) this measured, for one million random keys,
// 249 instead of 304 heap bytes per 24-byte-key, 200-byte-value entry and
// 73 instead of 120 per 40-byte-key, value-less index entry. Copying also
// means the store never pins a caller's larger buffer. BenchmarkMemory
// reports the current figure.
package memstore

import (
	"bytes"
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/tidwall/btree"

	"github.com/hubstream/hubstream/internal/ddblocal/storage"
)

// ErrTooLarge is returned by Apply for a key or value longer than 4 GiB - 1.
var ErrTooLarge = errors.New("memstore: key or value too large")

// entry is a key/value pair stored in one allocation: p points at klen key
// bytes followed by vlen value bytes. A probe entry used only for lookups
// points into the caller's key instead.
type entry struct {
	p    *byte
	klen uint32
	vlen uint32
}

func (e entry) key() []byte {
	return unsafe.Slice(e.p, int(e.klen)+int(e.vlen))[:e.klen:e.klen]
}

// value returns the value with its capacity capped, so appending to it
// cannot write into memory that other readers share.
func (e entry) value() []byte {
	return unsafe.Slice(e.p, int(e.klen)+int(e.vlen))[e.klen:]
}

// probe returns an entry that compares as key, without copying it.
func probe(key []byte) entry {
	return entry{p: unsafe.SliceData(key), klen: uint32(len(key))}
}

// newEntry copies key and value into one exact-size allocation. It does not
// retain either slice, so callers' buffers with spare capacity, or slices of
// a larger buffer, cost the store nothing.
func newEntry(key, value []byte) entry {
	buf := make([]byte, len(key)+len(value))
	copy(buf, key)
	copy(buf[len(key):], value)
	return entry{p: unsafe.SliceData(buf), klen: uint32(len(key)), vlen: uint32(len(value))}
}

func less(a, b entry) bool { return bytes.Compare(a.key(), b.key()) < 0 }

// Store is an in-memory storage.Store. It is safe for concurrent use. The
// zero Store is not usable; call New.
type Store struct {
	mu     sync.Mutex
	tree   *btree.BTreeG[entry] // live tree; guarded by mu
	frozen *btree.BTreeG[entry] // copy of tree shared by snapshots, nil after a write; guarded by mu
	closed atomic.Bool          // written under mu, read anywhere
}

var _ storage.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store {
	return &Store{tree: btree.NewBTreeGOptions(less, btree.Options{NoLocks: true})}
}

// Snapshot returns a read view of every batch applied so far. It takes the
// store mutex only long enough to share the current tree (an O(1)
// copy-on-write Copy); reads on the snapshot take no locks. On a closed store
// it returns a snapshot whose reads fail with storage.ErrClosed.
func (s *Store) Snapshot() storage.Snapshot {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return &snapshot{store: s}
	}
	if s.frozen == nil {
		s.frozen = s.tree.Copy()
	}
	t := s.frozen
	s.mu.Unlock()
	return &snapshot{store: s, tree: t}
}

// Apply applies the operations of b in order, atomically with respect to
// snapshots. It copies every key and value, so b may be reused afterwards.
// ctx is not consulted: Apply never blocks on I/O. It fails with
// storage.ErrClosed on a closed store and with ErrTooLarge for a key or
// value of 4 GiB or more; then nothing of b is applied.
func (s *Store) Apply(_ context.Context, b *storage.Batch) error {
	// Build the entries before taking the lock, so the critical section is
	// only tree updates.
	var stack [16]entry
	entries := stack[:0]
	if len(b.Ops) > len(stack) {
		entries = make([]entry, 0, len(b.Ops))
	}
	for _, op := range b.Ops {
		if uint64(len(op.Key)) > math.MaxUint32 || (!op.Delete && uint64(len(op.Value)) > math.MaxUint32) {
			return ErrTooLarge
		}
		if op.Delete {
			entries = append(entries, probe(op.Key))
		} else {
			entries = append(entries, newEntry(op.Key, op.Value))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return storage.ErrClosed
	}
	if len(entries) == 0 {
		return nil
	}
	for i, op := range b.Ops {
		if op.Delete {
			s.tree.Delete(entries[i])
		} else {
			s.tree.Set(entries[i])
		}
	}
	s.frozen = nil
	return nil
}

// Sync returns nil at once, since nothing is durable, or storage.ErrClosed
// on a closed store.
func (s *Store) Sync(context.Context) error {
	if s.closed.Load() {
		return storage.ErrClosed
	}
	return nil
}

// Close releases the store's data. Snapshots and iterators still open fail
// with storage.ErrClosed from then on. A second Close returns
// storage.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return storage.ErrClosed
	}
	s.closed.Store(true)
	s.tree = nil
	s.frozen = nil
	return nil
}

// snapshot is a frozen tree. tree is nil once the snapshot is closed or when
// it was taken on a closed store.
type snapshot struct {
	store *Store
	tree  *btree.BTreeG[entry]
}

// Get returns the value under key. The value stays valid for as long as the
// caller holds it. It fails with storage.ErrClosed once the snapshot or the
// store is closed.
func (sn *snapshot) Get(key []byte) ([]byte, bool, error) {
	if sn.tree == nil || sn.store.closed.Load() {
		return nil, false, storage.ErrClosed
	}
	e, ok := sn.tree.Get(probe(key))
	if !ok {
		return nil, false, nil
	}
	return e.value(), true, nil
}

// Iter returns an iterator over [lower, upper). The bounds are copied.
func (sn *snapshot) Iter(lower, upper []byte, reverse bool) storage.Iterator {
	it := &iterator{store: sn.store, reverse: reverse}
	switch {
	case sn.tree == nil || sn.store.closed.Load():
		it.err = storage.ErrClosed
		it.done = true
	case lower != nil && upper != nil && bytes.Compare(lower, upper) >= 0:
		it.done = true
	default:
		it.lower, it.upper = storage.CopyBounds(lower, upper)
		it.it = sn.tree.Iter()
	}
	return it
}

// Close releases the snapshot; later reads fail with storage.ErrClosed.
// Closing twice is harmless.
func (sn *snapshot) Close() error {
	sn.tree = nil
	return nil
}

// iterator walks a frozen tree between copied bounds.
type iterator struct {
	store        *Store
	it           btree.IterG[entry]
	lower, upper []byte // nil when unbounded
	reverse      bool
	started      bool
	done         bool
	cur          entry
	err          error
}

// Next advances to the next key in range. It returns false when the range is
// exhausted, after Close, and once the store is closed (then Close reports
// storage.ErrClosed).
func (it *iterator) Next() bool {
	if it.done {
		return false
	}
	if it.store.closed.Load() {
		it.err = storage.ErrClosed
		it.finish()
		return false
	}
	var ok bool
	switch {
	case !it.started:
		ok = it.start()
		it.started = true
	case it.reverse:
		ok = it.it.Prev()
	default:
		ok = it.it.Next()
	}
	if ok {
		it.cur = it.it.Item()
		k := it.cur.key()
		if it.reverse {
			ok = it.lower == nil || bytes.Compare(k, it.lower) >= 0
		} else {
			ok = it.upper == nil || bytes.Compare(k, it.upper) < 0
		}
	}
	if !ok {
		it.finish()
		return false
	}
	return true
}

// start positions the tree iterator on the first key of the range in the
// iteration's direction, or past the end of the tree; Next checks the
// far bound.
func (it *iterator) start() bool {
	switch {
	case it.reverse:
		// Position at the last key below upper. Seek finds the first key
		// >= upper; when there is none, the answer is the tree's last key.
		if it.upper == nil || !it.it.Seek(probe(it.upper)) {
			return it.it.Last()
		}
		return it.it.Prev()
	case it.lower != nil:
		return it.it.Seek(probe(it.lower))
	}
	return it.it.First()
}

func (it *iterator) finish() {
	it.done = true
	it.cur = entry{}
	it.it.Release()
}

// Key returns the current key, or nil when the iterator is not positioned
// (cur is the zero entry then, whose key is nil).
func (it *iterator) Key() []byte { return it.cur.key() }

// Value returns the current value, or nil when the iterator is not
// positioned.
func (it *iterator) Value() []byte { return it.cur.value() }

// Close releases the iterator and returns storage.ErrClosed if the store
// was closed under it; Close is idempotent.
func (it *iterator) Close() error {
	if !it.done {
		if it.store.closed.Load() {
			it.err = storage.ErrClosed
		}
		it.finish()
	}
	return it.err
}
