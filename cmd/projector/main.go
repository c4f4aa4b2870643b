// Command projector runs hubstream's stream projector as its own process,
// and the operator's tools around it.
//
//	DYNAMODB_ENDPOINT=http://localhost:8000 projector run
//
// Sub-commands:
//
//	run      tail the table's stream with shard leases and keep the read model up to date
//	rebuild  replay the event log into the read model (live, --into a fresh table, or --catch-up)
//	verify   replay the event log in memory and list read items that differ from the live ones
//	         (--repair: first run an anti-entropy pass that repairs aggregates behind their head)
//	status   per-shard owner, checkpoint, backlog and lag; halted aggregates
//	dlq      list or retry blocked aggregates and parked events
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hubstream/hubstream/internal/table"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, table.ConfigFromEnv())
	stop()
	os.Exit(code)
}

const usage = `usage: projector <command> [flags]

commands:
  run            tail the stream (shard leases, failover) and apply events to the read model
  rebuild        replay the event log into the read model: the live table (projector stopped),
                 --into a fresh table, or --catch-up (repair aggregates behind their head)
  verify         replay the event log in memory and list read items that differ (exit 1 on drift);
                 --repair first repairs every aggregate behind its head from the log
  status         per-shard owner, checkpoint, backlog and lag; workers; halted aggregates
  dlq list       blocked aggregates and parked events
  dlq retry      re-apply blocked aggregates and parked events (after a fix)

Run "projector <command> -h" for a command's flags.
environment: DYNAMODB_ENDPOINT, AWS_REGION, HUBSTREAM_TABLE and the standard AWS configuration.`

// exitError carries a specific exit status.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// run executes one command line and returns the exit status: 0 success,
// 1 a finding (drift, failed aggregates, failed retries), 2 an error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, cc table.ClientConfig) int {
	return runCLI(ctx, &cli{stdout: stdout, stderr: stderr, cc: cc}, args)
}

// runCLI is run with the cli given (tests shorten its progress period).
func runCLI(ctx context.Context, c *cli, args []string) int {
	err := dispatch(ctx, c, args)
	stderr := c.stderr
	var ee exitError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(stderr, "projector:", ee.msg)
		}
		return ee.code
	case errors.Is(err, context.Canceled):
		return 0
	}
	fmt.Fprintln(stderr, "projector:", err)
	return 2
}

func dispatch(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(c.stderr, usage)
		return exitError{code: 2}
	}
	switch args[0] {
	case "run":
		return c.runCmd(ctx, args[1:])
	case "rebuild":
		return c.rebuildCmd(ctx, args[1:])
	case "verify":
		return c.verifyCmd(ctx, args[1:])
	case "status":
		return c.statusCmd(ctx, args[1:])
	case "dlq":
		return c.dlqCmd(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(c.stdout, usage)
		return nil
	}
	return exitError{code: 2, msg: fmt.Sprintf("unknown command %q\n%s", args[0], usage)}
}

// cli holds what every command needs.
type cli struct {
	stdout, stderr io.Writer
	cc             table.ClientConfig
	// progressEvery is how often progress is logged when stderr is not a
	// terminal (a pipe, a file, a container's log). Default 10 s.
	progressEvery time.Duration
}

func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("projector "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	return fs
}

func (c *cli) clients(ctx context.Context) (table.Clients, error) {
	return table.NewClients(ctx, c.cc)
}
