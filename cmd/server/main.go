// Command server runs hubstream's GraphQL API.
//
// With no DYNAMODB_ENDPOINT it starts the embedded DynamoDB engine with its
// data under --data-dir, creates the table and runs the projector in
// process: one command, no infrastructure.
//
//	go run ./cmd/server                 # http://localhost:8080
//	DYNAMODB_ENDPOINT=http://localhost:8000 go run ./cmd/server --no-projector
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/healthcheck"
	"github.com/hubstream/hubstream/internal/table"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck.Run(context.Background(), "server", args[1:])
	}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := fs.String("addr", ":8080", "listen address")
	dataDir := fs.String("data-dir", "./.hubstream", "data directory of the embedded engine (ignored with DYNAMODB_ENDPOINT)")
	noProjector := fs.Bool("no-projector", false, "do not run the projector in process (run cmd/projector instead)")
	introspection := fs.Bool("introspection", false, "allow schema introspection (always on with the embedded engine)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	env := table.ConfigFromEnv()
	cfg := app.Config{Endpoint: env.Endpoint, Region: env.Region, DataDir: *dataDir, NoProjector: *noProjector}
	cfg.GraphQL.Introspection = *introspection
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	where := "embedded engine, data in " + *dataDir
	if env.Endpoint != "" {
		where = "DynamoDB at " + env.Endpoint
	}
	return a.Serve(ctx, app.ServeOptions{Addr: *addr, OnListen: func(l net.Addr) {
		log.Printf("hubstream: serving GraphQL at %s/graphql and the playground at %s/ (%s, table %s)", httpURL(l), httpURL(l), where, a.TableName())
	}})
}

func httpURL(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok && (tcp.IP.IsUnspecified() || tcp.IP.IsLoopback()) {
		return fmt.Sprintf("http://localhost:%d", tcp.Port)
	}
	return "http://" + a.String()
}
