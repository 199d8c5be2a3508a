package auth

import (
	"fmt"
	"testing"
	"time"
)

// The token cache trusts a lookup for TokenCacheTTL of real time, never one
// that raced a revocation, and forgets everything at a revocation.
func TestTokenCache(t *testing.T) {
	var c tokenCache
	tok := Token{ID: "t1", Name: "filler PLC"}

	if _, ok := c.get("h1"); ok {
		t.Fatal("an empty cache answered")
	}
	c.put("h1", tok, c.generation(), time.Now())
	if got, ok := c.get("h1"); !ok || got.ID != "t1" {
		t.Fatalf("get after put = %v, %v", got, ok)
	}

	// An entry read TokenCacheTTL ago is stale: the store is asked again.
	c.put("h2", tok, c.generation(), time.Now().Add(-TokenCacheTTL))
	if _, ok := c.get("h2"); ok {
		t.Error("an entry as old as TokenCacheTTL was trusted")
	}
	c.put("h3", tok, c.generation(), time.Now().Add(-TokenCacheTTL+time.Minute))
	if _, ok := c.get("h3"); !ok {
		t.Error("a fresh entry was not trusted")
	}

	// A lookup that began before a revocation is not cached: the store may
	// have answered with the token as it was before it was revoked.
	gen := c.generation()
	c.invalidate()
	if _, ok := c.get("h1"); ok {
		t.Error("a revocation left a token cached")
	}
	c.put("h1", tok, gen, time.Now())
	if _, ok := c.get("h1"); ok {
		t.Error("a lookup that raced a revocation was cached")
	}
	c.put("h1", tok, c.generation(), time.Now())
	if _, ok := c.get("h1"); !ok {
		t.Error("a lookup after the revocation was not cached")
	}

	// The cache is bounded: at tokenCacheMax entries it starts over.
	for i := range tokenCacheMax + 1 {
		c.put(fmt.Sprintf("bulk-%d", i), tok, c.generation(), time.Now())
	}
	if n := len(c.entries); n > tokenCacheMax {
		t.Errorf("the cache holds %d entries, more than %d", n, tokenCacheMax)
	}
	if _, ok := c.get(fmt.Sprintf("bulk-%d", tokenCacheMax)); !ok {
		t.Error("the newest entry is missing after the cache started over")
	}
}
