// Package auth is hubstream's identity layer: who the viewer of a request
// is (authenticated from a bearer JWT). What that viewer may see and change
// is the domain's access policy, internal/entities/policy.go — one set of
// rules that the commands apply in Decide and the read side (graph,
// loaders) applies to the viewer's relation to a repository owner. It
// depends only on the domain.
//
// # Authentication
//
// A request carries `Authorization: Bearer <JWT>`. An [Authenticator]
// verifies the token and its [Authenticator.Middleware] puts the [Viewer]
// (the token's `sub`, which is the account login) into the request context
// with [WithViewer]. A request without an Authorization header stays
// anonymous; a request with a bad, expired or otherwise unacceptable token
// is answered with HTTP 401 and a GraphQL-shaped body whose only error has
// extensions.code UNAUTHENTICATED and no internal detail.
//
// Keys and algorithms:
//
//   - HS256 with a shared secret (AUTH_JWT_SECRET, at least 32 bytes);
//   - RS256 and ES256 (P-256) with public keys from a JWKS URL
//     (AUTH_JWKS_URL). The set is fetched lazily and cached; a token with an
//     unknown `kid` triggers a refresh, but never more than one per
//     [Options.JWKSMinRefreshInterval], so forged `kid`s cannot make us
//     hammer the identity provider.
//
// Algorithms form an explicit allow-list ([Options.Algorithms]); `none` and
// everything else is never accepted. Each algorithm only ever gets its own
// kind of key: HS256 the shared secret, RS256 an RSA key of at least 2048
// bits, ES256 a P-256 key, so a token HMAC-signed with an RSA public key as
// the "secret" (algorithm confusion) cannot validate. `exp` is required;
// `exp`, `nbf` and `iat` must be JSON numbers (RFC 7519 NumericDates) and
// are checked with a small clock skew (30 s by default), `iat` not in the
// future; a token may be valid for at most [Options.MaxTokenLifetime]
// (AUTH_MAX_TOKEN_LIFETIME, 24 h by default), counted from `iat` and from
// now; `iss` and `aud` are checked when configured (AUTH_ISSUER,
// AUTH_AUDIENCE). `sub` must be a login; which logins may act (user
// accounts only, never an organization's) is the domain's rule
// (entities.CheckActor), applied by the GraphQL layer.
//
// The embedded development default ([DevSecret], [DevOptions]) is an HS256
// secret generated once and kept, mode 0600, in the data directory; `go
// run ./cmd/server token <login>` signs tokens with it.
//
// # Library
//
// Tokens are parsed and verified with github.com/golang-jwt/jwt/v5: it is
// the most widely used and maintained JWT library for Go, has no
// dependencies of its own, verifies the signature before it looks at any
// claim, and exposes exactly the controls we need (an algorithm allow-list,
// a key function that sees the parsed header, leeway, required `exp`,
// issuer and audience checks). lestrrat-go/jwx/v3 would also bring a JWKS
// cache, but with a much larger dependency tree and refresh behaviour we
// would have to tune anyway; the JWKS part here (jwks.go) is small: fetch,
// parse RSA and EC keys, cache, rate-limited refresh.
package auth
