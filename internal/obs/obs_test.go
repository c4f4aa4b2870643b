package obs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/obs/obstest"
)

func TestParseRequestID(t *testing.T) {
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"a UUID", "0b7c3a4e-96a4-4b8e-9b1f-3d7f9d6e2a11", true},
		{"an AWS trace id", "Root=1-5759e988-bd862e3fe1be46a994272793", true},
		{"base64", "aGVsbG8+/w==", true},
		{"empty", "", false},
		{"a new line (forged log lines)", "abc\nlevel=ERROR", false},
		{"spaces", "a b", false},
		{"quotes", `a"b`, false},
		{"non-ASCII", "é", false},
		{"too long", strings.Repeat("a", 129), false},
		{"the longest", strings.Repeat("a", 128), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, ok := obs.ParseRequestID(tc.in)
			if ok != tc.ok || (ok && string(id) != tc.in) {
				t.Errorf("ParseRequestID(%q) = %q, %v; want ok=%v", tc.in, id, ok, tc.ok)
			}
		})
	}
	if a, b := obs.NewRequestID(), obs.NewRequestID(); a == b || len(a) < 20 {
		t.Errorf("NewRequestID gave %q and %q", a, b)
	} else if _, ok := obs.ParseRequestID(string(a)); !ok {
		t.Errorf("a generated id %q does not parse", a)
	}
}

func TestLabelLimiter(t *testing.T) {
	l := obs.NewLabelLimiter(2, nil)
	steps := []struct{ in, want string }{
		{"a", "a"}, {"b", "b"}, {"c", obs.Other}, {"a", "a"}, {strings.Repeat("x", 65), obs.Other},
	}
	for i, s := range steps {
		if got := l.Value(s.in); got != s.want {
			t.Errorf("step %d: Value(%q) = %q, want %q", i, s.in, got, s.want)
		}
	}
}

// accessLine serves one request through Middleware with a JSON logger and
// returns the recorder and the decoded log line.
func accessLine(t *testing.T, o obs.HTTPOptions, h http.Handler, req *http.Request) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	if o.Logger == nil {
		o.Logger = obs.NewLogger(&buf, obs.LogOptions{Format: obs.FormatJSON, Level: slog.LevelDebug})
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", h)
	mux.Handle("GET /healthz", h)
	rec := httptest.NewRecorder()
	obs.Middleware(mux, o).ServeHTTP(rec, req)
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "http request" {
			if line != nil {
				t.Fatalf("two access log lines: %s", buf.String())
			}
			line = m
		}
	}
	if line == nil {
		t.Fatalf("no access log line: %q", buf.String())
	}
	return rec, line
}

