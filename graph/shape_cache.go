package graph

import (
	"context"
	"crypto/sha256"

	"github.com/99designs/gqlgen/graphql/handler/lru"
)

// shapeCacheEntries bounds the documents whose shape check is remembered:
// each entry is a 32-byte digest, whatever the size of the document.
const shapeCacheEntries = 1000

// shapeCache remembers the documents that passed the shape check, by the
// SHA-256 of their text, so that a query a client sends again is not
// parsed a second time just to be checked (gqlgen's own query cache spares
// it the second parse, not us). The check depends on nothing but the text
// and the token limit, which is fixed for the extension, so a remembered
// pass is exact. Rejections are not remembered: an abusive document costs
// its parse every time, as before, and cannot evict good ones for free.
type shapeCache struct{ lru *lru.LRU[struct{}] }

func newShapeCache() shapeCache { return shapeCache{lru: lru.New[struct{}](shapeCacheEntries)} }

// passed reports whether query is remembered as having passed.
func (c shapeCache) passed(ctx context.Context, query string) bool {
	_, ok := c.lru.Get(ctx, shapeDigest(query))
	return ok
}

// pass remembers that query passed.
func (c shapeCache) pass(ctx context.Context, query string) {
	c.lru.Add(ctx, shapeDigest(query), struct{}{})
}

func shapeDigest(query string) string {
	d := sha256.Sum256([]byte(query))
	return string(d[:])
}
