package graph

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/hubstream/hubstream/graph/generated"
	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/loaders"
)

// HandlerOptions configure the GraphQL endpoint. Zero fields take the
// documented defaults.
type HandlerOptions struct {
	// ComplexityLimit bounds a query's cost (each field 1, lists times their
	// page size). Default 5000.
	ComplexityLimit int
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
}

// NewHandler returns the /graphql handler: POST and GET transports, the
// central error presenter, panic recovery, a complexity limit and fresh
// loaders for every request, behind bearer-token authentication when
// opts.Auth is set.
func NewHandler(r *Resolver, opts HandlerOptions) http.Handler {
	if opts.ComplexityLimit <= 0 {
		opts.ComplexityLimit = 5000
	}
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: r}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(extension.FixedComplexityLimit(opts.ComplexityLimit))
	srv.AroundOperations(primeRootFields)
	srv.SetErrorPresenter(ErrorPresenter)
	srv.SetRecoverFunc(RecoverFunc)
	h := stampCodes(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := loaders.With(req.Context(), loaders.New(opts.Source, opts.Loaders))
		srv.ServeHTTP(w, req.WithContext(ctx))
	}))
	if opts.Auth != nil {
		h = opts.Auth.Middleware(h)
	}
	return h
}

// Playground returns the GraphiQL page pointed at endpoint.
func Playground(endpoint string) http.Handler {
	return playground.Handler("hubstream", endpoint)
}
