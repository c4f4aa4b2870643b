//go:build unix

package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/hubstream/hubstream/internal/fsperm/fspermtest"
	"github.com/hubstream/hubstream/internal/obs"
)

// TestDataDirIsOwnerOnly: the server's data directory — the engine's
// files and the development secret — is created 0700 with files 0600
// under the usual umask, and an existing directory others can read is
// reported.
func TestDataDirIsOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	var mu sync.Mutex
	var logs []string
	logf := func(format string, args ...any) {
		mu.Lock()
		logs = append(logs, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	warned := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, l := range logs {
			if strings.Contains(l, "accessible to other users") {
				return true
			}
		}
		return false
	}
	dir := filepath.Join(t.TempDir(), "fresh", ".hubstream")
	a, err := New(context.Background(), Config{DataDir: dir, NoProjector: true, Logger: obs.PrintfLogger(logf, slog.LevelDebug)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DevToken("octocat"); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if warned() {
		t.Errorf("a fresh data directory was reported: %q", logs)
	}
	fspermtest.RequireOwnerOnly(t, filepath.Dir(dir), 3)

	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o755); err != nil {
		t.Fatal(err)
	}
	a, err = New(context.Background(), Config{DataDir: open, NoProjector: true, Logger: obs.PrintfLogger(logf, slog.LevelDebug)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !warned() {
		t.Errorf("a data directory of mode 0755 was not reported: %q", logs)
	}
}

// TestDataDirRefusedWhenNotPrivate: the server does not start on a data
// directory another user could control — a symbolic link, a group- or
// world-writable directory, one owned by another user — and says why.
func TestDataDirRefusedWhenNotPrivate(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T) string
		want  string
	}{
		{"a symbolic link", func(t *testing.T) string {
			link := filepath.Join(t.TempDir(), "data")
			if err := os.Symlink(t.TempDir(), link); err != nil {
				t.Fatal(err)
			}
			return link
		}, "is a symbolic link"},
		{"group-writable", func(t *testing.T) string {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, 0o770); err != nil {
				t.Fatal(err)
			}
			return dir
		}, "writable by other users"},
		{"owned by another user", func(t *testing.T) string { return fspermtest.OtherOwned(t) }, "is owned by uid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(context.Background(), Config{DataDir: tc.setup(t), NoProjector: true, Logger: obs.Discard()})
			if err == nil {
				_ = a.Close()
				t.Fatal("the server started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
