// Package pebblestore is the durable storage.Store: a thin layer over
// CockroachDB's Pebble, an embedded LSM key-value store with a write-ahead
// log, atomic batches and cheap snapshots.
//
// # Pebble version
//
// It uses github.com/cockroachdb/pebble v1.1.5, not pebble/v2 v2.1.7. With
// Go 1.26 both build cleanly, vet clean and pass a smoke test (open, synced
// write, close; race detector on, cgo on and off), and v1.1.5 passes this
// package's tests, so the choice rests on the rest: v1.1.5 is the version
// the module already required, while v2.1.7 would add five modules and bump
// zstd, klauspost/compress, snappy and the Prometheus client in the go.mod
// that every package shares. This package uses only the core API (Open,
// batches, snapshots, iterators, LogData), which v2 keeps, so moving to v2
// later is mostly an import-path change (then check v2's minimum on-disk
// format against existing data directories; Open ratchets them to v1's
// newest format).
//
// # Durability
//
// Apply queues the batch as one WAL record without fsync (pebble.NoSync) and
// applies it to the memtable, so it is visible to new snapshots, all keys at
// once, as soon as Apply returns. Until a Sync covers it, a crash may lose
// it, but never half of it: WAL records are checksummed and replay stops at
// the first incomplete one. Sync makes every batch applied before the call
// durable by writing an empty LogData record with pebble.Sync: Pebble's WAL
// is one append-only stream, its flusher writes queued records in order and
// fsyncs after them, and a WAL rotation closes (and fsyncs) the old file
// before records go to the new one, so the fsync that covers the synced
// record covers all earlier ones. Concurrent Syncs queue on the same WAL
// flusher and share an fsync (group commit); a Sync with nothing applied
// since the last successful Sync returns without I/O. (A batch with no
// records would not do: Pebble skips empty batches before the WAL.)
package pebblestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
	"github.com/cockroachdb/pebble/vfs"

	"github.com/hubstream/hubstream/internal/ddblocal/storage"
)

// Options tunes a Store. The zero Options is a good default.
type Options struct {
	// CacheSize is the block cache size in bytes. Default 64 MiB.
	CacheSize int64
	// MemTableSize is the size of one memtable in bytes; up to two may be
	// in memory at once, and up to this much WAL is replayed on open.
	// Default 32 MiB.
	MemTableSize int
	// Logf receives Pebble's log lines (WAL replay notes, background
	// errors). Default: the standard library's log package.
	Logf func(format string, args ...any)
	// Warnf receives the store's own warnings (a data directory other
	// users can read), which an application may want at a higher level
	// than Pebble's chatter. Default: Logf.
	Warnf func(format string, args ...any)

	fs vfs.FS // file system for tests; nil is the OS's
}

// Defaults for Options.
const (
	DefaultCacheSize    = 64 << 20
	DefaultMemTableSize = 32 << 20
)

// Store is a storage.Store kept in a directory by Pebble. It is safe for
// concurrent use.
type Store struct {
	db   *pebble.DB
	lock io.Closer // the directory's lock (lock.go), released by Close

	// mu makes Close wait for operations in flight: every use of db,
	// including snapshot reads and iterator steps, holds the read lock and
	// checks closed, so use after Close fails with storage.ErrClosed
	// instead of touching freed Pebble state.
	mu     sync.RWMutex
	closed bool

	applied atomic.Uint64 // count of batches applied
	synced  atomic.Uint64 // applied count covered by the last successful Sync

	failMu sync.Mutex
	failed error // first Sync failure; once set, writes fail with it
}

var _ storage.Store = (*Store)(nil)

