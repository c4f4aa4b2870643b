package loaders

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// EnvCursorKey is the environment variable holding the key that seals
// connection cursors, base64 (standard or URL alphabet, padded or not) of
// 16, 24 or 32 random bytes. Every server process behind one load balancer
// needs the same key, or a cursor from one is refused by another.
const EnvCursorKey = "HUBSTREAM_CURSOR_KEY"

// ParseCursorKey decodes a cursor key given as base64 (EnvCursorKey's
// format). It returns an error naming EnvCursorKey when s is not base64 or
// does not decode to 16, 24 or 32 bytes (an AES key); the error never
// quotes s, which is a secret.
func ParseCursorKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	var key []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s is not base64: generate one with `openssl rand -base64 32`", EnvCursorKey)
	}
	switch len(key) {
	case 16, 24, 32:
		return key, nil
	}
	return nil, fmt.Errorf("%s decodes to %d bytes, want 16, 24 or 32: generate one with `openssl rand -base64 32`", EnvCursorKey, len(key))
}
