package loaders

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseCursorKey(t *testing.T) {
	raw := []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name    string
		in      string
		wantLen int    // 0: an error
		wantErr string // substring of the error
	}{
		{"32 bytes, standard", base64.StdEncoding.EncodeToString(raw), 32, ""},
		{"16 bytes, unpadded", base64.RawStdEncoding.EncodeToString(raw[:16]), 16, ""},
		{"24 bytes, URL alphabet", base64.URLEncoding.EncodeToString(raw[:24]), 24, ""},
		{"surrounding newline (a secret file)", base64.StdEncoding.EncodeToString(raw) + "\n", 32, ""},
		{"not base64", "not a key!", 0, "not base64"},
		{"empty", "", 0, "0 bytes"},
		{"20 bytes", base64.StdEncoding.EncodeToString(raw[:20]), 0, "20 bytes, want 16, 24 or 32"},
		{"64 bytes", base64.StdEncoding.EncodeToString(append(raw, raw...)), 0, "64 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ParseCursorKey(tt.in)
			if tt.wantLen == 0 {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), EnvCursorKey) {
					t.Fatalf("ParseCursorKey = %d bytes, %v; want an error naming %s and containing %q", len(key), err, EnvCursorKey, tt.wantErr)
				}
				if tt.in != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.in)) {
					t.Errorf("the error quotes the secret: %v", err)
				}
				return
			}
			if err != nil || len(key) != tt.wantLen {
				t.Fatalf("ParseCursorKey = %d bytes, %v; want %d", len(key), err, tt.wantLen)
			}
		})
	}
}
