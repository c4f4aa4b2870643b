package ddblocal_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
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
//
// The null server and the loopback engine each run in a process of their
// own (this test binary, re-executed), as a DynamoDB endpoint on loopback
// is deployed (cmd/ddblocal, docker-compose); only the in-process engine
// shares the benchmark's process, as it does in production. With
// HUBSTREAM_RATIO_SERVERS=inline both servers run inside the benchmark's
// process instead, as in BenchmarkThroughput: there every garbage
// collection the clients trigger also marks the engines' data (and the
// other way round), which costs the write benchmarks, whose tables grow
// to 100,000 items, several points.
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
	var nullURL, loopURL string
	switch mode := os.Getenv("HUBSTREAM_RATIO_SERVERS"); mode {
	case "", "process":
		nullURL = startServerProcess(b, "null")
		loopURL = startServerProcess(b, "engine")
	case "inline":
		nullURL, loopURL = benchServers(b)
	default:
		b.Fatalf("HUBSTREAM_RATIO_SERVERS=%q: want process or inline", mode)
	}
	inprocEngine := openEngine(b, ddblocal.Options{})
	var retried atomic.Int64
	clients := [3]*dynamodb.Client{
		newRatioClient(nullURL, loopbackHTTPClient(256), &retried),
		newRatioClient(loopURL, loopbackHTTPClient(256), &retried),
		newRatioClient("http://ddblocal", inprocEngine.HTTPClient(), &retried),
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
					if os.Getenv("HUBSTREAM_RATIO_VERBOSE") != "" {
						b.Logf("round %2d: null %6.0f  loopback %6.0f  inproc %6.0f ops/s", r, rate[0], rate[1], rate[2])
					}
					loopVsNull = append(loopVsNull, rate[1]/rate[0])
					inprocVsLoop = append(inprocVsLoop, rate[2]/rate[1])
				}
				b.ReportMetric(total[0]/float64(rounds), "null-ops/s")
				b.ReportMetric(total[1]/float64(rounds), "loopback-ops/s")
				b.ReportMetric(total[2]/float64(rounds), "inproc-ops/s")
				b.ReportMetric(100*median(loopVsNull), "loopback/null-%")
				b.ReportMetric(median(inprocVsLoop), "inproc/loopback-x")
				b.ReportMetric(float64(retried.Swap(0)), "closed-conn-retries")
			}
		})
	}
}

// newRatioClient is newBenchClient with one exception to "no retries":
// net/http's client transport occasionally closes a kept-alive connection
// under a response it is reading (aws/aws-sdk-go-v2#2737; the SDK's
// default retryer retries net.ErrClosed since #2949). With the servers in
// other processes this happened about once per 5,000 BatchGetItem calls (and hardly
// ever for the other operations),
// to the null server and the engine alike. Such calls are retried at
// once and counted in retried; any other error still fails the benchmark.
func newRatioClient(endpoint string, hc aws.HTTPClient, retried *atomic.Int64) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		HTTPClient:   hc,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.RateLimiter = ratelimit.None
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				if errors.Is(err, net.ErrClosed) {
					retried.Add(1)
					return aws.TrueTernary
				}
				return aws.FalseTernary
			})}
		}),
	})
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

// ratioServerEnv makes the test binary a benchmark server: "null" or
// "engine". See TestMain.
const ratioServerEnv = "HUBSTREAM_RATIO_SERVER"

// TestMain lets BenchmarkRatio re-execute this test binary as a server
// process; otherwise it runs the tests as usual.
func TestMain(m *testing.M) {
	if kind := os.Getenv(ratioServerEnv); kind != "" {
		os.Exit(serveRatioServer(kind))
	}
	os.Exit(m.Run())
}

// serveRatioServer serves a null server or an in-memory engine on a
// loopback port, prints the address on stdout and serves until its stdin
// is closed (the benchmark exited or killed it).
func serveRatioServer(kind string) int {
	var h http.Handler
	switch kind {
	case "null":
		h = nullServer()
	case "engine":
		e, err := ddblocal.New(ddblocal.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer e.Close()
		h = e
	default:
		fmt.Fprintf(os.Stderr, "%s=%q: want null or engine\n", ratioServerEnv, kind)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
	return 0
}

// startServerProcess starts this test binary as a kind server and returns
// its URL; the process ends with the benchmark.
func startServerProcess(b *testing.B, kind string) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), ratioServerEnv+"="+kind)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close()
		if err := cmd.Wait(); err != nil {
			b.Errorf("%s server: %v", kind, err)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("%s server did not report its address: %v", kind, err)
	}
	return strings.TrimSpace(line)
}
