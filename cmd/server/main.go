// Command server runs hubstream's GraphQL API.
//
// With no DynamoDB endpoint (DYNAMODB_ENDPOINT, or the AWS SDK's
// AWS_ENDPOINT_URL_DYNAMODB) it starts the embedded DynamoDB engine with
// its data under --data-dir, creates the table and runs the projector in
// process: one command, no infrastructure.
//
//	go run ./cmd/server                 # http://localhost:8080
//	DYNAMODB_ENDPOINT=http://localhost:8000 AUTH_JWT_SECRET=... go run ./cmd/server --no-projector
//	go run ./cmd/server token octocat   # a development bearer token
//
// `server --help` lists every flag and environment variable;
// docs/operations.md explains them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/cli"
	"github.com/hubstream/hubstream/internal/healthcheck"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/table"
)

func main() { cli.Main(run) }

// serverCommand is the usage of the server itself.
var serverCommand = cli.Command{
	Name: "server",
	Summary: "Serve hubstream's GraphQL API (/graphql), the playground (/), /healthz and /readyz on --addr, /metrics on --metrics-addr.\n" +
		"Without a DynamoDB endpoint it runs the embedded engine on --data-dir and the projector in process.",
	Commands: [][2]string{
		{"token", "print a bearer token for a login, signed with the secret the server accepts"},
		{"healthcheck", "probe a URL (a container health check)"},
	},
	Env: cli.Join(cli.StorageEnv, cli.AuthEnv, cli.CursorEnv),
}

// tokenCommand is the usage of `server token`.
var tokenCommand = cli.Command{
	Name: "server token",
	Args: "<login> [flags]",
	Summary: "Print a bearer token for login: signed with AUTH_JWT_SECRET when set, else with the development secret\n" +
		"of --data-dir (created if missing), which only a server using that data directory accepts.",
	Env: cli.AuthEnv,
}

// run executes one command line and returns the exit status: 0 success
// (and --help), 1 failure, 2 a wrong command line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Run(ctx, "server", dispatch, args, stdout, stderr)
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "healthcheck":
			return healthcheck.Run(ctx, "server", args[1:], stdout)
		case "token":
			return runToken(args[1:], stdout, stderr)
		case "help":
			args = []string{"--help"}
		}
	}
	app.TuneGC()
	return serve(ctx, args, stdout, stderr)
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := serverCommand
	fs := c.NewFlagSet()
	addr := fs.String("addr", ":8080", "listen address of the public API: /graphql, the playground, /healthz, /readyz")
	metricsAddr := fs.String("metrics-addr", app.DefaultMetricsAddr, "listen address of /metrics and /healthz, never served on --addr (empty: none); by default loopback, on the next free port up to 9089 when several servers share the host")
	dataDir := fs.String("data-dir", "./.hubstream", "data directory of the embedded engine and its development token secret (not used with an endpoint)")
	noProjector := fs.Bool("no-projector", false, "do not run the projector in process (run projector run instead)")
	introspection := fs.Bool("introspection", false, "allow schema introspection (always on with the embedded engine)")
	createTable := fs.Bool("create-table", true, "create the table if it is missing; false: use an existing table (as on AWS) and fail if it is missing or differs from hubstream's schema")
	delay := fs.Duration("shutdown-delay", 0, "on SIGTERM, keep serving this long with /readyz answering 503 before closing the listener (above the load balancer's probe interval)")
	consistencyWait := fs.Duration("consistency-wait", app.DefaultConsistencyWait, "how long a mutation waits for the projection of its own write, and a request with X-Hubstream-After for its token's, before answering anyway (marked STALE); 0: never wait")
	timeout := fs.Duration("shutdown-timeout", app.DefaultShutdownTimeout, "then wait at most this long for requests in flight before closing their connections")
	pollInterval := fs.Duration("poll-interval", 200*time.Millisecond, "with an endpoint: shortest time between two GetRecords calls on a shard while records flow, for the in-process projector and the subscriptions' stream reader")
	maxPollInterval := fs.Duration("max-poll-interval", time.Second, "with an endpoint: longest pause of an idle shard (empty reads double the pause up to it)")
	noSubscriptions := fs.Bool("no-subscriptions", false, "do not follow the stream for GraphQL subscriptions (subscription operations are refused)")
	wsOrigins := fs.String("ws-allowed-origins", "", "comma-separated host patterns of other origins whose pages may open a WebSocket (e.g. app.example.com,*.example.com); the server's own origin is always allowed")
	perConn := fs.Int("max-subscriptions-per-connection", 20, "subscriptions one WebSocket connection may hold")
	perViewer := fs.Int("max-subscriptions-per-viewer", 100, "subscriptions one viewer (or one anonymous client address) may hold in this process")
	subBuffer := fs.Int("subscription-buffer", 256, "events a subscriber may have undelivered before it is dropped as a slow consumer")
	trustedProxies := fs.String("trusted-proxies", "", "comma-separated IP addresses or CIDR prefixes of the reverse proxies in front of the server: the access log takes client_ip from their X-Forwarded-For (empty: none, only remote_addr)")
	logOpts := obs.LogFlags(fs)
	if err := c.Parse(fs, args, 0, stdout); err != nil {
		return err
	}
	if *pollInterval <= 0 || *maxPollInterval <= 0 || *perConn <= 0 || *perViewer <= 0 || *subBuffer <= 0 {
		return cli.Usagef("--poll-interval, --max-poll-interval, --max-subscriptions-per-connection, --max-subscriptions-per-viewer and --subscription-buffer must be positive")
	}
	proxies, err := obs.ParseTrustedProxies(*trustedProxies)
	if err != nil {
		return cli.Usagef("--trusted-proxies: %v", err)
	}
	if *delay < 0 || *timeout <= 0 {
		return cli.Usagef("--shutdown-delay must not be negative and --shutdown-timeout must be positive")
	}
	if *consistencyWait < 0 {
		return cli.Usagef("--consistency-wait must not be negative")
	}
	logger := obs.NewLogger(stderr, *logOpts)
	env := table.ConfigFromEnv()
	authOpts, err := auth.OptionsFromEnv()
	if err != nil {
		return err
	}
	var cursorKey []byte
	if s := os.Getenv(loaders.EnvCursorKey); s != "" {
		if cursorKey, err = loaders.ParseCursorKey(s); err != nil {
			return err
		}
	}
	cfg := app.Config{Endpoint: env.Endpoint, Region: env.Region, DataDir: *dataDir, NoProjector: *noProjector,
		ExistingTable: !*createTable, Auth: authOpts, CursorKey: cursorKey, Logger: logger, TrustedProxies: proxies}
	cfg.GraphQL.Introspection = *introspection
	cfg.Projector.PollInterval, cfg.Projector.MaxPollInterval = *pollInterval, *maxPollInterval
	cfg.Subscriptions.Disabled = *noSubscriptions
	cfg.Subscriptions.Hub.MaxPerViewer, cfg.Subscriptions.Hub.Buffer = *perViewer, *subBuffer
	cfg.GraphQL.WebSocket.MaxPerConnection = *perConn
	for _, o := range strings.Split(*wsOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.GraphQL.WebSocket.AllowedOrigins = append(cfg.GraphQL.WebSocket.AllowedOrigins, o)
		}
	}
	cfg.GraphQL.ConsistencyWait = *consistencyWait
	if *consistencyWait == 0 {
		cfg.GraphQL.ConsistencyWait = -1 // HandlerOptions: negative turns waiting off
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "metrics-addr" })
	return a.Serve(ctx, app.ServeOptions{Addr: *addr, MetricsAddr: *metricsAddr, MetricsAddrExplicit: explicit,
		ShutdownDelay: *delay, ShutdownTimeout: *timeout})
}

