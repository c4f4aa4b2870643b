package graph

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/live"
	"github.com/hubstream/hubstream/internal/loaders"
)

// Shared execution of subscription documents (docs/subscriptions.md, "How
// it works"). Profiling 1,000 subscribers of one repository showed that
// nearly all of a delivery's 60–130 µs of CPU went into executing the
// subscriber's document for it alone: fresh loaders per response,
// decoding the same cached items again, the access check, the
// selection's resolvers and marshaling. None of that depends on the
// subscriber once its access is settled, so an event's delivery is split:
//
//   - access, per (subscription arguments, viewer) per event: the exact
//     check, with fresh reads of the viewer's rights (memoised for the
//     event, so a thousand anonymous subscribers cost one check);
//   - the payload, per class per event: subscribers whose document,
//     operation name and variables are the same share one execution —
//     per viewer when the selection touches a field marked
//     @viewerDependent in the schema, whose value depends on who asks;
//   - the write, per subscriber: one frame, the subscriber's operation id
//     around the class's encoded response, written to its socket
//     (websocket.go tells the subscription its id).
//
// A class's document runs through newFanExecutor's, a second gqlgen executor
// over the same schema: the subscription resolver, called with the event's
// value in the context (oneShotKey), returns it at once instead of
// registering, and gqlgen resolves the selection on it as for a live
// subscriber.

// classOf describes a subscriber's document for sharing: key is the same
// for subscribers that may share an execution, exec the operation context
// the class's execution runs with.
type classOf struct {
	key  string
	exec *graphql.OperationContext
}

// subscriptionClass returns the sharing class of the subscription
// operation of ctx: the document normalised (parsed and printed again,
// compact and without comments, so that spacing does not split a class),
// the operation name and the variables (hashed), and the viewer's login
// when the selection is viewer-dependent.
func (r *Resolver) subscriptionClass(ctx context.Context) (classOf, error) {
	oc := graphql.GetOperationContext(ctx)
	vars, err := json.Marshal(oc.Variables) // map keys sorted: canonical
	if err != nil {
		return classOf{}, err
	}
	h := sha256.New()
	formatter.NewFormatter(h, formatter.WithCompacted()).FormatQueryDocument(oc.Doc)
	h.Write([]byte{0})
	h.Write([]byte(oc.OperationName))
	h.Write([]byte{0})
	h.Write(vars)
	if viewerDependent(oc.Operation.SelectionSet, map[string]bool{}) {
		h.Write([]byte{0, 'v'})
		if v, ok := auth.ViewerFrom(ctx); ok {
			h.Write([]byte(v.Login))
		}
	}
	exec, errs := r.fanExec.CreateOperationContext(ctx, &graphql.RawParams{Query: oc.RawQuery, OperationName: oc.OperationName, Variables: oc.Variables})
	if errs != nil {
		return classOf{}, errs
	}
	return classOf{key: string(h.Sum(nil)), exec: exec}, nil
}

// viewerDependentDirective marks the fields whose value depends on who
// asks (graph/schema/schema.graphqls).
const viewerDependentDirective = "viewerDependent"

