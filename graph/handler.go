package graph

import (
	"context"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
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
	// MaxResponseBytes bounds a response's data, counted as its fields
	// resolve; a response that would pass it is one RESPONSE_TOO_LARGE
	// error (response_limits.go). Default DefaultMaxResponseBytes
	// (16 MiB); negative: no limit.
	MaxResponseBytes int64
	// MaxErrors bounds a response's errors list; the errors past it are
	// replaced by one ERRORS_SUPPRESSED entry that counts them. Default
	// DefaultMaxErrors (100); negative: no limit.
	MaxErrors int
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
	// ConsistencyWait bounds how long a mutation waits for the projection
	// of its own write before its payload is resolved, and a request sent
	// with X-Hubstream-After for the projection of that token
	// (readyourwrites.go). Default DefaultConsistencyWait (2 s); negative:
	// never wait (and read no projection markers).
	ConsistencyWait time.Duration
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
	if o.MaxResponseBytes == 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if o.MaxErrors == 0 {
		o.MaxErrors = DefaultMaxErrors
	}
	if o.ConsistencyWait == 0 {
		o.ConsistencyWait = DefaultConsistencyWait
	}
	return o
}

// NewHandler returns the /graphql handler: POST and GET transports, the
// central error presenter, panic recovery, limits on body size, query
// size, depth, complexity, response size and error count, and fresh loaders for every request, behind
// bearer-token authentication when opts.Auth is set.
func NewHandler(r *Resolver, opts HandlerOptions) http.Handler {
	opts = opts.withDefaults()
	r.Source, r.Loaders = opts.Source, opts.Loaders
	es := costedSchema{generated.NewExecutableSchema(generated.Config{Resolvers: r, Complexity: complexityRoot()})}
	srv := handler.New(es)
	r.fanExec = newFanExecutor(es, opts)
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
	// "Did you mean …?" in validation errors names fields, arguments and
	// types: with introspection on the schema is public anyway and the
	// hints help; with it off they would leak the schema a field at a
	// time. gqlgen drops some of them; the presenter the rest.
	srv.SetDisableSuggestion(!opts.Introspection)
	// Automatic persisted queries (Apollo's protocol): gqlgen checks that
	// a query's SHA-256 is the hash it is sent with, and the cache is
	// bounded in entries and in the size of each (apq.go).
	srv.Use(extension.AutomaticPersistedQuery{Cache: newAPQCache()})
	srv.Use(&limits{depth: opts.DepthLimit, complexity: opts.ComplexityLimit, tokens: opts.TokenLimit, shapes: newShapeCache()})
	srv.Use(observer{m: opts.Metrics})
	// Inside the observer, which then counts what the client receives.
	srv.Use(responseLimits{maxBytes: opts.MaxResponseBytes, maxErrors: opts.MaxErrors})
	srv.AroundOperations(socketOperations(opts))
	srv.AroundOperations(primeRootFields)
	srv.AroundOperations(subscriptionOperations)
	srv.Use(wsOperationIDs{})
	srv.AroundResponses(subscriptionResponses)
	// Sends each level's batch as soon as the level's fields have all
	// asked (dispatch.go), instead of after the loaders' window.
	srv.Use(newDispatcher(es.Schema(), opts.Metrics))
	srv.AroundResponses(consistencyExtension)
	if opts.Introspection {
		srv.SetErrorPresenter(ErrorPresenter)
	} else {
		srv.SetErrorPresenter(withoutSuggestions(ErrorPresenter))
	}
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
		ctx := withRequestMemo(withViewerState(loaders.With(req.Context(), loaders.New(opts.Source, opts.Loaders))))
		ctx = withConsistency(ctx, w, req, opts.ConsistencyWait, opts.Source.Pager)
		srv.ServeHTTP(w, req.WithContext(ctx))
	})
	if opts.Auth != nil {
		h = opts.Auth.Middleware(h)
	}
	// Outermost, so that the refusals of the body limit and of the
	// authenticator are stamped and counted like gqlgen's own.
	return noStore(stampCodes(limitBody(opts.MaxBodyBytes, h), opts.Metrics))
}

// noStore marks every response of the endpoint Cache-Control: no-store:
// they carry per-viewer data (and errors about the viewer's token), which
// no browser or proxy cache may keep or serve to another request.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// socketOperations gives every operation sent over a WebSocket its own
// loaders, viewer state and request memo, as an HTTP request has: the
// socket's operations all derive from the upgrade request's context, so
// without this a query (or a mutation's payload) late in a connection's
// life read the items and pages its first operation cached.
func socketOperations(opts HandlerOptions) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if wsConnFrom(ctx) != nil {
			ctx = withRequestMemo(withViewerState(loaders.With(ctx, loaders.New(opts.Source, opts.Loaders))))
		}
		return next(ctx)
	}
}
