package ddblocal_test

import (
	"context"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

// BenchmarkRatio measures each operation's loopback throughput as a share
// of the null server's, and in-process throughput as a multiple of
// loopback, by interleaving short timed rounds of the three targets:
//
//	go test ./internal/ddblocal -run '^$' -bench Ratio -benchtime 1x
//
// BenchmarkThroughput runs each target for the whole -benchtime in turn,
// so a change in the machine's speed between sub-benchmarks (other tenants,
// frequency scaling) lands on one target only; on this 2-core machine that
// moved a ratio by ±10 points between identical runs. Here every round runs
// null, loopback and in-process back to back, in a rotating order, for
// HUBSTREAM_RATIO_ROUND (default 250ms) each, HUBSTREAM_RATIO_ROUNDS
// (default 12) times, and the reported ratios are the medians of the
// per-round ratios, so drift that is slow compared with a round cancels.
func BenchmarkRatio(b *testing.B) {
	round := 250 * time.Millisecond
	if s := os.Getenv("HUBSTREAM_RATIO_ROUND"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("HUBSTREAM_RATIO_ROUND: %v", err)
		}
		round = d
	}
	rounds := 12
	if s := os.Getenv("HUBSTREAM_RATIO_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("HUBSTREAM_RATIO_ROUNDS: want a positive integer, got %q", s)
		}
		rounds = n
	}

	null := httptest.NewServer(nullServer())
	defer null.Close()
	loopEngine, err := ddblocal.New(ddblocal.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer loopEngine.Close()
	loop := httptest.NewServer(loopEngine)
	defer loop.Close()
	inprocEngine, err := ddblocal.New(ddblocal.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer inprocEngine.Close()
	clients := [3]*dynamodb.Client{
		newBenchClient(null.URL, loopbackHTTPClient()),
		newBenchClient(loop.URL, loopbackHTTPClient()),
		newBenchClient("http://ddblocal", inprocEngine.HTTPClient()),
	}
	setupBenchTable(b, clients[1])
	setupBenchTable(b, clients[2])

	for _, op := range benchOps {
		b.Run(op.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var seq atomic.Int64
				// Warm connections and caches before the first round.
				for _, c := range clients {
					if _, err := timedRun(c, op, &seq, round/5); err != nil {
						b.Fatal(err)
					}
				}
				var loopVsNull, inprocVsLoop []float64
				var total [3]float64
				for r := 0; r < rounds; r++ {
					var rate [3]float64
					for k := range clients {
						t := (k + r) % len(clients)
						n, err := timedRun(clients[t], op, &seq, round)
						if err != nil {
							b.Fatal(err)
						}
						rate[t] = n
						total[t] += n
					}
					loopVsNull = append(loopVsNull, rate[1]/rate[0])
					inprocVsLoop = append(inprocVsLoop, rate[2]/rate[1])
				}
				b.ReportMetric(total[0]/float64(rounds), "null-ops/s")
				b.ReportMetric(total[1]/float64(rounds), "loopback-ops/s")
				b.ReportMetric(total[2]/float64(rounds), "inproc-ops/s")
				b.ReportMetric(100*median(loopVsNull), "loopback/null-%")
				b.ReportMetric(median(inprocVsLoop), "inproc/loopback-x")
			}
		})
	}
}

// timedRun drives op through c with benchCallers goroutines for d and
// returns the achieved operations per second.
func timedRun(c *dynamodb.Client, op benchOp, seq *atomic.Int64, d time.Duration) (float64, error) {
	ctx := context.Background()
	var (
		done    atomic.Bool
		ops     atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		failure error
	)
	start := time.Now()
	for g := 0; g < benchCallers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done.Load() {
				if err := op.run(ctx, c, seq.Add(1)); err != nil {
					errOnce.Do(func() { failure = err })
					return
				}
				ops.Add(1)
			}
		}()
	}
	time.Sleep(d)
	done.Store(true)
	wg.Wait()
	return float64(ops.Load()) / time.Since(start).Seconds(), failure
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
