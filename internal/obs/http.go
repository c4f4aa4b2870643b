package obs

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// HTTPOptions configure Middleware. Zero fields take the documented
// defaults.
type HTTPOptions struct {
	// Logger receives the access log, one record per request, and is put
	// in the request's context with its id (LoggerFrom). Default: Discard.
	Logger *slog.Logger
	// Metrics records every request. Default: none.
	Metrics *HTTPMetrics
	// Quiet reports requests whose access log line is written at debug
	// level instead of info: health checks, probed every few seconds,
	// would drown everything else. Default: none.
	Quiet func(*http.Request) bool
	// Route names a request's route for the log and the metrics, after
	// it was served. Default: the pattern of the http.ServeMux that served
	// it (Request.Pattern), else "other" — a bounded set either way.
	Route func(*http.Request) string
	// Annotate adds attributes of its own to the access log line, after
	// the request was served (the DynamoDB operation of an engine
	// request). Default: none.
	Annotate func(*http.Request) []slog.Attr
	// TrustedProxies are the peers whose X-Forwarded-For the access log
	// believes (client.go): a request from one of them is logged with the
	// client_ip it forwarded for. Default: none — only remote_addr, the
	// TCP peer, is logged.
	TrustedProxies []netip.Prefix
}

// Middleware gives every request an id (the client's X-Request-Id when
// well formed, else a new one; echoed in the response), a Request record
// and a logger carrying the id in its context, then serves it with next
// and writes one access log line — request id, method, route, status,
// duration, bytes, the client's address (remote_addr; client_ip behind a
// trusted proxy), and what the layers below recorded: GraphQL operation
// and type, viewer, error codes — and records the HTTP metrics.
func Middleware(next http.Handler, o HTTPOptions) http.Handler {
	if o.Logger == nil {
		o.Logger = Discard()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id, ok := ParseRequestID(r.Header.Get(RequestIDHeader))
		if !ok {
			id = NewRequestID()
		}
		w.Header().Set(RequestIDHeader, string(id))
		rec := &Request{ID: id, Start: start}
		log := o.Logger.With(slog.String("request_id", string(id)))
		ctx := WithLogger(WithRequest(r.Context(), rec), log)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		if o.Metrics != nil {
			o.Metrics.inFlight.Inc()
			defer o.Metrics.inFlight.Dec()
		}
		next.ServeHTTP(sw, r)
		took := time.Since(start)
		status := sw.status
		if status == 0 {
			status = http.StatusOK // nothing written: net/http sends 200
		}
		route := Other
		if o.Route != nil {
			route = o.Route(r)
		} else if r.Pattern != "" {
			route = r.Pattern
		}
		if o.Metrics != nil {
			o.Metrics.duration.WithLabelValues(route, method(r.Method), strconv.Itoa(status)).Observe(took.Seconds())
		}
		level := slog.LevelInfo
		if o.Quiet != nil && o.Quiet(r) {
			level = slog.LevelDebug
		}
		if !log.Enabled(ctx, level) {
			return
		}
		info := rec.Info()
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("duration", took),
			slog.Int64("bytes", sw.bytes),
			slog.String("remote_addr", r.RemoteAddr),
		}
		if c := forwardedClient(r, o.TrustedProxies); c != "" {
			attrs = append(attrs, slog.String("client_ip", c))
		}
		if info.Operation != "" {
			attrs = append(attrs, slog.String("operation", truncate(info.Operation, 100)))
		}
		if info.OperationType != "" {
			attrs = append(attrs, slog.String("operation_type", info.OperationType))
		}
		if info.Viewer != "" {
			attrs = append(attrs, slog.String("viewer", info.Viewer))
		}
		if len(info.ErrorCodes) > 0 {
			attrs = append(attrs, slog.Any("error_codes", info.ErrorCodes))
		}
		if o.Annotate != nil {
			attrs = append(attrs, o.Annotate(r)...)
		}
		log.LogAttrs(context.WithoutCancel(ctx), level, "http request", attrs...)
	})
}

// truncate cuts s to at most n bytes (client-chosen text in a log line).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// statusWriter records the status and size of a response. It passes
// Flush and Hijack through (streaming responses, WebSocket upgrades) and
// unwraps for http.ResponseController.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(p)
	s.bytes += int64(n)
	return n, err
}

func (s *statusWriter) Flush() { _ = http.NewResponseController(s.ResponseWriter).Flush() }

func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err == nil && s.status == 0 {
		s.status = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
