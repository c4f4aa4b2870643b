// Package storage is the engine's storage contract: an ordered byte-key
// store with consistent snapshot reads and atomic multi-key batches. The
// engine keeps tables, index entries and stream records in one Store, so a
// single Apply is what makes a transaction all-or-nothing on disk and in
// memory alike.
//
// Implementations live in sub-packages (memstore, and a durable one) and are
// held to one contract by the storagetest conformance suite.
package storage

import (
	"context"
	"errors"
)

// ErrClosed is returned by operations on a closed Store.
var ErrClosed = errors.New("storage: store closed")

// Store is an ordered key-value store. Keys compare as unsigned bytes.
//
// Apply makes a batch visible to new snapshots atomically: a snapshot sees all
// of a batch or none of it. Apply does not by itself promise durability; Sync
// returns once every batch applied before the call is durable, which lets the
// engine apply under its commit lock and wait for the disk outside it, so
// concurrent writers share one flush (group commit). Memory-only stores make
// Sync a no-op.
//
// Once Close has begun, Apply and Sync fail with ErrClosed, and so do reads
// through snapshots and iterators (taken before or after Close) instead of
// touching released state. The storagetest package holds implementations to
// this contract.
type Store interface {
	// Snapshot returns a consistent read view as of the last applied batch.
	// The caller must Close it. On a closed store it returns a snapshot
	// whose reads fail with ErrClosed.
	Snapshot() Snapshot
	// Apply commits every operation of b atomically, in order (a later
	// operation on the same key wins). It returns an error only when the store
	// cannot accept writes (closed, disk failure); then nothing of b is
	// applied.
	Apply(ctx context.Context, b *Batch) error
	// Sync waits until every batch applied before the call is durable.
	Sync(ctx context.Context) error
	// Close releases the store. Snapshots and iterators must be closed
	// first; an implementation may report ones left open as an error. A
	// second Close returns ErrClosed.
	Close() error
}

// Snapshot is an immutable, consistent read view of a Store.
type Snapshot interface {
	// Get returns the value stored under key, and whether it exists. The
	// returned slice is valid until the snapshot is closed and must not be
	// modified.
	Get(key []byte) (value []byte, ok bool, err error)
	// Iter returns an iterator over keys in [lower, upper), ascending, or
	// descending when reverse is true. A nil lower or upper is unbounded; an
	// empty non-nil upper bound, or lower >= upper, is an empty range. The
	// iterator does not retain lower or upper.
	Iter(lower, upper []byte, reverse bool) Iterator
	// Close releases the snapshot. Closing it again does nothing.
	Close() error
}

// Iterator walks a key range of a Snapshot. Use it as
//
//	for it.Next() { use(it.Key(), it.Value()) }
//	err := it.Close()
//
// Key and Value are valid until the next call to Next and must not be
// modified.
type Iterator interface {
	// Next advances to the next key in range and reports whether there is
	// one. It returns false once the range is exhausted, on error, and after
	// Close, however often it is called.
	Next() bool
	Key() []byte
	Value() []byte
	// Close releases the iterator and returns the first error it met
	// (ErrClosed if its store was closed under it). It may be called more
	// than once.
	Close() error
}

// Op is one write of a Batch.
type Op struct {
	Key    []byte
	Value  []byte // ignored when Delete
	Delete bool
}

// Batch is an ordered list of writes applied atomically by Store.Apply.
// The zero Batch is empty and ready to use.
type Batch struct {
	Ops []Op
}

// Set records a put of value under key. The batch keeps the slices; callers
// must not modify them afterwards.
func (b *Batch) Set(key, value []byte) { b.Ops = append(b.Ops, Op{Key: key, Value: value}) }

// Delete records a delete of key.
func (b *Batch) Delete(key []byte) { b.Ops = append(b.Ops, Op{Key: key, Delete: true}) }

// Len returns the number of operations in b.
func (b *Batch) Len() int { return len(b.Ops) }

// Reset empties b for reuse.
func (b *Batch) Reset() { b.Ops = b.Ops[:0] }

// CopyBounds returns copies of an iteration's bounds for an iterator to
// keep (the caller may reuse its buffers once Iter returns): one
// allocation for both, none when both are nil, and a nil bound stays nil.
func CopyBounds(lower, upper []byte) (l, u []byte) {
	if lower == nil && upper == nil {
		return nil, nil
	}
	buf := make([]byte, 0, len(lower)+len(upper))
	if lower != nil {
		buf = append(buf, lower...)
		l = buf[:len(lower):len(lower)]
	}
	if upper != nil {
		buf = append(buf, upper...)
		u = buf[len(lower):]
	}
	return l, u
}
