package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"

	"github.com/hubstream/hubstream/internal/loaders"
)

// cursorKeyFor returns the key that seals connection cursors: cfg.CursorKey
// when set, else one derived from the HS256 token secret, else — with the
// embedded engine only, which one process serves — a random key. With an
// endpoint and neither, it fails: every process behind a load balancer
// would draw its own key, and a cursor from one would be refused by the
// next.
func cursorKeyFor(cfg Config, authSecret []byte) ([]byte, error) {
	if len(cfg.CursorKey) > 0 {
		switch len(cfg.CursorKey) {
		case 16, 24, 32:
			return cfg.CursorKey, nil
		}
		return nil, fmt.Errorf("the cursor key (%s) is %d bytes, want 16, 24 or 32", loaders.EnvCursorKey, len(cfg.CursorKey))
	}
	if len(authSecret) > 0 {
		// Cursors stay valid across restarts (and replicas) that share the
		// token secret; a derived key keeps the two uses apart.
		mac := hmac.New(sha256.New, authSecret)
		mac.Write([]byte("hubstream connection cursors v1"))
		return mac.Sum(nil), nil
	}
	if cfg.Endpoint != "" {
		return nil, fmt.Errorf("no cursor key: with a DynamoDB endpoint and no AUTH_JWT_SECRET set %s (base64 of 16, 24 or 32 random bytes, the same for every server process: `openssl rand -base64 32`), so that a connection cursor from one server works on another", loaders.EnvCursorKey)
	}
	return loaders.NewCursorKey(), nil
}
