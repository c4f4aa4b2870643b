package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hubstream/hubstream/internal/obs"
)

// ServeOptions configure the HTTP server. Zero fields take the defaults.
type ServeOptions struct {
	// Addr is the listen address. Default ":8080".
	Addr string
	// OnListen is called with the bound address once listening.
	OnListen func(addr net.Addr)
	// MetricsAddr is the listen address of /metrics and /healthz
	// (MetricsHandler), apart from the public Addr. Empty: no metrics
	// listener (cmd/server defaults it to DefaultMetricsAddr, loopback).
	MetricsAddr string
	// MetricsAddrExplicit says MetricsAddr was chosen by the operator: it
	// must be bound as is. Otherwise a taken port moves on to the next
	// free one (see obs.ListenMetrics).
	MetricsAddrExplicit bool
	// OnMetricsListen is called with the metrics listener's bound address.
	OnMetricsListen func(addr net.Addr)
	// ShutdownDelay is how long the server goes on serving once shutdown
	// began, with /readyz answering 503 and every response closing its
	// connection, before it closes the listener: time for load balancers
	// to see it not ready and stop sending (set it above their probe
	// interval). Default 0: the listener closes at once.
	ShutdownDelay time.Duration
	// ShutdownTimeout bounds the wait for requests in flight once the
	// listener is closed; the connections of those still running then are
	// closed. Default 10 s.
	ShutdownTimeout time.Duration
	// After is the clock of the two shutdown waits. Default time.After.
	After func(time.Duration) <-chan time.Time
}

// DefaultShutdownTimeout is ServeOptions.ShutdownTimeout's default.
const DefaultShutdownTimeout = 10 * time.Second