// Open opens the store in dir, creating dir and an empty store if needed.
// The directory is locked against other Stores, in this process or
// another, until Close: while one has it open, Open fails with ErrLocked. Open replays
// the write-ahead log, which takes time proportional to the data written
// since the last memtable flush (at most about 2 × MemTableSize).
func Open(dir string, opts Options) (*Store, error) {
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.MemTableSize <= 0 {
		opts.MemTableSize = DefaultMemTableSize
	}
	cache := pebble.NewCache(opts.CacheSize)
	defer cache.Unref() // the DB holds its own reference
	po := &pebble.Options{
		Cache:        cache,
		MemTableSize: uint64(opts.MemTableSize),
		// Writes should not stall in a development engine: allow a deeper L0
		// than Pebble's default of 12 files before stopping writes.
		L0CompactionThreshold: 4,
		L0StopWritesThreshold: 40,
		LBaseMaxBytes:         64 << 20,
		FormatMajorVersion:    pebble.FormatNewest,
		Logger:                logger{opts.Logf},
	}
	if opts.fs != nil {
		po.FS = opts.fs
	} else {
		// The OS's, with owner-only modes (private.go) and Pebble's
		// disk-health checks around it.
		po.FS = privateFS{vfs.Default}
		po.WithFSDefaults()
	}
	// Small values, point reads and short scans: 4 KiB blocks, and a
	// 10-bit bloom filter on every level so a Get of an absent key (every
	// PutItem of a new item) reads no data block.
	po.Levels = make([]pebble.LevelOptions, 7)
	for i := range po.Levels {
		l := &po.Levels[i]
		l.BlockSize = 4 << 10
		l.FilterPolicy = bloom.FilterPolicy(10)
		l.FilterType = pebble.TableFilter
		l.Compression = pebble.SnappyCompression
		l.TargetFileSize = 4 << 20
		if i > 0 {
			l.TargetFileSize = po.Levels[i-1].TargetFileSize * 2
		}
	}
	if err := createDir(po.FS, dir); err != nil {
		return nil, fmt.Errorf("pebblestore: create %s: %w", dir, err)
	}
	lock := io.Closer(io.NopCloser(nil))
	if opts.fs == nil {
		if mode, loose := looseMode(dir); loose {
			warnf := opts.Warnf
			if warnf == nil {
				warnf = logger{opts.Logf}.Infof
			}
			warnf("warning: the data directory %s is accessible to other users (mode %v); its files hold every table's data: chmod 700 %s", dir, mode, dir)
		}
		var err error
		if lock, err = lockDir(dir); err != nil {
			return nil, fmt.Errorf("pebblestore: %w", err)
		}
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	return &Store{db: db, lock: lock}, nil
}

// createDir creates dir and any missing parents, and fsyncs the parent of
// each directory it creates, so a new store's directory entry is durable
// before the first Sync (Pebble syncs the store directory itself, but not
// its parent).
func createDir(fs vfs.FS, dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := fs.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := fs.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for i := len(missing) - 1; i >= 0; i-- {
		parent, err := fs.OpenDir(filepath.Dir(missing[i]))
		if err != nil {
			return err
		}
		err = parent.Sync()
		if cerr := parent.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// logger adapts Options.Logf to pebble.Logger.
type logger struct{ logf func(string, ...any) }

func (l logger) Infof(format string, args ...any) {
	if l.logf != nil {
		l.logf(format, args...)
		return
	}
	log.Printf("pebble: "+format, args...)
}

// Fatalf reports an error Pebble cannot continue from (such as a failed WAL
// write) and exits the process, as Pebble requires.
func (l logger) Fatalf(format string, args ...any) {
	if l.logf != nil {
		l.logf(format, args...)
	}
	log.Fatalf("pebble: "+format, args...)
}

func (s *Store) failure() error {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	return s.failed
}

// Apply writes b to the WAL (without fsync) and the memtable; all of it is
// visible to snapshots taken after Apply returns, none of it before. Pebble
// copies keys and values, so b may be reused afterwards. ctx is not
// consulted. Apply fails with storage.ErrClosed on a closed store, and with
// the Sync error after a Sync has failed (durability is then unknown, so the
// store refuses further writes); nothing of b is applied then.
func (s *Store) Apply(_ context.Context, b *storage.Batch) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storage.ErrClosed
	}
	if err := s.failure(); err != nil {
		return err
	}
	if len(b.Ops) == 0 {
		return nil
	}
	pb := s.db.NewBatch()
	defer pb.Close()
	for _, op := range b.Ops {
		var err error
		if op.Delete {
			err = pb.Delete(op.Key, nil)
		} else {
			err = pb.Set(op.Key, op.Value, nil)
		}
		if err != nil {
			return fmt.Errorf("pebblestore: build batch: %w", err)
		}
	}
	if err := s.db.Apply(pb, pebble.NoSync); err != nil {
		return fmt.Errorf("pebblestore: apply: %w", err)
	}
	s.applied.Add(1)
	return nil
}

// Sync returns once every batch applied before the call is on stable
// storage, sharing one WAL fsync with concurrent callers. If ctx ends first
// it returns ctx.Err() (the fsync still completes in the background). It
// fails with storage.ErrClosed on a closed store. A failed fsync is sticky:
// that error is returned by every later Sync and Apply.
func (s *Store) Sync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return storage.ErrClosed
	}
	if err := s.failure(); err != nil {
		s.mu.RUnlock()
		return err
	}
	target := s.applied.Load()
	if s.synced.Load() >= target {
		s.mu.RUnlock()
		return nil
	}
	if ctx.Done() == nil {
		defer s.mu.RUnlock()
		return s.syncTo(target)
	}
	done := make(chan error, 1)
	go func() {
		defer s.mu.RUnlock()
		done <- s.syncTo(target)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// syncTo fsyncs the WAL and records that the first target batches are
// durable. The caller holds s.mu for reading.
func (s *Store) syncTo(target uint64) error {
	if err := s.db.LogData(nil, pebble.Sync); err != nil {
		err = fmt.Errorf("pebblestore: sync: %w", err)
		s.failMu.Lock()
		if s.failed == nil {
			s.failed = err
		}
		s.failMu.Unlock()
		return err
	}
	for {
		cur := s.synced.Load()
		if cur >= target || s.synced.CompareAndSwap(cur, target) {
			return nil
		}
	}
}

// Close waits for operations in flight, then closes the database, writing
// and fsyncing the WAL, so every applied batch is durable. Close reports
// snapshots or iterators left open (which fail with storage.ErrClosed
// afterwards); a second Close returns storage.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storage.ErrClosed
	}
	s.closed = true
	err := s.db.Close()
	// Released after Pebble let go of its files: the next Open may start.
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("pebblestore: close: %w", err)
	}
	return nil
}

