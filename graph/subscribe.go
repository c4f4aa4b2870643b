package graph

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/live"
	"github.com/hubstream/hubstream/internal/loaders"
)

// Subscriptions (docs/subscriptions.md). A resolver registers with the
// live.Hub and returns a channel fed by one goroutine per subscription
// (pump): for each event it makes fresh loaders — the connection's would
// serve cached, stale items — checks the viewer's current rights and
// builds the value, which gqlgen then resolves further with fresh loaders
// again (freshLoaders, per response). The event's identity goes to the
// response's extensions.event (eventMeta), so that clients of
// issueChanged, whose payload is the plain Issue, can detect gaps and
// resume.

// maxReplay bounds how many events a resume with after: replays.
const maxReplay = 1000

// eventLoaderWait is the batching window of the loaders that handle one
// event (a request's is 5 ms).
const eventLoaderWait = 100 * time.Microsecond

// eventMeta is what extensions.event says about a delivered event.
type eventMeta struct {
	Aggregate string    `json:"aggregate"`
	Type      string    `json:"type"`
	Version   int64     `json:"version"`
	At        time.Time `json:"at"`
	Replayed  bool      `json:"replayed,omitempty"`
	Projected bool      `json:"projected"`
}

func metaOf(ev *live.Event) eventMeta {
	return eventMeta{
		Aggregate: aggregateID(ev.ID), Type: ev.Envelope.Type, Version: ev.Envelope.Version,
		At: ev.Envelope.At, Replayed: ev.Replayed, Projected: ev.Projected || ev.Replayed,
	}
}

func aggregateID(id entities.ID) string { return string(id.Kind()) + ":" + id.String() }

// subState is one subscription operation's queue of event metas: the pump
// pushes one per value it sends, freshLoaders pops one per response, in
// the same order.
type subState struct {
	mu    sync.Mutex
	metas []eventMeta
}

func (s *subState) push(m eventMeta) {
	s.mu.Lock()
	s.metas = append(s.metas, m)
	s.mu.Unlock()
}

func (s *subState) pop() (eventMeta, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.metas) == 0 {
		return eventMeta{}, false
	}
	m := s.metas[0]
	s.metas = s.metas[1:]
	return m, true
}

type subStateKey struct{}

// subscriptionOperations gives every subscription operation its subState.
func subscriptionOperations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		ctx = context.WithValue(ctx, subStateKey{}, &subState{})
	}
	return next(ctx)
}

// freshLoaders returns the hook that gives each response of a subscription
// its own loaders and viewer state (a subscription lives for hours; its
// connection's loaders would answer from their cache), and sets the
// response's extensions.event.
func freshLoaders(opts HandlerOptions) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		st, _ := ctx.Value(subStateKey{}).(*subState)
		if st == nil {
			return next(ctx)
		}
		ctx = withViewerState(loaders.With(ctx, loaders.New(opts.Source, opts.Loaders)))
		resp := next(ctx)
		if resp == nil {
			return nil
		}
		if m, ok := st.pop(); ok {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["event"] = m
		}
		return resp
	}
}

// eventContext returns a context for handling one event: fresh loaders and
// viewer state over the subscription's context. The loaders of a live
// event are shared by all its subscribers (their items are read once after
// the event's projection, whoever asks; per-viewer facts are keyed by
// viewer), so a thousand subscribers cost a thousand cache hits, not a
// thousand reads. Shared loads run under the first subscriber's context,
// so that context must not end with its subscriber: it is detached from
// the subscription's cancellation and bounded by eventTimeout instead.
// Call the returned cancel when the event is handled.
func (r *Resolver) eventContext(ctx context.Context, ev *live.Event) (context.Context, context.CancelFunc) {
	// A subscription handles its events one after another, so a loader's
	// batching window would be paid per event: the loads of one event are
	// few and known, so they go out almost at once. (Subscribers of the
	// same event still share them: a pending load is cached.)
	opts := r.Loaders
	opts.Wait = eventLoaderWait
	if ev == nil {
		return withViewerState(loaders.With(ctx, loaders.New(r.Source, opts))), func() {}
	}
	l := ev.Shared(func() any { return loaders.New(r.Source, opts) }).(*loaders.Loaders)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), eventTimeout)
	return withViewerState(loaders.With(ctx, l)), cancel
}

