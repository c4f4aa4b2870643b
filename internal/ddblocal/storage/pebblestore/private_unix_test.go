//go:build unix

package pebblestore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/storage"
	"github.com/hubstream/hubstream/internal/fsperm/fspermtest"
)

// TestFilesAreOwnerOnly: under the usual umask, a new store's directory
// (and the parents Open creates) is 0700 and every file Pebble writes —
// WAL, manifest, options, tables, lock — 0600, after writes, a flush and a
// reopen.
func TestFilesAreOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := filepath.Join(t.TempDir(), "data", "ddb")
	ctx := context.Background()
	for round := range 2 {
		s, err := Open(dir, Options{CacheSize: 1 << 20, MemTableSize: 64 << 10, Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2000 { // several memtables: flushes write tables
			var b storage.Batch
			b.Set(fmt.Appendf(nil, "k/%d/%d", round, i), []byte(strings.Repeat("v", 100)))
			if err := s.Apply(ctx, &b); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	fspermtest.RequireOwnerOnly(t, filepath.Dir(dir), 4)
}

// TestWarnsAboutAnOpenDataDirectory: an existing directory that others can
// read is used as it is, with a warning saying how to fix it.
func TestWarnsAboutAnOpenDataDirectory(t *testing.T) {
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o755, true}, {0o750, true}, {0o700, false}} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ddb")
			if err := os.Mkdir(dir, tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tc.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			var mu sync.Mutex
			var logs []string
			s, err := Open(dir, Options{CacheSize: 1 << 20, Logf: func(format string, args ...any) {
				mu.Lock()
				logs = append(logs, fmt.Sprintf(format, args...))
				mu.Unlock()
			}})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			warned := false
			for _, l := range logs {
				warned = warned || (strings.Contains(l, "accessible to other users") && strings.Contains(l, "chmod 700"))
			}
			if warned != tc.warn {
				t.Fatalf("warned %v, want %v; logs %q", warned, tc.warn, logs)
			}
		})
	}
}
