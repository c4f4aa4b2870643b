package live

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/table"
)

// Event is one appended event as subscribers receive it.
type Event struct {
	// ID is the aggregate the event was appended to.
	ID entities.ID
	// Envelope is the stored event (type, version, time, actor, data).
	Envelope events.Envelope
	// Data is the decoded domain event; nil when it does not decode (an
	// event type this process does not know).
	Data entities.Event
	// Committed is when the append was committed (to the millisecond).
	Committed time.Time
	// Projected reports that the projector's marker reached the event
	// before it was released; false when ProjectionWait ran out first.
	Projected bool
	// Replayed marks events read from the event log to resume a
	// subscription (set by the subscriber, never by the Hub).
	Replayed bool

	sharedOnce sync.Once
	shared     any
}

// Shared returns the value make returned on the first call for this event:
// state that every subscriber of the event shares, such as the loaders
// that read the changed entity once for all of them instead of once each.
func (e *Event) Shared(make func() any) any {
	e.sharedOnce.Do(func() { e.shared = make() })
	return e.shared
}

// HubOptions tune a Hub. Zero fields take the documented defaults.
type HubOptions struct {
	// Buffer is how many events a subscription may have undelivered; one
	// more drops it with ErrSlowConsumer. Default 256.
	Buffer int
	// ProjectionWait bounds how long an event is held for its projection
	// to become visible (the projector's marker reaching its version);
	// after it the event is released anyway, so a stopped projector delays
	// subscriptions by at most this. Default 5 s.
	ProjectionWait time.Duration
	// MaxSubscriptions bounds the process's subscriptions. Default 10,000.
	MaxSubscriptions int
	// MaxPerViewer bounds one viewer's subscriptions (anonymous clients
	// are counted by address). Default 100.
	MaxPerViewer int
	// Codec decodes event data. Default events.NewCodec().
	Codec *events.Codec
	// Metrics records subscriptions and deliveries. Nil: none.
	Metrics *Metrics
	// Logger receives undecodable records. Default slog.Default().
	Logger *slog.Logger
}

func (o HubOptions) withDefaults() HubOptions {
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	if o.ProjectionWait <= 0 {
		o.ProjectionWait = 5 * time.Second
	}
	if o.MaxSubscriptions <= 0 {
		o.MaxSubscriptions = 10000
	}
	if o.MaxPerViewer <= 0 {
		o.MaxPerViewer = 100
	}
	if o.Codec == nil {
		o.Codec = events.NewCodec()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Errors ending a subscription. They are domain errors, so the GraphQL
// error presenter gives them their code.
var (
	// ErrSlowConsumer: the subscriber did not keep up and its buffer
	// filled; it was dropped so that others are not held back.
	ErrSlowConsumer = &entities.Error{Code: entities.CodeLimitExceeded, Message: "subscription dropped: the client did not read its events fast enough (slow consumer); resubscribe with after: the last version seen"}
	// ErrTooManySubscriptions: the process's limit is reached.
	ErrTooManySubscriptions = &entities.Error{Code: entities.CodeLimitExceeded, Message: "too many subscriptions on this server; try again later"}
)

// Hub fans stream events out to subscriptions. It is safe for concurrent
// use.
type Hub struct {
	opts HubOptions
	in   chan []streams.Record

	mu        sync.Mutex
	subs      map[Topic]map[*Subscription]struct{}
	perViewer map[string]int
	total     int
	stopped   bool

	// Owned by the dispatch goroutine.
	pending map[table.Partition]*aggQueue
	markers recentMarkers
}

// aggQueue holds one aggregate's events until its projection marker
// reaches them.
type aggQueue struct {
	events []*heldEvent
	marker int64
}

type heldEvent struct {
	ev    *Event
	since time.Time
}

// NewHub returns a hub; Run feeds it.
func NewHub(opts HubOptions) *Hub {
	return &Hub{
		opts:      opts.withDefaults(),
		in:        make(chan []streams.Record, 64),
		subs:      map[Topic]map[*Subscription]struct{}{},
		perViewer: map[string]int{},
		pending:   map[table.Partition]*aggQueue{},
		markers:   recentMarkers{max: 4096, v: map[table.Partition]int64{}},
	}
}

// Run follows the stream with f and dispatches its events until ctx ends,
// then ends every subscription (their channels close without an error).
// ready, when non-nil, is closed once the follower reads from LATEST:
// events committed after that reach subscribers. It returns ctx's error or
// the follower's.
func (h *Hub) Run(ctx context.Context, f *Follower, ready chan<- struct{}) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- f.Run(ctx, func(recs []streams.Record) {
			select {
			case h.in <- recs:
			case <-ctx.Done():
			}
		}, ready)
		cancel()
	}()
	h.dispatch(ctx)
	h.stop()
	return <-errc
}

