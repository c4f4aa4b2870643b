package graph

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/live"
	"github.com/hubstream/hubstream/internal/loaders"
)

// Subscriptions (docs/subscriptions.md). A resolver registers with the
// live.Hub and starts one goroutine per subscription (pump) that, for
// each event, checks the viewer's current rights and takes the event's
// payload for the subscriber's class — computed once per class and event
// (fanout.go) — and hands it to gqlgen's transport through the
// subscription's subState (subscriptionResponses). The event's identity
// goes to the response's extensions.event (eventMeta), so that clients of
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

// subState is one subscription operation's hand-over from its pump to
// gqlgen's transport: the pump sends each delivery, and closes done when
// it ends.
type subState struct {
	deliveries chan delivery
	done       chan struct{}
}

type subStateKey struct{}

// subscriptionOperations gives every subscription operation its subState.
func subscriptionOperations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		ctx = context.WithValue(ctx, subStateKey{}, &subState{deliveries: make(chan delivery), done: make(chan struct{})})
	}
	return next(ctx)
}

// subscriptionResponses answers the transport's request for a
// subscription's next response with the pump's next delivery, which was
// resolved already (shared by its class). Only once the pump has ended
// does it let gqlgen go on, to find the resolver's channel closed and end
// the operation (with the error the pump added, if any).
func subscriptionResponses(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	st, _ := ctx.Value(subStateKey{}).(*subState)
	if st == nil {
		return next(ctx)
	}
	select {
	case d := <-st.deliveries:
		// The response is the subscriber's own (outer hooks may change
		// it); data and extensions are shared and only read.
		return &graphql.Response{Data: d.data, Errors: slices.Clone(d.errors), Extensions: d.extensions}
	case <-st.done:
		return next(ctx)
	case <-ctx.Done():
		// The pump may be writing a frame itself: gqlgen sends complete
		// once this returns, and nothing may follow it.
		<-st.done
		return nil
	}
}

// eventContext returns a context for handling one event with loaders l
// (nil: fresh ones), a fresh viewer state and a fresh request memo
// (memoized) over the subscription's context: the context a WebSocket
// connection's operations derive from carries the upgrade request's memo,
// which would otherwise serve the first event's pages (stargazers, forks)
// to every later event of the connection. An event's loaders are shared by all its subscribers (their
// items are read once after the event's projection, whoever asks;
// per-viewer facts are keyed by viewer), and so are the computations in
// eventShared, which run under whichever subscriber's context comes
// first: so that context must not end with its subscriber, it is detached
// from the subscription's cancellation and bounded by eventTimeout
// instead. Call the returned cancel when the event is handled.
func (r *Resolver) eventContext(ctx context.Context, l *loaders.Loaders) (context.Context, context.CancelFunc) {
	if l == nil {
		// A subscription handles its events one after another, so a
		// loader's batching window would be paid per event: the loads of
		// one event are few and known, so they go out almost at once.
		opts := r.Loaders
		opts.Wait = eventLoaderWait
		return withRequestMemo(withViewerState(loaders.With(ctx, loaders.New(r.Source, opts)))), func() {}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), eventTimeout)
	return withRequestMemo(withViewerState(loaders.With(ctx, l))), cancel
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
	// accessKey names what access depends on besides the viewer: the
	// subscription's field and arguments.
	accessKey string
	// access decides, for every event, whether the viewer may receive
	// it, with fresh reads of their rights: errSkip skips the event, any
	// other error ends the subscription with that error. It runs once per
	// event per accessKey and viewer (the subscribers of one viewer
	// share it).
	access func(ctx context.Context, ev *live.Event) error
	// convert turns an event that passed access into the value to send;
	// errSkip skips it, any other error ends the subscription with that
	// error. It runs once per event per class (fanout.go), under any of
	// the class's subscribers: it must not depend on the viewer except
	// through what access decided.
	convert func(ctx context.Context, ev *live.Event) (T, error)
	// replay, when set, reads the events to send first (after:), oldest
	// first.
	replay func(ctx context.Context) ([]*live.Event, error)
	// seen holds, per aggregateID, the version up to which the client has
	// the events (after:); events at or below it, and at or below the last
	// replayed one, are not sent again.
	seen map[string]int64
}

// subscribe registers s and starts its pump. Within a shared execution
// (fanout.go) it returns the execution's value instead.
func subscribe[T any](ctx context.Context, r *Resolver, s subscription[T]) (<-chan T, error) {
	if v, ok := oneShot(ctx); ok {
		out := make(chan T, 1)
		out <- v.(T)
		close(out)
		return out, nil
	}
	conn := wsConnFrom(ctx)
	if conn == nil {
		return nil, entities.BadInput("", "subscriptions are served over WebSocket (graphql-transport-ws) at /graphql")
	}
	if r.Live == nil || r.fanExec == nil {
		return nil, &entities.Error{Code: entities.CodeInternal, Message: "subscriptions are not enabled"}
	}
	st, _ := ctx.Value(subStateKey{}).(*subState)
	if st == nil {
		return nil, &entities.Error{Code: entities.CodeInternal, Message: "subscription state missing"}
	}
	// Frames go straight to the socket when its operation id is known
	// (always over NewHandler's WebSocket transport), else through
	// gqlgen's transport (subscriptionResponses). Taken first: it is
	// filed until taken.
	id, socket, ok := conn.link.operation(graphql.GetOperationContext(ctx))
	var prefix, frame []byte
	if ok {
		prefix = socket.framePrefix(id)
	} else {
		socket = nil
	}
	class, err := r.subscriptionClass(ctx)
	if err != nil {
		return nil, err
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
	// Access is decided per viewer: the token's login (several
	// subscribers of one viewer share the decision).
	accessKey := s.accessKey + "\x00"
	if v, ok := auth.ViewerFrom(ctx); ok {
		accessKey += v.Login
	}
	out := make(chan T)
	go func() {
		defer release()
		defer sub.Close()
		defer close(out)
		defer close(st.done)
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
			es := r.shared(ev)
			// Each shared value is computed by the first subscriber to ask,
			// with the event's loaders; the others wait for it.
			o, first := es.entry(&es.access, accessKey)
			if first {
				evCtx, cancel := r.eventContext(ctx, es.loaders)
				o.compute(evCtx, func() (any, error) { return nil, s.access(evCtx, ev) })
				cancel()
			}
			_, err := o.wait(ctx)
			var p any
			if err == nil {
				o, first := es.entry(&es.payload, class.key)
				if first {
					evCtx, cancel := r.eventContext(ctx, es.loaders)
					o.compute(evCtx, func() (any, error) {
						return r.payload(evCtx, class, ev, func(ctx context.Context) (any, error) { return s.convert(ctx, ev) })
					})
					cancel()
				}
				p, err = o.wait(ctx)
			}
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
			d := p.(delivery)
			if socket != nil {
				// The frame is the subscriber's id around the class's
				// encoded response: one copy, one write.
				frame = append(append(append(frame[:0], prefix...), d.encoded...), '}')
				if err := socket.writeFrame(frame); err != nil {
					return false // the socket is gone: gqlgen's reader ends the connection
				}
				sub.Delivered(ev)
				return true
			}
			select {
			case st.deliveries <- d:
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