// httpServer is the server Serve runs. Its timeouts bound what a slow or
// stalled client can hold: headers must arrive within 10 s (slowloris),
// the whole request (body included, at most 1 MiB, see
// graph.HandlerOptions.MaxBodyBytes) within 30 s, and the response must be
// written within 60 s; idle keep-alive connections close after 120 s, and
// request headers are at most 64 KiB (which also bounds a GET query).
func (a *App) httpServer() *http.Server {
	return &http.Server{
		Handler:           a.drainable(a.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// drainable counts the requests in flight and, once shutdown began, has
// every response close its connection: a client (or proxy) holding a
// keep-alive connection then opens a new one for its next request, which
// the listener accepts while it is open, instead of sending it on a
// connection the shutdown is about to close under it.
func (a *App) drainable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.inFlight.Add(1)
		defer a.inFlight.Add(-1)
		if a.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// Serve serves a's handler and runs its projector until ctx is done, then
// shuts down gracefully, in this order: readiness goes false (/readyz
// answers 503) and responses close their connections; after
// ShutdownDelay the listener closes; requests in flight finish, within
// ShutdownTimeout (after it, their connections are closed); then the
// projector stops and the engine closes. It logs a line when it starts
// listening (address, mode, data directory or endpoint, table, projector)
// and when it stops. It returns an error if it cannot listen, if serving
// or the projector fails, or if requests had to be cut.
func (a *App) Serve(ctx context.Context, opts ServeOptions) error {
	if opts.Addr == "" {
		opts.Addr = ":8080"
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	if opts.After == nil {
		opts.After = time.After
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", opts.Addr, err)
	}
	var metricsLn net.Listener
	if opts.MetricsAddr != "" {
		if metricsLn, err = obs.ListenMetrics(opts.MetricsAddr, opts.MetricsAddrExplicit); err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen %s (--metrics-addr; empty: no metrics listener): %w", opts.MetricsAddr, err)
		}
	}
	srv := a.httpServer()
	metricsSrv := &http.Server{Handler: a.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	a.logStart(ln.Addr(), metricsLn)
	if opts.OnListen != nil {
		opts.OnListen(ln.Addr())
	}
	if metricsLn != nil {
		if opts.OnMetricsListen != nil {
			opts.OnMetricsListen(metricsLn.Addr())
		}
		go func() { _ = metricsSrv.Serve(metricsLn) }()
		// The scraper may see the last numbers until the very end: it
		// closes after everything else.
		defer metricsSrv.Close()
	}
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(runCtx) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	runDone, serveDone := false, false
	reason := "signal"
	select {
	case err = <-serveErr:
		serveDone, reason = true, "the HTTP server failed"
	case err = <-runErr:
		runDone, reason = true, "the projector stopped"
		if err == nil {
			err = errors.New("projector stopped")
		}
	case <-ctx.Done():
	}
	a.ready.Store(false)
	a.draining.Store(true)
	// http.Server does not track hijacked connections: close them now, so
	// that subscribers reconnect to another server while this one drains.
	a.CloseWebSockets()
	a.log.Info("shutting down: not ready; serving until the listener closes, then draining requests in flight",
		slog.String("reason", reason), slog.Duration("delay", opts.ShutdownDelay), slog.Duration("timeout", opts.ShutdownTimeout),
		slog.Int64("in_flight", a.inFlight.Load()))
	if opts.ShutdownDelay > 0 && !serveDone {
		select {
		case <-opts.After(opts.ShutdownDelay):
		case sErr := <-serveErr:
			serveDone = true
			if err == nil {
				err = sErr
			}
		}
	}
	if sErr := a.shutdown(ctx, srv, opts); sErr != nil && err == nil {
		err = sErr
	}
	stopRun()
	if !runDone {
		if rErr := <-runErr; rErr != nil && err == nil {
			err = rErr
		}
	}
	if cErr := a.Close(); cErr != nil && err == nil {
		err = cErr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		a.log.Error("stopped", slog.Any("error", err))
	} else {
		a.log.Info("stopped")
	}
	return err
}

// shutdown closes the listener and waits for the requests in flight,
// within opts.ShutdownTimeout; then it closes the connections of any
// left, and says how many.
func (a *App) shutdown(ctx context.Context, srv *http.Server, opts ServeOptions) error {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	srv.RegisterOnShutdown(func() {
		a.log.Info("listener closed; waiting for the requests in flight", slog.Int64("in_flight", a.inFlight.Load()))
	})
	timeout := opts.After(opts.ShutdownTimeout)
	go func() {
		select {
		case <-timeout:
			cancel()
		case <-done:
		}
	}()
	err := srv.Shutdown(sctx)
	if err == nil {
		return nil
	}
	left := a.inFlight.Load()
	_ = srv.Close()
	a.log.Warn("shutdown timeout: closed the connections of requests still in flight", slog.Int64("requests", left), slog.Duration("timeout", opts.ShutdownTimeout))
	return fmt.Errorf("shutdown: %d requests still in flight after %v were cut: %w", left, opts.ShutdownTimeout, err)
}

// logStart writes the line that says where and how the server runs.
func (a *App) logStart(addr net.Addr, metrics net.Listener) {
	base := httpURL(addr)
	metricsURL := "none"
	if metrics != nil {
		metricsURL = "http://" + metrics.Addr().String() + "/metrics"
	}
	attrs := []slog.Attr{
		slog.String("addr", addr.String()),
		slog.String("graphql", base+"/graphql"),
		slog.String("playground", base+"/"),
		slog.String("metrics", metricsURL),
		slog.String("table", a.cfg.Table),
	}
	if a.Embedded() {
		attrs = append(attrs, slog.String("mode", "embedded"))
		if a.cfg.MemoryOnly {
			attrs = append(attrs, slog.String("data_dir", "(memory only)"))
		} else {
			attrs = append(attrs, slog.String("data_dir", a.cfg.DataDir))
		}
	} else {
		attrs = append(attrs, slog.String("mode", "endpoint"), slog.String("endpoint", a.cfg.Endpoint))
	}
	projector := "in-process"
	if !a.Projector() {
		projector = "off (run `projector run`)"
	}
	attrs = append(attrs, slog.String("projector", projector))
	a.log.LogAttrs(context.Background(), slog.LevelInfo, "hubstream server listening", attrs...)
}

// httpURL turns a listen address into a URL a local client can use.
func httpURL(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok && (tcp.IP.IsUnspecified() || tcp.IP.IsLoopback()) {
		return fmt.Sprintf("http://localhost:%d", tcp.Port)
	}
	return "http://" + a.String()
}
