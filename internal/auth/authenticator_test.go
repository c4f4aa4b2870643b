package auth

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hubstream/hubstream/internal/entities"
)

const (
	testIssuer   = "https://issuer.example"
	testAudience = "hubstream-api"
)

// good returns claims that every test authenticator accepts for sub.
func good(sub string) jwt.RegisteredClaims {
	c := claims(sub)
	c.Issuer = testIssuer
	c.Audience = jwt.ClaimStrings{testAudience}
	return c
}

func with(sub string, edit func(*jwt.RegisteredClaims)) jwt.RegisteredClaims {
	c := good(sub)
	edit(&c)
	return c
}

func TestMiddleware(t *testing.T) {
	testKeys(t)
	clk := newClock()
	jwksSrv := newJWKSServer(t, rsaJWK("rsa-1", &rsaKey1.PublicKey), ecJWK("ec-1", &ecKey1.PublicKey))
	base := Options{Issuer: testIssuer, Audience: testAudience, Now: clk.Now}

	mk := func(edit func(*Options)) *Authenticator {
		o := base
		edit(&o)
		a, err := New(o)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		return a
	}
	hs := mk(func(o *Options) { o.Secret = testSecret })
	rs := mk(func(o *Options) { o.JWKSURL = jwksSrv.URL })
	// both accepts HS256 with the secret and RS256/ES256 from the JWKS: the
	// configuration where algorithm confusion would bite.
	both := mk(func(o *Options) { o.Secret = testSecret; o.JWKSURL = jwksSrv.URL })

	rsaPub := &rsaKey1.PublicKey
	der, err := x509.MarshalPKIXPublicKey(rsaPub)
	if err != nil {
		t.Fatal(err)
	}
	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	noneToken := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", good("octocat"))

	bearer := func(tok string) []string { return []string{"Bearer " + tok} }
	tests := []struct {
		name   string
		auth   *Authenticator
		header []string
		want   string // the viewer's login; "" anonymous; "401" rejected
	}{
		{"no Authorization header: anonymous", hs, nil, ""},
		{"valid HS256", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", good("octocat"))), "octocat"},
		{"valid HS256, sub lower-cased", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", good("OctoCat"))), "octocat"},
		{"scheme is case-insensitive", hs, []string{"bearer " + sign(t, jwt.SigningMethodHS256, testSecret, "", good("octocat"))}, "octocat"},
		{"valid HS256 with the secret in the mixed setup", both, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", good("octocat"))), "octocat"},
		{"valid RS256 from the JWKS", rs, bearer(sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", good("hubot"))), "hubot"},
		{"valid ES256 from the JWKS", rs, bearer(sign(t, jwt.SigningMethodES256, ecKey1, "ec-1", good("mona"))), "mona"},
		{"expired within the clock skew", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", with("octocat", func(c *jwt.RegisteredClaims) {
			c.ExpiresAt = jwt.NewNumericDate(t0.Add(-20 * time.Second))
		}))), "octocat"},

		{"expired", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", with("octocat", func(c *jwt.RegisteredClaims) {
			c.ExpiresAt = jwt.NewNumericDate(t0.Add(-31 * time.Second))
		}))), "401"},
		{"no exp", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", with("octocat", func(c *jwt.RegisteredClaims) {
			c.ExpiresAt = nil
		}))), "401"},
		{"not yet valid", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", with("octocat", func(c *jwt.RegisteredClaims) {
			c.NotBefore = jwt.NewNumericDate(t0.Add(time.Minute))
		}))), "401"},
		{"wrong signature", hs, bearer(sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), "", good("octocat"))), "401"},
		{"tampered payload", hs, bearer(tamper(t, sign(t, jwt.SigningMethodHS256, testSecret, "", good("octocat")), good("admin"))), "401"},
		{"alg none", hs, bearer(noneToken), "401"},
		{"alg none, JWKS setup", rs, bearer(noneToken), "401"},
		{"HS/RS confusion: HS256 keyed with the RSA public key PEM, JWKS setup", rs, bearer(sign(t, jwt.SigningMethodHS256, rsaPEM, "rsa-1", good("octocat"))), "401"},
		{"HS/RS confusion: HS256 keyed with the RSA public key PEM, mixed setup", both, bearer(sign(t, jwt.SigningMethodHS256, rsaPEM, "rsa-1", good("octocat"))), "401"},
		{"HS/RS confusion: HS256 keyed with the RSA public key DER, mixed setup", both, bearer(sign(t, jwt.SigningMethodHS256, der, "rsa-1", good("octocat"))), "401"},
		{"HS/RS confusion: HS256 keyed with the JWK modulus, mixed setup", both, bearer(sign(t, jwt.SigningMethodHS256, rsaPub.N.Bytes(), "rsa-1", good("octocat"))), "401"},
		{"RS256 with an EC key's kid", rs, bearer(sign(t, jwt.SigningMethodRS256, rsaKey1, "ec-1", good("octocat"))), "401"},
		{"RS256 signed by a key not in the JWKS", rs, bearer(sign(t, jwt.SigningMethodRS256, rsaKey2, "rsa-1", good("octocat"))), "401"},
		{"RS256 in an HS256-only setup", hs, bearer(sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", good("octocat"))), "401"},
		{"RS384 is not allowed", rs, bearer(sign(t, jwt.SigningMethodRS384, rsaKey1, "rsa-1", good("octocat"))), "401"},
		{"HS512 is not allowed", hs, bearer(sign(t, jwt.SigningMethodHS512, testSecret, "", good("octocat"))), "401"},
		{"wrong audience", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", with("octocat", func(c *jwt.RegisteredClaims) {
			c.Audience = jwt.ClaimStrings{"another-api"}
		}))), "401"},
		{"no audience", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", with("octocat", func(c *jwt.RegisteredClaims) {
			c.Audience = nil
		}))), "401"},
		{"audience among several", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", with("octocat", func(c *jwt.RegisteredClaims) {
			c.Audience = jwt.ClaimStrings{"another-api", testAudience}
		}))), "octocat"},
		{"wrong issuer", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", with("octocat", func(c *jwt.RegisteredClaims) {
			c.Issuer = "https://evil.example"
		}))), "401"},
		{"no issuer", rs, bearer(sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with("octocat", func(c *jwt.RegisteredClaims) {
			c.Issuer = ""
		}))), "401"},
		{"missing sub", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", good(""))), "401"},
		{"sub is not a login", hs, bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", good("auth0|1234"))), "401"},
		{"garbage token", hs, bearer("not.a.jwt"), "401"},
		{"empty bearer", hs, []string{"Bearer "}, "401"},
		{"empty header", hs, []string{""}, "401"},
		{"Basic scheme", hs, []string{"Basic b2N0b2NhdDpwYXNzd29yZA=="}, "401"},
		{"token without scheme", hs, []string{sign(t, jwt.SigningMethodHS256, testSecret, "", good("octocat"))}, "401"},
		{"two Authorization headers", hs, append(bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", good("octocat"))), bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", good("hubot")))...), "401"},
		{"oversized token", hs, bearer(strings.Repeat("a", MaxTokenLen+1)), "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := serve(tt.auth, tt.header...)
			if tt.want == "401" {
				checkUnauthenticated(t, r)
				return
			}
			if r.status != http.StatusOK || r.viewer == nil {
				t.Fatalf("status = %d, body %s; want the request passed on", r.status, r.body)
			}
			if r.viewer.Login != tt.want {
				t.Fatalf("viewer = %q, want %q", r.viewer.Login, tt.want)
			}
		})
	}
}