// Snapshot returns a Pebble snapshot of every batch applied so far. On a
// closed store it returns a snapshot whose reads fail with
// storage.ErrClosed.
func (s *Store) Snapshot() storage.Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return &snapshot{store: s}
	}
	return &snapshot{store: s, snap: s.db.NewSnapshot()}
}

// snapshot wraps a Pebble snapshot; snap is nil once closed.
type snapshot struct {
	store *Store
	snap  *pebble.Snapshot
}

// Get returns a copy of the value under key. It fails with
// storage.ErrClosed once the snapshot or the store is closed, and with
// Pebble's error on a read failure (such as a corrupt or missing table).
func (sn *snapshot) Get(key []byte) ([]byte, bool, error) {
	sn.store.mu.RLock()
	defer sn.store.mu.RUnlock()
	if sn.snap == nil || sn.store.closed {
		return nil, false, storage.ErrClosed
	}
	v, closer, err := sn.snap.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("pebblestore: get: %w", err)
	}
	out := make([]byte, len(v))
	copy(out, v)
	return out, true, closer.Close()
}

// Iter returns an iterator over [lower, upper). The bounds are copied.
func (sn *snapshot) Iter(lower, upper []byte, reverse bool) storage.Iterator {
	sn.store.mu.RLock()
	defer sn.store.mu.RUnlock()
	it := &iterator{store: sn.store, reverse: reverse}
	switch {
	case sn.snap == nil || sn.store.closed:
		it.err = storage.ErrClosed
		it.done = true
		return it
	case upper != nil && (len(upper) == 0 || bytes.Compare(lower, upper) >= 0):
		// Empty range. (Pebble would treat an empty upper bound as none.)
		it.done = true
		return it
	}
	if len(lower) == 0 {
		lower = nil // every key is >= the empty key
	}
	opts := &pebble.IterOptions{}
	opts.LowerBound, opts.UpperBound = storage.CopyBounds(lower, upper)
	pit, err := sn.snap.NewIter(opts)
	if err != nil {
		it.err = fmt.Errorf("pebblestore: new iterator: %w", err)
		it.done = true
		return it
	}
	it.it = pit
	return it
}

