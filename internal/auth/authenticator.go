package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hubstream/hubstream/internal/entities"
)

// The signature algorithms an Authenticator can accept.
const (
	HS256 = "HS256" // HMAC-SHA256 with Options.Secret
	RS256 = "RS256" // RSASSA-PKCS1-v1_5 SHA-256 with an RSA key from the JWKS
	ES256 = "ES256" // ECDSA P-256 SHA-256 with an EC key from the JWKS
)

// Defaults of Options.
const (
	DefaultClockSkew              = 30 * time.Second
	DefaultJWKSMinRefreshInterval = time.Minute
	DefaultJWKSMaxAge             = time.Hour
	DefaultJWKSTimeout            = 10 * time.Second
	// DefaultMaxTokenLifetime bounds how long a token may be valid: a
	// stolen token is useful for at most this long.
	DefaultMaxTokenLifetime = 24 * time.Hour
	// MinSecretLen is the minimum HS256 secret length in bytes (RFC 7518
	// §3.2: a key at least as long as the hash).
	MinSecretLen = 32
	// MaxMaxTokenLifetime caps AUTH_MAX_TOKEN_LIFETIME (and
	// Options.MaxTokenLifetime): 30 days.
	MaxMaxTokenLifetime = 30 * 24 * time.Hour
	// MaxTokenLen bounds the token we are willing to parse.
	MaxTokenLen = 8 << 10
)

