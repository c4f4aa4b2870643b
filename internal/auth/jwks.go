package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"sync"
	"time"
)

const (
	maxJWKSBytes  = 1 << 20
	minRSAKeyBits = 2048
)

// jwks is a cached JSON Web Key Set. Keys are looked up by `kid` and
// algorithm; a miss (or a set older than maxAge) triggers a refresh, at
// most one per minRefresh, and concurrent misses share one fetch.
type jwks struct {
	url        string
	client     *http.Client
	minRefresh time.Duration
	maxAge     time.Duration
	now        func() time.Time
	logf       func(format string, args ...any)

	mu        sync.Mutex
	keys      []jwk
	fetchedAt time.Time     // last successful fetch
	attemptAt time.Time     // last fetch started, successful or not
	inflight  chan struct{} // closed when the running fetch ends
}

// jwk is one usable verification key.
type jwk struct {
	kid string
	alg string // RS256 or ES256: the algorithm this key type serves
	key any    // *rsa.PublicKey or *ecdsa.PublicKey (P-256)
}

func newJWKS(opts Options) *jwks {
	return &jwks{
		url:        opts.JWKSURL,
		client:     opts.HTTPClient,
		minRefresh: opts.JWKSMinRefreshInterval,
		maxAge:     opts.JWKSMaxAge,
		now:        opts.Now,
		logf:       opts.Logf,
	}
}

// key returns the key for a token with header kid and alg (RS256 or
// ES256).
func (s *jwks) key(ctx context.Context, kid, alg string) (any, error) {
	refreshed := false
	for {
		s.mu.Lock()
		k, found := s.find(kid, alg)
		fresh := !s.fetchedAt.IsZero() && s.now().Sub(s.fetchedAt) < s.maxAge
		if found && fresh || refreshed {
			s.mu.Unlock()
			return k, keyErr(found, kid)
		}
		if ch := s.inflight; ch != nil {
			s.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			refreshed = true
			continue
		}
		if !s.attemptAt.IsZero() && s.now().Sub(s.attemptAt) < s.minRefresh {
			// Refreshed too recently: answer from what we have.
			s.mu.Unlock()
			return k, keyErr(found, kid)
		}
		ch := make(chan struct{})
		s.inflight = ch
		s.attemptAt = s.now()
		s.mu.Unlock()

		keys, err := s.fetch(ctx)

		s.mu.Lock()
		if err != nil {
			s.logf("auth: fetching the JWKS from %s: %v", s.url, err)
		} else {
			s.keys = keys
			s.fetchedAt = s.now()
		}
		s.inflight = nil
		close(ch)
		s.mu.Unlock()
		refreshed = true
	}
}

func keyErr(found bool, kid string) error {
	if found {
		return nil
	}
	return fmt.Errorf("no JWKS key for kid %q", kid)
}

// find returns the key for kid and alg. Without a kid it only matches
// when exactly one key serves alg. Callers hold s.mu.
func (s *jwks) find(kid, alg string) (any, bool) {
	var match any
	n := 0
	for _, k := range s.keys {
		if k.alg != alg {
			continue
		}
		if kid != "" {
			if k.kid == kid {
				return k.key, true
			}
			continue
		}
		match = k.key
		n++
	}
	return match, n == 1
}

// fetch downloads and parses the key set. It keeps ctx's values but not
// its cancellation, and has its own deadline: the fetch is shared by every
// waiting request, not only the one that triggered it.
func (s *jwks) fetch(ctx context.Context) ([]jwk, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultJWKSTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", res.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxJWKSBytes {
		return nil, fmt.Errorf("key set larger than %d bytes", maxJWKSBytes)
	}
	keys, skipped, err := parseJWKS(raw)
	for _, e := range skipped {
		s.logf("auth: JWKS %s: skipping a key: %v", s.url, e)
	}
	return keys, err
}

type rawJWK struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Alg    string   `json:"alg"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Crv    string   `json:"crv"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

// parseJWKS parses a key set. Keys that are not RSA or EC P-256
// verification keys (encryption keys, other curves, other algorithms) are
// ignored; malformed or weak ones are reported in skipped.
func parseJWKS(raw []byte) (keys []jwk, skipped []error, err error) {
	var set struct {
		Keys []rawJWK `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, nil, fmt.Errorf("not a JWKS: %w", err)
	}
	for _, r := range set.Keys {
		if r.Use != "" && r.Use != "sig" {
			continue
		}
		if len(r.KeyOps) > 0 && !slices.Contains(r.KeyOps, "verify") {
			continue
		}
		var k jwk
		var err error
		switch r.Kty {
		case "RSA":
			if r.Alg != "" && r.Alg != RS256 {
				continue
			}
			k.alg = RS256
			k.key, err = rsaKey(r)
		case "EC":
			if r.Crv != "P-256" || r.Alg != "" && r.Alg != ES256 {
				continue
			}
			k.alg = ES256
			k.key, err = ecKey(r)
		default:
			continue
		}
		if err != nil {
			skipped = append(skipped, fmt.Errorf("kid %q: %w", r.Kid, err))
			continue
		}
		k.kid = r.Kid
		keys = append(keys, k)
	}
	return keys, skipped, nil
}

func b64(field, s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("%s is not base64url", field)
	}
	return b, nil
}

func rsaKey(r rawJWK) (*rsa.PublicKey, error) {
	n, err := b64("n", r.N)
	if err != nil {
		return nil, err
	}
	e, err := b64("e", r.E)
	if err != nil {
		return nil, err
	}
	if len(e) > 4 {
		return nil, errors.New("exponent too large")
	}
	exp := 0
	for _, b := range e {
		exp = exp<<8 | int(b)
	}
	if exp < 3 || exp%2 == 0 {
		return nil, errors.New("invalid exponent")
	}
	key := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
	if key.N.BitLen() < minRSAKeyBits {
		return nil, fmt.Errorf("RSA key of %d bits, want at least %d", key.N.BitLen(), minRSAKeyBits)
	}
	return key, nil
}

func ecKey(r rawJWK) (*ecdsa.PublicKey, error) {
	x, err := b64("x", r.X)
	if err != nil {
		return nil, err
	}
	y, err := b64("y", r.Y)
	if err != nil {
		return nil, err
	}
	if len(x) != 32 || len(y) != 32 {
		return nil, errors.New("P-256 coordinates must be 32 bytes")
	}
	point := append(append([]byte{4}, x...), y...)
	return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
}
