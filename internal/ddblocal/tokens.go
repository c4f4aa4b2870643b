package ddblocal

import (
	"container/heap"
	"sync"
	"time"
)

// tokenCache remembers the ClientRequestTokens of committed transactions
// for clientTokenTTL, as DynamoDB does, with the fingerprint of the
// request each one was used with.
//
// Every Go SDK TransactWriteItems call carries a token, so at thousands of
// transactions per second the cache holds millions of entries. It is
// built for that: map keys and values hold no pointers (tokens are at most
// 36 bytes and stored inline; fingerprints are SHA-256 digests), so the
// garbage collector never scans it, and entries expire from a min-heap of
// expiry times, a few per put, instead of in a periodic sweep that held the
// lock over the whole map. A heap rather than an insertion-ordered queue:
// the engine's clock is wall time and may step back, and one entry from a
// clock that ran ahead must not hold up the expiry of all later ones.
type tokenCache struct {
	mu      sync.Mutex
	entries map[tokenKey]tokenEntry
	expiry  tokenHeap
}

// tokenKey is a token of at most maxClientTokenSize bytes, stored inline.
type tokenKey struct {
	n uint8
	b [maxClientTokenSize]byte
}

type tokenEntry struct {
	fingerprint txDigest
	expires     int64 // UnixNano
}

type queuedToken struct {
	key     tokenKey
	expires int64
}

func newTokenCache() *tokenCache { return &tokenCache{entries: map[tokenKey]tokenEntry{}} }

// tokenKeyOf returns tok's key; ok is false for a token longer than DynamoDB
// allows (callers validate the length first).
func tokenKeyOf(tok string) (k tokenKey, ok bool) {
	if len(tok) > maxClientTokenSize {
		return k, false
	}
	k.n = uint8(len(tok))
	copy(k.b[:], tok)
	return k, true
}

// get returns the fingerprint tok was committed with, if that was less
// than clientTokenTTL before now.
func (c *tokenCache) get(tok string, now time.Time) (txDigest, bool) {
	k, ok := tokenKeyOf(tok)
	if !ok {
		return txDigest{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || now.UnixNano() > e.expires {
		return txDigest{}, false
	}
	return e.fingerprint, true
}

// put records tok as committed at now with fingerprint, and forgets
// tokens that have expired.
func (c *tokenCache) put(tok string, fingerprint txDigest, now time.Time) {
	k, ok := tokenKeyOf(tok)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	expires := now.Add(clientTokenTTL).UnixNano()
	c.entries[k] = tokenEntry{fingerprint: fingerprint, expires: expires}
	heap.Push(&c.expiry, queuedToken{key: k, expires: expires})
	c.expire(now.UnixNano())
}

// expire drops entries whose time has passed. A token that was put again
// later has a newer entry, which stays.
func (c *tokenCache) expire(now int64) {
	for len(c.expiry) > 0 && c.expiry[0].expires < now {
		q := heap.Pop(&c.expiry).(queuedToken)
		if e, ok := c.entries[q.key]; ok && e.expires == q.expires {
			delete(c.entries, q.key)
		}
	}
}

// tokenHeap is a min-heap of queued tokens by expiry.
type tokenHeap = dueHeap[queuedToken]

func (q queuedToken) dueAt() int64 { return q.expires }