// Options configure an Authenticator. Zero fields take the documented
// defaults. At least one of Secret and JWKSURL must be set.
type Options struct {
	// Secret is the HS256 shared secret (AUTH_JWT_SECRET), at least
	// MinSecretLen bytes.
	Secret []byte
	// JWKSURL is where the RS256/ES256 public keys are published
	// (AUTH_JWKS_URL). It must be https, except on a loopback host, and
	// it requires Issuer and Audience.
	JWKSURL string
	// Issuer, when set, must equal the token's `iss` (AUTH_ISSUER).
	// Required with JWKSURL.
	Issuer string
	// Audience, when set, must be one of the token's `aud` (AUTH_AUDIENCE).
	// Required with JWKSURL.
	Audience string
	// Algorithms is the allow-list of accepted `alg`s, a subset of HS256,
	// RS256 and ES256. Default: HS256 when Secret is set, plus RS256 and
	// ES256 when JWKSURL is set.
	Algorithms []string
	// ClockSkew is the tolerance when checking `exp`, `nbf` and `iat`.
	// Default DefaultClockSkew (30 s).
	ClockSkew time.Duration
	// MaxTokenLifetime is the longest validity a token may have
	// (AUTH_MAX_TOKEN_LIFETIME): `exp` may be at most this far after `iat`
	// (when present) and after now. Mint refuses longer lifetimes. Default
	// DefaultMaxTokenLifetime (24 h); at most MaxMaxTokenLifetime (30
	// days); negative: no limit (tests only: the environment cannot say it).
	MaxTokenLifetime time.Duration
	// JWKSMinRefreshInterval is the minimum time between two JWKS fetches,
	// however many tokens with unknown `kid`s arrive. Default 1 minute.
	JWKSMinRefreshInterval time.Duration
	// JWKSMaxAge is how long a fetched key set is used before it is
	// refreshed on the next token (if that refresh fails, the old keys stay
	// in use). Default 1 hour.
	JWKSMaxAge time.Duration
	// HTTPClient fetches the JWKS. Default: a client with a 10 s timeout
	// that does not follow redirects from https to http.
	HTTPClient *http.Client
	// Logf receives operational messages (JWKS fetch failures). Default: none.
	Logf func(format string, args ...any)
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Configured reports whether any authentication setting is present: a key
// source, an issuer or an audience. Callers use it to decide between an
// explicit configuration and a development default.
func (o Options) Configured() bool {
	return len(o.Secret) > 0 || o.JWKSURL != "" || o.Issuer != "" || o.Audience != "" || len(o.Algorithms) > 0
}

// Authenticator verifies bearer tokens. It is safe for concurrent use.
type Authenticator struct {
	opts   Options
	parser *jwt.Parser
	algs   []string
	jwks   *jwks // nil without JWKSURL
}

// New checks opts and returns an Authenticator. It does not contact the
// JWKS URL: the key set is fetched on the first token that needs it.
func New(opts Options) (*Authenticator, error) {
	if len(opts.Secret) == 0 && opts.JWKSURL == "" {
		return nil, errors.New("auth: no key configured: set a shared secret (AUTH_JWT_SECRET) or a JWKS URL (AUTH_JWKS_URL)")
	}
	if len(opts.Secret) > 0 && len(opts.Secret) < MinSecretLen {
		return nil, fmt.Errorf("auth: the shared secret (AUTH_JWT_SECRET) must be at least %d bytes", MinSecretLen)
	}
	if opts.JWKSURL != "" {
		if err := checkJWKSURL(opts.JWKSURL); err != nil {
			return nil, err
		}
		// An identity provider signs tokens for every application it
		// serves with the same keys: without an audience and an issuer, a
		// token minted for any of them would be accepted here.
		if opts.Audience == "" || opts.Issuer == "" {
			return nil, errors.New("auth: a JWKS (AUTH_JWKS_URL) needs AUTH_AUDIENCE and AUTH_ISSUER: the identity provider's keys sign tokens for all of its applications, and only the audience and issuer tell this API's apart")
		}
	}
	if opts.ClockSkew < 0 {
		return nil, errors.New("auth: negative clock skew")
	}
	if opts.ClockSkew == 0 {
		opts.ClockSkew = DefaultClockSkew
	}
	if opts.MaxTokenLifetime == 0 {
		opts.MaxTokenLifetime = DefaultMaxTokenLifetime
	}
	if opts.MaxTokenLifetime > MaxMaxTokenLifetime {
		return nil, fmt.Errorf("auth: the maximum token lifetime (AUTH_MAX_TOKEN_LIFETIME) must be at most %s (30 days)", MaxMaxTokenLifetime)
	}
	if opts.JWKSMinRefreshInterval <= 0 {
		opts.JWKSMinRefreshInterval = DefaultJWKSMinRefreshInterval
	}
	if opts.JWKSMaxAge <= 0 {
		opts.JWKSMaxAge = DefaultJWKSMaxAge
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: DefaultJWKSTimeout, CheckRedirect: noDowngrade}
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	algs := slices.Clone(opts.Algorithms)
	if len(algs) == 0 {
		if len(opts.Secret) > 0 {
			algs = append(algs, HS256)
		}
		if opts.JWKSURL != "" {
			algs = append(algs, RS256, ES256)
		}
	}
	for _, alg := range algs {
		switch alg {
		case HS256:
			if len(opts.Secret) == 0 {
				return nil, errors.New("auth: HS256 needs a shared secret (AUTH_JWT_SECRET)")
			}
		case RS256, ES256:
			if opts.JWKSURL == "" {
				return nil, fmt.Errorf("auth: %s needs a JWKS URL (AUTH_JWKS_URL)", alg)
			}
		default:
			return nil, fmt.Errorf("auth: algorithm %q is not supported (use HS256, RS256 or ES256)", alg)
		}
	}
	a := &Authenticator{opts: opts, algs: algs}
	popts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithLeeway(opts.ClockSkew),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(opts.Now),
		jwt.WithStrictDecoding(),
	}
	if opts.Issuer != "" {
		popts = append(popts, jwt.WithIssuer(opts.Issuer))
	}
	if opts.Audience != "" {
		popts = append(popts, jwt.WithAudience(opts.Audience))
	}
	a.parser = jwt.NewParser(popts...)
	if opts.JWKSURL != "" {
		a.jwks = newJWKS(opts)
	}
	return a, nil
}

func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("auth: JWKS URL (AUTH_JWKS_URL) %q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return fmt.Errorf("auth: JWKS URL (AUTH_JWKS_URL) must be https (plain http only on a loopback host), got %q", raw)
}

// noDowngrade follows at most 5 redirects of the JWKS URL, never from
// https to plain http.
func noDowngrade(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return errors.New("redirect from https to " + req.URL.Scheme)
	}
	return nil
}

