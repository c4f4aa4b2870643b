package obs

import (
	"context"
	"crypto/rand"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// RequestIDHeader carries a request's id: taken from the client (or a
// proxy in front) when it is well formed, generated otherwise, and echoed
// in the response.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an id taken from a client: it goes into every log
// line of the request.
const maxRequestIDLen = 128

// RequestID is the identifier of one HTTP request, as logged and echoed.
type RequestID string

// NewRequestID returns a random id (26 base32 characters, 130 bits).
func NewRequestID() RequestID { return RequestID(rand.Text()) }

// ParseRequestID returns s as a request id if it is 1 to 128 characters
// of letters, digits and ._:+/=- (what tracing systems and proxies send),
// and false otherwise: anything else could forge or garble log lines.
func ParseRequestID(s string) (RequestID, bool) {
	if s == "" || len(s) > maxRequestIDLen {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == ':' || c == '+' || c == '/' || c == '=' || c == '-'
		if !ok {
			return "", false
		}
	}
	return RequestID(s), true
}

// Request is what the access log and the request metrics say about one
// HTTP request. The middleware creates it; the layers below fill in what
// only they know (the GraphQL operation, the viewer, error codes). Its
// methods are safe for concurrent use and do nothing on a nil *Request, so
// handlers served without the middleware (tests) need no checks.
type Request struct {
	ID    RequestID
	Start time.Time

	mu        sync.Mutex
	operation string
	opType    string
	viewer    string
	codes     []string
}

// RequestInfo is a snapshot of a Request's annotations.
type RequestInfo struct {
	// Operation is the GraphQL operation's name ("" when anonymous).
	Operation string
	// OperationType is query, mutation or subscription ("" when the
	// request was no GraphQL operation, or not a valid one).
	OperationType string
	// Viewer is the authenticated login ("" when anonymous).
	Viewer string
	// ErrorCodes are the extensions.code of every error in the response,
	// in order.
	ErrorCodes []string
}

// SetOperation records the GraphQL operation the request ran.
func (r *Request) SetOperation(name, typ string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.operation, r.opType = name, typ
	r.mu.Unlock()
}

// SetViewer records the authenticated login.
func (r *Request) SetViewer(login string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.viewer = login
	r.mu.Unlock()
}

// AddErrorCodes records the codes of errors sent to the client.
func (r *Request) AddErrorCodes(codes ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.codes = append(r.codes, codes...)
	r.mu.Unlock()
}

// Info returns a snapshot of the annotations (zero for a nil Request).
func (r *Request) Info() RequestInfo {
	if r == nil {
		return RequestInfo{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return RequestInfo{Operation: r.operation, OperationType: r.opType, Viewer: r.viewer, ErrorCodes: slices.Clone(r.codes)}
}

type requestKey struct{}
type loggerKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request record of ctx, or nil.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// WithLogger returns ctx carrying l, the logger of the work ctx belongs to
// (a request's carries its id).
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// LoggerFrom returns the logger of ctx; without one, slog's default
// logger, so that an error is never dropped for want of a logger.
func LoggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}