// tamper replaces the payload of tok, keeping header and signature.
func tamper(t *testing.T, tok string, c jwt.RegisteredClaims) string {
	t.Helper()
	other := sign(t, jwt.SigningMethodHS256, []byte("whatever-whatever-whatever-whatever"), "", c)
	p := strings.Split(tok, ".")
	q := strings.Split(other, ".")
	return p[0] + "." + q[1] + "." + p[2]
}

func TestAuthenticateErrors(t *testing.T) {
	clk := newClock()
	a, err := New(Options{Secret: testSecret, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	expired := sign(t, jwt.SigningMethodHS256, testSecret, "", with("octocat", func(c *jwt.RegisteredClaims) {
		c.ExpiresAt = jwt.NewNumericDate(t0.Add(-time.Hour))
	}))
	_, err = a.Authenticate(context.Background(), expired)
	var ae *Error
	if !errors.As(err, &ae) || ae.Message != "token expired" {
		t.Fatalf("err = %v, want an *Error %q", err, "token expired")
	}
	if !errors.Is(err, entities.ErrUnauthenticated) {
		t.Errorf("errors.Is(err, ErrUnauthenticated) = false")
	}
	if !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("the cause is not kept: %v", err)
	}
}

func TestMintRoundTrip(t *testing.T) {
	clk := newClock()
	a, err := New(Options{Secret: testSecret, Issuer: testIssuer, Audience: testAudience, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Mint("Octocat", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Authenticate(context.Background(), tok)
	if err != nil || v.Login != "octocat" {
		t.Fatalf("Authenticate(Mint) = %+v, %v", v, err)
	}
	clk.Advance(time.Hour + DefaultClockSkew + time.Second)
	if _, err := a.Authenticate(context.Background(), tok); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Fatalf("after its lifetime: err = %v, want expired", err)
	}
	if _, err := a.Mint("-bad", time.Hour); err == nil {
		t.Errorf("Mint accepted an invalid login")
	}
	if _, err := a.Mint("octocat", 0); err == nil {
		t.Errorf("Mint accepted a zero lifetime")
	}
	jwksOnly, err := New(Options{JWKSURL: "https://idp.example/.well-known/jwks.json", Issuer: testIssuer, Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwksOnly.Mint("octocat", time.Hour); err == nil {
		t.Errorf("Mint without a secret succeeded")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string // substring of the error
	}{
		{"nothing", Options{}, "no key"},
		{"issuer only", Options{Issuer: testIssuer}, "no key"},
		{"short secret", Options{Secret: []byte("short")}, "at least 32 bytes"},
		{"plain http JWKS", Options{JWKSURL: "http://idp.example/jwks"}, "https"},
		{"relative JWKS URL", Options{JWKSURL: "/jwks"}, "absolute"},
		{"alg none", Options{Secret: testSecret, Algorithms: []string{"none"}}, "not supported"},
		{"HS384", Options{Secret: testSecret, Algorithms: []string{"HS384"}}, "not supported"},
		{"HS256 without a secret", Options{JWKSURL: "https://idp.example/jwks", Issuer: testIssuer, Audience: testAudience, Algorithms: []string{HS256}}, "needs a shared secret"},
		{"RS256 without a JWKS", Options{Secret: testSecret, Algorithms: []string{RS256}}, "needs a JWKS URL"},
		{"negative skew", Options{Secret: testSecret, ClockSkew: -time.Second}, "negative"},
		{"JWKS without audience or issuer", Options{JWKSURL: "https://idp.example/jwks"}, "needs AUTH_AUDIENCE and AUTH_ISSUER"},
		{"JWKS without audience", Options{JWKSURL: "https://idp.example/jwks", Issuer: testIssuer}, "needs AUTH_AUDIENCE and AUTH_ISSUER"},
		{"JWKS without issuer", Options{JWKSURL: "https://idp.example/jwks", Audience: testAudience}, "needs AUTH_AUDIENCE and AUTH_ISSUER"},
		{"JWKS and a secret without audience", Options{Secret: testSecret, JWKSURL: "https://idp.example/jwks", Issuer: testIssuer}, "needs AUTH_AUDIENCE and AUTH_ISSUER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New(%+v) = %v, want an error containing %q", tt.opts, err, tt.want)
			}
		})
	}
	for _, ok := range []string{"http://127.0.0.1:8000/jwks", "http://localhost/jwks", "http://[::1]/jwks", "https://idp.example/jwks"} {
		if _, err := New(Options{JWKSURL: ok, Issuer: testIssuer, Audience: testAudience}); err != nil {
			t.Errorf("New(JWKSURL %s) = %v", ok, err)
		}
	}
}

func TestOptionsFromEnv(t *testing.T) {
	env := map[string]string{EnvJWTSecret: string(testSecret), EnvIssuer: testIssuer, EnvAudience: testAudience}
	o, err := optionsFrom(func(k string) string { return env[k] })
	if err != nil || string(o.Secret) != string(testSecret) || o.Issuer != testIssuer || o.Audience != testAudience || o.JWKSURL != "" || !o.Configured() {
		t.Fatalf("optionsFrom = %+v, %v", o, err)
	}
	if o, err := optionsFrom(func(string) string { return "" }); err != nil || o.Configured() {
		t.Fatalf("empty environment: Configured() = true (%+v), %v", o, err)
	}
}
