// Command ddblocal runs hubstream's embedded DynamoDB engine as a standalone
// server speaking the DynamoDB and DynamoDB Streams JSON protocols, for
// docker-compose and for any tool that takes an endpoint URL (the AWS CLI,
// other SDKs).
//
//	ddblocal --data-dir /var/lib/ddblocal          # 127.0.0.1:8000
//	ddblocal --addr :8000 --data-dir /data         # every interface (a container)
//	aws dynamodb list-tables --endpoint-url http://localhost:8000
//
// It has no authentication (it accepts any signature, as DynamoDB Local
// does), so by default it listens on the loopback interface only; give
// --addr explicitly to serve other hosts, e.g. inside a container.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hubstream/hubstream/internal/cli"
	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/ddblocal/storage"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/pebblestore"
	"github.com/hubstream/hubstream/internal/fsperm"
	"github.com/hubstream/hubstream/internal/healthcheck"
	"github.com/hubstream/hubstream/internal/obs"
)

func main() { cli.Main(run) }

// ddblocalCommand is the usage of the binary.
var ddblocalCommand = cli.Command{
	Name: "ddblocal",
	Summary: "Serve hubstream's embedded DynamoDB engine (DynamoDB and DynamoDB Streams JSON protocols) on --addr, for\n" +
		"docker compose and any tool that takes an endpoint URL. It has no authentication: loopback unless --addr says otherwise.\n" +
		"It reads no environment variables.",
	Commands: [][2]string{{"healthcheck", "probe a URL (a container health check)"}},
}

// run executes one command line and returns the exit status: 0 success
// (and --help), 1 failure, 2 a wrong command line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Run(ctx, "ddblocal", dispatch, args, stdout, stderr)
}

