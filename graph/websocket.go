package graph

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hubstream/hubstream/internal/auth"
)

// GraphQL over WebSocket (docs/subscriptions.md). gqlgen's transport speaks
// graphql-transport-ws (and the older graphql-ws); this file configures it
// for a browser-facing server: the origin is checked on upgrade, the
// connection_init payload's Authorization signs the connection in (a bad
// token closes it with 4401, one naming someone other than the upgrade
// request's header with 4403), the server pings and drops clients that
// stop answering, a write that cannot complete closes the connection, and
// the number of subscriptions per connection is bounded.

// Close codes of the WebSocket connection, as the graphql-ws library uses
// them.
const (
	closeUnauthorized = 4401
	closeForbidden    = 4403
)

// WebSocketOptions configure subscriptions over WebSocket. Zero fields
// take the documented defaults.
type WebSocketOptions struct {
	// AllowedOrigins lists the host patterns (path.Match, e.g.
	// "app.example.com" or "*.example.com"; with "scheme://" matched
	// against scheme://host) of other origins whose pages may open a
	// WebSocket. The server's own origin is always allowed, and clients
	// that send no Origin (not browsers) are too. Default: none.
	AllowedOrigins []string
	// PingInterval is how often the server pings (graphql-transport-ws);
	// a client that has not answered within two intervals is
	// disconnected. Default 15 s.
	PingInterval time.Duration
	// InitTimeout bounds the wait for connection_init. Default 10 s.
	InitTimeout time.Duration
	// WriteTimeout bounds a message write; a client that does not read
	// is disconnected once a write has waited this long (checked four
	// times per timeout, so after 1 to 1.25 of it). Default 10 s.
	WriteTimeout time.Duration
	// MaxPerConnection bounds the subscriptions open on one connection
	// (LIMIT_EXCEEDED beyond). Default 20.
	MaxPerConnection int
	// Done, when set, closes every WebSocket connection once it is closed
	// (server shutdown: hijacked connections are not tracked by
	// http.Server).
	Done <-chan struct{}
}

func (o WebSocketOptions) withDefaults() WebSocketOptions {
	if o.PingInterval <= 0 {
		o.PingInterval = 15 * time.Second
	}
	if o.InitTimeout <= 0 {
		o.InitTimeout = 10 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.MaxPerConnection <= 0 {
		o.MaxPerConnection = 20
	}
	return o
}

// wsConn is one WebSocket connection's state, in its context.
type wsConn struct {
	active    atomic.Int32
	max       int32
	viewerKey string  // the login, or "addr:<ip>" when anonymous
	link      *wsLink // nil outside NewHandler's WebSocket requests
}

// wsLink ties gqlgen's handling of a connection to its socket, so that a
// subscription can write its events' frames itself (one shared payload
// for many subscribers, fanout.go) instead of through gqlgen's per-response
// encoding: the socket, set on accept, and the operation id of each
// subscription being started. gqlgen does not tell a resolver its
// operation's id, so the socket notes the id of each subscribe message it
// reads, and wsOperationIDs — which runs on the same goroutine right
// after, while the operation context is created — files it under that
// context.
type wsLink struct {
	conn atomic.Pointer[timedConn]

	mu      sync.Mutex
	pending string // id of the subscribe message read last
	ids     map[*graphql.OperationContext]string
}

type wsLinkKey struct{}

func wsLinkFrom(ctx context.Context) *wsLink {
	l, _ := ctx.Value(wsLinkKey{}).(*wsLink)
	return l
}

// maxPendingIDs bounds the ids of operations that were filed but never
// reached their resolver (refused by a limit): forgotten beyond it.
const maxPendingIDs = 64

// operation returns the id of operation oc and the socket, and false when
// they are unknown.
func (l *wsLink) operation(oc *graphql.OperationContext) (string, *timedConn, bool) {
	if l == nil {
		return "", nil, false
	}
	l.mu.Lock()
	id, ok := l.ids[oc]
	delete(l.ids, oc)
	l.mu.Unlock()
	c := l.conn.Load()
	return id, c, ok && c != nil
}

// wsOperationIDs files the id of the subscribe message being handled
// under its operation context.
type wsOperationIDs struct{}

func (wsOperationIDs) ExtensionName() string                   { return "WebSocketOperationIDs" }
func (wsOperationIDs) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext files the pending id, if any, under oc.
func (wsOperationIDs) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	l := wsLinkFrom(ctx)
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == "" {
		return nil
	}
	if l.ids == nil || len(l.ids) >= maxPendingIDs {
		l.ids = map[*graphql.OperationContext]string{}
	}
	l.ids[oc] = l.pending
	l.pending = ""
	return nil
}

