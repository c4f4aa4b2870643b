package storagetest

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/storage"
)

// BenchValueSize is the value size used by Bench: a typical small item.
const BenchValueSize = 200

// benchPreload is how many keys the read benchmarks load first.
const benchPreload = 100_000

// benchValue is shared by every write of the benchmarks; it is never
// modified, so stores may keep it.
var benchValue = bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz012345"), BenchValueSize/32+1)[:BenchValueSize]

// BenchKey returns the 24-byte key number i. Consecutive numbers are spread
// over the key space (the number is scrambled by a bijection), so loading
// 0..n-1 inserts in random order, as hashed partition keys would.
func BenchKey(i uint64) []byte {
	k := make([]byte, 0, 24)
	k = append(k, "tbl/0001/"...)
	k = binary.BigEndian.AppendUint64(k, i*0x9e3779b97f4a7c15)
	return append(k, "/item0x"...)
}

// Bench runs the shared benchmarks against stores made by open, which must
// return a new, empty store each time; Bench closes the stores it opens.
//
//   - Apply/ops=N: one Apply of an N-op batch of new 200-byte items.
//   - ApplySync/writers=8: eight goroutines each doing Apply(1 op) + Sync;
//     ns/op is wall time per acknowledged commit, so 1e9/ns is commits/s.
//   - Get: a point read of an existing key from an open snapshot.
//   - SnapshotGet: Snapshot + Get + Close, as one engine read does.
//   - Scan10: a 10-item forward range scan from a random key.
func Bench(b *testing.B, open func(b *testing.B) storage.Store) {
	ctx := context.Background()
	closeStore := func(b *testing.B, s storage.Store) {
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	for _, ops := range []int{1, 4} {
		b.Run(fmt.Sprintf("Apply/ops=%d", ops), func(b *testing.B) {
			s := open(b)
			defer closeStore(b, s)
			var n uint64
			b.ReportAllocs()
			for b.Loop() {
				var batch storage.Batch
				batch.Ops = make([]storage.Op, 0, ops)
				for range ops {
					batch.Set(BenchKey(n), benchValue)
					n++
				}
				if err := s.Apply(ctx, &batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("ApplySync/writers=8", func(b *testing.B) {
		s := open(b)
		defer closeStore(b, s)
		var n atomic.Uint64
		b.SetParallelism((8 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var batch storage.Batch
				batch.Set(BenchKey(n.Add(1)), benchValue)
				if err := s.Apply(ctx, &batch); err != nil {
					b.Error(err)
					return
				}
				if err := s.Sync(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})

	reads := []struct {
		name string
		fn   func(b *testing.B, s storage.Store, r *rand.Rand)
	}{
		{"Get", func(b *testing.B, s storage.Store, r *rand.Rand) {
			snap := s.Snapshot()
			defer snap.Close()
			keys := benchKeys(r)
			i := 0
			for b.Loop() {
				benchGet(b, snap, keys[i%len(keys)])
				i++
			}
		}},
		{"SnapshotGet", func(b *testing.B, s storage.Store, r *rand.Rand) {
			keys := benchKeys(r)
			i := 0
			for b.Loop() {
				snap := s.Snapshot()
				benchGet(b, snap, keys[i%len(keys)])
				if err := snap.Close(); err != nil {
					b.Fatal(err)
				}
				i++
			}
		}},
		{"Scan10", func(b *testing.B, s storage.Store, r *rand.Rand) {
			snap := s.Snapshot()
			defer snap.Close()
			keys := benchKeys(r)
			i := 0
			for b.Loop() {
				it := snap.Iter(keys[i%len(keys)], nil, false)
				n := 0
				for n < 10 && it.Next() {
					n++
				}
				if err := it.Close(); err != nil {
					b.Fatal(err)
				}
				i++
			}
		}},
	}
	for _, rb := range reads {
		b.Run(rb.name, func(b *testing.B) {
			s := open(b)
			defer closeStore(b, s)
			for i := 0; i < benchPreload; i += 100 {
				var batch storage.Batch
				for j := i; j < i+100; j++ {
					batch.Set(BenchKey(uint64(j)), benchValue)
				}
				if err := s.Apply(ctx, &batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			rb.fn(b, s, rand.New(rand.NewPCG(7, 8)))
		})
	}
}

// benchKeys returns preloaded keys in random order.
func benchKeys(r *rand.Rand) [][]byte {
	keys := make([][]byte, 4096)
	for i := range keys {
		keys[i] = BenchKey(r.Uint64N(benchPreload))
	}
	return keys
}

// benchGet reads key, which must be there, from snap.
func benchGet(b *testing.B, snap storage.Snapshot, key []byte) {
	if _, ok, err := snap.Get(key); err != nil || !ok {
		b.Fatalf("Get: ok=%v err=%v", ok, err)
	}
}
