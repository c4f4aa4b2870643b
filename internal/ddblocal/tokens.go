package ddblocal

import (
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
// garbage collector never scans it, and entries expire in insertion order
// from a queue, a few per put, instead of in a periodic sweep that held the
// lock over the whole map.
type tokenCache struct {
	mu      sync.Mutex
	entries map[tokenKey]tokenEntry
	// order holds entries by expiry (the TTL is constant, so that is
	// insertion order); head is the first live position.
	order []queuedToken
	head  int
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
	c.order = append(c.order, queuedToken{key: k, expires: expires})
	c.expire(now.UnixNano())
}

// expire drops entries whose time has passed. A queued token that was put
// again later has a newer entry, which stays.
func (c *tokenCache) expire(now int64) {
	for c.head < len(c.order) && c.order[c.head].expires < now {
		q := c.order[c.head]
		if e, ok := c.entries[q.key]; ok && e.expires == q.expires {
			delete(c.entries, q.key)
		}
		c.order[c.head] = queuedToken{}
		c.head++
	}
	// Reclaim the queue's dead prefix once it is most of the slice.
	if c.head > 1024 && c.head*2 > len(c.order) {
		c.order = append(c.order[:0], c.order[c.head:]...)
		c.head = 0
	}
}
