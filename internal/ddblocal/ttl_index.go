package ddblocal

import (
	"container/heap"
	"context"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// The TTL sweeper's index of expiry times.
//
// Sweeping by scanning decodes every item of every TTL-enabled table each
// TTLSweepInterval: 180 ms of CPU for 100 000 items in memory, so an idle
// engine holding a few hundred thousand items spent several percent of a
// core finding nothing to delete (BenchmarkTTLSweepIdle). Instead the
// engine keeps, per table, when each item carrying a numeric TTL attribute
// becomes due, in memory: commits keep it current, a sweep pops what is
// due and deletes it after the usual re-check. A table is scanned once,
// by the first sweep after the engine opened or its TTL was enabled.
// Memory: an entry per item that carries a TTL (key and two integers).

// ttlIndex holds the expiry index of every TTL-enabled table being tracked.
// Its methods are safe for concurrent use.
type ttlIndex struct {
	mu     sync.Mutex
	tables map[uint32]*ttlTable // by table ID
}

// ttlTable is one table's index.
type ttlTable struct {
	attr  string             // the TTL attribute indexed
	due   map[string]ttlMark // item store key → when it expires
	gen   uint64             // the last mark's generation
	order ttlHeap            // marks by due time; stale ones are dropped when popped
	// dirty records the keys committed while the first scan runs: the
	// scan's snapshot is older than them, so it must not index them.
	dirty map[string]bool
}

// ttlMark is when an item is due: from unix second due on it is expired.
// gen tells marks apart, so that a mark set again (an item updated or
// re-created) is never mistaken for the one a sweep popped.
type ttlMark struct {
	due int64
	gen uint64
}

type ttlEntry struct {
	ttlMark
	key string
}

// ttlHeap is a min-heap of TTL marks by due time.
type ttlHeap = dueHeap[ttlEntry]

func (e ttlEntry) dueAt() int64 { return e.due }

// ttlDue returns the first unix second at which an item whose TTL
// attribute is v is certainly expired: one past the value rounded up, so
// that the index is never early (a mark popped early would be re-checked,
// found not expired and forgotten). It works on the decimal text, exactly;
// magnitudes beyond int64 are clamped. It returns false when v is not a
// number.
func ttlDue(v attr.Value) (int64, bool) {
	if v.Type != attr.TypeN {
		return 0, false
	}
	s := v.S
	if strings.ContainsAny(s, "eE") {
		// Stored numbers are canonical (plain notation); be safe anyway.
		c, err := attr.CanonicalNumber(s)
		if err != nil {
			return 0, false
		}
		s = c
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if !allDigits(whole) || !allDigits(frac) {
		return 0, false
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 18 {
		if neg {
			return math.MinInt64, true
		}
		return math.MaxInt64, true
	}
	n := int64(0)
	if whole != "" {
		n, _ = strconv.ParseInt(whole, 10, 64) // ≤ 18 digits: fits
	}
	if neg {
		return -n + 1, true // ceil(-n.f) = -n
	}
	if strings.Trim(frac, "0") != "" {
		n++
	}
	return n + 1, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// set records item's expiry under key (nil item or no TTL: none). The
// caller holds x.mu.
func (tt *ttlTable) set(key string, item attr.Item) {
	if v, ok := item[tt.attr]; ok {
		if due, ok := ttlDue(v); ok {
			tt.gen++
			mark := ttlMark{due: due, gen: tt.gen}
			tt.due[key] = mark
			heap.Push(&tt.order, ttlEntry{ttlMark: mark, key: key})
			tt.compact()
			return
		}
	}
	delete(tt.due, key)
}

// compact rebuilds the heap when stale entries (of items updated or
// deleted since) outnumber the live ones.
func (tt *ttlTable) compact() {
	if len(tt.order) < 1024 || len(tt.order) < 2*len(tt.due) {
		return
	}
	tt.order = tt.order[:0]
	for k, mark := range tt.due {
		tt.order = append(tt.order, ttlEntry{ttlMark: mark, key: k})
	}
	heap.Init(&tt.order)
}

// noteCommit keeps the index current with the changed mutations of a
// commit that was just applied. The caller holds the commit lock.
func (x *ttlIndex) noteCommit(changed []*mutation) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.tables) == 0 {
		return
	}
	for _, mu := range changed {
		tt := x.tables[mu.m.ID]
		if tt == nil || !mu.m.TTLEnabled || mu.m.TTLAttr != tt.attr {
			continue
		}
		_, hadTTL := mu.old[tt.attr]
		_, hasTTL := mu.new[tt.attr]
		if !hadTTL && !hasTTL {
			continue
		}
		key := string(mu.key)
		tt.set(key, mu.new)
		if tt.dirty != nil {
			tt.dirty[key] = true
		}
	}
}

// ttlTableFor returns the index of t for the sweeper, building it on first
// use (or after the TTL attribute changed) from a scan of a snapshot taken
// under the commit lock: commits before the snapshot are in it, commits
// after it are noted (and kept from being overwritten by the scan).
func (e *Engine) ttlTableFor(ctx context.Context, t *table, m *tableMeta) (*ttlTable, error) {
	x := &e.ttlIdx
	x.mu.Lock()
	tt := x.tables[m.ID]
	x.mu.Unlock()
	if tt != nil && tt.attr == m.TTLAttr {
		return tt, nil
	}
	e.commitMu.Lock()
	m = t.meta.Load()
	tt = &ttlTable{attr: m.TTLAttr, due: map[string]ttlMark{}, dirty: map[string]bool{}}
	x.mu.Lock()
	if x.tables == nil {
		x.tables = map[uint32]*ttlTable{}
	}
	x.tables[m.ID] = tt
	x.mu.Unlock()
	snap := e.store.Snapshot()
	e.commitMu.Unlock()
	defer snap.Close()

	p := dataPrefix(m.ID, 0)
	it := snap.Iter(p, prefixEnd(p), false)
	n := 0
	for it.Next() {
		if n++; n%4096 == 0 && ctx.Err() != nil {
			break
		}
		item, err := decodeItem(it.Value())
		if err != nil {
			_ = it.Close()
			x.forget(m.ID, tt)
			return nil, err
		}
		if _, ok := item[tt.attr]; !ok {
			continue
		}
		key := string(it.Key())
		x.mu.Lock()
		if !tt.dirty[key] {
			tt.set(key, item)
		}
		x.mu.Unlock()
	}
	err := it.Close()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		x.forget(m.ID, tt)
		return nil, err
	}
	x.mu.Lock()
	tt.dirty = nil
	x.mu.Unlock()
	return tt, nil
}

// forget drops tt (an unfinished build) unless it was replaced meanwhile.
func (x *ttlIndex) forget(id uint32, tt *ttlTable) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.tables[id] == tt {
		delete(x.tables, id)
	}
}

