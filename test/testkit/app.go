// Package testkit starts hubstream in process for acceptance tests and
// benchmarks: the real app on a real loopback listener with its in-process
// projector, a small GraphQL-over-HTTP client, a polling helper, and
// helpers to read, rebuild and compare the read model.
package testkit

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/table"
)

// Options tune Start. The zero value is the server as cmd/server runs it
// (embedded engine, in memory here, projector in process).
type Options struct {
	// NoProjector disables the in-process projector: the read model only
	// changes when the test applies projections itself, so mutations do
	// not wait for their projection (GraphQL.ConsistencyWait -1).
	NoProjector bool
	// CountRequests installs a table.RequestCounter around every DynamoDB
	// call of the app (Server.Counter). It also turns subscriptions' stream
	// reader off: request budgets count what requests cost, and the
	// reader's background reads would be counted with them.
	CountRequests bool
	// Table overrides the table name.
	Table string
	// Configure, when set, adjusts the app configuration last.
	Configure func(*app.Config)
}

// Server is a running in-process hubstream.
type Server struct {
	App *app.App
	// URL is the base URL of the loopback listener (no trailing slash).
	URL string
	// GraphQL posts to URL + "/graphql".
	GraphQL *Client
	// Counter counts DynamoDB requests when Options.CountRequests is set.
	Counter *table.RequestCounter
}

// DB returns the app's DynamoDB client.
func (s *Server) DB() *dynamodb.Client { return s.App.Clients().DB }

// Token returns a bearer token for login signed with the app's
// (per-process, memory-only) development secret.
func (s *Server) Token(tb testing.TB, login string) string {
	tb.Helper()
	tok, err := s.App.DevToken(login)
	if err != nil {
		tb.Fatalf("testkit: token for %q: %v", login, err)
	}
	return tok
}

// As returns a GraphQL client acting as login.
func (s *Server) As(tb testing.TB, login string) *Client {
	tb.Helper()
	return s.GraphQL.WithToken(s.Token(tb, login))
}

// Table returns the app's table name.
func (s *Server) Table() string { return s.App.TableName() }

// Start builds the app with a memory-only embedded engine (or, with
// HUBSTREAM_TEST_ENDPOINT, a fresh table on that endpoint: EndpointEnv),
// serves its handler on a loopback listener and runs its projector.
// Cleanup stops the listener, then the projector (waiting for it), then
// deletes an endpoint's table and closes the engine.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	logs := &testLog{tb: tb}
	cfg := app.Config{MemoryOnly: true, NoProjector: opts.NoProjector, Table: opts.Table, Logger: obs.PrintfLogger(logs.Logf, slog.LevelWarn)}
	cfg.Projector.Logger = obs.PrintfLogger(logs.Logf, slog.LevelInfo)
	var counter *table.RequestCounter
	if opts.CountRequests {
		cfg.Subscriptions.Disabled = true
		cfg.WrapHTTP = func(next aws.HTTPClient) aws.HTTPClient {
			counter = table.NewRequestCounter(next)
			return counter
		}
	}
	if opts.NoProjector {
		// Nothing projects unless the test does: mutations must not wait
		// for their projection (nor read its markers).
		cfg.GraphQL.ConsistencyWait = -1
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	if !Embedded() {
		onEndpoint(tb, &cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg)
	if err != nil {
		cancel()
		tb.Fatalf("testkit: app.New: %v", err)
	}
	srv := httptest.NewServer(a.Handler())
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx) }()
	tb.Cleanup(func() {
		srv.Close()
		cancel()
		select {
		case err := <-runErr:
			if err != nil {
				tb.Errorf("testkit: app.Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			tb.Errorf("testkit: the projector did not stop within 10 s of cancellation")
		}
		logs.stop()
		dropTable(tb, a)
		if err := a.Close(); err != nil {
			tb.Errorf("testkit: app.Close: %v", err)
		}
	})
	if counter != nil {
		// Start-up (CreateTable, waiters, TTL) is not what tests count.
		counter.Reset()
	}
	return &Server{App: a, URL: srv.URL, GraphQL: NewClient(srv.URL+"/graphql", srv.Client()), Counter: counter}
}

// testLog forwards the app's logs to the test until the test ends; logging
// to a finished test would panic.
type testLog struct {
	mu      sync.Mutex
	tb      testing.TB
	stopped bool
}

func (l *testLog) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.tb.Logf("app: "+format, args...)
	}
}

func (l *testLog) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}

// Eventually polls cond every few milliseconds until it returns true, and
// fails the test if it does not within deadline. msg (a format and its
// arguments) describes what was awaited. It is a wait, never an assertion
// about timing: deadlines are generous.
func Eventually(tb testing.TB, deadline time.Duration, cond func() bool, msg ...any) {
	tb.Helper()
	if !Poll(deadline, cond) {
		what := "condition"
		if len(msg) > 0 {
			if f, ok := msg[0].(string); ok {
				what = sprintf(f, msg[1:]...)
			}
		}
		tb.Fatalf("testkit: %s not reached within %v", what, deadline)
	}
}

// Poll is Eventually without a test: it reports whether cond became true
// within deadline.
func Poll(deadline time.Duration, cond func() bool) bool {
	end := time.Now().Add(deadline)
	wait := time.Millisecond
	for {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(wait)
		wait = min(wait*2, 20*time.Millisecond)
	}
}

// FreshTable returns an app with a new memory-only engine (or a fresh
// table on HUBSTREAM_TEST_ENDPOINT) and an empty table, no projector and
// no listener: a target for rebuilds.
func FreshTable(tb testing.TB) *app.App {
	tb.Helper()
	cfg := app.Config{MemoryOnly: true, NoProjector: true, Logger: obs.Discard()}
	if !Embedded() {
		onEndpoint(tb, &cfg)
	}
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("testkit: app.New: %v", err)
	}
	tb.Cleanup(func() {
		dropTable(tb, a)
		if err := a.Close(); err != nil {
			tb.Errorf("testkit: app.Close: %v", err)
		}
	})
	return a
}
