// Package app is hubstream's composition root: it turns a Config into a
// running system — the embedded engine or a DynamoDB endpoint, the table,
// the write side, the GraphQL handler and, in process, the projector. The
// commands in cmd/ only parse flags and call it; end-to-end tests start it
// exactly as the server does.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubstream/hubstream/graph"
	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/live"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/playground"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/table"
)

// Config configures an App. Zero fields take the documented defaults.
type Config struct {
	// Endpoint is a DynamoDB endpoint URL. Empty: run the embedded engine.
	Endpoint string
	// Region for the AWS clients. Default: the AWS configuration chain,
	// else us-east-1.
	Region string
	// Table is the table name. Default table.Name() (HUBSTREAM_TABLE or
	// "hubstream").
	Table string
	// ExistingTable makes New use a table that must already exist (on AWS
	// the deployment creates it): it is checked with table.CheckTable and
	// New fails with table.ErrTableMissing or a *table.SchemaError when it
	// is missing or differs from table.Definition. Default false: the
	// table is created if missing (table.EnsureTable), which needs
	// dynamodb:CreateTable and dynamodb:UpdateTimeToLive.
	ExistingTable bool
	// DataDir holds the embedded engine's data and the development token
	// secret. Default "./.hubstream". It is created owner-only (0700, files
	// 0600); an existing one that others may read is used with a warning.
	DataDir string
	// MemoryOnly keeps the embedded engine in memory (tests).
	MemoryOnly bool
	// Engine tunes the embedded engine (stream shards and so on).
	Engine ddblocal.Options
	// NoProjector disables the in-process projector (when a separate
	// cmd/projector runs).
	NoProjector bool
	// Projector tunes the in-process projector.
	Projector projector.RunnerOptions
	// GraphQL tunes the GraphQL handler. Introspection is on by default in
	// the embedded mode.
	GraphQL graph.HandlerOptions
	// WrapHTTP, when set, wraps the HTTP client of every DynamoDB call (for
	// request counting).
	WrapHTTP func(aws.HTTPClient) aws.HTTPClient
	// TrustedProxies are the peers whose X-Forwarded-For the access log
	// believes (the server's --trusted-proxies; obs.HTTPOptions). Default:
	// none, only the TCP peer is logged.
	TrustedProxies []netip.Prefix
	// Logger receives operational messages and the access log; the
	// embedded storage engine's own log lines go to it at debug level.
	// Default: slog.Default().
	Logger *slog.Logger
	// Registry collects the process's metrics (HTTP, GraphQL, DynamoDB
	// calls, executor, loaders, projector), which /metrics serves.
	// Default: a fresh obs.NewRegistry().
	Registry *prometheus.Registry
	// CursorKey seals connection cursors (16, 24 or 32 bytes;
	// HUBSTREAM_CURSOR_KEY, see loaders.ParseCursorKey). Default: derived
	// from the HS256 token secret (so cursors survive restarts and work
	// across replicas); with the embedded engine and no such secret, a
	// random key per process. With an Endpoint and no HS256 secret it is
	// required (New fails without it): several processes behind a load
	// balancer must share it.
	CursorKey []byte
	// Subscriptions configures GraphQL subscriptions: the stream follower
	// (its Notifier defaults to the embedded engine; its poll intervals to
	// Projector's), the hub and the WebSocket transport (set in GraphQL).
	Subscriptions SubscriptionConfig
	// Auth configures bearer-token authentication (auth.OptionsFromEnv
	// reads it from AUTH_*). When any of it is set it is used as is. Left
	// zero, the embedded engine uses a development HS256 secret kept in
	// DataDir/dev-jwt-secret (a random one per process with MemoryOnly;
	// see MintToken and DevToken), and an Endpoint is an error: a server
	// on a real DynamoDB must be configured explicitly.
	Auth auth.Options
}