// dispatch is the hub's one goroutine: it turns records into held events
// and releases them.
func (h *Hub) dispatch(ctx context.Context) {
	tick := time.NewTicker(max(h.opts.ProjectionWait/10, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case recs := <-h.in:
			for _, r := range recs {
				h.record(r, time.Now())
			}
		case now := <-tick.C:
			h.expire(now)
		}
	}
}

// Feed hands records to the hub as the follower would (tests and custom
// sources). It blocks while the hub is busy and returns ctx's error if ctx
// ends first.
func (h *Hub) Feed(ctx context.Context, recs []streams.Record) error {
	select {
	case h.in <- recs:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// record handles one stream record: a head's appended events are held, a
// projection marker releases its aggregate's events up to its version.
func (h *Hub) record(r streams.Record, now time.Time) {
	if r.Dynamodb == nil || r.Dynamodb.NewImage == nil {
		return
	}
	img := projector.FromStreamItem(r.Dynamodb.NewImage)
	pk, _ := strAttr(img, table.AttrPK)
	sk, _ := strAttr(img, table.AttrSK)
	et, _ := strAttr(img, table.AttrType)
	p := table.Partition(pk)
	switch {
	case table.IsMarkerSK(sk):
		v, ok := numAttr(img, table.AttrVersion)
		if !ok {
			return
		}
		q := h.pending[p]
		if q == nil {
			h.markers.put(p, v)
			return
		}
		q.marker = max(q.marker, v)
		h.release(p, q, now, false)
	case et == table.TypeHead:
		head, err := events.DecodeHead(nil, img)
		if err != nil {
			h.opts.Logger.Warn("subscriptions: undecodable head record skipped", slog.String("partition", pk), slog.Any("error", err))
			return
		}
		if len(head.New) == 0 {
			return
		}
		q := h.pending[p]
		if q == nil {
			q = &aggQueue{marker: h.markers.take(p)}
			h.pending[p] = q
		}
		committed := head.At
		if committed.IsZero() && r.Dynamodb.ApproximateCreationDateTime != nil {
			committed = aws.ToTime(r.Dynamodb.ApproximateCreationDateTime)
		}
		for _, env := range head.New {
			ev := &Event{ID: head.Snapshot.ID, Envelope: env, Committed: committed}
			if data, err := h.opts.Codec.Decode(env); err == nil {
				ev.Data = data
			}
			q.events = append(q.events, &heldEvent{ev: ev, since: now})
		}
		h.release(p, q, now, false)
	}
}

// release publishes q's events its marker covers, and with expired those
// held longer than ProjectionWait, in version order; later events wait
// behind an earlier one.
func (h *Hub) release(p table.Partition, q *aggQueue, now time.Time, expired bool) {
	n := 0
	for _, he := range q.events {
		projected := he.ev.Envelope.Version <= q.marker
		if !projected && !(expired && now.Sub(he.since) >= h.opts.ProjectionWait) {
			break
		}
		he.ev.Projected = projected
		if !projected && h.opts.Metrics != nil {
			h.opts.Metrics.ProjectionTimeouts.Inc()
		}
		h.publish(he.ev)
		n++
	}
	q.events = q.events[n:]
	if len(q.events) == 0 {
		delete(h.pending, p)
	}
}

// expire releases events held longer than ProjectionWait.
func (h *Hub) expire(now time.Time) {
	for p, q := range h.pending {
		if len(q.events) > 0 && now.Sub(q.events[0].since) >= h.opts.ProjectionWait {
			h.release(p, q, now, true)
		}
	}
}

// publish hands ev to every subscription of its topics, once each. A
// subscription whose buffer is full is dropped with ErrSlowConsumer.
func (h *Hub) publish(ev *Event) {
	topics := EventTopics(ev)
	h.mu.Lock()
	defer h.mu.Unlock()
	var seen map[*Subscription]bool
	if len(topics) > 1 {
		seen = map[*Subscription]bool{}
	}
	for _, t := range topics {
		for s := range h.subs[t] {
			if seen != nil {
				if seen[s] {
					continue
				}
				seen[s] = true
			}
			select {
			case s.c <- ev:
			default:
				h.dropLocked(s, ErrSlowConsumer, "slow_consumer")
			}
		}
	}
}

// Subscription is one subscriber's registration with a Hub.
type Subscription struct {
	hub    *Hub
	c      chan *Event
	topics []Topic
	viewer string
	err    error // why the hub ended it; set before c is closed
	closed bool  // guarded by hub.mu
}

// Subscribe registers a subscription to topics for viewer (a login, or a
// key for an anonymous client); events published after it returns are
// delivered. It fails with a LIMIT_EXCEEDED *entities.Error when the
// process's or the viewer's limit is reached. Once the hub has stopped it
// returns a subscription that has already ended.
func (h *Hub) Subscribe(viewer string, topics ...Topic) (*Subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.total >= h.opts.MaxSubscriptions {
		return nil, ErrTooManySubscriptions
	}
	if h.perViewer[viewer] >= h.opts.MaxPerViewer {
		return nil, &entities.Error{Code: entities.CodeLimitExceeded, Message: "too many subscriptions for this viewer (at most " + strconv.Itoa(h.opts.MaxPerViewer) + ")"}
	}
	s := &Subscription{hub: h, c: make(chan *Event, h.opts.Buffer), topics: topics, viewer: viewer}
	if h.stopped {
		s.closed = true
		close(s.c)
		return s, nil
	}
	for _, t := range topics {
		m := h.subs[t]
		if m == nil {
			m = map[*Subscription]struct{}{}
			h.subs[t] = m
		}
		m[s] = struct{}{}
	}
	h.total++
	h.perViewer[viewer]++
	if h.opts.Metrics != nil {
		h.opts.Metrics.Active.Inc()
	}
	return s, nil
}

// Events returns the channel of the subscription's events. It is closed
// when the subscription ends: Err then says why (nil: closed or the hub
// stopped).
func (s *Subscription) Events() <-chan *Event { return s.c }

// Err returns why the hub ended the subscription, once Events is closed.
func (s *Subscription) Err() error {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.err
}

// Close ends the subscription and releases its place in the limits. It is
// idempotent.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.removeLocked(s)
}

// Delivered records that ev reached the client: the delivered count and
// the lag from commit.
func (s *Subscription) Delivered(ev *Event) {
	if m := s.hub.opts.Metrics; m != nil {
		m.Delivered.Inc()
		if !ev.Replayed && !ev.Committed.IsZero() {
			m.Lag.Observe(time.Since(ev.Committed).Seconds())
		}
	}
}

// Dropped records that the subscriber ended the subscription for reason
// (e.g. "access_lost").
func (s *Subscription) Dropped(reason string) {
	if m := s.hub.opts.Metrics; m != nil {
		m.Dropped.WithLabelValues(reason).Inc()
	}
}

// CountExecution records that a subscription payload was resolved (for a
// class of subscribers, graph/fanout.go).
func (h *Hub) CountExecution() {
	if h.opts.Metrics != nil {
		h.opts.Metrics.Executions.Inc()
	}
}

// CountDrop records a subscription (or connection) the server ended for
// reason outside the hub, e.g. "write_timeout": a WebSocket write that
// did not complete.
func (h *Hub) CountDrop(reason string) {
	if h.opts.Metrics != nil {
		h.opts.Metrics.Dropped.WithLabelValues(reason).Inc()
	}
}

func (h *Hub) dropLocked(s *Subscription, err error, reason string) {
	s.err = err
	h.removeLocked(s)
	if h.opts.Metrics != nil {
		h.opts.Metrics.Dropped.WithLabelValues(reason).Inc()
	}
}

func (h *Hub) removeLocked(s *Subscription) {
	if s.closed {
		return
	}
	s.closed = true
	close(s.c)
	for _, t := range s.topics {
		if m := h.subs[t]; m != nil {
			delete(m, s)
			if len(m) == 0 {
				delete(h.subs, t)
			}
		}
	}
	h.total--
	if h.perViewer[s.viewer]--; h.perViewer[s.viewer] <= 0 {
		delete(h.perViewer, s.viewer)
	}
	if h.opts.Metrics != nil {
		h.opts.Metrics.Active.Dec()
	}
}

// stop ends every subscription; later ones start ended.
func (h *Hub) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	for _, m := range h.subs {
		for s := range m {
			h.removeLocked(s)
		}
	}
}

// recentMarkers remembers the markers of aggregates with nothing held, in
// case a marker's record is read before its head's (another shard), at
// most max of them (oldest forgotten first).
type recentMarkers struct {
	max   int
	v     map[table.Partition]int64
	order []table.Partition
}

func (m *recentMarkers) put(p table.Partition, v int64) {
	if v <= 0 {
		return
	}
	if _, ok := m.v[p]; !ok {
		m.order = append(m.order, p)
	}
	m.v[p] = max(m.v[p], v)
	for len(m.order) > m.max {
		delete(m.v, m.order[0])
		m.order = m.order[1:]
	}
}

func (m *recentMarkers) take(p table.Partition) int64 {
	v := m.v[p]
	// Left in order: a stale order entry only deletes early, which is safe.
	delete(m.v, p)
	return v
}

func strAttr(it map[string]ddb.AttributeValue, name string) (string, bool) {
	v, ok := it[name].(*ddb.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return v.Value, true
}

func numAttr(it map[string]ddb.AttributeValue, name string) (int64, bool) {
	v, ok := it[name].(*ddb.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	return n, err == nil
}