// viewerDependent reports whether sel selects, at any depth, a field
// marked @viewerDependent. seen guards against fragment cycles (which
// validation refuses anyway).
func viewerDependent(sel ast.SelectionSet, seen map[string]bool) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Definition != nil && s.Definition.Directives.ForName(viewerDependentDirective) != nil {
				return true
			}
			if viewerDependent(s.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if viewerDependent(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[s.Name] || s.Definition == nil {
				continue
			}
			seen[s.Name] = true
			if viewerDependent(s.Definition.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}

// newFanExecutor returns the executor of shared subscription executions:
// the schema's resolvers with the endpoint's error presentation and level
// batching, without the limits (the subscriber's operation passed them)
// or the per-response hooks of the transport.
func newFanExecutor(es graphql.ExecutableSchema, opts HandlerOptions) *executor.Executor {
	e := executor.New(es)
	e.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	e.Use(newDispatcher(es.Schema(), nil))
	// The subscribers' frames are written without their transport's
	// per-response hooks: the response limits apply here, once.
	e.Use(responseLimits{maxBytes: opts.MaxResponseBytes, maxErrors: opts.MaxErrors})
	if opts.Introspection {
		e.SetErrorPresenter(ErrorPresenter)
	} else {
		e.SetErrorPresenter(withoutSuggestions(ErrorPresenter))
	}
	e.SetRecoverFunc(RecoverFunc)
	return e
}

type oneShotKey struct{}

// oneShot returns the value the shared execution of ctx resolves, if ctx
// is one.
func oneShot(ctx context.Context) (any, bool) {
	v, ok := ctx.Value(oneShotKey{}).(oneShotValue)
	return v.v, ok
}

type oneShotValue struct{ v any }

// executeShared resolves the class's document on v (the value the
// subscription resolver would have sent) and returns the response.
func (r *Resolver) executeShared(ctx context.Context, c classOf, v any) (*graphql.Response, error) {
	ctx = context.WithValue(ctx, oneShotKey{}, oneShotValue{v})
	// A fresh operation context per execution: gqlgen keeps per-operation
	// caches in it, and executions of one class may overlap (two events).
	x := c.exec
	oc := graphql.OperationContext{
		RawQuery: x.RawQuery, Variables: x.Variables, OperationName: x.OperationName,
		Doc: x.Doc, Operation: x.Operation, Extensions: x.Extensions,
		DisableIntrospection: x.DisableIntrospection, RecoverFunc: x.RecoverFunc,
		ResolverMiddleware: x.ResolverMiddleware, RootResolverMiddleware: x.RootResolverMiddleware,
	}
	responses, ctx := r.fanExec.DispatchOperation(ctx, &oc)
	resp := responses(ctx)
	if resp == nil {
		return nil, &entities.Error{Code: entities.CodeInternal, Message: "the subscription's payload could not be resolved"}
	}
	return resp, nil
}

// eventShared is what all subscribers of one event share: the loaders that
// read the event's entities, the access decisions and the payloads.
type eventShared struct {
	loaders *loaders.Loaders
	mu      sync.Mutex
	access  map[string]*once
	payload map[string]*once
}

// once is a value computed by the first caller and waited for by the
// others.
type once struct {
	done chan struct{}
	v    any
	err  error
}

// entry returns the once of key in m, and true when the caller is the
// first to ask: it must then finish it.
func (e *eventShared) entry(m *map[string]*once, key string) (*once, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if o := (*m)[key]; o != nil {
		return o, false
	}
	if *m == nil {
		*m = map[string]*once{}
	}
	o := &once{done: make(chan struct{})}
	(*m)[key] = o
	return o, true
}

// finish sets the value and releases the waiters.
func (o *once) finish(v any, err error) {
	o.v, o.err = v, err
	close(o.done)
}

// compute finishes o with f's value; a panic in f finishes it with an
// INTERNAL error (logged by RecoverFunc), so that neither the subscribers
// waiting for it nor the process go down with one event.
func (o *once) compute(ctx context.Context, f func() (any, error)) {
	defer func() {
		if p := recover(); p != nil {
			o.finish(nil, RecoverFunc(ctx, p))
		}
	}()
	o.finish(f())
}

// wait returns the value once it is set, or ctx's error if ctx ends first.
func (o *once) wait(ctx context.Context) (any, error) {
	select {
	case <-o.done:
		return o.v, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// payload converts ev for a class with convert and resolves the class's
// document on the value: the delivery the class shares.
func (r *Resolver) payload(ctx context.Context, c classOf, ev *live.Event, convert func(context.Context) (any, error)) (any, error) {
	v, err := convert(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := r.executeShared(ctx, c, v)
	if err != nil {
		return nil, err
	}
	r.Live.CountExecution()
	return newDelivery(resp, metaOf(ev))
}

// shared returns ev's eventShared.
func (r *Resolver) shared(ev *live.Event) *eventShared {
	opts := r.Loaders
	opts.Wait = eventLoaderWait
	return ev.Shared(func() any { return &eventShared{loaders: loaders.New(r.Source, opts)} }).(*eventShared)
}

// delivery is one response for a class of subscribers: its parts, for
// gqlgen's transport, and encoded, for frames written directly.
type delivery struct {
	data       json.RawMessage
	errors     gqlerror.List
	extensions map[string]any
	encoded    []byte
}

// newDelivery returns the delivery of resp with extensions.event meta.
func newDelivery(resp *graphql.Response, meta eventMeta) (delivery, error) {
	d := delivery{data: resp.Data, errors: resp.Errors, extensions: map[string]any{"event": meta}}
	b, err := json.Marshal(&graphql.Response{Data: d.data, Errors: d.errors, Extensions: d.extensions})
	if err != nil {
		return delivery{}, err
	}
	d.encoded = b
	return d, nil
}