// DefaultConsistencyWait is how long a mutation waits for the projection
// of its own write, and a request with a consistency token for the
// token's, unless Config.GraphQL.ConsistencyWait says otherwise
// (graph.DefaultConsistencyWait; docs/consistency.md).
const DefaultConsistencyWait = graph.DefaultConsistencyWait

// SubscriptionConfig configures the subscriptions' stream reader and hub
// (docs/subscriptions.md). Zero fields take the documented defaults.
type SubscriptionConfig struct {
	// Disabled turns subscriptions off: no stream reader runs and
	// subscription operations are refused.
	Disabled bool
	// Follower tunes the stream reader.
	Follower live.FollowerOptions
	// Hub tunes the fan-out (buffers, limits, how long events wait for
	// their projection).
	Hub live.HubOptions
}

// App is a running hubstream.
type App struct {
	cfg      Config
	log      *slog.Logger
	engine   *ddblocal.Engine
	clients  table.Clients
	store    *events.Store
	executor *events.Executor
	runner   *projector.Runner
	hub      *live.Hub
	follower *live.Follower
	// liveReady is closed once the stream reader reads from LATEST.
	liveReady chan struct{}
	// wsDone closes every WebSocket connection (shutdown).
	wsDone     chan struct{}
	wsDoneOnce sync.Once
	handler    http.Handler
	// metricsHandler serves /metrics and /healthz on the metrics
	// listener, never on the public one.
	metricsHandler http.Handler
	auth           *auth.Authenticator
	ready          atomic.Bool
	draining       atomic.Bool  // shutdown began: responses close their connections
	inFlight       atomic.Int64 // requests being served by Serve's server
}

