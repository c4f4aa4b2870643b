package obs

import (
	"net"
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every hubstream metric.
const Namespace = "hubstream"

// NewRegistry returns a Prometheus registry with the Go runtime and
// process collectors: one per process, which every component registers
// with and /metrics serves. (Not the client library's global registry: two
// apps in one test process must not collide.)
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// MetricsHandler serves g in the Prometheus text format.
func MetricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// ListenMetrics listens on addr, a metrics listener's address. When addr
// is not explicit (a binary's default) and its port is taken — another
// server or projector on this host — it tries the next nine ports, then
// any free one on the same host, so that several processes on one host
// start without a clash (each logs the address it got). An explicit
// address that cannot be bound is an error.
func ListenMetrics(addr string, explicit bool) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil || explicit {
		return ln, err
	}
	host, portText, splitErr := net.SplitHostPort(addr)
	port, convErr := strconv.Atoi(portText)
	if splitErr != nil || convErr != nil {
		return nil, err
	}
	for p := port + 1; p <= port+9; p++ {
		if ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p))); err == nil {
			return ln, nil
		}
	}
	return net.Listen("tcp", net.JoinHostPort(host, "0"))
}

// LatencyBuckets are the histogram buckets, in seconds, of request
// durations: from a millisecond (a cached read) to a minute (the longest
// a request may take).
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Other is the label value that stands for every value beyond a
// LabelLimiter's bound.
const Other = "other"

// LabelLimiter bounds the distinct values of a label whose values come
// from outside (GraphQL operation names chosen by clients, error codes
// sent by an endpoint): the first Max distinct values that pass Valid are
// kept, anything else becomes Other, so no client can grow the metrics
// without bound. It is safe for concurrent use.
type LabelLimiter struct {
	max   int
	valid func(string) bool
	mu    sync.RWMutex
	seen  map[string]struct{}
}

// NewLabelLimiter returns a limiter keeping max values that valid accepts
// (nil: any value of at most 64 bytes).
func NewLabelLimiter(max int, valid func(string) bool) *LabelLimiter {
	if valid == nil {
		valid = func(s string) bool { return len(s) <= 64 }
	}
	return &LabelLimiter{max: max, valid: valid, seen: map[string]struct{}{}}
}

// Value returns v if it is kept, else Other.
func (l *LabelLimiter) Value(v string) string {
	l.mu.RLock()
	_, ok := l.seen[v]
	l.mu.RUnlock()
	if ok {
		return v
	}
	if !l.valid(v) {
		return Other
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen[v]; ok {
		return v
	}
	if len(l.seen) >= l.max {
		return Other
	}
	l.seen[v] = struct{}{}
	return v
}

// HTTPMetrics are the metrics of an HTTP server.
type HTTPMetrics struct {
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewHTTPMetrics creates the HTTP metrics and registers them with reg:
// hubstream_http_request_duration_seconds{route,method,code} (its _count
// is the number of requests) and hubstream_http_requests_in_flight.
func NewHTTPMetrics(reg prometheus.Registerer) *HTTPMetrics {
	m := &HTTPMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP requests by route (the server's URL pattern), method and status code, and how long they took.",
			Buckets: LatencyBuckets,
		}, []string{"route", "method", "code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being served (shutdown waits for them).",
		}),
	}
	reg.MustRegister(m.duration, m.inFlight)
	return m
}

// method bounds the method label to the standard methods.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return Other
}