// retain drops the indexes of tables that are gone or no longer have TTL
// enabled (live: the IDs of the live TTL-enabled tables).
func (x *ttlIndex) retain(live map[uint32]bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for id := range x.tables {
		if !live[id] {
			delete(x.tables, id)
		}
	}
}

// dueEntries pops tt's marks due at now that are still current. A
// sweep deletes their items after re-checking them; the marks of those it
// does not delete (a TTL too far in the past, which DynamoDB ignores for
// ever) must be dropped with drop.
func (x *ttlIndex) dueEntries(tt *ttlTable, now time.Time) []ttlEntry {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []ttlEntry
	sec := now.Unix()
	for len(tt.order) > 0 && tt.order[0].due <= sec {
		e := heap.Pop(&tt.order).(ttlEntry)
		if tt.due[e.key] == e.ttlMark {
			out = append(out, e)
		}
	}
	return out
}

// restore puts back the marks of entries a failed sweep did not handle
// (those still current), for the next sweep.
func (x *ttlIndex) restore(tt *ttlTable, entries []ttlEntry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range entries {
		if tt.due[e.key] == e.ttlMark {
			heap.Push(&tt.order, e)
		}
	}
}

// drop forgets the marks of entries that are still current: their items
// were not deleted, and nothing committed since changed their TTL.
func (x *ttlIndex) drop(tt *ttlTable, entries []ttlEntry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range entries {
		if tt.due[e.key] == e.ttlMark {
			delete(tt.due, e.key)
		}
	}
}