type wsConnKey struct{}

func wsConnFrom(ctx context.Context) *wsConn {
	c, _ := ctx.Value(wsConnKey{}).(*wsConn)
	return c
}

// websocketTransport returns the configured transport.
// onTimeout (may be nil) is called when a write times out.
func websocketTransport(opts WebSocketOptions, authn *auth.Authenticator, onTimeout func()) transport.Websocket {
	return transport.Websocket{
		Implementation: timedImplementation{
			accept:    coderws.AcceptOptions{OriginPatterns: opts.AllowedOrigins},
			timeout:   opts.WriteTimeout,
			onTimeout: onTimeout,
		},
		InitFunc:              initFunc(opts, authn),
		InitTimeout:           opts.InitTimeout,
		PingPongInterval:      opts.PingInterval,
		KeepAlivePingInterval: opts.PingInterval, // the older graphql-ws protocol's "ka"
	}
}

// initFunc authenticates connection_init and sets up the connection state.
func initFunc(opts WebSocketOptions, authn *auth.Authenticator) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		if h := p.Authorization(); h != "" {
			refuse := func(code int, msg string) (context.Context, *transport.InitPayload, error) {
				ctx = transport.WithWebsocketCloseCode(ctx, code)
				ctx = transport.AppendCloseReason(ctx, msg)
				return ctx, nil, errors.New(msg)
			}
			if authn == nil {
				return refuse(closeUnauthorized, "authentication is not configured")
			}
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok || token == "" {
				return refuse(closeUnauthorized, `Authorization must be "Bearer <token>"`)
			}
			v, err := authn.Authenticate(ctx, strings.TrimSpace(token))
			if err != nil {
				msg := "invalid token"
				var ae *auth.Error
				if errors.As(err, &ae) {
					msg = ae.Message
				}
				return refuse(closeUnauthorized, "unauthenticated: "+msg)
			}
			if prev, ok := auth.ViewerFrom(ctx); ok && prev.Login != v.Login {
				return refuse(closeForbidden, "forbidden: the connection_init token names another login than the Authorization header")
			}
			ctx = auth.WithViewer(ctx, v)
		}
		c := &wsConn{max: int32(opts.MaxPerConnection), link: wsLinkFrom(ctx)}
		if v, ok := auth.ViewerFrom(ctx); ok {
			c.viewerKey = v.Login
		} else {
			c.viewerKey = "addr:" + remoteHost(ctx)
		}
		return context.WithValue(ctx, wsConnKey{}, c), nil, nil
	}
}

type remoteAddrKey struct{}

// remoteHost returns the client address recorded by withWebSocketContext.
func remoteHost(ctx context.Context) string {
	a, _ := ctx.Value(remoteAddrKey{}).(string)
	if h, _, err := net.SplitHostPort(a); err == nil {
		return h
	}
	return a
}