// New builds an App: it opens the embedded engine (unless Endpoint is
// set), ensures the table exists and prepares the handlers. It does not
// start the projector; Run does.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Table == "" {
		cfg.Table = table.Name()
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "./.hubstream"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = obs.NewRegistry()
	}
	if cfg.Endpoint == "" && !cfg.MemoryOnly {
		if err := privateDataDir(cfg.DataDir, cfg.Logger); err != nil {
			return nil, err
		}
	}
	authn, authSecret, err := newAuthenticator(ctx, cfg)
	if err != nil {
		return nil, err
	}
	cursorKey, err := cursorKeyFor(cfg, authSecret)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: cfg.Logger, auth: authn}
	m := newMetrics(cfg.Registry)
	cc := table.ClientConfig{Endpoint: cfg.Endpoint, Region: cfg.Region, Metrics: m.dynamo}
	if cfg.Endpoint == "" {
		eng, err := openEngine(ctx, cfg)
		if err != nil {
			return nil, err
		}
		a.engine = eng
		cc.HTTPClient = eng.HTTPClient()
		cc.Endpoint = "http://ddblocal.embedded"
		cc.StaticCredentials = true
		cc.Unsigned = true
		cc.Region = "us-east-1"
		if !cfg.GraphQL.Introspection {
			cfg.GraphQL.Introspection = true
		}
	}
	if cfg.WrapHTTP != nil {
		base := cc.HTTPClient
		if base == nil {
			base = http.DefaultClient
		}
		cc.HTTPClient = cfg.WrapHTTP(base)
	}
	clients, err := table.NewClients(ctx, cc)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.clients = clients
	prepare := table.EnsureTable
	if cfg.ExistingTable {
		prepare = table.CheckTable
	}
	if err := prepare(ctx, clients.DB, cfg.Table, 2*time.Minute); err != nil {
		a.Close()
		return nil, err
	}
	codec := events.NewCodec()
	a.store = events.NewStore(clients.DB, cfg.Table, codec)
	a.executor = events.NewExecutor(a.store, events.ExecutorOptions{Observer: m.observeAttempt})
	if !cfg.NoProjector {
		opts := cfg.Projector
		if opts.Logger == nil {
			opts.Logger = cfg.Logger.With(slog.String("component", "projector"))
		}
		if opts.Metrics == nil {
			opts.Metrics = projector.NewMetrics(cfg.Registry)
		}
		if opts.WorkerID == "" && cfg.Endpoint == "" && !cfg.MemoryOnly {
			// Only one process can open the embedded engine's data
			// directory: a stable id lets a restarted server take its
			// leases back at once, even after a crash.
			opts.WorkerID = "embedded"
		}
		if a.engine != nil && opts.Notifier == nil {
			// In the engine's process the projector is woken by commits
			// instead of polling: idle costs nothing, lag is the apply's.
			opts.Notifier = a.engine
		}
		a.runner = projector.NewRunner(clients.DB, clients.Streams, cfg.Table, projector.NewApplier(clients.DB, cfg.Table, codec), opts)
	}
	a.liveReady, a.wsDone = make(chan struct{}), make(chan struct{})
	if !cfg.Subscriptions.Disabled {
		fo := cfg.Subscriptions.Follower
		if fo.Notifier == nil && a.engine != nil {
			fo.Notifier = a.engine
		}
		if fo.PollInterval == 0 {
			fo.PollInterval = cfg.Projector.PollInterval
		}
		if fo.MaxPollInterval == 0 {
			fo.MaxPollInterval = cfg.Projector.MaxPollInterval
		}
		if fo.Logger == nil {
			fo.Logger = cfg.Logger.With(slog.String("component", "subscriptions"))
		}
		ho := cfg.Subscriptions.Hub
		if ho.Codec == nil {
			ho.Codec = codec
		}
		if ho.Metrics == nil {
			ho.Metrics = live.NewMetrics(cfg.Registry)
		}
		if ho.Logger == nil {
			ho.Logger = fo.Logger
		}
		a.follower = live.NewFollower(clients.DB, clients.Streams, cfg.Table, fo)
		a.hub = live.NewHub(ho)
	}
	gql := cfg.GraphQL
	if gql.WebSocket.Done == nil {
		gql.WebSocket.Done = a.wsDone
	}
	pager, err := loaders.NewPager(clients.DB, cfg.Table, cursorKey)
	if err != nil {
		a.Close()
		return nil, err
	}
	gql.Source = loaders.Source{DB: clients.DB, Table: cfg.Table, Pager: pager}
	gql.Auth = a.auth
	if gql.Metrics == nil {
		gql.Metrics = graph.NewMetrics(cfg.Registry)
	}
	if gql.Loaders.ObserveBatch == nil {
		gql.Loaders.ObserveBatch = m.observeBatch
	}
	if gql.Loaders.ObserveDispatch == nil {
		gql.Loaders.ObserveDispatch = m.observeDispatch
	}
	httpOpts := obs.HTTPOptions{Logger: cfg.Logger, Metrics: m.http, Quiet: quietRoute, TrustedProxies: cfg.TrustedProxies}
	a.handler = obs.Middleware(a.routes(graph.NewHandler(&graph.Resolver{Executor: a.executor, Store: a.store, Live: a.hub}, gql)), httpOpts)
	a.metricsHandler = obs.Middleware(a.metricsRoutes(), httpOpts)
	a.ready.Store(true)
	return a, nil
}

// authOptions resolves cfg.Auth: the explicit configuration, else the
// development secret of the embedded engine. It returns where that secret
// is kept ("" otherwise).
func authOptions(cfg Config) (opts auth.Options, devSecret string, err error) {
	if cfg.Auth.Configured() {
		return cfg.Auth, "", nil
	}
	if cfg.Endpoint != "" {
		return auth.Options{}, "", errors.New("authentication is not configured: with a DynamoDB endpoint set AUTH_JWT_SECRET (HS256, at least 32 bytes) or AUTH_JWKS_URL (RS256/ES256), optionally AUTH_ISSUER and AUTH_AUDIENCE; only the embedded engine has a development default")
	}
	var secret []byte
	if cfg.MemoryOnly {
		secret = auth.NewDevSecret()
	} else if secret, devSecret, err = auth.DevSecret(cfg.DataDir); err != nil {
		return auth.Options{}, "", err
	}
	opts = auth.DevOptions(secret)
	opts.MaxTokenLifetime = cfg.Auth.MaxTokenLifetime
	return opts, devSecret, nil
}

