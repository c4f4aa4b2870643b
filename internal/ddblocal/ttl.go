package ddblocal

import (
	"context"
	"strconv"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// ttlMaxAge mirrors DynamoDB, which ignores TTL values more than five years
// in the past (they are most likely not epoch seconds).
const ttlMaxAge = 5 * 365 * 24 * time.Hour

// ttlBatch bounds how many expired items one commit deletes, so the sweeper
// never holds the commit lock for long.
const ttlBatch = 100

// sweepTTL deletes expired items until the engine closes.
func (e *Engine) sweepTTL() {
	defer e.bg.Done()
	e.every(e.opts.TTLSweepInterval, func() {
		if _, err := e.SweepExpired(e.life); err != nil {
			e.logBackground("TTL sweep", err)
		}
	})
}

// expired reports whether item's TTL attribute is a number of epoch seconds
// in the past (but not absurdly far in the past).
func expired(item attr.Item, ttlAttr string, now time.Time) bool {
	v, ok := item[ttlAttr]
	if !ok || v.Type != attr.TypeN {
		return false
	}
	nowText := strconv.FormatInt(now.Unix(), 10)
	if attr.CompareNumbers(v.S, nowText) > 0 {
		return false
	}
	return attr.CompareNumbers(v.S, strconv.FormatInt(now.Add(-ttlMaxAge).Unix(), 10)) >= 0
}

// SweepExpired deletes every item whose TTL has passed in tables with TTL
// enabled, writing REMOVE stream records that carry the DynamoDB service
// identity. It returns how many items it deleted. The background sweeper
// calls it every Options.TTLSweepInterval; tests may call it directly.
// It visits only the items that are due (see ttl_index.go), except on its
// first call for a table, which reads the whole table once.
func (e *Engine) SweepExpired(ctx context.Context) (int, error) {
	e.mu.RLock()
	tables := make([]*table, 0, len(e.tables))
	for _, t := range e.tables {
		tables = append(tables, t)
	}
	e.mu.RUnlock()
	deleted := 0
	live := map[uint32]bool{}
	for _, t := range tables {
		m := t.meta.Load()
		if !m.TTLEnabled {
			continue
		}
		live[m.ID] = true
		tt, err := e.ttlTableFor(ctx, t, m)
		if err != nil {
			return deleted, err
		}
		due := e.ttlIdx.dueEntries(tt, e.now())
		for len(due) > 0 {
			n := min(len(due), ttlBatch)
			keys := make([][]byte, n)
			for i, d := range due[:n] {
				keys[i] = []byte(d.key)
			}
			d, err := e.deleteExpired(ctx, t, keys)
			deleted += d
			if err != nil {
				// Whatever this sweep did not get to waits for the next.
				e.ttlIdx.restore(tt, due)
				return deleted, err
			}
			e.ttlIdx.drop(tt, due[:n])
			due = due[n:]
		}
	}
	e.ttlIdx.retain(live)
	return deleted, nil
}

// deleteExpired re-checks each item under the commit lock (it may have been
// updated since the scan) and deletes those still expired.
func (e *Engine) deleteExpired(ctx context.Context, t *table, keys [][]byte) (int, error) {
	e.commitMu.Lock()
	m := t.meta.Load()
	e.mu.RLock()
	live := e.tables[m.Name] == t
	e.mu.RUnlock()
	if !live || !m.TTLEnabled {
		e.commitMu.Unlock()
		return 0, nil
	}
	now := e.now()
	snap := e.store.Snapshot()
	var muts []*mutation
	for _, k := range keys {
		old, err := readItem(snap, k)
		if err != nil {
			_ = snap.Close()
			e.commitMu.Unlock()
			return 0, err
		}
		if old != nil && expired(old, m.TTLAttr, now) {
			muts = append(muts, &mutation{t: t, m: m, key: k, old: old, ttlDelete: true})
		}
	}
	_ = snap.Close()
	err := e.commit(ctx, muts)
	e.commitMu.Unlock()
	if err != nil {
		return 0, err
	}
	return len(muts), e.syncApplied(ctx)
}
