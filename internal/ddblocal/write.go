package ddblocal

import (
	"context"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/storage"
)

// mutation is one item write, computed under the commit lock.
type mutation struct {
	t   *table
	m   *tableMeta
	key []byte    // store key of the item
	old attr.Item // nil when the item did not exist
	new attr.Item // nil for a delete
	// ttlDelete marks a deletion by the TTL sweeper (its stream record
	// carries the service identity).
	ttlDelete bool
	// oldSize is the stored size of old, when the caller knows it (-1 if
	// not); it saves re-encoding old just to account for its size.
	oldSize int
}

// changed reports whether the mutation modifies anything. DynamoDB writes no
// stream record, and we write nothing, for an identical put or a delete of a
// missing item.
func (mu *mutation) changed() bool {
	if mu.old == nil && mu.new == nil {
		return false
	}
	if mu.old == nil || mu.new == nil {
		return true
	}
	return !attr.ItemsEqual(mu.old, mu.new)
}

// statDelta is the change a commit makes to one table's statistics.
type statDelta struct {
	t            *table
	index        uint16
	items, bytes int64
}

// readItem returns the item stored under key in snap, or nil.
func readItem(snap storage.Snapshot, key []byte) (attr.Item, error) {
	it, _, err := readItemSized(snap, key)
	return it, err
}

// readItemSized is readItem that also returns the stored size.
func readItemSized(snap storage.Snapshot, key []byte) (attr.Item, int, error) {
	raw, ok, err := snap.Get(key)
	if err != nil || !ok {
		return nil, 0, err
	}
	it, err := decodeItem(raw)
	return it, len(raw), err
}

// stage appends mu's store writes (the item and every index entry) to b and
// its statistics changes to deltas.
func stage(b *storage.Batch, mu *mutation, deltas []statDelta) []statDelta {
	m := mu.m
	var oldSize int
	if mu.old != nil {
		if mu.oldSize > 0 {
			oldSize = mu.oldSize
		} else {
			oldSize = len(attr.AppendItemBinary(nil, mu.old))
		}
	}
	var newRaw []byte
	if mu.new != nil {
		raw := attr.AppendItemBinary(nil, mu.new)
		newRaw = raw
		b.Set(mu.key, raw)
		d := statDelta{t: mu.t, index: 0, bytes: int64(len(raw) - oldSize)}
		if mu.old == nil {
			d.items = 1
		}
		deltas = append(deltas, d)
	} else {
		b.Delete(mu.key)
		deltas = append(deltas, statDelta{t: mu.t, index: 0, items: -1, bytes: -int64(oldSize)})
	}
	for _, ix := range m.Indexes {
		inOld := mu.old != nil && ix.projects(mu.old)
		inNew := mu.new != nil && ix.projects(mu.new)
		var oldKey []byte
		var oldLen int
		if inOld {
			oldKey = indexEntryKey(m, ix, mu.old)
			if ix.Projection == projAll {
				oldLen = oldSize
			} else {
				oldLen = len(attr.AppendItemBinary(nil, ix.project(mu.old, m.Key)))
			}
		}
		if inNew {
			newKey := indexEntryKey(m, ix, mu.new)
			// An ALL projection stores the item itself: share its bytes.
			raw := newRaw
			if ix.Projection != projAll {
				raw = attr.AppendItemBinary(nil, ix.project(mu.new, m.Key))
			}
			if inOld && string(oldKey) != string(newKey) {
				b.Delete(oldKey)
			}
			b.Set(newKey, raw)
			d := statDelta{t: mu.t, index: ix.ID, bytes: int64(len(raw) - oldLen)}
			if !inOld {
				d.items = 1
			}
			deltas = append(deltas, d)
		} else if inOld {
			b.Delete(oldKey)
			deltas = append(deltas, statDelta{t: mu.t, index: ix.ID, items: -1, bytes: -int64(oldLen)})
		}
	}
	return deltas
}

// commit applies the changed mutations atomically (items, index entries
// and stream records in one batch). The caller holds the commit lock; it
// must call e.store.Sync after releasing it before acknowledging.
func (e *Engine) commit(ctx context.Context, muts []*mutation) error {
	var b storage.Batch
	var deltas []statDelta
	var changed []*mutation
	for _, mu := range muts {
		if !mu.changed() {
			continue
		}
		deltas = stage(&b, mu, deltas)
		changed = append(changed, mu)
	}
	if b.Len() == 0 {
		return nil
	}
	touched, err := e.stageStreamRecords(&b, changed)
	if err != nil {
		return err
	}
	if err := e.store.Apply(ctx, &b); err != nil {
		return err
	}
	e.streams.waiters.wake(touched)
	e.ttlIdx.noteCommit(changed)
	for _, d := range deltas {
		d.t.stats.add(d.index, d.items, d.bytes)
	}
	return nil
}

// syncApplied makes the batches already applied durable. It ignores ctx's
// cancellation (keeping its values): the store has the change by then, so
// giving up on the sync would only make the engine report a committed
// write as failed, or leave its in-memory table state behind the store's.
func (e *Engine) syncApplied(ctx context.Context) error {
	return e.store.Sync(context.WithoutCancel(ctx))
}