// newAuthenticator builds the authenticator and returns the shared token
// secret too (nil with a JWKS), from which cursor keys are derived.
func newAuthenticator(ctx context.Context, cfg Config) (*auth.Authenticator, []byte, error) {
	opts, devSecret, err := authOptions(cfg)
	if err != nil {
		return nil, nil, err
	}
	if opts.Logf == nil {
		// JWKS fetch failures: tokens of a rotated key are refused.
		opts.Logf = obs.Logf(ctx, cfg.Logger.With(slog.String("component", "auth")), slog.LevelWarn)
	}
	authn, err := auth.New(opts)
	if err != nil {
		return nil, nil, err
	}
	if devSecret != "" {
		cfg.Logger.Info("development authentication: tokens are signed with the development secret of the data directory; mint one with `server token <login> --data-dir "+cfg.DataDir+"`",
			slog.String("secret", devSecret))
	}
	return authn, opts.Secret, nil
}

// MintToken returns a bearer token for login, valid for ttl (ttl ≤ 0: the
// maximum lifetime, cfg.Auth.MaxTokenLifetime or 24 hours; a longer ttl
// is an error), signed with the HS256 secret the server built from cfg
// would accept: the development secret in cfg.DataDir (created if
// missing) or cfg.Auth.Secret (AUTH_JWT_SECRET). It fails with a
// JWKS-only configuration (the identity provider issues tokens), with
// MemoryOnly and with an Endpoint but no Auth configuration. It opens no
// engine.
func MintToken(cfg Config, login string, ttl time.Duration) (string, error) {
	if cfg.DataDir == "" {
		cfg.DataDir = "./.hubstream"
	}
	if cfg.MemoryOnly && !cfg.Auth.Configured() {
		return "", errors.New("a memory-only app has a per-process secret: use App.DevToken")
	}
	opts, _, err := authOptions(cfg)
	if err != nil {
		return "", err
	}
	authn, err := auth.New(opts)
	if err != nil {
		return "", err
	}
	if ttl <= 0 {
		ttl = longestToken(authn)
	}
	return authn.Mint(login, ttl)
}

// longestToken is the longest lifetime authn mints: its maximum, or 24
// hours without one.
func longestToken(authn *auth.Authenticator) time.Duration {
	if max := authn.MaxTokenLifetime(); max > 0 {
		return max
	}
	return auth.DefaultMaxTokenLifetime
}

// DevToken returns a bearer token for login, valid for the maximum token
// lifetime (24 hours by default), signed with the app's HS256 secret (the
// development secret in the embedded default). Tests use it to act as a
// user.
func (a *App) DevToken(login string) (string, error) {
	return a.auth.Mint(login, longestToken(a.auth))
}

func openEngine(ctx context.Context, cfg Config) (*ddblocal.Engine, error) {
	opts := cfg.Engine
	if opts.Logf == nil {
		// The engine reports internal faults only.
		opts.Logf = obs.Logf(ctx, cfg.Logger.With(slog.String("component", "engine")), slog.LevelError)
	}
	if !cfg.MemoryOnly && opts.Store == nil {
		st, err := OpenStore(ctx, cfg.DataDir, cfg.Logger)
		if err != nil {
			return nil, err
		}
		opts.Store = st
	}
	eng, err := ddblocal.New(opts)
	if err != nil {
		if opts.Store != nil {
			_ = opts.Store.Close()
		}
		return nil, err
	}
	return eng, nil
}

