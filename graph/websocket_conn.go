package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
)

// coderConn is a coder/websocket connection as gqlgen's WebSocket
// transport drives it, with one addition: writeRaw sends a frame encoded
// already. gqlgen's own adapter (transport.CoderWebsocketImplementation)
// takes only values to JSON-encode, and encoding/json re-validates even a
// json.Marshaler's bytes: profiled at 1,000 subscribers, that re-encoding
// of every shared subscription frame was about a fifth of a delivery's
// CPU. The rest follows gqlgen's adapter: a normal close by the peer
// reads as transport.ErrWebsocketClosed, the close handshake runs in the
// background (it waits for the peer), and a read deadline closes the
// connection when it passes.
type coderConn struct {
	c *coderws.Conn

	mu           sync.Mutex
	readDeadline *time.Timer
	closing      bool // the close handshake started: it closes the connection
}

// acceptCoder upgrades the request with base's options and gqlgen's
// subprotocols and response headers.
func acceptCoder(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions, base coderws.AcceptOptions) (*coderConn, error) {
	for k, vs := range o.ResponseHeader {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	opts := base
	opts.Subprotocols = slices.Clone(base.Subprotocols)
	for _, p := range o.Subprotocols {
		if !slices.Contains(opts.Subprotocols, p) {
			opts.Subprotocols = append(opts.Subprotocols, p)
		}
	}
	c, err := coderws.Accept(w, r, &opts)
	if err != nil {
		return nil, err
	}
	return &coderConn{c: c}, nil
}

func (c *coderConn) NextReader() (int, io.Reader, error) {
	t, b, err := c.c.Read(context.Background())
	if err != nil {
		switch coderws.CloseStatus(err) {
		case coderws.StatusNormalClosure, coderws.StatusNoStatusRcvd:
			return int(t), nil, transport.ErrWebsocketClosed
		}
		return int(t), nil, err
	}
	return int(t), bytes.NewReader(b), nil
}

func (c *coderConn) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.writeRaw(b)
}

// writeRaw sends b, a JSON text, as one text message.
func (c *coderConn) writeRaw(b []byte) error {
	return c.c.Write(context.Background(), coderws.MessageText, b)
}

func (c *coderConn) WriteClose(code int, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopReadDeadlineLocked()
	if c.closing {
		return nil
	}
	c.closing = true
	go func() { _ = c.c.Close(coderws.StatusCode(code), reason) }()
	return nil
}

func (c *coderConn) Close() error {
	c.mu.Lock()
	c.stopReadDeadlineLocked()
	closing := c.closing
	c.mu.Unlock()
	if closing {
		return nil // the handshake's goroutine closes it
	}
	return c.c.CloseNow()
}

func (c *coderConn) Subprotocol() string { return c.c.Subprotocol() }

func (c *coderConn) SetReadLimit(n int64) { c.c.SetReadLimit(n) }

func (c *coderConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.stopReadDeadlineLocked()
	if t.IsZero() {
		c.mu.Unlock()
		return nil
	}
	d := time.Until(t)
	if d > 0 {
		c.readDeadline = time.AfterFunc(d, func() { _ = c.c.CloseNow() })
	}
	c.mu.Unlock()
	if d <= 0 {
		return c.c.CloseNow()
	}
	return nil
}

func (c *coderConn) stopReadDeadlineLocked() {
	if c.readDeadline != nil {
		c.readDeadline.Stop()
		c.readDeadline = nil
	}
}
