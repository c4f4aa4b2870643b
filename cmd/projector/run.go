package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/table"
)

func (c *cmdline) runCmd(ctx context.Context, args []string) error {
	fs := c.flags("run")
	name := fs.String("name", "main", "projector name (separates the leases, checkpoints and DLQ of independent projectors)")
	worker := fs.String("worker-id", "", "this worker's id in leases (default: host-pid-random)")
	leaseTimeout := fs.Duration("lease-timeout", 10*time.Second, "how long a lease lives without renewal: a dead worker's shards are taken over after about this long")
	park := fs.Bool("park", false, "park poison events in the DLQ (with payload and error) instead of only halting their aggregate")
	metricsAddr := fs.String("metrics-addr", defaultMetricsAddr, "listen address of /metrics and /healthz (empty: none); by default loopback, on the next free port from 9090 when several projectors share the host")
	concurrency := fs.Int("concurrency", 8, "aggregates of one batch applied at once")
	poll := fs.Duration("poll-interval", 200*time.Millisecond, "shortest time between two GetRecords calls on a shard, while records flow (DynamoDB allows 5 per second per shard: keep it at least 200ms there)")
	maxPoll := fs.Duration("max-poll-interval", time.Second, "longest pause of an idle shard: empty reads double the pause from --poll-interval up to it; the worst lag of the first write after a quiet spell, and an idle shard costs one GetRecords per interval")
	discover := fs.Duration("discover-interval", 10*time.Second, "how often shards are listed (leases are rebalanced every min(this, lease-timeout/4); a finished shard lists them at once)")
	batch := fs.Int("batch-size", 1000, "GetRecords limit")
	sweepEvery := fs.Duration("sweep-interval", 6*time.Hour, "start an anti-entropy pass this long after the last one started (a detected loss starts one sooner; 0: only those)")
	sweepRate := fs.Float64("sweep-read-rate", 200, "read capacity units per second an anti-entropy pass may consume (0: unlimited)")
	sweepGrace := fs.Duration("sweep-grace", time.Minute, "appends committed this recently before a pass starts are left to the stream (in flight, not lost)")
	createTable := fs.Bool("create-table", true, "create the table if it is missing; false: use an existing table (as on AWS) and fail if it is missing or differs from hubstream's schema")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *poll <= 0 || *maxPoll < *poll {
		return exitError{code: 2, msg: fmt.Sprintf("--poll-interval must be positive and --max-poll-interval at least as long (got %v and %v)", *poll, *maxPoll)}
	}
	clients, err := c.clients(ctx)
	if err != nil {
		return err
	}
	logger := c.logger()
	reg := c.metrics()
	metrics := projector.NewMetrics(reg)
	tbl := table.Name()
	prepare := table.EnsureTable
	if !*createTable {
		prepare = table.CheckTable
	}
	if err := prepare(ctx, clients.DB, tbl, 2*time.Minute); err != nil {
		return err
	}
	var ln net.Listener
	if *metricsAddr != "" {
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "metrics-addr" })
		if ln, err = obs.ListenMetrics(*metricsAddr, explicit); err != nil {
			return err
		}
	}
	ropts := projector.RunnerOptions{
		Name: *name, WorkerID: *worker, LeaseTimeout: *leaseTimeout, Park: *park, Concurrency: *concurrency,
		PollInterval: *poll, MaxPollInterval: *maxPoll, DiscoverInterval: *discover, BatchSize: *batch, Metrics: metrics,
		Logger:        logger,
		SweepInterval: *sweepEvery, SweepReadRate: *sweepRate, SweepGrace: *sweepGrace,
	}
	if *sweepEvery == 0 {
		ropts.SweepInterval = -1
	}
	if *sweepRate == 0 {
		ropts.SweepReadRate = -1
	}
	if ln != nil {
		ropts.MetricsAddr = "http://" + ln.Addr().String() + "/metrics"
	}
	r := projector.NewRunner(clients.DB, clients.Streams, tbl, projector.NewApplier(clients.DB, tbl, events.NewCodec()), ropts)
	if ln != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", obs.MetricsHandler(reg))
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
	}
	mode := "halt"
	if *park {
		mode = "park"
	}
	where := c.cc.Endpoint
	if where == "" {
		where = "the region's DynamoDB"
	}
	metricsURL := "none"
	if ln != nil {
		metricsURL = "http://" + ln.Addr().String() + "/metrics"
	}
	logger.Info("projector running: tailing the table's stream", slog.String("worker", r.WorkerID()), slog.String("name", *name),
		slog.String("table", tbl), slog.String("endpoint", where), slog.String("metrics", metricsURL),
		slog.Duration("lease_timeout", *leaseTimeout), slog.String("poison_events", mode))
	if err := r.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("projector stopped", slog.Any("error", err))
		return err
	}
	logger.Info("projector stopped; leases released")
	return nil
}

// defaultMetricsAddr is loopback: metrics say much about the system and
// are for a local scraper or an operator, not for the network.
const defaultMetricsAddr = "127.0.0.1:9090"