// Close releases the snapshot. Closing twice, or after the store is
// closed, does nothing.
func (sn *snapshot) Close() error {
	sn.store.mu.RLock()
	defer sn.store.mu.RUnlock()
	if sn.snap == nil || sn.store.closed {
		sn.snap = nil
		return nil
	}
	err := sn.snap.Close()
	sn.snap = nil
	if err != nil {
		return fmt.Errorf("pebblestore: close snapshot: %w", err)
	}
	return nil
}

// iterator wraps a Pebble iterator; it is nil when the iterator never had
// one or has released it.
type iterator struct {
	store   *Store
	it      *pebble.Iterator
	reverse bool
	started bool
	done    bool
	// key and value are the current entry's, nil when not positioned.
	key, value []byte
	err        error
}

// Next advances to the next key in range. It returns false when the range
// is exhausted or on error (reported by Close), after Close, and once the
// store is closed.
func (it *iterator) Next() bool {
	if it.done {
		return false
	}
	it.store.mu.RLock()
	defer it.store.mu.RUnlock()
	if it.store.closed {
		it.abandon()
		return false
	}
	var ok bool
	switch {
	case it.started && it.reverse:
		ok = it.it.Prev()
	case it.started:
		ok = it.it.Next()
	case it.reverse:
		ok = it.it.Last()
	default:
		ok = it.it.First()
	}
	it.started = true
	if ok {
		v, err := it.it.ValueAndErr()
		if err != nil {
			it.err = fmt.Errorf("pebblestore: read value: %w", err)
			ok = false
		}
		it.key, it.value = it.it.Key(), v
	}
	if !ok {
		it.release()
		return false
	}
	return true
}

// abandon ends the iteration of a store closed under it, with
// storage.ErrClosed. Pebble freed the iterator's state with the DB; it must
// not be touched, nor the key and value that pointed into it.
func (it *iterator) abandon() {
	it.err = storage.ErrClosed
	it.done = true
	it.it = nil
	it.key, it.value = nil, nil
}

// release closes the Pebble iterator. The caller holds store.mu for
// reading and has checked that the store is open.
func (it *iterator) release() {
	it.done = true
	it.key, it.value = nil, nil
	if it.it != nil {
		if err := it.it.Close(); err != nil && it.err == nil {
			it.err = fmt.Errorf("pebblestore: iterate: %w", err)
		}
		it.it = nil
	}
}

// Key returns the current key, or nil when not positioned.
func (it *iterator) Key() []byte { return it.key }

// Value returns the current value, or nil when not positioned.
func (it *iterator) Value() []byte { return it.value }

// Close releases the iterator and returns the first error it met, or
// storage.ErrClosed if the store was closed under it. Close is idempotent.
func (it *iterator) Close() error {
	if it.done {
		return it.err
	}
	it.store.mu.RLock()
	defer it.store.mu.RUnlock()
	if it.store.closed {
		it.abandon()
		return it.err
	}
	it.release()
	return it.err
}