// withWebSocketContext prepares an upgrade request: its context records
// the client's address (anonymous subscribers are counted by it) and ends
// when done is closed, which closes the connection.
func withWebSocketContext(r *http.Request, done <-chan struct{}) (*http.Request, func()) {
	ctx := context.WithValue(r.Context(), remoteAddrKey{}, r.RemoteAddr)
	ctx = context.WithValue(ctx, wsLinkKey{}, &wsLink{})
	ctx, cancel := context.WithCancel(ctx)
	if done != nil {
		go func() {
			select {
			case <-done:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return r.WithContext(ctx), cancel
}

// timedImplementation accepts connections with the inner implementation
// and bounds every write: a client that stops reading is disconnected
// instead of holding its writer (and the subscription feeding it) for
// ever. It also clears the deadlines http.Server left on the hijacked
// connection, which would otherwise cut it after the request timeouts.
type timedImplementation struct {
	accept    coderws.AcceptOptions
	timeout   time.Duration
	onTimeout func()
}

func (t timedImplementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := acceptCoder(clearingHijacker{w}, r, o, t.accept)
	if err != nil {
		return nil, err
	}
	tc := &timedConn{WebsocketConn: c, raw: c, timeout: t.timeout, onTimeout: t.onTimeout, link: wsLinkFrom(r.Context())}
	if tc.link != nil {
		tc.link.conn.Store(tc)
	}
	tc.watchMu.Lock()
	tc.watch = time.AfterFunc(tc.timeout/watchChecks, tc.check)
	tc.watchMu.Unlock()
	// The request's context lives as long as the connection (gqlgen
	// serves it inside the handler).
	context.AfterFunc(r.Context(), func() { tc.stopWatch() })
	return tc, nil
}

// clearingHijacker hijacks through to the server's connection and clears
// its deadlines.
type clearingHijacker struct{ http.ResponseWriter }

func (h clearingHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err == nil {
		_ = c.SetDeadline(time.Time{})
	}
	return c, rw, err
}

// timedConn closes the connection when a write takes longer than timeout.
// A watchdog checks watchChecks times per timeout whether a write has been
// pending without progress (no write completing) for the timeout: cheaper
// than a timer per write, which profiling showed at ~1 µs of every
// subscription frame's ~8.
type timedConn struct {
	transport.WebsocketConn
	raw       *coderConn
	timeout   time.Duration
	onTimeout func()
	timedOut  atomic.Bool
	link      *wsLink // nil: no operation ids are noted

	writing  atomic.Int32 // writes in progress (they queue in coder/websocket)
	progress atomic.Int64 // when a write last completed, or began on an idle connection (UnixNano)
	watchMu  sync.Mutex
	watch    *time.Timer // nil once stopped
}

// watchChecks is how many times per timeout the watchdog looks: a stuck
// write is cut after between 1 and 1+1/watchChecks timeouts.
const watchChecks = 4

// NextReader notes the id of a subscribe message for wsOperationIDs.
func (c *timedConn) NextReader() (int, io.Reader, error) {
	t, r, err := c.WebsocketConn.NextReader()
	if err != nil || c.link == nil {
		return t, r, err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return t, nil, err
	}
	var m struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if json.Unmarshal(b, &m) == nil && (m.Type == "subscribe" || m.Type == "start") {
		c.link.mu.Lock()
		c.link.pending = m.ID
		c.link.mu.Unlock()
	}
	return t, bytes.NewReader(b), nil
}

// framePrefix returns the start of the frames that carry operation id's
// responses: "next" messages in graphql-transport-ws, "data" in the older
// graphql-ws; a frame is the prefix, the encoded response and "}".
func (c *timedConn) framePrefix(id string) []byte {
	typ := "next"
	if c.Subprotocol() != "graphql-transport-ws" {
		typ = "data"
	}
	quoted, _ := json.Marshal(id) // a string always encodes
	return []byte(`{"id":` + string(quoted) + `,"type":"` + typ + `","payload":`)
}

func (c *timedConn) WriteJSON(v any) error {
	return c.timed(func() error { return c.WebsocketConn.WriteJSON(v) })
}

// writeFrame sends frame, a protocol message encoded already.
func (c *timedConn) writeFrame(frame []byte) error {
	return c.timed(func() error { return c.raw.writeRaw(frame) })
}

// timed runs write under the watchdog.
func (c *timedConn) timed(write func() error) error {
	if c.writing.Add(1) == 1 {
		c.progress.Store(time.Now().UnixNano())
	}
	err := write()
	c.progress.Store(time.Now().UnixNano())
	c.writing.Add(-1)
	return err
}

// check is the watchdog: it closes the connection when a write has been
// pending for the timeout without any completing, and looks again later
// otherwise.
func (c *timedConn) check() {
	if c.writing.Load() > 0 && time.Since(time.Unix(0, c.progress.Load())) >= c.timeout {
		if c.timedOut.CompareAndSwap(false, true) && c.onTimeout != nil {
			c.onTimeout()
		}
		c.stopWatch()
		_ = c.WebsocketConn.Close()
		return
	}
	c.watchMu.Lock()
	defer c.watchMu.Unlock()
	if c.watch != nil {
		c.watch.Reset(c.timeout / watchChecks)
	}
}

// stopWatch ends the watchdog.
func (c *timedConn) stopWatch() {
	c.watchMu.Lock()
	defer c.watchMu.Unlock()
	if c.watch != nil {
		c.watch.Stop()
		c.watch = nil
	}
}

// Close ends the watchdog and closes the connection.
func (c *timedConn) Close() error {
	c.stopWatch()
	return c.WebsocketConn.Close()
}

// SetReadLimit passes the read limit through.
func (c *timedConn) SetReadLimit(n int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(n)
	}
}

// SetReadDeadline passes the pong deadline through.
func (c *timedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}
