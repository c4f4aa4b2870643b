package main

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/hubstream/hubstream/internal/obs"
)

// maxOperations bounds the route label: the target header is the
// client's to choose (an unknown one is answered UnknownOperation).
const maxOperations = 64

// handler serves the engine, and the process's metrics on GET
// metricsPath (empty: none). Every request is logged at debug level (an
// engine serves thousands a second) and counted by DynamoDB operation,
// the route label of hubstream_http_request_duration_seconds.
func handler(engine http.Handler, metricsPath string, logger *slog.Logger) http.Handler {
	reg := obs.NewRegistry()
	ops := obs.NewLabelLimiter(maxOperations, operationName)
	mux := http.NewServeMux()
	mux.Handle("/", engine)
	if metricsPath != "" {
		mux.Handle("GET "+metricsPath, obs.MetricsHandler(reg))
	}
	return obs.Middleware(mux, obs.HTTPOptions{
		Logger:  logger,
		Metrics: obs.NewHTTPMetrics(reg),
		Quiet:   func(*http.Request) bool { return true },
		Route: func(r *http.Request) string {
			if metricsPath != "" && r.Pattern == "GET "+metricsPath {
				return r.Pattern
			}
			target := r.Header.Get("X-Amz-Target")
			if i := strings.LastIndexByte(target, '.'); i >= 0 {
				return ops.Value(target[i+1:])
			}
			return obs.Other
		},
	})
}

// operationName reports whether s looks like a DynamoDB operation name.
func operationName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}
