package auth

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestTokenRules: NumericDates are numbers, lifetimes are bounded, `iat`
// is not in the future, and `sub` is a login in any case but no other
// shape.
func TestTokenRules(t *testing.T) {
	clk := newClock()
	strict, err := New(Options{Secret: testSecret, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	unlimited, err := New(Options{Secret: testSecret, Now: clk.Now, MaxTokenLifetime: -1})
	if err != nil {
		t.Fatal(err)
	}
	unix := func(d time.Duration) int64 { return t0.Add(d).Unix() }
	mapToken := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, testSecret, "", c) }
	base := func(edit func(jwt.MapClaims)) string {
		c := jwt.MapClaims{"sub": "octocat", "iat": unix(-time.Minute), "exp": unix(time.Hour)}
		edit(c)
		return mapToken(c)
	}
	tests := []struct {
		name  string
		auth  *Authenticator
		token string
		want  string // login, or "" for refused
	}{
		{"numbers", strict, base(func(jwt.MapClaims) {}), "octocat"},
		{"exp with a fraction", strict, base(func(c jwt.MapClaims) { c["exp"] = float64(unix(time.Hour)) + 0.5 }), "octocat"},
		{"exp as a string", strict, base(func(c jwt.MapClaims) { c["exp"] = "9999999999" }), ""},
		{"exp as a string of a near time", strict, base(func(c jwt.MapClaims) { c["exp"] = jsonNumberString(unix(time.Hour)) }), ""},
		{"exp null", strict, base(func(c jwt.MapClaims) { c["exp"] = nil }), ""},
		{"exp an object", strict, base(func(c jwt.MapClaims) { c["exp"] = map[string]any{"n": 1} }), ""},
		{"nbf as a string", strict, base(func(c jwt.MapClaims) { c["nbf"] = jsonNumberString(unix(-time.Minute)) }), ""},
		{"iat as a string", strict, base(func(c jwt.MapClaims) { c["iat"] = jsonNumberString(unix(-time.Minute)) }), ""},
		{"iat a boolean", strict, base(func(c jwt.MapClaims) { c["iat"] = true }), ""},
		{"24 hours from iat", strict, base(func(c jwt.MapClaims) { c["iat"] = unix(0); c["exp"] = unix(24 * time.Hour) }), "octocat"},
		{"25 hours from iat", strict, base(func(c jwt.MapClaims) { c["iat"] = unix(-time.Hour); c["exp"] = unix(24 * time.Hour) }), ""},
		{"a year without iat", strict, base(func(c jwt.MapClaims) { delete(c, "iat"); c["exp"] = unix(365 * 24 * time.Hour) }), ""},
		{"a year with a recent-looking iat", strict, base(func(c jwt.MapClaims) { c["iat"] = unix(364 * 24 * time.Hour); c["exp"] = unix(365 * 24 * time.Hour) }), ""},
		{"a year, no limit", unlimited, base(func(c jwt.MapClaims) { c["exp"] = unix(365 * 24 * time.Hour) }), "octocat"},
		{"iat in the future", strict, base(func(c jwt.MapClaims) { c["iat"] = unix(10 * time.Minute) }), ""},
		{"sub in capitals", strict, base(func(c jwt.MapClaims) { c["sub"] = "OCTOCAT" }), "octocat"},
		{"sub with a non-ASCII letter", strict, base(func(c jwt.MapClaims) { c["sub"] = "öctocat" }), ""},
		{"sub with a Kelvin sign that folds to k", strict, base(func(c jwt.MapClaims) { c["sub"] = "\u212aate" }), ""},
		{"sub 40 characters", strict, base(func(c jwt.MapClaims) { c["sub"] = strings.Repeat("a", 40) }), ""},
		{"sub 39 characters", strict, base(func(c jwt.MapClaims) { c["sub"] = strings.Repeat("a", 39) }), strings.Repeat("a", 39)},
		{"sub with a space", strict, base(func(c jwt.MapClaims) { c["sub"] = " octocat" }), ""},
		{"sub with a NUL", strict, base(func(c jwt.MapClaims) { c["sub"] = "octo\x00cat" }), ""},
		{"sub a number", strict, base(func(c jwt.MapClaims) { c["sub"] = 42 }), ""},
		// Review 2, F-low-1: RFC 7515 §4.1.11.
		{"crit with an unknown extension", strict, withHeader(t, "crit", []string{"x"}), ""},
		{"crit empty", strict, withHeader(t, "crit", []string{}), ""},
		{"an unknown header without crit", strict, withHeader(t, "x-note", "ignored"), "octocat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.auth.Authenticate(context.Background(), tt.token)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("accepted as %q, want refused", v.Login)
				}
				r := serve(tt.auth, "Bearer "+tt.token)
				checkUnauthenticated(t, r)
				return
			}
			if err != nil || v.Login != tt.want {
				t.Fatalf("Authenticate = %+v, %v; want %q", v, err, tt.want)
			}
		})
	}
}

