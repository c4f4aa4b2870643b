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
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/ddblocal/storage"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/pebblestore"
	"github.com/hubstream/hubstream/internal/healthcheck"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ddblocal:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck.Run(context.Background(), "ddblocal", args[1:])
	}
	fs := flag.NewFlagSet("ddblocal", flag.ContinueOnError)
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	var store storage.Store
	if *dataDir != "" {
		s, err := pebblestore.Open(*dataDir, pebblestore.Options{})
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
	srv := httpServer(engine)
	where := "memory only"
	if *dataDir != "" {
		where = "data dir " + *dataDir
	}
	log.Printf("ddblocal: serving DynamoDB and DynamoDB Streams at %s (%s); use it as the SDK/CLI endpoint, e.g. aws dynamodb list-tables --endpoint-url %s", endpointURL(ln.Addr()), where, endpointURL(ln.Addr()))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
		log.Printf("ddblocal: shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			return err
		}
	}
	return engine.Close()
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
