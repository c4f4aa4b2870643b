package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// Client is a minimal GraphQL-over-HTTP client.
type Client struct {
	URL  string
	HTTP *http.Client
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	Token string
	// Headers are sent with every request.
	Headers http.Header
}

// WithURL returns a copy of c that posts to url.
func (c *Client) WithURL(url string) *Client {
	cc := *c
	cc.URL = url
	return &cc
}

// WithToken returns a copy of c that sends token.
func (c *Client) WithToken(token string) *Client {
	cc := *c
	cc.Token = token
	return &cc
}

// WithHeader returns a copy of c that also sends the header name: value.
func (c *Client) WithHeader(name, value string) *Client {
	cc := *c
	cc.Headers = c.Headers.Clone()
	if cc.Headers == nil {
		cc.Headers = http.Header{}
	}
	cc.Headers.Set(name, value)
	return &cc
}

// NewClient returns a client posting to url with hc (http.DefaultClient
// when nil).
func NewClient(url string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{URL: url, HTTP: hc}
}

// Error is one GraphQL error as a client sees it.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// Code returns extensions.code, or "".
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Field returns extensions.field, or "".
func (e Error) Field() string { s, _ := e.Extensions["field"].(string); return s }

// Response is a GraphQL response with its HTTP status and raw body.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Data is the raw "data" member (null or absent: empty or "null").
	Data       json.RawMessage `json:"data"`
	Errors     []Error         `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
}

// Code returns the first error's extensions.code, or "".
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Code()
}

// Decode unmarshals Data into v.
func (r *Response) Decode(v any) error {
	if len(r.Data) == 0 || string(r.Data) == "null" {
		return fmt.Errorf("no data in response (status %d): %s", r.Status, r.Body)
	}
	return json.Unmarshal(r.Data, v)
}

// Request is the JSON body of a GraphQL POST.
type Request struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName,omitempty"`
	Variables     map[string]any `json:"variables,omitempty"`
}

// Do posts query with variables and decodes the response. Only transport
// failures and bodies that are not JSON are errors; GraphQL errors are in
// Response.Errors.
func (c *Client) Do(ctx context.Context, query string, vars map[string]any) (*Response, error) {
	body, err := json.Marshal(Request{Query: query, Variables: vars})
	if err != nil {
		return nil, err
	}
	return c.Post(ctx, "application/json", body)
}

// Post sends body as is with the given content type.
func (c *Client) Post(ctx context.Context, contentType string, body []byte) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.send(req)
}

// Get sends a GET with the given raw query string (without "?").
func (c *Client) Get(ctx context.Context, rawQuery string) (*Response, error) {
	u := c.URL
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return c.send(req)
}

func (c *Client) send(req *http.Request) (*Response, error) {
	req.Header.Set("Accept", "application/json")
	for name, values := range c.Headers {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	out := &Response{Status: res.StatusCode, Header: res.Header, Body: raw}
	if err := json.Unmarshal(raw, out); err != nil {
		return out, fmt.Errorf("response (status %d) is not JSON: %v: %q", res.StatusCode, err, truncate(raw, 300))
	}
	return out, nil
}

// MustDo is Do for tests: a transport failure fails the test.
func (c *Client) MustDo(tb testing.TB, query string, vars map[string]any) *Response {
	tb.Helper()
	res, err := c.Do(context.Background(), query, vars)
	if err != nil {
		tb.Fatalf("graphql: %v", err)
	}
	return res
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
