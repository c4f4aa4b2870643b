// Command projector runs hubstream's stream projector as its own process.
//
//	DYNAMODB_ENDPOINT=http://localhost:8000 projector run
//
// Sub-commands:
//
//	run   tail the table's stream and keep the read model up to date
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projections"
	"github.com/hubstream/hubstream/internal/table"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "projector:", err)
		os.Exit(1)
	}
}

const usage = `usage: projector <command> [flags]

commands:
  run    tail the stream and apply events to the read model

environment: DYNAMODB_ENDPOINT, AWS_REGION, HUBSTREAM_TABLE and the standard AWS configuration.`

func run(args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "run":
		return runCmd(args[1:])
	case "-h", "--help", "help":
		fmt.Println(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

func runCmd(args []string) error {
	fs := flag.NewFlagSet("projector run", flag.ContinueOnError)
	name := fs.String("name", "main", "projector name (separates checkpoints of independent projectors)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	clients, err := table.NewClients(ctx, table.ConfigFromEnv())
	if err != nil {
		return err
	}
	tbl := table.Name()
	codec := events.NewCodec()
	r := projections.NewRunner(clients.DB, clients.Streams, tbl, projections.NewApplier(clients.DB, tbl, codec), projections.RunnerOptions{Name: *name, Logf: log.Printf})
	log.Printf("projector: tailing the stream of table %s as %q", tbl, *name)
	if err := r.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
