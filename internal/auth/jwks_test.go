package auth

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func newJWKSAuth(t *testing.T, srv *jwksServer, clk *clock) *Authenticator {
	t.Helper()
	// The tokens outlive the key cache's hours of clock advances: no
	// lifetime limit here (tokens_test.go tests it).
	a, err := New(Options{JWKSURL: srv.URL, Issuer: testIssuer, Audience: testAudience, Now: clk.Now, Logf: t.Logf, MaxTokenLifetime: -1})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestJWKSRefresh drives the key cache through rotation, forged kids and
// expiry, counting fetches at the JWKS endpoint after each step.
func TestJWKSRefresh(t *testing.T) {
	testKeys(t)
	clk := newClock()
	srv := newJWKSServer(t, rsaJWK("k1", &rsaKey1.PublicKey))
	a := newJWKSAuth(t, srv, clk)
	tok := func(key any, kid string) string {
		c := good("octocat")
		c.ExpiresAt = jwt.NewNumericDate(t0.Add(48 * time.Hour))
		return sign(t, jwt.SigningMethodRS256, key, kid, c)
	}
	k1, k2, forged := tok(rsaKey1, "k1"), tok(rsaKey2, "k2"), tok(rsaKey2, "forged")

	steps := []struct {
		name        string
		before      func()
		token       string
		repeat      int
		wantOK      bool
		wantFetches int64
	}{
		{"first token fetches the set", nil, k1, 1, true, 1},
		{"known kid: served from the cache", nil, k1, 5, true, 1},
		{"unknown kid right after a fetch: rate-limited, no fetch", func() {
			srv.set(rsaJWK("k1", &rsaKey1.PublicKey), rsaJWK("k2", &rsaKey2.PublicKey))
		}, k2, 3, false, 1},
		{"unknown kid after the minimum interval: one refresh finds the rotated key", func() {
			clk.Advance(DefaultJWKSMinRefreshInterval)
		}, k2, 3, true, 2},
		{"forged kids cannot make us hammer the endpoint", nil, forged, 50, false, 2},
		{"next interval: a forged kid costs one fetch", func() {
			clk.Advance(DefaultJWKSMinRefreshInterval)
		}, forged, 50, false, 3},
		{"old key rotated out: still cached until a refresh", func() {
			srv.set(rsaJWK("k2", &rsaKey2.PublicKey))
		}, k1, 2, true, 3},
		{"set older than the maximum age: refreshed, k1 gone", func() {
			clk.Advance(DefaultJWKSMaxAge)
		}, k1, 2, false, 4},
		{"k2 still served from the refreshed set", nil, k2, 2, true, 4},
		{"endpoint failing at expiry: the old keys stay in use", func() {
			srv.setStatus(http.StatusInternalServerError)
			clk.Advance(DefaultJWKSMaxAge)
		}, k2, 3, true, 5},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		for i := 0; i < st.repeat; i++ {
			v, err := a.Authenticate(context.Background(), st.token)
			if ok := err == nil; ok != st.wantOK {
				t.Fatalf("%s: attempt %d: viewer %+v, err %v; want ok=%v", st.name, i, v, err, st.wantOK)
			}
		}
		if got := srv.fetches.Load(); got != st.wantFetches {
			t.Fatalf("%s: %d JWKS fetches, want %d", st.name, got, st.wantFetches)
		}
	}
}

// TestJWKSUnknownKidConcurrent checks that concurrent tokens with an
// unknown kid share one refresh.
func TestJWKSUnknownKidConcurrent(t *testing.T) {
	testKeys(t)
	clk := newClock()
	srv := newJWKSServer(t, rsaJWK("k1", &rsaKey1.PublicKey))
	a := newJWKSAuth(t, srv, clk)
	c := good("octocat")
	if _, err := a.Authenticate(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey1, "k1", c)); err != nil {
		t.Fatal(err)
	}
	srv.set(rsaJWK("k1", &rsaKey1.PublicKey), rsaJWK("k2", &rsaKey2.PublicKey))
	clk.Advance(DefaultJWKSMinRefreshInterval)
	k2 := sign(t, jwt.SigningMethodRS256, rsaKey2, "k2", c)
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() { _, errs[i] = a.Authenticate(context.Background(), k2) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	if got := srv.fetches.Load(); got != 2 {
		t.Fatalf("%d JWKS fetches, want 2 (the first and one shared refresh)", got)
	}
}

// TestJWKSMiddleware: an unknown kid through the middleware is a 401
// after exactly one refresh.
func TestJWKSMiddleware(t *testing.T) {
	testKeys(t)
	clk := newClock()
	srv := newJWKSServer(t, rsaJWK("k1", &rsaKey1.PublicKey))
	a := newJWKSAuth(t, srv, clk)
	c := good("octocat")
	if r := serve(a, "Bearer "+sign(t, jwt.SigningMethodRS256, rsaKey1, "k1", c)); r.status != http.StatusOK {
		t.Fatalf("valid token: status %d %s", r.status, r.body)
	}
	clk.Advance(DefaultJWKSMinRefreshInterval)
	checkUnauthenticated(t, serve(a, "Bearer "+sign(t, jwt.SigningMethodRS256, rsaKey2, "unknown", c)))
	if got := srv.fetches.Load(); got != 2 {
		t.Fatalf("%d JWKS fetches, want 2", got)
	}
}

func TestParseJWKS(t *testing.T) {
	testKeys(t)
	weak := rsaJWK("weak", &rsaKey1.PublicKey)
	weak["n"] = b64u(rsaKey1.N.Bytes()[:64]) // 512 bits
	enc := rsaJWK("enc", &rsaKey1.PublicKey)
	enc["use"] = "enc"
	p384 := ecJWK("p384", &ecKey1.PublicKey)
	p384["crv"] = "P-384"
	badPoint := ecJWK("bad-point", &ecKey1.PublicKey)
	badPoint["y"] = b64u(make([]byte, 32))
	rsaAsES := rsaJWK("rsa-es", &rsaKey1.PublicKey)
	rsaAsES["alg"] = "ES256"
	raw := []byte(`{"keys":[` + mustJSON(rsaJWK("rsa", &rsaKey1.PublicKey)) + `,` + mustJSON(ecJWK("ec", &ecKey1.PublicKey)) + `,` +
		mustJSON(weak) + `,` + mustJSON(enc) + `,` + mustJSON(p384) + `,` + mustJSON(badPoint) + `,` + mustJSON(rsaAsES) + `,{"kty":"oct","k":"c2VjcmV0"}]}`)
	keys, skipped, err := parseJWKS(raw)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range keys {
		got[k.kid] = k.alg
	}
	if len(got) != 2 || got["rsa"] != RS256 || got["ec"] != ES256 {
		t.Fatalf("keys = %v, want rsa (RS256) and ec (ES256) only", got)
	}
	if len(skipped) != 2 {
		t.Errorf("skipped = %v, want the weak RSA key and the bad EC point", skipped)
	}
	if _, _, err := parseJWKS([]byte(`<html>`)); err == nil {
		t.Errorf("parseJWKS accepted HTML")
	}
}
