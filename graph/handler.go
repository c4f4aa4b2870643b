package graph

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/hubstream/hubstream/graph/generated"
	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/obs"
)

// HandlerOptions configure the GraphQL endpoint. Zero fields take the
// documented defaults; the limits are always on unless set negative.
type HandlerOptions struct {
	// ComplexityLimit bounds a query's cost: each field 1, a connection its
	// page size times its selection, a root field at least 10, a mutation
	// at least 100 (limits.go). Default DefaultComplexityLimit (5000);
	// negative: no limit.
	ComplexityLimit int
	// DepthLimit bounds how deeply a query nests fields (introspection
	// aside). Default DefaultDepthLimit (15); negative: no limit.
	DepthLimit int
	// MaxBodyBytes bounds a request body; larger ones are answered 413.
	// Default DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
	// TokenLimit bounds a query document's size in lexical tokens, which
	// bounds the work of parsing and validating it. Default
	// DefaultTokenLimit (15,000); negative: no limit.
	TokenLimit int
	// Introspection enables schema introspection. The embedded default
	// turns it on for the playground.
	Introspection bool
	// Loaders configure the per-request dataloaders.
	Loaders loaders.Options
	// Source is where loaders read.
	Source loaders.Source
	// Auth authenticates bearer tokens (auth.Authenticator.Middleware) in
	// front of everything else. Nil: every request is anonymous.
	Auth *auth.Authenticator
	// Metrics records operations and errors (NewMetrics). Nil: none. The
	// request's obs.Request, when the context has one, is told the
	// operation, the viewer and the error codes either way.
	Metrics *Metrics
	// WebSocket configures subscriptions over WebSocket (websocket.go).
	WebSocket WebSocketOptions
}

// withDefaults fills in the documented defaults.
func (o HandlerOptions) withDefaults() HandlerOptions {
	if o.ComplexityLimit == 0 {
		o.ComplexityLimit = DefaultComplexityLimit
	}
	if o.DepthLimit == 0 {
		o.DepthLimit = DefaultDepthLimit
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.TokenLimit == 0 {
		o.TokenLimit = DefaultTokenLimit
	}
	return o
}

// NewHandler returns the /graphql handler: POST and GET transports, the
// central error presenter, panic recovery, limits on body size, query
// size, depth and complexity, and fresh loaders for every request, behind
// bearer-token authentication when opts.Auth is set.
func NewHandler(r *Resolver, opts HandlerOptions) http.Handler {
	opts = opts.withDefaults()
	r.Source, r.Loaders = opts.Source, opts.Loaders
	es := costedSchema{generated.NewExecutableSchema(generated.Config{Resolvers: r, Complexity: complexityRoot()})}
	srv := handler.New(es)
	srv.AddTransport(websocketTransport(opts.WebSocket.withDefaults(), opts.Auth, func() {
		if r.Live != nil {
			r.Live.CountDrop("write_timeout")
		}
	}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if opts.TokenLimit > 0 {
		srv.SetParserTokenLimit(opts.TokenLimit)
	}
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(&limits{depth: opts.DepthLimit, complexity: opts.ComplexityLimit, tokens: opts.TokenLimit})
	srv.Use(observer{m: opts.Metrics})
	srv.AroundOperations(primeRootFields)
	srv.AroundOperations(subscriptionOperations)
	srv.AroundResponses(freshLoaders(opts))
	srv.SetErrorPresenter(ErrorPresenter)
	srv.SetRecoverFunc(RecoverFunc)
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if v, ok := auth.ViewerFrom(req.Context()); ok {
			obs.RequestFrom(req.Context()).SetViewer(v.Login)
		}
		if req.Header.Get("Upgrade") != "" {
			var cancel func()
			req, cancel = withWebSocketContext(req, opts.WebSocket.Done)
			defer cancel()
		}
		ctx := withViewerState(loaders.With(req.Context(), loaders.New(opts.Source, opts.Loaders)))
		srv.ServeHTTP(w, req.WithContext(ctx))
	})
	if opts.Auth != nil {
		h = opts.Auth.Middleware(h)
	}
	// Outermost, so that the refusals of the body limit and of the
	// authenticator are stamped and counted like gqlgen's own.
	return stampCodes(limitBody(opts.MaxBodyBytes, h), opts.Metrics)
}