// Error is an authentication failure. Message is safe to show a client;
// the wrapped cause is for logs and tests only. errors.Is(err,
// entities.ErrUnauthenticated) holds.
type Error struct {
	Message string
	Err     error
}

// Error returns the message and the cause.
func (e *Error) Error() string {
	if e.Err == nil {
		return "auth: " + e.Message
	}
	return "auth: " + e.Message + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches entities.ErrUnauthenticated.
func (e *Error) Is(target error) bool { return target == entities.ErrUnauthenticated }

func fail(msg string, cause error) *Error { return &Error{Message: msg, Err: cause} }

// Authenticate verifies token (without the "Bearer " prefix) and returns
// its viewer. Every failure is an *Error.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (Viewer, error) {
	if token == "" {
		return Viewer{}, fail("missing bearer token", nil)
	}
	if len(token) > MaxTokenLen {
		return Viewer{}, fail("invalid token", errors.New("token too long"))
	}
	var claims numericClaims
	_, err := a.parser.ParseWithClaims(token, &claims, a.keyFunc(ctx))
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired):
		return Viewer{}, fail("token expired", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return Viewer{}, fail("token not valid yet", err)
	default:
		return Viewer{}, fail("invalid token", err)
	}
	if err := a.checkLifetime(claims.RegisteredClaims); err != nil {
		return Viewer{}, fail("token lifetime too long", err)
	}
	if claims.Subject == "" {
		return Viewer{}, fail("invalid token", errors.New("no sub claim"))
	}
	if err := entities.ValidateLogin("sub", claims.Subject); err != nil {
		return Viewer{}, fail("invalid token", fmt.Errorf("sub is not a login: %w", err))
	}
	return Viewer{Login: strings.ToLower(claims.Subject)}, nil
}

// checkLifetime refuses a token valid for longer than MaxTokenLifetime:
// counted from `iat` when the token has one, and from now in any case (a
// token without `iat`, or with one set to look recent, cannot outlive the
// limit either).
func (a *Authenticator) checkLifetime(c jwt.RegisteredClaims) error {
	max := a.opts.MaxTokenLifetime
	if max < 0 || c.ExpiresAt == nil {
		return nil
	}
	exp := c.ExpiresAt.Time
	if c.IssuedAt != nil && exp.Sub(c.IssuedAt.Time) > max+a.opts.ClockSkew {
		return fmt.Errorf("exp is %v after iat, over the maximum of %v", exp.Sub(c.IssuedAt.Time), max)
	}
	if left := exp.Sub(a.opts.Now()); left > max+a.opts.ClockSkew {
		return fmt.Errorf("exp is %v from now, over the maximum of %v", left.Round(time.Second), max)
	}
	return nil
}

// numericClaims are the registered claims with RFC 7519's types enforced:
// exp, nbf and iat are NumericDates, JSON numbers. The JWT library also
// accepts a string holding a number, which no conforming issuer sends.
type numericClaims struct {
	jwt.RegisteredClaims
}

// UnmarshalJSON refuses exp, nbf or iat that is not a JSON number.
func (c *numericClaims) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		if v, ok := raw[name]; ok && !isJSONNumber(v) {
			return fmt.Errorf("the %s claim must be a number (an RFC 7519 NumericDate)", name)
		}
	}
	return json.Unmarshal(b, &c.RegisteredClaims)
}

// isJSONNumber reports whether v is a JSON number literal.
func isJSONNumber(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || !(v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
		return false
	}
	var n json.Number
	return json.Unmarshal(v, &n) == nil
}

var errNoKey = errors.New("no key for this algorithm")

