// Command hubbench measures hubstream's reads as a client sees them: it
// starts the server on the embedded engine with a temporary data
// directory, seeds a user, a repository and its issues through GraphQL,
// and drives `{__typename}` (the ceiling), a user by login and a
// repository page over HTTP from concurrent clients. It prints req/s,
// p50, p99, the ratio of each query's rate to the ceiling's measured in
// the same round, and the DynamoDB requests each query cost.
//
//	go run ./cmd/hubbench                      # 8 clients, 5 s per query
//	nice -n 0 go run ./cmd/hubbench --rounds 3 # and the median of 3 rounds
//
// docs/benchmarks.md explains the numbers and records measured ones.
package main

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/bench"
	"github.com/hubstream/hubstream/internal/cli"
)

func main() { cli.Main(run) }

var command = cli.Command{
	Name: "hubbench",
	Summary: "Benchmark hubstream's reads: start the server on the embedded engine (temporary data), seed it, and drive\n" +
		"{__typename}, user(login) and a repository page over HTTP; print req/s, p50, p99, the ratio to {__typename}\n" +
		"and DynamoDB requests per query.",
}

// run executes one command line and returns the exit status: 0 success
// (and --help), 1 failure, 2 a wrong command line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Run(ctx, "hubbench", benchmark, args, stdout, stderr)
}

func benchmark(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := command
	fs := c.NewFlagSet()
	var opts bench.Options
	fs.IntVar(&opts.Clients, "clients", 8, "concurrent clients, each sending its next request when the last one is answered")
	fs.DurationVar(&opts.Duration, "duration", bench.DefaultDuration, "how long each query is measured per round")
	fs.DurationVar(&opts.Warmup, "warmup", bench.DefaultWarmup, "how long each query runs unmeasured before (0: none)")
	fs.IntVar(&opts.Rounds, "rounds", 1, "rounds of every query; with more than one the medians are printed too")
	fs.IntVar(&opts.Issues, "issues", 20, "issues of the seeded repository (the page lists the first 20)")
	queries := fs.String("queries", "typename,user,repository", "the queries measured, comma-separated: typename (always measured first, the ceiling), user, repository")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the measured phases (server and clients) to this file")
	memProfile := fs.String("memprofile", "", "write an allocation profile of the run (server and clients) to this file (pprof -sample_index=alloc_space); sampling every 4 KiB slows allocation, so take CPU profiles and numbers in another run")
	if err := c.Parse(fs, args, 0, stdout); err != nil {
		return err
	}
	if opts.Clients < 1 || opts.Duration <= 0 || opts.Warmup < 0 || opts.Rounds < 1 || opts.Issues < 1 {
		return cli.Usagef("--clients, --duration, --rounds and --issues must be positive, --warmup not negative")
	}
	qs, err := bench.SelectQueries(strings.Split(*queries, ","))
	if err != nil {
		return cli.Usagef("--queries: %v", err)
	}
	opts.Queries = qs
	if opts.Warmup == 0 {
		opts.Warmup = -1 // Options: negative is none
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		opts.CPUProfile = f
	}
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		opts.MemProfile = f
	}
	opts.Progress = stderr
	app.TuneGC() // the server's own setting: the server runs in this process
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		return err
	}
	rep.Print(stdout)
	return nil
}
