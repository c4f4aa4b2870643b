package loaders

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/table"
)

// Options configure the loaders of one request.
type Options struct {
	// Wait is how long a batch collects keys outside a GraphQL operation
	// (no Begin): the plain window. Default DefaultWait (5 ms).
	Wait time.Duration
	// Stall is the fallback during an operation, whose batches the
	// scheduler (scheduler.go) sends as soon as every field is done or
	// waiting: an open batch is sent anyway once Stall passed without any
	// progress of the request — only a field waiting on something else
	// than a loader makes that happen. Default DefaultStall (50 ms).
	Stall time.Duration
	// ObserveBatch, when set, is called with the loader's name and the
	// number of keys of every batch it loads (metrics: batch sizes). It
	// must be safe for concurrent use and quick. Default: none.
	ObserveBatch func(loader string, keys int)
	// ObserveDispatch, when set, is called with the loader's name and
	// what sent each batch (TriggerIdle, TriggerWindow, TriggerFull). It
	// is called with the request's scheduler locked: it must be quick and
	// must not use the loaders. Default: none.
	ObserveDispatch func(loader, trigger string)
}

// The defaults of Options.Wait and Options.Stall.
const (
	DefaultWait  = 5 * time.Millisecond
	DefaultStall = 50 * time.Millisecond
)

// Item is a raw read item.
type Item = map[string]types.AttributeValue

// Loaders are one request's dataloaders.
type Loaders struct {
	// ItemByKey loads any read items by primary key. Every entity loader
	// goes through it, so all keys wanted at one level of a query share one
	// BatchGetItem. A missing item is nil.
	ItemByKey *Batcher[table.Key, Item]
	// Pager lists connections (Query) with sealed cursors.
	Pager *Pager
	src   Source
	sched *scheduler

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
		opts.Wait = DefaultWait
	}
	if opts.Stall <= 0 {
		opts.Stall = DefaultStall
	}
	s := &scheduler{window: opts.Wait, stall: opts.Stall, observe: opts.ObserveDispatch}
	return &Loaders{
		src:   src,
		Pager: src.Pager,
		sched: s,
		ItemByKey: newBatcher(s, "item", maxBatchGet, func(ctx context.Context, keys []table.Key) ([]Item, error) {
			if opts.ObserveBatch != nil {
				opts.ObserveBatch("item", len(keys))
			}
			return batchGet(ctx, src.DB, src.Table, keys)
		}),
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
