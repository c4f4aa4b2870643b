// Command server runs hubstream's GraphQL API.
//
// With no DYNAMODB_ENDPOINT it starts the embedded DynamoDB engine with its
// data under --data-dir, creates the table and runs the projector in
// process: one command, no infrastructure.
//
//	go run ./cmd/server                 # http://localhost:8080
//	DYNAMODB_ENDPOINT=http://localhost:8000 AUTH_JWT_SECRET=... go run ./cmd/server --no-projector
//
// Requests authenticate with `Authorization: Bearer <JWT>` (AUTH_JWT_SECRET,
// or AUTH_JWKS_URL; AUTH_ISSUER, AUTH_AUDIENCE; AUTH_MAX_TOKEN_LIFETIME,
// default 24h). With the embedded engine and no AUTH_* key set, the
// server keeps a development secret in --data-dir, and the token
// sub-command signs tokens with it:
//
//	go run ./cmd/server token octocat [--data-dir ./.hubstream] [--ttl 1h]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/auth"
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
	if len(args) > 0 && args[0] == "token" {
		return runToken(args[1:])
	}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := fs.String("addr", ":8080", "listen address")
	dataDir := fs.String("data-dir", "./.hubstream", "data directory of the embedded engine (ignored with DYNAMODB_ENDPOINT)")
	noProjector := fs.Bool("no-projector", false, "do not run the projector in process (run cmd/projector instead)")
	introspection := fs.Bool("introspection", false, "allow schema introspection (always on with the embedded engine)")
	createTable := fs.Bool("create-table", true, "create the table if it is missing; false: use an existing table (as on AWS) and fail if it is missing or differs from hubstream's schema")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	env := table.ConfigFromEnv()
	authOpts, err := auth.OptionsFromEnv()
	if err != nil {
		return err
	}
	cfg := app.Config{Endpoint: env.Endpoint, Region: env.Region, DataDir: *dataDir, NoProjector: *noProjector, ExistingTable: !*createTable, Auth: authOpts}
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

// runToken prints a bearer token for a login, signed with the secret the
// server accepts: AUTH_JWT_SECRET if set, else the development secret in
// --data-dir (created if missing).
func runToken(args []string) error {
	fs := flag.NewFlagSet("server token", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: server token <login> [--data-dir dir] [--ttl 1h]")
		fs.PrintDefaults()
	}
	dataDir := fs.String("data-dir", "./.hubstream", "data directory holding the development secret")
	ttl := fs.Duration("ttl", 0, "token lifetime, at most AUTH_MAX_TOKEN_LIFETIME (default and 0: that maximum, 24h unless set)")
	// The login may come before or after the flags.
	var login string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		login, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if login == "" && fs.NArg() > 0 {
		login = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return err
		}
	}
	if login == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("token: want exactly one login")
	}
	if *ttl < 0 {
		return errors.New("token: --ttl must not be negative")
	}
	authOpts, err := auth.OptionsFromEnv()
	if err != nil {
		return err
	}
	tok, err := app.MintToken(app.Config{DataDir: *dataDir, Auth: authOpts}, login, *ttl)
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}

func httpURL(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok && (tcp.IP.IsUnspecified() || tcp.IP.IsLoopback()) {
		return fmt.Sprintf("http://localhost:%d", tcp.Port)
	}
	return "http://" + a.String()
}
