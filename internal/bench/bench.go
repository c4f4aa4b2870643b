// Package bench measures hubstream's read path as a client sees it: it
// starts the server on the embedded engine (a temporary data directory,
// the projector in process while it seeds), seeds users, a repository and
// its issues through GraphQL mutations, stops the projector, and drives
// GraphQL queries over HTTP from concurrent clients. It reports, per
// query, requests per second, the 50th and 99th latency percentiles, the
// ratio of the rate to `{__typename}` measured in the same round (the
// ceiling of HTTP plus gqlgen on the machine), and the DynamoDB requests
// each query cost (counted on the server's AWS SDK HTTP client, so the
// access patterns' "one request per level" shows). cmd/hubbench is its
// command line; docs/benchmarks.md explains the numbers.
package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/table"
)

// Options configure Run. Zero fields take the documented defaults.
type Options struct {
	// Clients is the number of concurrent clients, each sending its next
	// request when the previous one is answered. Default 8.
	Clients int
	// Duration is how long each query is measured per round. Default
	// DefaultDuration.
	Duration time.Duration
	// Warmup is how long each query runs unmeasured before that. Default
	// DefaultWarmup; negative: none.
	Warmup time.Duration
	// Rounds is how many times every query is measured; the report gives
	// each round and the median of the rounds. Default 1.
	Rounds int
	// Issues is the number of issues the repository gets (the repository
	// page lists the first 20 of them). Default 20.
	Issues int
	// Queries are the queries measured, in order; the first is the
	// ceiling the others are compared with. Default DefaultQueries.
	Queries []Query
	// DataDir is the embedded engine's data directory. Default: a new
	// temporary directory, removed when Run returns.
	DataDir string
	// CPUProfile, when set, receives a pprof CPU profile of the measured
	// phases (server and clients share the process).
	CPUProfile io.Writer
	// MemProfile, when set, receives a pprof allocation profile of the
	// whole run (server and clients; the start and the seed are a few
	// dozen mutations against thousands of measured queries) when it ends:
	// `go tool pprof -sample_index=alloc_space`.
	MemProfile io.Writer
	// Progress, when set, receives a line per phase while Run works.
	Progress io.Writer
	// Configure, when set, adjusts the server's configuration last (tests
	// use it to change the loaders' options).
	Configure func(*app.Config)
}

// The defaults of Options.Duration and Options.Warmup.
const (
	DefaultDuration = 5 * time.Second
	DefaultWarmup   = time.Second
)

func (o Options) withDefaults() Options {
	if o.Clients <= 0 {
		o.Clients = 8
	}
	if o.Duration <= 0 {
		o.Duration = DefaultDuration
	}
	if o.Warmup == 0 {
		o.Warmup = DefaultWarmup
	}
	if o.Rounds <= 0 {
		o.Rounds = 1
	}
	if o.Issues <= 0 {
		o.Issues = 20
	}
	if len(o.Queries) == 0 {
		o.Queries = DefaultQueries()
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// Run starts the server, seeds it, measures every query for every round
// and returns the report. It fails when the server cannot start, seeding
// fails, a query's first answer is wrong (Query.Check) or any answer
// during the load is an error; the server and its temporary data are gone
// when it returns.
func Run(ctx context.Context, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	if opts.MemProfile != nil {
		// One sample per 4 KiB rather than 512 KiB: a page's allocations
		// are small and many. Set before the server starts, so that every
		// sample of the profile has the same rate.
		prev := runtime.MemProfileRate
		runtime.MemProfileRate = 4096
		defer func() { runtime.MemProfileRate = prev }()
	}
	dir := opts.DataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "hubbench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	var counter *table.RequestCounter
	cfg := app.Config{
		DataDir: dir,
		Logger:  obs.Discard(),
		WrapHTTP: func(next aws.HTTPClient) aws.HTTPClient {
			counter = table.NewRequestCounter(next)
			return counter
		},
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("bench: start the server: %w", err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	stopProjector := a.Start(ctx)
	defer stopProjector()

	c := newClient("http://"+ln.Addr().String()+"/graphql", opts.Clients)
	fmt.Fprintf(opts.Progress, "seeding %d issues on %s\n", opts.Issues, dir)
	if err := seed(ctx, a, c, opts.Issues); err != nil {
		return nil, fmt.Errorf("bench: seed: %w", err)
	}
	// Only the queries' requests are counted from here on: the projector
	// (lease renewals, stream reads) stops once it has projected the seed.
	if err := stopProjector(); err != nil {
		return nil, fmt.Errorf("bench: projector: %w", err)
	}
	for _, q := range opts.Queries {
		if err := c.check(ctx, q, opts.Issues); err != nil {
			return nil, fmt.Errorf("bench: %s: %w", q.Name, err)
		}
	}
	if opts.CPUProfile != nil {
		if err := pprof.StartCPUProfile(opts.CPUProfile); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	rep := &Report{Clients: opts.Clients, Duration: opts.Duration, Issues: opts.Issues, LoadAverage: loadAverage()}
	for round := range opts.Rounds {
		var results []Result
		for _, q := range opts.Queries {
			fmt.Fprintf(opts.Progress, "round %d: %s\n", round+1, q.Name)
			if opts.Warmup > 0 {
				if _, err := c.load(ctx, q, opts.Clients, opts.Warmup); err != nil {
					return nil, fmt.Errorf("bench: %s: %w", q.Name, err)
				}
			}
			before, batchesBefore, cpu := counter.Counts(), dispatches(a), cpuTime()
			res, err := c.load(ctx, q, opts.Clients, opts.Duration)
			if err != nil {
				return nil, fmt.Errorf("bench: %s: %w", q.Name, err)
			}
			if res.Requests > 0 {
				res.CPU = (cpuTime() - cpu) / time.Duration(res.Requests)
			}
			res.DynamoDB = perQuery(before, counter.Counts(), res.Requests)
			res.Batches = perQuery(batchesBefore, dispatches(a), res.Requests)
			results = append(results, res)
		}
		rep.Rounds = append(rep.Rounds, results)
	}
	if opts.MemProfile != nil {
		runtime.GC() // the profile is as of the last GC: include the measured phases
		if err := pprof.Lookup("allocs").WriteTo(opts.MemProfile, 0); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// perQuery returns the DynamoDB requests by operation between two counts,
// divided by the number of queries answered.
func perQuery(before, after map[string]int, queries int) map[string]float64 {
	out := map[string]float64{}
	if queries == 0 {
		return out
	}
	for op, n := range after {
		if d := n - before[op]; d > 0 {
			out[op] = float64(d) / float64(queries)
		}
	}
	return out
}

// dispatches returns the loader batches the server sent, by trigger
// (hubstream_loader_dispatches_total).
func dispatches(a *app.App) map[string]int {
	out := map[string]int{}
	families, err := a.Registry().Gather()
	if err != nil {
		return out
	}
	for _, f := range families {
		if f.GetName() != "hubstream_loader_dispatches_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "trigger" {
					out[l.GetValue()] += int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return out
}

// loadAverage returns the 1, 5 and 15 minute load averages of the machine
// ("" where the system does not tell).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	var one, five, fifteen string
	if _, err := fmt.Sscan(string(b), &one, &five, &fifteen); err != nil {
		return ""
	}
	return one + " " + five + " " + fifteen
}
