package loaders

import (
	"context"

	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// Typed reads: every entity load decodes read items with the read model's
// one definition (internal/readmodel) and returns typed values; nothing
// above this package sees an item.

// decoded returns it decoded as a T, or nil when it is missing or not a T
// item (counter residue has no item type).
func decoded[T readmodel.Entity](it Item) *T {
	if v, ok := readmodel.Decode[T](it); ok {
		return &v
	}
	return nil
}

// loadEntity loads the read item at key (batched with the request's other
// loads) as a T; nil when there is none.
func loadEntity[T readmodel.Entity](ctx context.Context, l *Loaders, key table.Key) (*T, error) {
	it, err := l.ItemByKey.Load(ctx, key)()
	if err != nil {
		return nil, err
	}
	return decoded[T](it), nil
}

// loadEntities loads the read items at keys in one batch as Ts, aligned
// with keys; an entry is nil where there is none.
func loadEntities[T readmodel.Entity](ctx context.Context, l *Loaders, keys []table.Key) ([]*T, error) {
	items, errs := l.ItemByKey.LoadMany(ctx, keys)()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	out := make([]*T, len(items))
	for i, it := range items {
		out[i] = decoded[T](it)
	}
	return out, nil
}

// loadCounters loads the item at key for its counters only, as a C (a
// read model counters struct): counters moved before the item itself was
// projected (counter residue) are exact already.
func loadCounters[C any](ctx context.Context, l *Loaders, key table.Key) (C, error) {
	it, err := l.ItemByKey.Load(ctx, key)()
	if err != nil {
		var zero C
		return zero, err
	}
	return readmodel.DecodeCounters[C](it), nil
}
