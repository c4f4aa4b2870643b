package stackgrow_test

import (
	"sync"
	"testing"

	"github.com/hubstream/hubstream/internal/stackgrow"
)

// deep recurses n frames of about 256 bytes each, like a call through a
// deep middleware stack.
//
//go:noinline
func deep(n int) byte {
	var pad [224]byte
	pad[n%len(pad)] = byte(n)
	if n == 0 {
		return pad[0]
	}
	return deep(n-1) + pad[n%len(pad)]
}

// TestGrowKeepsDeepCallsWorking runs deep calls on fresh goroutines with
// and without growing first: Grow changes only how the stack grows, never
// what the calls compute.
func TestGrowKeepsDeepCallsWorking(t *testing.T) {
	for _, tc := range []struct {
		name string
		grow bool
	}{{"without Grow", false}, {"with Grow", true}} {
		t.Run(tc.name, func(t *testing.T) {
			want := deep(100)
			var got byte
			var wg sync.WaitGroup
			wg.Go(func() {
				if tc.grow {
					stackgrow.Grow()
				}
				got = deep(100)
			})
			wg.Wait()
			if got != want {
				t.Fatalf("deep(100) on a fresh goroutine = %d, want %d", got, want)
			}
		})
	}
}

// BenchmarkDeepCallOnFreshGoroutine measures what Grow saves: a fresh
// goroutine making a call about 25 KiB deep.
func BenchmarkDeepCallOnFreshGoroutine(b *testing.B) {
	for _, bc := range []struct {
		name string
		grow bool
	}{{"doubling", false}, {"Grow", true}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				done := make(chan byte)
				go func() {
					if bc.grow {
						stackgrow.Grow()
					}
					done <- deep(100)
				}()
				<-done
			}
		})
	}
}
