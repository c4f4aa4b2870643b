package testkit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// WS is a minimal graphql-transport-ws client (the graphql-ws library's
// protocol) over a real WebSocket, for tests: it answers the server's
// pings and hands every other message to the test.
type WS struct {
	Conn *websocket.Conn
}

// WSMessage is one protocol message.
type WSMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// DialWS opens a WebSocket to baseURL's /graphql (http → ws) with header
// (nil: none) and sends connection_init with initPayload (nil: none). It
// returns the connection once the server acknowledged, or the error,
// including a close with its code (websocket.CloseStatus).
func DialWS(ctx context.Context, baseURL string, header http.Header, initPayload map[string]any) (*WS, error) {
	return DialWSWith(ctx, nil, baseURL, header, initPayload)
}

// DialWSWith is DialWS with an HTTP client (nil: the default), e.g. one
// whose sockets have a small receive buffer.
func DialWSWith(ctx context.Context, hc *http.Client, baseURL string, header http.Header, initPayload map[string]any) (*WS, error) {
	u := "ws" + strings.TrimPrefix(baseURL, "http") + "/graphql"
	c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: hc, HTTPHeader: header, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(16 << 20)
	ws := &WS{Conn: c}
	init := map[string]any{"type": "connection_init"}
	if initPayload != nil {
		init["payload"] = initPayload
	}
	if err := ws.send(ctx, init); err != nil {
		c.CloseNow()
		return nil, err
	}
	m, err := ws.Next(ctx)
	if err != nil {
		c.CloseNow()
		return nil, err
	}
	if m.Type != "connection_ack" {
		c.CloseNow()
		return nil, fmt.Errorf("testkit: expected connection_ack, got %s %s", m.Type, m.Payload)
	}
	return ws, nil
}

func (w *WS) send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.Conn.Write(ctx, websocket.MessageText, b)
}

// Subscribe starts operation id.
func (w *WS) Subscribe(ctx context.Context, id, query string, vars map[string]any) error {
	return w.send(ctx, map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{"query": query, "variables": vars}})
}

// Complete stops operation id.
func (w *WS) Complete(ctx context.Context, id string) error {
	return w.send(ctx, map[string]any{"type": "complete", "id": id})
}

// Next returns the next message other than ping/pong (pings are answered).
func (w *WS) Next(ctx context.Context) (WSMessage, error) {
	for {
		_, b, err := w.Conn.Read(ctx)
		if err != nil {
			return WSMessage{}, err
		}
		var m WSMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return WSMessage{}, fmt.Errorf("testkit: bad message %q: %w", b, err)
		}
		switch m.Type {
		case "ping":
			if err := w.send(ctx, map[string]any{"type": "pong"}); err != nil {
				return WSMessage{}, err
			}
			continue
		case "pong", "ka":
			continue
		}
		return m, nil
	}
}

// NextWithin is Next bounded by d.
func (w *WS) NextWithin(d time.Duration) (WSMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return w.Next(ctx)
}

// Close closes the connection normally.
func (w *WS) Close() { _ = w.Conn.Close(websocket.StatusNormalClosure, "") }

// Data decodes a "next" message's payload: data into v, and returns the
// response's errors and extensions.
func (m WSMessage) Data(v any) (errs []Error, ext map[string]any, err error) {
	var resp struct {
		Data       json.RawMessage `json:"data"`
		Errors     []Error         `json:"errors"`
		Extensions map[string]any  `json:"extensions"`
	}
	if err := json.Unmarshal(m.Payload, &resp); err != nil {
		return nil, nil, err
	}
	if v != nil && len(resp.Data) > 0 && string(resp.Data) != "null" {
		if err := json.Unmarshal(resp.Data, v); err != nil {
			return nil, nil, err
		}
	}
	return resp.Errors, resp.Extensions, nil
}

// Errors decodes an "error" message's payload.
func (m WSMessage) Errors() []Error {
	var errs []Error
	_ = json.Unmarshal(m.Payload, &errs)
	return errs
}
