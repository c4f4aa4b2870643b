package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/storage"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/storagetest"
)

// testOptions keeps tests light: small cache and memtable (so flushes and
// compactions happen during tests), and Pebble's log lines in the test log.
func testOptions(tb testing.TB) Options {
	return Options{CacheSize: 8 << 20, MemTableSize: 1 << 20, Logf: tb.Logf}
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, err := Open(t.TempDir(), testOptions(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func BenchmarkStore(b *testing.B) {
	storagetest.Bench(b, func(b *testing.B) storage.Store {
		s, err := Open(b.TempDir(), Options{Logf: b.Logf})
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tests := []struct {
		name  string
		write func(b *storage.Batch, round int)
		check func(t *testing.T, snap storage.Snapshot, round int)
	}{
		{"set", func(b *storage.Batch, round int) {
			for i := 0; i < 1000; i++ {
				b.Set(fmt.Appendf(nil, "k%04d", i), fmt.Appendf(nil, "v%d", round))
			}
		}, func(t *testing.T, snap storage.Snapshot, round int) {
			for _, i := range []int{0, 500, 999} {
				v, ok, err := snap.Get(fmt.Appendf(nil, "k%04d", i))
				if err != nil || !ok || string(v) != fmt.Sprintf("v%d", round) {
					t.Errorf("k%04d = %q, %v, %v; want v%d", i, v, ok, err, round)
				}
			}
		}},
		{"delete", func(b *storage.Batch, round int) {
			for i := 0; i < 1000; i += 2 {
				b.Delete(fmt.Appendf(nil, "k%04d", i))
			}
		}, func(t *testing.T, snap storage.Snapshot, round int) {
			it := snap.Iter(nil, nil, false)
			n := 0
			for it.Next() {
				n++
			}
			if err := it.Close(); err != nil || n != 500 {
				t.Errorf("after delete and reopen: %d keys, err %v; want 500", n, err)
			}
		}},
	}
	for round, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(dir, testOptions(t))
			if err != nil {
				t.Fatal(err)
			}
			var b storage.Batch
			tc.write(&b, round)
			if err := s.Apply(ctx, &b); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil { // no Sync: Close must keep it
				t.Fatal(err)
			}
			s, err = Open(dir, testOptions(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			snap := s.Snapshot()
			defer snap.Close()
			tc.check(t, snap, round)
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		name string
		dir  string
	}{
		{"locked by another open", dir},
		{"path is a file", filepath.Join(dir, "LOCK")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s2, err := Open(tc.dir, testOptions(t))
			if err == nil {
				s2.Close()
				t.Fatal("Open succeeded; want error")
			}
		})
	}
}

func TestSyncContext(t *testing.T) {
	s, err := Open(t.TempDir(), testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var b storage.Batch
	b.Set([]byte("k"), []byte("v"))
	if err := s.Apply(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Sync(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("Sync(canceled) = %v; want context.Canceled", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Sync(ctx); err != nil {
		t.Errorf("Sync(ctx) = %v", err)
	}
	if got := s.synced.Load(); got != 1 {
		t.Errorf("synced = %d; want 1", got)
	}
}