// quietRoute reports the requests whose access log lines are debug:
// probes and scrapes, which come every few seconds.
func quietRoute(r *http.Request) bool {
	switch r.Pattern {
	case "GET /healthz", "GET /readyz", "GET /metrics":
		return true
	}
	return false
}

// routes mounts the GraphQL endpoint, the playground and the health
// checks: the public API. Metrics are not among them (metricsRoutes).
func (a *App) routes(gql http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", gql)
	mux.Handle("/", playground.Handler(playground.Options{Endpoint: "/graphql"}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !a.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	return mux
}

// metricsRoutes mounts /metrics, every metric of the process (the
// in-process projector's included when it runs; docs/operations.md lists
// them), and /healthz for the scraper. They tell operation names, error
// rates and the viewer-driven load, so they are served on a listener of
// their own (ServeOptions.MetricsAddr, loopback by default), never on the
// public API's.
func (a *App) metricsRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", obs.MetricsHandler(a.cfg.Registry))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

// Handler returns the public HTTP handler serving /graphql, /, /healthz
// and /readyz, with the access log and the HTTP metrics around it.
func (a *App) Handler() http.Handler { return a.handler }

// MetricsHandler returns the handler of the metrics listener: /metrics
// and /healthz, with the access log (at debug) and the HTTP metrics.
func (a *App) MetricsHandler() http.Handler { return a.metricsHandler }

// Clients returns the DynamoDB clients the app uses.
func (a *App) Clients() table.Clients { return a.clients }

// Registry returns the registry of the app's metrics.
func (a *App) Registry() *prometheus.Registry { return a.cfg.Registry }

// Embedded reports whether the app runs the embedded engine (no
// Endpoint).
func (a *App) Embedded() bool { return a.engine != nil }

// Projector reports whether the app runs the projector in process.
func (a *App) Projector() bool { return a.runner != nil }

// TableName returns the table the app uses.
func (a *App) TableName() string { return a.cfg.Table }

// Executor returns the app's command executor.
func (a *App) Executor() *events.Executor { return a.executor }

// Engine returns the embedded engine, or nil with an endpoint.
func (a *App) Engine() *ddblocal.Engine { return a.engine }

// SubscriptionsReady returns a channel closed once the subscriptions'
// stream reader follows the stream (Run started it): writes committed
// after that reach subscribers. It never closes with subscriptions
// disabled.
func (a *App) SubscriptionsReady() <-chan struct{} { return a.liveReady }

// CloseWebSockets closes every WebSocket connection (their subscriptions
// end). Serve calls it when shutdown begins; it is idempotent.
func (a *App) CloseWebSockets() { a.wsDoneOnce.Do(func() { close(a.wsDone) }) }

// Start runs Run in the background until ctx is done or stop is called.
// stop cancels it, waits until it has returned and returns its error
// (nil after a clean stop); calling stop again returns the same.
func (a *App) Start(ctx context.Context) (stop func() error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return sync.OnceValue(func() error {
		cancel()
		return <-done
	})
}

// Run runs the in-process projector (if any) and the subscriptions'
// stream reader (unless disabled) until ctx is done. It returns the first
// error that stops either early.
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	n := 0
	if a.hub != nil {
		n++
		go func() {
			err := a.hub.Run(ctx, a.follower, a.liveReady)
			if err != nil && ctx.Err() == nil {
				err = fmt.Errorf("subscriptions: %w", err)
			}
			errc <- err
		}()
	}
	if a.runner != nil {
		n++
		go func() { errc <- a.runner.Run(ctx) }()
	}
	if n == 0 {
		<-ctx.Done()
		return nil
	}
	var first error
	for range n {
		err := <-errc
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		if first == nil && err != nil {
			first = err
		}
		cancel()
	}
	return first
}

// Close releases the engine. Call it after Run returned.
func (a *App) Close() error {
	a.ready.Store(false)
	if a.engine != nil {
		return a.engine.Close()
	}
	return nil
}