// keyFunc hands each algorithm only its own kind of key: the shared
// secret to HS256, an RSA key to RS256, a P-256 key to ES256. The parser
// has already checked the algorithm against the allow-list.
func (a *Authenticator) keyFunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		// RFC 7515 §4.1.11: a recipient that does not understand a listed
		// critical extension must reject the token, and this one
		// understands none (review 2, F-low-1).
		if _, ok := t.Header["crit"]; ok {
			return nil, errors.New(`the "crit" header lists extensions this server does not understand`)
		}
		alg, _ := t.Header["alg"].(string)
		if !slices.Contains(a.algs, alg) {
			return nil, fmt.Errorf("algorithm %q not allowed", alg)
		}
		switch alg {
		case HS256:
			if t.Method != jwt.SigningMethodHS256 || len(a.opts.Secret) == 0 {
				return nil, errNoKey
			}
			return a.opts.Secret, nil
		case RS256:
			if t.Method != jwt.SigningMethodRS256 || a.jwks == nil {
				return nil, errNoKey
			}
		case ES256:
			if t.Method != jwt.SigningMethodES256 || a.jwks == nil {
				return nil, errNoKey
			}
		default:
			return nil, errNoKey
		}
		kid, _ := t.Header["kid"].(string)
		return a.jwks.key(ctx, kid, alg)
	}
}

// Middleware authenticates requests to next. Without an Authorization
// header the request goes on anonymous; with a valid bearer token it goes
// on with the Viewer in its context; anything else (another scheme, a bad,
// expired or unacceptable token, several Authorization headers) is
// answered with 401 and a GraphQL-shaped UNAUTHENTICATED error.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := r.Header.Values("Authorization")
		if len(values) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if len(values) > 1 {
			Unauthorized(w, "several Authorization headers")
			return
		}
		token, ok := bearerToken(values[0])
		if !ok {
			Unauthorized(w, `the Authorization header must be "Bearer <token>"`)
			return
		}
		v, err := a.Authenticate(r.Context(), token)
		if err != nil {
			msg := "invalid token"
			var ae *Error
			if errors.As(err, &ae) {
				msg = ae.Message
			}
			Unauthorized(w, msg)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithViewer(r.Context(), v)))
	})
}

// bearerToken extracts the token of "Bearer <token>" (the scheme is
// case-insensitive).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

type gqlError struct {
	Message    string            `json:"message"`
	Extensions map[string]string `json:"extensions"`
}

// Unauthorized answers 401 with a GraphQL-shaped body:
// {"errors":[{"message":msg,"extensions":{"code":"UNAUTHENTICATED"}}]}.
// msg must be safe to show a client.
func Unauthorized(w http.ResponseWriter, msg string) {
	body, _ := json.Marshal(struct {
		Errors []gqlError `json:"errors"`
	}{[]gqlError{{Message: msg, Extensions: map[string]string{"code": string(entities.CodeUnauthenticated)}}}})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("WWW-Authenticate", `Bearer realm="hubstream", error="invalid_token"`)
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write(body)
}

// MaxTokenLifetime returns the longest lifetime a token may have
// (Options.MaxTokenLifetime with its default; negative: no limit).
func (a *Authenticator) MaxTokenLifetime() time.Duration { return a.opts.MaxTokenLifetime }

// Mint returns an HS256 token for login, valid for ttl from now (at most
// MaxTokenLifetime), with the configured issuer and audience. It needs the shared secret (the
// development secret or AUTH_JWT_SECRET): with a JWKS the identity
// provider issues tokens.
func (a *Authenticator) Mint(login string, ttl time.Duration) (string, error) {
	if len(a.opts.Secret) == 0 || !slices.Contains(a.algs, HS256) {
		return "", errors.New("auth: cannot mint tokens without an HS256 shared secret")
	}
	if err := entities.ValidateLogin("login", login); err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", errors.New("auth: token lifetime must be positive")
	}
	if max := a.opts.MaxTokenLifetime; max > 0 && ttl > max {
		return "", fmt.Errorf("auth: a token lifetime of %v is over the maximum of %v (AUTH_MAX_TOKEN_LIFETIME)", ttl, max)
	}
	now := a.opts.Now()
	claims := jwt.RegisteredClaims{
		Subject:   login,
		Issuer:    a.opts.Issuer,
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}
	if a.opts.Audience != "" {
		claims.Audience = jwt.ClaimStrings{a.opts.Audience}
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.opts.Secret)
}
