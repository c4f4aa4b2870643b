package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ServeOptions configure the HTTP server. Zero fields take the defaults.
type ServeOptions struct {
	// Addr is the listen address. Default ":8080".
	Addr string
	// OnListen is called with the bound address once listening.
	OnListen func(addr net.Addr)
	// ShutdownGrace bounds graceful shutdown. Default 10 s.
	ShutdownGrace time.Duration
}

// httpServer is the server Serve runs. Its timeouts bound what a slow or
// stalled client can hold: headers must arrive within 10 s (slowloris),
// the whole request (body included, at most 1 MiB, see
// graph.HandlerOptions.MaxBodyBytes) within 30 s, and the response must be
// written within 60 s; idle keep-alive connections close after 120 s, and
// request headers are at most 64 KiB (which also bounds a GET query).
func (a *App) httpServer() *http.Server {
	return &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// Serve serves a's handler and runs its projector until ctx is done, then
// shuts down gracefully: it stops accepting, lets in-flight requests finish
// within the grace period, stops the projector and closes the engine.
func (a *App) Serve(ctx context.Context, opts ServeOptions) error {
	if opts.Addr == "" {
		opts.Addr = ":8080"
	}
	if opts.ShutdownGrace <= 0 {
		opts.ShutdownGrace = 10 * time.Second
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", opts.Addr, err)
	}
	srv := a.httpServer()
	if opts.OnListen != nil {
		opts.OnListen(ln.Addr())
	}
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(runCtx) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	runDone := false
	select {
	case err = <-serveErr:
	case err = <-runErr:
		runDone = true
		if err == nil {
			err = errors.New("projector stopped")
		}
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.ShutdownGrace)
	defer cancel()
	a.ready.Store(false)
	if sErr := srv.Shutdown(shutdownCtx); sErr != nil && err == nil {
		err = sErr
	}
	stopRun()
	if !runDone {
		<-runErr
	}
	if cErr := a.Close(); cErr != nil && err == nil {
		err = cErr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