// withHeader signs a valid token for octocat with one more header
// parameter.
func withHeader(t *testing.T, name string, value any) string {
	t.Helper()
	now := newClock().Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "octocat", "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()})
	tok.Header[name] = value
	raw, err := tok.SignedString(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func jsonNumberString(n int64) string { return strings.TrimSpace(mustJSON(n)) }

// TestMintRespectsTheMaximumLifetime: Mint refuses lifetimes over the
// maximum and its tokens at the maximum authenticate.
func TestMintRespectsTheMaximumLifetime(t *testing.T) {
	clk := newClock()
	a, err := New(Options{Secret: testSecret, Now: clk.Now, MaxTokenLifetime: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if a.MaxTokenLifetime() != 2*time.Hour {
		t.Fatalf("MaxTokenLifetime = %v", a.MaxTokenLifetime())
	}
	if _, err := a.Mint("octocat", 2*time.Hour+time.Second); err == nil || !strings.Contains(err.Error(), "AUTH_MAX_TOKEN_LIFETIME") {
		t.Fatalf("Mint over the maximum: %v", err)
	}
	tok, err := a.Mint("octocat", 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := a.Authenticate(context.Background(), tok); err != nil || v.Login != "octocat" {
		t.Fatalf("a token at the maximum: %+v %v", v, err)
	}
	def, err := New(Options{Secret: testSecret})
	if err != nil || def.MaxTokenLifetime() != DefaultMaxTokenLifetime {
		t.Fatalf("default maximum: %v %v", def.MaxTokenLifetime(), err)
	}
}

func TestMaxTokenLifetimeFromEnv(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  time.Duration // 0: an error
	}{
		{"", 0 - 1},
		{"90m", 90 * time.Minute},
		{"24h", 24 * time.Hour},
		{"bogus", 0},
		{"-1h", 0},
		{"0", 0},
		{"86400", 0}, // a number without a unit is ambiguous
		{"720h", 720 * time.Hour},
		{"721h", 0},    // over the 30-day cap
		{"100000h", 0}, // review 2, F-low-11
	} {
		t.Run(tc.value, func(t *testing.T) {
			o, err := optionsFrom(func(k string) string {
				if k == EnvMaxTokenLifetime {
					return tc.value
				}
				return ""
			})
			switch {
			case tc.want == -1:
				if err != nil || o.MaxTokenLifetime != 0 {
					t.Fatalf("unset: %v %v, want the default", o.MaxTokenLifetime, err)
				}
			case tc.want == 0:
				if err == nil || !strings.Contains(err.Error(), EnvMaxTokenLifetime) {
					t.Fatalf("%q: %v, want an error naming %s", tc.value, err, EnvMaxTokenLifetime)
				}
			default:
				if err != nil || o.MaxTokenLifetime != tc.want {
					t.Fatalf("%q: %v %v, want %v", tc.value, o.MaxTokenLifetime, err, tc.want)
				}
				if o.Configured() {
					t.Errorf("a lifetime alone must not count as an explicit configuration")
				}
			}
		})
	}
}

// FuzzNumericClaims: decoding any claims JSON never panics, and whatever
// it accepts has exp, nbf and iat as numbers when present.
//
//	go test ./internal/auth -run '^$' -fuzz FuzzNumericClaims -fuzztime 30s
func FuzzNumericClaims(f *testing.F) {
	for _, s := range []string{
		`{"sub":"a","exp":1700000000}`, `{"exp":"1700000000"}`, `{"exp":1.5e9,"iat":-1}`, `{"nbf":null}`,
		`{"exp":[1]}`, `{"exp":{"n":1}}`, `{"exp": 17 }`, `[]`, `{"exp":1e999}`, `{"iat":true}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c numericClaims
		if err := c.UnmarshalJSON(b); err != nil {
			return
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatalf("accepted %q, which is not a JSON object", b)
		}
		for _, name := range []string{"exp", "nbf", "iat"} {
			if v, ok := raw[name]; ok && !isJSONNumber(v) {
				t.Fatalf("accepted %s = %s", name, v)
			}
		}
	})
}

// TestSecretVarietyFromEnv (review 2, F-low-11): AUTH_JWT_SECRET of 32+
// bytes but one repeated character, or blank, is refused with a message
// naming the variable; random secrets pass.
func TestSecretVarietyFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name, secret string
		ok           bool
	}{
		{"36 spaces", strings.Repeat(" ", 36), false},
		{"white space of every kind", strings.Repeat(" \t\r\n", 10), false},
		{"one letter", strings.Repeat("a", 36), false},
		{"two letters", strings.Repeat("ab", 18), false},
		{"seven distinct", strings.Repeat("abcdefg", 6), false},
		{"openssl rand -hex 32", "3f9c1e0a7b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e", true},
		{"the test secret", string(testSecret), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := optionsFrom(func(k string) string {
				if k == EnvJWTSecret {
					return tc.secret
				}
				return ""
			})
			if tc.ok != (err == nil) {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), EnvJWTSecret) {
				t.Errorf("error %q does not name %s", err, EnvJWTSecret)
			}
		})
	}
	if _, err := New(Options{Secret: testSecret, MaxTokenLifetime: MaxMaxTokenLifetime + time.Second}); err == nil {
		t.Error("New accepted a maximum lifetime over 30 days")
	}
}
