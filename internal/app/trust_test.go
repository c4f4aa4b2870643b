package app

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/obs"
)

// TestTokenLifetime: `server token` (MintToken) mints at most
// AUTH_MAX_TOKEN_LIFETIME, by default exactly that, and the development
// default keeps the configured maximum.
func TestTokenLifetime(t *testing.T) {
	dir := t.TempDir()
	hour := auth.Options{MaxTokenLifetime: time.Hour}
	if _, err := MintToken(Config{DataDir: dir, Auth: hour}, "octocat", 2*time.Hour); err == nil || !strings.Contains(err.Error(), "AUTH_MAX_TOKEN_LIFETIME") {
		t.Fatalf("a lifetime over the maximum: %v", err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		ttl  time.Duration
		want time.Duration
	}{
		{"default: the maximum", Config{DataDir: dir, Auth: hour}, 0, time.Hour},
		{"shorter than the maximum", Config{DataDir: dir, Auth: hour}, 10 * time.Minute, 10 * time.Minute},
		{"no maximum configured: 24 hours", Config{DataDir: dir}, 0, 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := MintToken(tc.cfg, "octocat", tc.ttl)
			if err != nil {
				t.Fatal(err)
			}
			var c jwt.RegisteredClaims
			if _, _, err := jwt.NewParser().ParseUnverified(tok, &c); err != nil {
				t.Fatal(err)
			}
			if got := c.ExpiresAt.Sub(c.IssuedAt.Time); got != tc.want {
				t.Fatalf("lifetime %v, want %v", got, tc.want)
			}
		})
	}
	opts, _, err := authOptions(Config{DataDir: dir, Auth: hour})
	if err != nil || opts.MaxTokenLifetime != time.Hour {
		t.Fatalf("the development default lost the maximum: %+v %v", opts.MaxTokenLifetime, err)
	}
	a, err := New(context.Background(), Config{MemoryOnly: true, NoProjector: true, Auth: auth.Options{MaxTokenLifetime: 30 * time.Minute}, Logger: obs.PrintfLogger(t.Logf, slog.LevelDebug)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if _, err := a.DevToken("octocat"); err != nil {
		t.Fatalf("DevToken with a 30-minute maximum: %v", err)
	}
}
