package pebblestore

import (
	"context"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/storage"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/storagetest"
)

// BenchmarkReopen1M loads one million 24-byte keys with 200-byte values
// (default Options, batches of 100, no Sync), closes the store, and times
// Open plus one Get. Pebble does not flush memtables on Close, so each Open
// also replays the WAL tail, as after a crash.
func BenchmarkReopen1M(b *testing.B) {
	const keys = 1_000_000
	ctx := context.Background()
	dir := b.TempDir()
	value := make([]byte, storagetest.BenchValueSize)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	s, err := Open(dir, Options{Logf: b.Logf})
	if err != nil {
		b.Fatal(err)
	}
	loadStart := time.Now()
	for i := uint64(0); i < keys; i += 100 {
		var batch storage.Batch
		for j := i; j < i+100; j++ {
			batch.Set(storagetest.BenchKey(j), value)
		}
		if err := s.Apply(ctx, &batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d keys in %v", keys, time.Since(loadStart))
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	var worst time.Duration
	for b.Loop() {
		start := time.Now()
		s, err := Open(dir, Options{Logf: b.Logf})
		if err != nil {
			b.Fatal(err)
		}
		snap := s.Snapshot()
		if _, ok, err := snap.Get(storagetest.BenchKey(keys / 2)); err != nil || !ok {
			b.Fatalf("Get after reopen: ok=%v err=%v", ok, err)
		}
		worst = max(worst, time.Since(start))
		b.StopTimer()
		snap.Close()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(worst.Seconds(), "worst-s")
}
