package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql/handler/lru"
)

// Bounds of the automatic persisted query cache: at most apqEntries
// queries of at most apqMaxQueryBytes each (a few MiB in all, whatever
// clients send). A larger query is answered but not kept: its client
// sends it in full again, as the protocol allows.
const (
	apqEntries       = 100
	apqMaxQueryBytes = 32 << 10
)

// apqCache is the bounded cache of persisted queries.
type apqCache struct{ lru *lru.LRU[string] }

func newAPQCache() apqCache { return apqCache{lru: lru.New[string](apqEntries)} }

// Get returns the query stored under hash.
func (c apqCache) Get(ctx context.Context, hash string) (string, bool) {
	return c.lru.Get(ctx, hash)
}

// Add keeps query under hash unless it is larger than apqMaxQueryBytes.
func (c apqCache) Add(ctx context.Context, hash, query string) {
	if len(query) > apqMaxQueryBytes {
		return
	}
	c.lru.Add(ctx, hash, query)
}
