package pebblestore

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/vfs"

	"github.com/hubstream/hubstream/internal/ddblocal/storage"
)

// TestSyncDurability checks Sync's promise on a file system that forgets
// every write not fsynced when the "machine" crashes: each batch whose Apply
// returned before a Sync call that succeeded, from any goroutine, survives;
// batches applied after the last Sync are lost whole. A small memtable
// makes the WAL rotate many times while writers run; a large one keeps
// every batch in one WAL, where only Sync's fsync can save them.
func TestSyncDurability(t *testing.T) {
	tests := []struct {
		name         string
		memTableSize int
	}{
		{"one WAL", 16 << 20},
		{"rotating WAL", 64 << 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { testSyncDurability(t, tc.memTableSize) })
	}
}

func testSyncDurability(t *testing.T, memTableSize int) {
	ctx := context.Background()
	fs := vfs.NewStrictMem()
	opts := Options{CacheSize: 1 << 20, MemTableSize: memTableSize, Logf: t.Logf, fs: fs}
	s, err := Open("/data/db", opts)
	if err != nil {
		t.Fatal(err)
	}
	const keysPerBatch = 4
	write := func(n int) error {
		var b storage.Batch
		for j := range keysPerBatch {
			b.Set(fmt.Appendf(nil, "b/%06d/%d", n, j), fmt.Appendf(nil, "%0200d", n))
		}
		return s.Apply(ctx, &b)
	}

	var (
		mu      sync.Mutex
		applied []int            // batches whose Apply has returned
		acked   = map[int]bool{} // covered by a successful Sync
		wg      sync.WaitGroup
	)
	const writers, perWriter = 8, 150
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				n := w*perWriter + i
				if err := write(n); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				applied = append(applied, n)
				mu.Unlock()
				if i%3 != 2 {
					continue // most batches rely on another goroutine's Sync
				}
				mu.Lock()
				covered := append([]int(nil), applied...)
				mu.Unlock()
				if err := s.Sync(ctx); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, n := range covered {
					acked[n] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Applied but never synced: these must vanish in the crash.
	const tail = writers * perWriter
	for n := tail; n < tail+5; n++ {
		if err := write(n); err != nil {
			t.Fatal(err)
		}
	}

	// Crash: drop everything not fsynced.
	fs.SetIgnoreSyncs(true)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fs.ResetToSyncedState()
	fs.SetIgnoreSyncs(false)

	s, err = Open("/data/db", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap := s.Snapshot()
	defer snap.Close()
	count := map[int]int{}
	it := snap.Iter(nil, nil, false)
	for it.Next() {
		var n, j int
		if _, err := fmt.Sscanf(string(it.Key()), "b/%d/%d", &n, &j); err != nil {
			t.Fatalf("bad key %q", it.Key())
		}
		count[n]++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	for n, c := range count {
		if c != keysPerBatch {
			t.Errorf("batch %d partially present: %d of %d keys", n, c, keysPerBatch)
		}
	}
	lost := 0
	for n := range acked {
		if count[n] != keysPerBatch {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d synced batches lost", lost, len(acked))
	}
	if count[tail+4] != 0 {
		t.Errorf("batch applied after the last Sync survived the crash; the test cannot tell synced from unsynced writes")
	}
	t.Logf("%d batches synced, %d present after crash", len(acked), len(count))
}