func TestMiddleware(t *testing.T) {
	annotated := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := obs.RequestFrom(r.Context())
		rec.SetOperation("GetUser", "query")
		rec.SetViewer("ada")
		rec.AddErrorCodes("NOT_FOUND")
		obs.LoggerFrom(r.Context()).Info("inside")
		w.WriteHeader(http.StatusTeapot)
		fmt.Fprint(w, "hello")
	})
	t.Run("the client's request id is kept and echoed", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.Header.Set(obs.RequestIDHeader, "abc-123")
		var buf bytes.Buffer
		logger := obs.NewLogger(&buf, obs.LogOptions{Format: obs.FormatJSON})
		rec := httptest.NewRecorder()
		mux := http.NewServeMux()
		mux.Handle("/graphql", annotated)
		obs.Middleware(mux, obs.HTTPOptions{Logger: logger}).ServeHTTP(rec, req)
		if got := rec.Header().Get(obs.RequestIDHeader); got != "abc-123" {
			t.Errorf("echoed id %q", got)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 2 {
			t.Fatalf("want the handler's line and the access line, got %q", buf.String())
		}
		for _, l := range lines {
			if !strings.Contains(l, `"request_id":"abc-123"`) {
				t.Errorf("line without the request id: %s", l)
			}
		}
		var line map[string]any
		_ = json.Unmarshal([]byte(lines[1]), &line)
		want := map[string]any{"msg": "http request", "method": "POST", "route": "/graphql", "status": 418.0, "bytes": 5.0,
			"operation": "GetUser", "operation_type": "query", "viewer": "ada", "level": "INFO"}
		for k, v := range want {
			if line[k] != v {
				t.Errorf("%s = %v, want %v (line %s)", k, line[k], v, lines[1])
			}
		}
		if codes, _ := line["error_codes"].([]any); len(codes) != 1 || codes[0] != "NOT_FOUND" {
			t.Errorf("error_codes = %v", line["error_codes"])
		}
		if _, ok := line["duration"]; !ok {
			t.Error("no duration")
		}
	})
	t.Run("a malformed request id is replaced", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.Header.Set(obs.RequestIDHeader, "bad id\n")
		rec, line := accessLine(t, obs.HTTPOptions{}, annotated, req)
		got := rec.Header().Get(obs.RequestIDHeader)
		if _, ok := obs.ParseRequestID(got); !ok || got == "bad id\n" || line["request_id"] != got {
			t.Errorf("echoed %q, logged %v", got, line["request_id"])
		}
	})
	t.Run("a quiet route logs at debug", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		_, line := accessLine(t, obs.HTTPOptions{Quiet: func(r *http.Request) bool { return r.URL.Path == "/healthz" }},
			http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), req)
		if line["level"] != "DEBUG" || line["route"] != "GET /healthz" || line["status"] != 200.0 {
			t.Errorf("line %v", line)
		}
		if _, ok := line["operation"]; ok {
			t.Errorf("a request without an operation logs one: %v", line)
		}
	})
	t.Run("an unrouted path is other", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/no/such/path", nil)
		_, line := accessLine(t, obs.HTTPOptions{}, annotated, req)
		if line["route"] != obs.Other || line["status"] != 404.0 {
			t.Errorf("line %v", line)
		}
	})
	t.Run("metrics by route, method and code", func(t *testing.T) {
		reg := prometheus.NewPedanticRegistry()
		m := obs.NewHTTPMetrics(reg)
		for range 3 {
			accessLine(t, obs.HTTPOptions{Metrics: m}, annotated, httptest.NewRequest(http.MethodPost, "/graphql", nil))
		}
		accessLine(t, obs.HTTPOptions{Metrics: m}, annotated, httptest.NewRequest("BREW", "/graphql", nil))
		want := `
# HELP hubstream_http_requests_in_flight HTTP requests being served (shutdown waits for them).
# TYPE hubstream_http_requests_in_flight gauge
hubstream_http_requests_in_flight 0
`
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "hubstream_http_requests_in_flight"); err != nil {
			t.Error(err)
		}
		if n := histogramCount(t, reg, "hubstream_http_request_duration_seconds", map[string]string{"route": "/graphql", "method": "POST", "code": "418"}); n != 3 {
			t.Errorf("POST /graphql 418 counted %d times, want 3", n)
		}
		if n := histogramCount(t, reg, "hubstream_http_request_duration_seconds", map[string]string{"method": obs.Other}); n != 1 {
			t.Errorf("an unknown method counted %d times under %q, want 1", n, obs.Other)
		}
	})
}

// histogramCount sums the observations of the histogram series of name
// with labels.
func histogramCount(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) uint64 {
	t.Helper()
	var n uint64
	for _, m := range obstest.Series(t, g, name, labels) {
		n += m.GetHistogram().GetSampleCount()
	}
	return n
}

func TestLogFlagsAndFormats(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr bool
		debug   bool
		json    bool
	}{
		{"defaults: info, JSON off a terminal", nil, false, false, true},
		{"debug text", []string{"--log-level", "debug", "--log-format", "text"}, false, true, false},
		{"upper case", []string{"--log-level=WARN", "--log-format=JSON"}, false, false, true},
		{"an unknown level", []string{"--log-level", "loud"}, true, false, false},
		{"an unknown format", []string{"--log-format", "xml"}, true, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(new(bytes.Buffer))
			o := obs.LogFlags(fs)
			err := fs.Parse(tc.args)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parse: %v", err)
			}
			if err != nil {
				return
			}
			var buf bytes.Buffer
			l := obs.NewLogger(&buf, *o)
			l.Debug("d")
			l.Warn("w", "k", "v")
			out := buf.String()
			if strings.Contains(out, `"msg":"d"`) || strings.Contains(out, "msg=d") {
				if !tc.debug {
					t.Errorf("debug written at level %v: %s", o.Level, out)
				}
			} else if tc.debug {
				t.Errorf("debug not written: %s", out)
			}
			if isJSON := strings.HasPrefix(out, "{") || strings.Contains(out, "\n{"); isJSON != tc.json {
				t.Errorf("JSON %v, want %v: %s", isJSON, tc.json, out)
			}
		})
	}
}

func TestLogfAdapter(t *testing.T) {
	var buf bytes.Buffer
	l := obs.NewLogger(&buf, obs.LogOptions{Format: obs.FormatJSON, Level: slog.LevelInfo})
	obs.Logf(context.Background(), l, slog.LevelDebug)("hidden %d", 1)
	obs.Logf(context.Background(), l, slog.LevelInfo)("projections: %s lost", "shard-1")
	if strings.Contains(buf.String(), "hidden") {
		t.Errorf("a debug Logf line was written at info: %s", buf.String())
	}
	if !strings.Contains(buf.String(), `"msg":"projections: shard-1 lost"`) || !strings.Contains(buf.String(), `"level":"INFO"`) {
		t.Errorf("Logf line: %s", buf.String())
	}
}
