package loaders

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/hubstream/hubstream/internal/table"
)

// Options configure the loaders of one request.
type Options struct {
	// Wait is how long a loader collects keys before it calls DynamoDB.
	// Default 2 ms: gqlgen resolves sibling fields concurrently within
	// microseconds, so a short window already catches a whole level.
	Wait time.Duration
	// ObserveBatch, when set, is called with the loader's name and the
	// number of keys of every batch it loads (metrics: batch sizes). It
	// must be safe for concurrent use and quick. Default: none.
	ObserveBatch func(loader string, keys int)
}

// Item is a raw read item.
type Item = map[string]types.AttributeValue

// Loaders are one request's dataloaders.
type Loaders struct {
	// ItemByKey loads any read items by primary key. Every entity loader
	// goes through it, so all keys wanted at one level of a query share one
	// BatchGetItem. A missing item is nil.
	ItemByKey *dataloader.Loader[table.Key, Item]
	// Pager lists connections (Query) with sealed cursors.
	Pager *Pager
	src   Source

	countMu sync.Mutex
	counts  map[string]*countCall // Count results of this request, by binding
}

// Source is what loaders read from.
type Source struct {
	DB    *dynamodb.Client
	Table string
	Pager *Pager
}

// New returns fresh loaders for one request.
func New(src Source, opts Options) *Loaders {
	if opts.Wait <= 0 {
		opts.Wait = 5 * time.Millisecond
	}
	return &Loaders{
		src:   src,
		Pager: src.Pager,
		ItemByKey: dataloader.NewBatchedLoader(func(ctx context.Context, keys []table.Key) []*dataloader.Result[Item] {
			if opts.ObserveBatch != nil {
				opts.ObserveBatch("item", len(keys))
			}
			items, err := batchGet(ctx, src.DB, src.Table, keys)
			out := make([]*dataloader.Result[Item], len(keys))
			for i := range keys {
				if err != nil {
					out[i] = &dataloader.Result[Item]{Error: err}
				} else {
					out[i] = &dataloader.Result[Item]{Data: items[i]}
				}
			}
			return out
		}, dataloader.WithWait[table.Key, Item](opts.Wait), dataloader.WithBatchCapacity[table.Key, Item](maxBatchGet)),
	}
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the loaders in ctx, or nil.
func From(ctx context.Context) *Loaders {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	return l
}

// PrimeItems reads keys with one batched read now and caches the results
// (misses included) in ItemByKey, so that later loads of those keys cost no
// request. It is how a query's root level is made one BatchGetItem
// deterministically, independent of the loader's time window.
func (l *Loaders) PrimeItems(ctx context.Context, keys []table.Key) error {
	items, err := batchGet(ctx, l.src.DB, l.src.Table, keys)
	if err != nil {
		return err
	}
	for i, k := range keys {
		l.ItemByKey.Prime(ctx, k, items[i])
	}
	return nil
}