// eventTimeout bounds the reads of one event's delivery.
const eventTimeout = 10 * time.Second

// errSkip: the event is not for this subscriber (nothing is sent).
var errSkip = errors.New("skip")

// subscription describes one subscription for subscribe.
type subscription[T any] struct {
	topics []live.Topic
	// check runs once, before the subscription is registered, with
	// fresh loaders: NOT_FOUND and the like refuse it.
	check func(ctx context.Context) error
	// convert turns an event into the value to send; errSkip skips it, any
	// other error ends the subscription with that error.
	convert func(ctx context.Context, ev *live.Event) (T, error)
	// replay, when set, reads the events to send first (after:), oldest
	// first.
	replay func(ctx context.Context) ([]*live.Event, error)
	// seen holds, per aggregateID, the version up to which the client has
	// the events (after:); events at or below it, and at or below the last
	// replayed one, are not sent again.
	seen map[string]int64
}

// subscribe registers s and starts its pump.
func subscribe[T any](ctx context.Context, r *Resolver, s subscription[T]) (<-chan T, error) {
	conn := wsConnFrom(ctx)
	if conn == nil {
		return nil, entities.BadInput("", "subscriptions are served over WebSocket (graphql-transport-ws) at /graphql")
	}
	if r.Live == nil {
		return nil, &entities.Error{Code: entities.CodeInternal, Message: "subscriptions are not enabled"}
	}
	if n := conn.active.Add(1); n > conn.max {
		conn.active.Add(-1)
		return nil, &entities.Error{Code: entities.CodeLimitExceeded, Message: "too many subscriptions on this connection"}
	}
	release := func() { conn.active.Add(-1) }
	checkCtx, _ := r.eventContext(ctx, nil)
	if err := s.check(checkCtx); err != nil {
		release()
		return nil, err
	}
	sub, err := r.Live.Subscribe(conn.viewerKey, s.topics...)
	if err != nil {
		release()
		return nil, err
	}
	// Registered first, replayed second: an event committed in between is
	// in both, and the version filter drops the second copy.
	var replayed []*live.Event
	if s.replay != nil {
		if replayed, err = s.replay(ctx); err != nil {
			sub.Close()
			release()
			return nil, err
		}
	}
	st, _ := ctx.Value(subStateKey{}).(*subState)
	out := make(chan T)
	go func() {
		defer release()
		defer sub.Close()
		defer close(out)
		fail := func(err error) {
			transport.AddSubscriptionError(ctx, ErrorPresenter(ctx, err))
		}
		seen := s.seen
		if seen == nil {
			seen = map[string]int64{}
		}
		handle := func(ev *live.Event) bool {
			agg := aggregateID(ev.ID)
			if v, ok := seen[agg]; ok && ev.Envelope.Version <= v {
				return true // replayed already
			}
			evCtx, cancel := r.eventContext(ctx, ev)
			v, err := s.convert(evCtx, ev)
			cancel()
			if errors.Is(err, errSkip) {
				return true
			}
			if err != nil {
				if errors.Is(err, entities.ErrNotFound) {
					sub.Dropped("access_lost")
				}
				if ctx.Err() == nil {
					fail(err)
				}
				return false
			}
			if st != nil {
				st.push(metaOf(ev))
			}
			select {
			case out <- v:
				sub.Delivered(ev)
				return true
			case <-ctx.Done():
				return false
			}
		}
		for _, ev := range replayed {
			if !handle(ev) {
				return
			}
			seen[aggregateID(ev.ID)] = max(seen[aggregateID(ev.ID)], ev.Envelope.Version)
		}
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-sub.Events():
				if !ok {
					if err := sub.Err(); err != nil && ctx.Err() == nil {
						fail(err)
					}
					return
				}
				if !handle(ev) {
					return
				}
			}
		}
	}()
	return out, nil
}
