package ddblocal

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTokenCache(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	fp := func(b byte) txDigest { return txDigest{b} }

	t.Run("remembered until the TTL passes", func(t *testing.T) {
		c := newTokenCache()
		c.put("tok", fp(1), t0)
		if got, ok := c.get("tok", t0.Add(clientTokenTTL)); !ok || got != fp(1) {
			t.Fatalf("at the TTL: got %v, %v; want the fingerprint", got, ok)
		}
		if _, ok := c.get("tok", t0.Add(clientTokenTTL+time.Nanosecond)); ok {
			t.Fatal("after the TTL the token is still remembered")
		}
		if _, ok := c.get("other", t0); ok {
			t.Fatal("an unknown token is remembered")
		}
	})

	t.Run("tokens differing only in length are distinct", func(t *testing.T) {
		c := newTokenCache()
		c.put("a", fp(1), t0)
		if _, ok := c.get("a\x00", t0); ok {
			t.Fatal(`"a\x00" found as "a"`)
		}
		long := strings.Repeat("x", maxClientTokenSize)
		c.put(long, fp(2), t0)
		if got, ok := c.get(long, t0); !ok || got != fp(2) {
			t.Fatal("a token of the maximum length is not remembered")
		}
		c.put(long+"y", fp(3), t0)
		if _, ok := c.get(long+"y", t0); ok {
			t.Fatal("a token over the maximum length is remembered")
		}
	})

	t.Run("expired entries are dropped, a reused token keeps its new entry", func(t *testing.T) {
		c := newTokenCache()
		c.put("old", fp(1), t0)
		c.put("reused", fp(2), t0)
		c.put("reused", fp(3), t0.Add(5*time.Minute))
		// This put runs after "old" and the first "reused" expired.
		c.put("new", fp(4), t0.Add(clientTokenTTL+time.Minute))
		if _, ok := c.entries[mustTokenKey(t, "old")]; ok {
			t.Error(`"old" was not dropped from the map`)
		}
		if got, ok := c.get("reused", t0.Add(clientTokenTTL+time.Minute)); !ok || got != fp(3) {
			t.Errorf(`"reused" = %v, %v; want its second fingerprint`, got, ok)
		}
		if len(c.entries) != 2 {
			t.Errorf("%d entries, want 2 (reused, new)", len(c.entries))
		}
	})

	t.Run("a clock that stepped back does not hold up expiry", func(t *testing.T) {
		c := newTokenCache()
		c.put("ahead", fp(1), t0.Add(24*time.Hour))
		for i := 0; i < 100; i++ {
			c.put("tok"+strconv.Itoa(i), fp(2), t0.Add(time.Duration(i)*time.Second))
		}
		c.put("later", fp(3), t0.Add(clientTokenTTL+time.Hour))
		if len(c.entries) != 2 || len(c.expiry) != 2 {
			t.Fatalf("%d entries, %d queued; want 2 (ahead, later)", len(c.entries), len(c.expiry))
		}
		if _, ok := c.get("ahead", t0.Add(clientTokenTTL+time.Hour)); !ok {
			t.Fatal(`"ahead" expired before its time`)
		}
	})
}

func mustTokenKey(t *testing.T, tok string) tokenKey {
	t.Helper()
	k, ok := tokenKeyOf(tok)
	if !ok {
		t.Fatalf("tokenKeyOf(%q) refused", tok)
	}
	return k
}
