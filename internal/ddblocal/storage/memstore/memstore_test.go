package memstore

import (
	"context"
	"encoding/binary"
	"runtime"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/storage"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(*testing.T) storage.Store { return New() })
}

func BenchmarkStore(b *testing.B) {
	storagetest.Bench(b, func(*testing.B) storage.Store { return New() })
}

// BenchmarkMemory loads one million 200-byte items, each with one index
// entry (a 40-byte key, empty value), the way the engine writes them (one
// two-op batch per item), and reports the Go heap it takes as bytes per
// item (item + index entry) and per stored entry.
func BenchmarkMemory(b *testing.B) {
	const items = 1_000_000
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for b.Loop() {
		b.StopTimer()
		before := heap()
		b.StartTimer()
		s := New()
		for i := uint64(0); i < items; i++ {
			var batch storage.Batch
			key := storagetest.BenchKey(i)
			idx := make([]byte, 0, 40)
			idx = append(idx, "idx/0001/gsi1/"...)
			idx = binary.BigEndian.AppendUint64(idx, i*0x2545f4914f6cdd1d)
			idx = append(idx, key[:18]...)
			batch.Set(key, make([]byte, storagetest.BenchValueSize))
			batch.Set(idx, nil)
			if err := s.Apply(context.Background(), &batch); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		used := heap() - before
		b.ReportMetric(float64(used)/items, "B/item+index")
		b.ReportMetric(float64(used)/(2*items), "B/entry")
		b.ReportMetric(float64(used)/(1<<20), "MiB")
		runtime.KeepAlive(s)
		b.StartTimer()
	}
}