// runToken prints a bearer token for a login, signed with the secret the
// server accepts: AUTH_JWT_SECRET if set, else the development secret in
// --data-dir (created if missing, with a warning). It says on stderr
// which servers accept the token.
func runToken(args []string, stdout, stderr io.Writer) error {
	c := tokenCommand
	fs := c.NewFlagSet()
	dataDir := fs.String("data-dir", "./.hubstream", "data directory holding the development secret (the server's --data-dir)")
	ttl := fs.Duration("ttl", 0, "token lifetime, at most AUTH_MAX_TOKEN_LIFETIME (default and 0: that maximum, 24h unless set)")
	// The login may come before or after the flags.
	var login string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		login, args = args[0], args[1:]
	}
	if err := c.Parse(fs, args, 1, stdout); err != nil {
		return err
	}
	if login == "" && fs.NArg() > 0 {
		login = fs.Arg(0)
		if err := c.Parse(fs, fs.Args()[1:], 0, stdout); err != nil {
			return err
		}
	} else if login != "" && fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q: want exactly one login (run %q)", fs.Arg(0), "server token --help")
	}
	if login == "" {
		return cli.Usagef("want a login: server token <login> (run %q)", "server token --help")
	}
	if *ttl < 0 {
		return cli.Usagef("--ttl must not be negative")
	}
	authOpts, err := auth.OptionsFromEnv()
	if err != nil {
		return err
	}
	dir := *dataDir
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	secretFile := filepath.Join(dir, auth.DevSecretFile)
	_, statErr := os.Stat(secretFile)
	created := !authOpts.Configured() && errors.Is(statErr, os.ErrNotExist)
	tok, err := app.MintToken(app.Config{DataDir: *dataDir, Auth: authOpts}, login, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	lifetime := "the maximum lifetime"
	if *ttl > 0 {
		lifetime = ttl.String()
	}
	switch {
	case authOpts.Configured():
		fmt.Fprintf(stderr, "server token: token for %s, valid for %s, signed with %s: servers configured with the same secret accept it\n", login, lifetime, auth.EnvJWTSecret)
	case created:
		fmt.Fprintf(stderr, "server token: warning: created a new development secret in %s: the token is valid only for a server started with --data-dir %s (a server using another data directory, or started before with another secret, rejects it)\n", secretFile, dir)
	default:
		fmt.Fprintf(stderr, "server token: token for %s, valid for %s, accepted by the server started with --data-dir %s (development secret %s)\n", login, lifetime, dir, secretFile)
	}
	return nil
}
