// Package ddblocal is hubstream's embedded DynamoDB engine: it serves the
// DynamoDB (and DynamoDB Streams) JSON protocol over an http.Handler, or
// in-process through HTTPClient with no socket at all, so that the
// application and its tests use the unchanged AWS SDK clients everywhere.
//
// Concurrency model: every write (item writes, transactions, table changes)
// runs under one commit lock, reads its inputs from a fresh store snapshot,
// and publishes its changes with one atomic storage Apply. That makes single
// writes linearizable and transactions serializable without per-item lock
// bookkeeping; reads never take the lock, they read a snapshot, so no reader
// can observe half of a transaction. Durability (when the store is durable)
// is awaited after the lock is released, so concurrent writers share one
// flush.
//
// See docs/engine.md at the repository root for the behaviours it
// reproduces, its limits and its knobs.
package ddblocal

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
	"github.com/hubstream/hubstream/internal/ddblocal/storage"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/memstore"
)

// Options configure an Engine. The zero value is a memory-only engine in
// region us-east-1 with account 000000000000.
type Options struct {
	// Region appears in ARNs and stream records. Default "us-east-1".
	Region string
	// AccountID appears in ARNs. Default "000000000000".
	AccountID string
	// Store holds all data. Default: a fresh in-memory store. The engine
	// closes it on Close.
	Store storage.Store
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logf receives diagnostics about internal faults (never client
	// errors). Default log.Printf.
	Logf func(format string, args ...any)
	// Streams configures DynamoDB Streams (shards, rollover, retention,
	// iterator lifetime).
	Streams StreamOptions
	// TTLSweepInterval is how often expired items are deleted. Default
	// 30 s (DynamoDB promises only "within a few days").
	TTLSweepInterval time.Duration
	// TTLUpdateInterval is how long after a TimeToLive change a table
	// refuses another, as DynamoDB does for an hour. Zero means one hour;
	// a negative value lifts the rule (tests that toggle TTL).
	TTLUpdateInterval time.Duration
	// Faults injects failures into a chosen fraction of requests so that
	// applications can exercise their retry paths. The zero value injects
	// none.
	Faults Faults
}

// Engine is an embedded DynamoDB endpoint. It is safe for concurrent use.
type Engine struct {
	opts      Options
	store     storage.Store
	ops       map[string]handlerFunc
	streamOps map[string]handlerFunc

	// commitMu serialises every write; see the package comment.
	commitMu sync.Mutex

	mu          sync.RWMutex // guards tables and nextTableID
	tables      map[string]*table
	nextTableID uint32

	reqIDs   *requestIDs
	respBufs bufferPool
	pairBufs pairPool
	// hashSeed keys the in-request duplicate checks (maphash).
	hashSeed maphash.Seed
	tokens   *tokenCache
	streams  *streamState
	faults   faultState
	iterKey  []byte

	closeOnce sync.Once
	closed    chan struct{}
	bg        sync.WaitGroup
	// life bounds the engine's own background work (rollover, trimming,
	// TTL sweeps, purges of deleted tables); Close cancels it. It is the
	// engine's one root context: requests carry their callers' contexts.
	life     context.Context
	stopLife context.CancelFunc

	// ttlIdx tells the TTL sweeper which items are due (ttl_index.go).
	ttlIdx ttlIndex
}

// table is a live table: its current definition and approximate statistics.
type table struct {
	meta  atomic.Pointer[tableMeta]
	stats *tableStats
}

// tableStats counts items and bytes per table and index for DescribeTable.
// DynamoDB refreshes these about every six hours; we keep them exact.
type tableStats struct {
	mu    sync.Mutex
	items map[uint16]int64
	bytes map[uint16]int64
}

func newTableStats() *tableStats {
	return &tableStats{items: map[uint16]int64{}, bytes: map[uint16]int64{}}
}

func (s *tableStats) add(indexID uint16, items, bytes int64) {
	s.mu.Lock()
	s.items[indexID] += items
	s.bytes[indexID] += bytes
	s.mu.Unlock()
}

func (s *tableStats) get(indexID uint16) (items, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.items[indexID], s.bytes[indexID]
}

// New returns an Engine over opts.Store, loading any tables it already
// holds. It fails only if the store cannot be read.
func New(opts Options) (*Engine, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logf == nil {
		opts.Logf = log.Printf
	}
	if opts.Store == nil {
		opts.Store = memstore.New()
	}
	setDefault(&opts.TTLSweepInterval, 30*time.Second)
	if opts.TTLUpdateInterval == 0 {
		opts.TTLUpdateInterval = time.Hour
	}
	opts.Streams.setDefaults()
	e := &Engine{
		opts:        opts,
		store:       opts.Store,
		tables:      map[string]*table{},
		nextTableID: 1,
		tokens:      newTokenCache(),
		reqIDs:      newRequestIDs(),
		hashSeed:    maphash.MakeSeed(),
		streams:     newStreamState(),
		closed:      make(chan struct{}),
	}
	e.ops = map[string]handlerFunc{
		"CreateTable":        e.createTable,
		"DescribeTable":      e.describeTable,
		"DeleteTable":        e.deleteTable,
		"ListTables":         e.listTables,
		"UpdateTable":        e.updateTable,
		"UpdateTimeToLive":   e.updateTimeToLive,
		"DescribeTimeToLive": e.describeTimeToLive,
		"PutItem":            e.putItem,
		"GetItem":            e.getItem,
		"UpdateItem":         e.updateItem,
		"DeleteItem":         e.deleteItem,
		"Query":              e.query,
		"Scan":               e.scan,
		"BatchGetItem":       e.batchGetItem,
		"BatchWriteItem":     e.batchWriteItem,
		"TransactWriteItems": e.transactWriteItems,
		"TransactGetItems":   e.transactGetItems,
		"TagResource":        e.tagResource,
		"UntagResource":      e.untagResource,
		"ListTagsOfResource": e.listTagsOfResource,
		"DescribeLimits":     e.describeLimits,
		"DescribeEndpoints":  e.describeEndpoints,
	}
	e.streamOps = map[string]handlerFunc{
		"ListStreams":      e.listStreams,
		"DescribeStream":   e.describeStream,
		"GetShardIterator": e.getShardIterator,
		"GetRecords":       e.getRecords,
	}
	if err := e.faults.set(opts.Faults); err != nil {
		return nil, err
	}
	e.life, e.stopLife = context.WithCancel(context.Background())
	if err := e.load(e.life); err != nil {
		e.stopLife()
		return nil, err
	}
	e.bg.Add(2)
	go e.maintainStreams()
	go e.sweepTTL()
	return e, nil
}

// load reads table definitions and recomputes statistics from the store.
func (e *Engine) load(ctx context.Context) error {
	snap := e.store.Snapshot()
	defer snap.Close()
	it := snap.Iter([]byte{prefixMeta}, []byte{prefixMeta + 1}, false)
	var metas []*tableMeta
	for it.Next() {
		var m tableMeta
		if err := json.Unmarshal(it.Value(), &m); err != nil {
			_ = it.Close()
			return fmt.Errorf("ddblocal: corrupt table definition %q: %w", it.Key()[1:], err)
		}
		metas = append(metas, &m)
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("ddblocal: reading table definitions: %w", err)
	}
	for _, m := range metas {
		t := &table{stats: newTableStats()}
		t.meta.Store(m)
		if err := e.countTable(snap, m, t.stats); err != nil {
			return err
		}
		e.tables[m.Name] = t
		if m.ID >= e.nextTableID {
			e.nextTableID = m.ID + 1
		}
	}
	if raw, ok, err := snap.Get([]byte{keyNextTableID}); err != nil {
		return fmt.Errorf("ddblocal: reading the table ID counter: %w", err)
	} else if ok && len(raw) == 4 && binary.BigEndian.Uint32(raw) > e.nextTableID {
		e.nextTableID = binary.BigEndian.Uint32(raw)
	}
	if err := e.loadStreams(snap); err != nil {
		return err
	}
	key, err := e.loadIteratorKey(ctx, snap)
	if err != nil {
		return err
	}
	e.iterKey = key
	return nil
}

func (e *Engine) countTable(snap storage.Snapshot, m *tableMeta, st *tableStats) error {
	ids := []uint16{0}
	for _, ix := range m.Indexes {
		ids = append(ids, ix.ID)
	}
	for _, id := range ids {
		p := dataPrefix(m.ID, id)
		it := snap.Iter(p, prefixEnd(p), false)
		var n, size int64
		for it.Next() {
			n++
			size += int64(len(it.Value()))
		}
		if err := it.Close(); err != nil {
			return fmt.Errorf("ddblocal: counting table %s: %w", m.Name, err)
		}
		st.add(id, n, size)
	}
	return nil
}

// Close stops background work and closes the store. It is safe to call more
// than once.
func (e *Engine) Close() error {
	var err error
	e.closeOnce.Do(func() {
		e.stopLife()
		close(e.closed)
		e.bg.Wait()
		err = e.store.Close()
	})
	return err
}

// HTTPClient returns a client that hands requests straight to the engine's
// handler, without a socket. It satisfies aws.HTTPClient, so
// dynamodb.New(dynamodb.Options{HTTPClient: e.HTTPClient(), ...}) talks to
// the engine in-process.
func (e *Engine) HTTPClient() *InProcessClient { return &InProcessClient{h: e} }

func (e *Engine) logf(format string, args ...any) { e.opts.Logf(format, args...) }

func (e *Engine) now() time.Time { return e.opts.Now() }

// lookup returns the live table called name, or ResourceNotFoundException.
func (e *Engine) lookup(name string) (*table, *tableMeta, error) {
	if err := validateTableName(name); err != nil {
		return nil, nil, err
	}
	e.mu.RLock()
	t := e.tables[name]
	e.mu.RUnlock()
	if t == nil {
		return nil, nil, errTableNotFound(name)
	}
	return t, t.meta.Load(), nil
}

// lookupData is lookup for the item operations, whose not-found message
// does not name the table (DynamoDB's DescribeTable and the other table
// operations name it; GetItem, Query and the rest do not).
func (e *Engine) lookupData(name string) (*table, *tableMeta, error) {
	t, m, err := e.lookup(name)
	if err == nil {
		// Before errors.As: its target would escape on every request.
		return t, m, nil
	}
	var de *ddberr.Error
	if errors.As(err, &de) && de.Code == ddberr.ResourceNotFound {
		return nil, nil, ddberr.New(ddberr.ResourceNotFound, "Requested resource not found")
	}
	return nil, nil, err
}

// decodeItem decodes a stored item. Stored bytes were written by this engine,
// so a failure means corruption and is an internal error.
func decodeItem(b []byte) (attr.Item, error) {
	it, err := attr.DecodeItemBinary(b)
	if err != nil {
		return nil, fmt.Errorf("ddblocal: corrupt stored item: %w", err)
	}
	return it, nil
}

// logBackground reports a failure of background work (rollover, trimming,
// TTL sweeps, purges), except the cancellation that Close causes: work cut
// short by shutdown is not a fault.
func (e *Engine) logBackground(what string, err error) {
	if e.life.Err() != nil {
		return
	}
	e.logf("ddblocal: %s: %v", what, err)
}
