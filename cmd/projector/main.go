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
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/cli"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/table"
)

func main() {
	cli.Main(func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return run(ctx, args, stdout, stderr, table.ConfigFromEnv())
	})
}

// projectorCommand is the usage of the binary itself.
var projectorCommand = cli.Command{
	Name:    "projector",
	Args:    "<command> [flags]",
	Summary: "hubstream's stream projector, and the operator's tools around it (docs/projector.md).",
	Commands: [][2]string{
		{"run", "tail the stream (shard leases, failover) and apply events to the read model"},
		{"rebuild", "replay the event log into the read model: the live table (projector stopped), --into a fresh table, or --catch-up"},
		{"verify", "replay the event log in memory and list read items that differ (exit 1 on drift); --repair repairs first"},
		{"status", "per-shard owner, checkpoint, backlog and lag; workers; halted aggregates; losses; sweep"},
		{"dlq list", "blocked aggregates and parked events"},
		{"dlq retry", "re-apply blocked aggregates and parked events (after a fix)"},
	},
	Env: cli.StorageEnv,
}

// subcommands are the usages of the sub-commands, by name.
var subcommands = map[string]cli.Command{
	"run":       {Summary: "Tail the table's stream with shard leases and keep the read model up to date; N processes share the shards. Serves /metrics and /healthz on --metrics-addr."},
	"rebuild":   {Summary: "Replay the event log into the read model: the live table (stop the projector first), --into a fresh table, or --catch-up (repair aggregates behind their head while the projector runs). Exit 1 if aggregates failed."},
	"verify":    {Summary: "Replay the event log into memory and list the read items that differ from the live ones; exit 1 on drift. --repair first repairs every aggregate behind its head."},
	"status":    {Summary: "Per-shard owner, checkpoint, backlog and lag; workers (live or dead); blocked aggregates; losses; the anti-entropy sweep. --json for the same as JSON with stable snake_case keys."},
	"dlq list":  {Summary: "List blocked aggregates and parked events."},
	"dlq retry": {Summary: "Re-apply blocked aggregates and parked events (after a fix); exit 1 if some still fail."},
}

// usesDataDir are the sub-commands that can open an embedded data
// directory directly (--data-dir) when no server holds it.
var usesDataDir = map[string]bool{"rebuild": true, "verify": true, "status": true, "dlq list": true, "dlq retry": true}

// exitError carries a specific exit status.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// run executes one command line and returns the exit status: 0 success
// (and --help), 1 a finding (drift, failed aggregates, failed retries),
// 2 an error or a wrong command line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, cc table.ClientConfig) int {
	return runCLI(ctx, &cmdline{stdout: stdout, stderr: stderr, cc: cc}, args)
}

// runCLI is run with the cmdline given (tests shorten its progress
// period).
func runCLI(ctx context.Context, c *cmdline, args []string) int {
	err := dispatch(ctx, c, args)
	stderr := c.stderr
	var ee exitError
	var ue *cli.UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "projector:", err)
		return cli.ExitUsage
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

func dispatch(ctx context.Context, c *cmdline, args []string) error {
	if len(args) == 0 {
		cli.PrintUsage(c.stderr, projectorCommand, nil)
		return exitError{code: cli.ExitUsage}
	}
	defer c.close()
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
	}
	if cli.IsHelp(args[0]) {
		cli.PrintUsage(c.stdout, projectorCommand, nil)
		return flag.ErrHelp
	}
	return cli.Usagef("unknown command %q (run %q)", args[0], "projector --help")
}

// cmdline holds what every command needs.
type cmdline struct {
	stdout, stderr io.Writer
	cc             table.ClientConfig
	// progressEvery is how often progress is logged when stderr is not a
	// terminal (a pipe, a file, a container's log). Default 10 s.
	progressEvery time.Duration

	cmd      cli.Command     // the sub-command being run
	logOpts  *obs.LogOptions // its --log-level and --log-format
	dataDir  *string         // its --data-dir, if it has one
	registry *prometheus.Registry
	embedded *app.Embedded // opened on --data-dir, closed by close
}

// flags returns the flag set of sub-command name, with the flags every
// sub-command has (--log-level, --log-format; --data-dir where it makes
// sense).
func (c *cmdline) flags(name string) *flag.FlagSet {
	c.cmd = subcommands[name]
	c.cmd.Name = "projector " + name
	c.cmd.Env = cli.StorageEnv
	fs := c.cmd.NewFlagSet()
	c.logOpts = obs.LogFlags(fs)
	if usesDataDir[name] {
		c.dataDir = fs.String("data-dir", "", "work on the embedded engine's data directory (the server's --data-dir) instead of an endpoint; no server may hold it")
	}
	return fs
}

// parse parses a sub-command's arguments: flags only.
func (c *cmdline) parse(fs *flag.FlagSet, args []string) error {
	return c.cmd.Parse(fs, args, 0, c.stdout)
}

// logger returns the logger the flags ask for, writing to stderr.
func (c *cmdline) logger() *slog.Logger {
	if c.logOpts == nil {
		return obs.NewLogger(c.stderr, obs.LogOptions{})
	}
	return obs.NewLogger(c.stderr, *c.logOpts)
}

// metrics returns the process's registry (run serves it).
func (c *cmdline) metrics() *prometheus.Registry {
	if c.registry == nil {
		c.registry = obs.NewRegistry()
	}
	return c.registry
}

// clients returns the DynamoDB clients: those of the embedded engine on
// --data-dir, else of the configured endpoint (or the region's DynamoDB).
// Their calls are counted in the process's registry.
func (c *cmdline) clients(ctx context.Context) (table.Clients, error) {
	dm := table.NewMetrics(c.metrics())
	if c.dataDir != nil && *c.dataDir != "" {
		if c.cc.Endpoint != "" {
			return table.Clients{}, cli.Usagef("--data-dir and a DynamoDB endpoint (%s) exclude each other", c.cc.Endpoint)
		}
		e, err := app.OpenEmbedded(ctx, *c.dataDir, c.logger(), dm)
		if err != nil {
			return table.Clients{}, err
		}
		c.embedded = e
		return e.Clients, nil
	}
	cc := c.cc
	cc.Metrics = dm
	return table.NewClients(ctx, cc)
}

// close releases an embedded data directory opened by clients.
func (c *cmdline) close() {
	if c.embedded != nil {
		_ = c.embedded.Close()
		c.embedded = nil
	}
}