// dispatch runs the healthcheck sub-command or the engine's server.
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck.Run(ctx, "ddblocal", args[1:], stdout)
	}
	return serve(ctx, args, stdout, stderr)
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := ddblocalCommand
	fs := c.NewFlagSet()
	addr := fs.String("addr", defaultAddr, "listen address (the engine has no authentication: loopback unless set)")
	dataDir := fs.String("data-dir", "", "directory for durable data (empty: memory only)")
	region := fs.String("region", "us-east-1", "region reported in ARNs and stream records")
	shards := fs.Int("stream-shards", 4, "open shards per stream")
	lifetime := fs.Duration("shard-lifetime", 4*time.Hour, "how long a shard stays open before rolling over")
	split := fs.Bool("shard-split", false, "split every shard into two children on rollover")
	retention := fs.Duration("stream-retention", 24*time.Hour, "how long stream records stay readable")
	iterTTL := fs.Duration("iterator-ttl", 15*time.Minute, "how long a shard iterator stays valid")
	ttlEvery := fs.Duration("ttl-interval", 30*time.Second, "how often expired items are deleted")
	ttlUpdate := fs.Duration("ttl-update-interval", time.Hour, "how long after a TimeToLive change a table refuses another (0: no limit)")
	var faults ddblocal.Faults
	fs.Float64Var(&faults.TransactionConflict, "fault-transaction-conflict", 0, "fraction of transactions cancelled with TransactionConflict (0..1)")
	fs.Float64Var(&faults.ProvisionedThroughputExceeded, "fault-throughput-exceeded", 0, "fraction of data-plane requests failed with ProvisionedThroughputExceededException (0..1)")
	fs.Float64Var(&faults.Throttling, "fault-throttling", 0, "fraction of data-plane requests failed with ThrottlingException (0..1)")
	fs.Float64Var(&faults.Unprocessed, "fault-unprocessed", 0, "fraction of batch keys and write requests returned unprocessed (0..1)")
	fs.Uint64Var(&faults.Seed, "fault-seed", 0, "seed for choosing the injected faults (0: random)")
	fs.Func("fault-operations", "comma-separated operations faults are limited to (default: all data-plane operations)", func(v string) error {
		faults.Operations = strings.Split(v, ",")
		return nil
	})
	metricsPath := fs.String("metrics-path", "/metrics", "path of the Prometheus metrics on the listener, answered to GET (empty: none)")
	allowedHosts := fs.String("allowed-hosts", "", "comma-separated host names accepted in the Host header besides localhost and loopback addresses (DNS-rebinding guard: on loopback always; on any other address only when this is set, else every host is accepted)")
	logOpts := obs.LogFlags(fs)
	if len(args) > 0 && args[0] == "help" {
		args = []string{"--help"}
	}
	if err := c.Parse(fs, args, 0, stdout); err != nil {
		return err
	}
	if *metricsPath != "" && !strings.HasPrefix(*metricsPath, "/") || *metricsPath == "/" {
		return cli.Usagef("--metrics-path must be a path other than / (or empty)")
	}
	logger := obs.NewLogger(stderr, *logOpts)
	var store storage.Store
	if *dataDir != "" {
		// Whoever controls the directory controls every table's data.
		if err := fsperm.CheckPath("data directory", *dataDir); err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
		s, err := pebblestore.Open(*dataDir, pebblestore.Options{
			Logf:  obs.Logf(ctx, logger.With(slog.String("component", "storage")), slog.LevelDebug),
			Warnf: obs.Logf(ctx, logger.With(slog.String("component", "storage")), slog.LevelWarn),
		})
		if err != nil {
			return err
		}
		store = s
	}
	if *ttlUpdate == 0 {
		*ttlUpdate = -1 // the engine's "no limit"
	}
	engine, err := ddblocal.New(ddblocal.Options{
		Region:            *region,
		Store:             store,
		TTLSweepInterval:  *ttlEvery,
		TTLUpdateInterval: *ttlUpdate,
		Faults:            faults,
		Logf:              obs.Logf(ctx, logger.With(slog.String("component", "engine")), slog.LevelError),
		Streams: ddblocal.StreamOptions{
			Shards:          *shards,
			ShardLifetime:   *lifetime,
			SplitOnRollover: *split,
			Retention:       *retention,
			IteratorTTL:     *iterTTL,
		},
	})
	if err != nil {
		if store != nil {
			_ = store.Close()
		}
		return err
	}
	defer engine.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := httpServer(hostGuard(ln.Addr(), strings.Split(*allowedHosts, ","), handler(engine, *metricsPath, logger)))
	dataAttr := slog.String("data_dir", "(memory only)")
	if *dataDir != "" {
		dataAttr = slog.String("data_dir", *dataDir)
	}
	metricsAttr := slog.String("metrics", "off")
	if *metricsPath != "" {
		metricsAttr = slog.String("metrics", endpointURL(ln.Addr())+*metricsPath)
	}
	logger.Info("ddblocal serving DynamoDB and DynamoDB Streams; use it as the SDK/CLI endpoint, e.g. aws dynamodb list-tables --endpoint-url "+endpointURL(ln.Addr()),
		slog.String("addr", ln.Addr().String()), slog.String("endpoint", endpointURL(ln.Addr())), dataAttr, metricsAttr)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
		logger.Info("ddblocal shutting down: closing the listener, waiting up to 10s for requests in flight")
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			return err
		}
	}
	if err := engine.Close(); err != nil {
		return err
	}
	logger.Info("ddblocal stopped")
	return nil
}

// defaultAddr is where ddblocal listens unless told otherwise: the
// loopback interface, since anyone who reaches it can read and change
// every table.
const defaultAddr = "127.0.0.1:8000"

// httpServer is the server for the engine's handler. Its timeouts bound
// what a slow or stalled client can hold: headers within 10 s, the whole
// request (a transaction is at most 4 MB, a batch 16 MB) within 60 s, and
// idle keep-alive connections close after 2 minutes.
func httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
}

// endpointURL turns a listen address into a URL a client can use.
func endpointURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		port := 0
		if ok {
			port = tcp.Port
		}
		return fmt.Sprintf("http://localhost:%d", port)
	}
	return "http://" + a.String()
}
