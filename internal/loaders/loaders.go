package loaders

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/hubstream/hubstream/internal/table"
)

// Options configure the loaders of one request.
type Options struct {
	// Wait is how long a loader collects keys before it calls DynamoDB.
	// Default 2 ms: gqlgen resolves sibling fields concurrently within
	// microseconds, so a short window already catches a whole level.
	Wait time.Duration
}

// Loaders are one request's dataloaders.
type Loaders struct {
	// AccountByLogin loads users and organizations by login
	// (case-insensitive); a missing account is nil.
	AccountByLogin *dataloader.Loader[string, *Account]
}

// Source is what loaders read from.
type Source struct {
	DB    *dynamodb.Client
	Table string
}

// New returns fresh loaders for one request.
func New(src Source, opts Options) *Loaders {
	if opts.Wait <= 0 {
		opts.Wait = 2 * time.Millisecond
	}
	return &Loaders{
		AccountByLogin: dataloader.NewBatchedLoader(func(ctx context.Context, logins []string) []*dataloader.Result[*Account] {
			keys := make([]table.Key, len(logins))
			for i, l := range logins {
				keys[i] = table.AccountKey(strings.ToLower(l))
			}
			items, err := batchGet(ctx, src.DB, src.Table, keys)
			out := make([]*dataloader.Result[*Account], len(logins))
			for i := range logins {
				if err != nil {
					out[i] = &dataloader.Result[*Account]{Error: err}
				} else {
					out[i] = &dataloader.Result[*Account]{Data: decodeAccount(items[i])}
				}
			}
			return out
		}, dataloader.WithWait[string, *Account](opts.Wait), dataloader.WithBatchCapacity[string, *Account](maxBatchGet)),
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
