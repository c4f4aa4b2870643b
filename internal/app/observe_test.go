package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/obs/obstest"
)

// syncBuffer is a log destination shared by the server's goroutines.
type syncBuffer struct{ obstest.Buffer }

// accessLine returns the access log record of the request with id.
func (b *syncBuffer) accessLine(t *testing.T, id string) map[string]any {
	t.Helper()
	var found map[string]any
	for _, r := range b.Records(t) {
		if r["msg"] == "http request" && r["request_id"] == id {
			if found != nil {
				t.Fatalf("two access log lines for request %s", id)
			}
			found = r
		}
	}
	if found == nil {
		t.Fatalf("no access log line for request %s", id)
	}
	return found
}

// send posts a GraphQL document with a request id and an optional token,
// and returns the response.
func send(t *testing.T, url, id, token, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(obs.RequestIDHeader, id)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// TestAccessLogAndMetrics drives the real app over HTTP and checks what an
// operator sees: one access log line per request with its id (echoed to
// the client), GraphQL operation and type, status, viewer and error codes;
// and /metrics with the HTTP, GraphQL, DynamoDB, executor, loader and
// in-process projector metrics.
func TestAccessLogAndMetrics(t *testing.T) {
	var logs syncBuffer
	a, err := New(context.Background(), Config{MemoryOnly: true, Logger: obs.NewLogger(&logs, obs.LogOptions{Format: obs.FormatJSON, Level: slog.LevelDebug})})
	if err != nil {
		t.Fatal(err)
	}
	stop := a.Start(context.Background())
	srv := httptest.NewServer(a.Handler())
	metricsSrv := httptest.NewServer(a.MetricsHandler())
	t.Cleanup(func() { srv.Close(); metricsSrv.Close(); _ = stop(); _ = a.Close() })
	tok, err := a.DevToken("ada")
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, id, token, body string
		status                int
		want                  map[string]any
		codes                 []any
	}{
		{"a named mutation", "req-create", tok, `{"query":"mutation CreateAda { createUser(input: {login: \"ada\"}) { user { login } } }"}`, 200,
			map[string]any{"operation": "CreateAda", "operation_type": "mutation", "viewer": "ada", "route": "/graphql", "method": "POST"}, nil},
		{"an anonymous operation with a domain error", "req-bad", tok, `{"query":"mutation { createUser(input: {login: \"-bad\"}) { user { login } } }"}`, 200,
			map[string]any{"operation": "", "operation_type": "mutation"}, []any{"BAD_USER_INPUT"}},
		{"an anonymous query", "req-query", "", `{"query":"{ user(login: \"ada\") { login } }"}`, 200,
			map[string]any{"operation": "", "operation_type": "query", "viewer": ""}, nil},
		{"a document that does not validate", "req-invalid", "", `{"query":"query Nope { noSuchField }"}`, 422,
			map[string]any{"operation": "", "operation_type": "invalid"}, []any{"GRAPHQL_VALIDATION_FAILED"}},
		{"a bad token", "req-401", "not-a-token", `{"query":"{ viewer { login } }"}`, 401,
			map[string]any{}, []any{"UNAUTHENTICATED"}},
		{"a body that is no GraphQL request", "req-json", "", `{"query":`, 400,
			map[string]any{}, []any{"BAD_USER_INPUT"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := send(t, srv.URL, tc.id, tc.token, tc.body)
			if res.StatusCode != tc.status {
				t.Errorf("status %d, want %d", res.StatusCode, tc.status)
			}
			if got := res.Header.Get(obs.RequestIDHeader); got != tc.id {
				t.Errorf("response request id %q, want %q", got, tc.id)
			}
			line := logs.accessLine(t, tc.id)
			if line["status"] != float64(tc.status) || line["level"] != "INFO" {
				t.Errorf("logged status %v at %v: %v", line["status"], line["level"], line)
			}
			for k, v := range tc.want {
				if got, ok := line[k]; v == "" && ok || v != "" && got != v {
					t.Errorf("%s = %v, want %q: %v", k, got, v, line)
				}
			}
			codes, _ := line["error_codes"].([]any)
			if len(codes) != len(tc.codes) || len(codes) > 0 && codes[0] != tc.codes[0] {
				t.Errorf("error codes %v, want %v", codes, tc.codes)
			}
			if _, ok := line["duration"]; !ok {
				t.Error("no duration")
			}
		})
	}

	metrics := scrape(t, metricsSrv.URL)
	for _, want := range []string{
		`hubstream_http_request_duration_seconds_count{code="200",method="POST",route="/graphql"}`,
		`hubstream_graphql_request_duration_seconds_count{operation="CreateAda",outcome="ok",type="mutation"} 1`,
		`hubstream_graphql_request_duration_seconds_count{operation="anonymous",outcome="error",type="mutation"} 1`,
		// The document that did not validate, and the body that was none.
		`hubstream_graphql_request_duration_seconds_count{operation="anonymous",outcome="error",type="invalid"} 2`,
		`hubstream_graphql_errors_total{code="BAD_USER_INPUT"} 2`,
		`hubstream_graphql_errors_total{code="UNAUTHENTICATED"} 1`,
		`hubstream_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1`,
		`hubstream_dynamodb_requests_total{error="none",operation="TransactWriteItems"}`,
		`hubstream_dynamodb_request_duration_seconds_count{operation="BatchGetItem"}`,
		`hubstream_executor_attempts_total{command="CreateUser",outcome="committed"} 1`,
		`hubstream_loader_batch_size_count{loader="item"}`,
		`hubstream_projector_shards_owned`,
		`go_goroutines`,
		`process_cpu_seconds_total`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if line := logs.accessLine(t, scrapeID); line["level"] != "DEBUG" {
		t.Errorf("a scrape of /metrics is logged at %v, want DEBUG (probes and scrapes would drown the log)", line["level"])
	}
}

const scrapeID = "scrape"

func scrape(t *testing.T, url string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/metrics", nil)
	req.Header.Set(obs.RequestIDHeader, scrapeID)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("/metrics: %s", res.Status)
	}
	return string(b)
}

// TestMetricsWithoutProjector: /metrics is served with --no-projector too.
func TestMetricsWithoutProjector(t *testing.T) {
	a, err := New(context.Background(), Config{MemoryOnly: true, NoProjector: true, Logger: obs.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	metricsSrv := httptest.NewServer(a.MetricsHandler())
	t.Cleanup(metricsSrv.Close)
	send(t, srv.URL, "q", "", `{"query":"{ user(login: \"ada\") { login } }"}`)
	m := scrape(t, metricsSrv.URL)
	for _, want := range []string{"hubstream_http_request_duration_seconds", "hubstream_graphql_request_duration_seconds", "hubstream_dynamodb_requests_total"} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics without the projector lacks %s", want)
		}
	}
	if strings.Contains(m, "hubstream_projector_") {
		t.Error("projector metrics without a projector")
	}
}

// TestExecutorRetriesCounted: version conflicts (injected by the engine,
// seeded, so repeatable) show as retried attempts, and every command
// still commits once.
func TestExecutorRetriesCounted(t *testing.T) {
	a, err := New(context.Background(), Config{MemoryOnly: true, NoProjector: true, Logger: obs.Discard(),
		Engine: ddblocal.Options{Faults: ddblocal.Faults{TransactionConflict: 0.5, Operations: []string{"TransactWriteItems"}, Seed: 7}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	tok, err := a.DevToken("ada")
	if err != nil {
		t.Fatal(err)
	}
	send(t, srv.URL, "c", tok, `{"query":"mutation { createUser(input: {login: \"ada\"}) { user { login } } }"}`)
	for i := range 10 {
		if res := post(t, srv.URL, tok, `mutation($bio: String!) { updateProfile(input: {login: "ada", bio: $bio}) { user { login } } }`, map[string]any{"bio": fmt.Sprint("bio ", i)}); res.code() != "" {
			t.Fatalf("updateProfile: %v", res.Errors)
		}
	}
	m := scrape(t, httptest.NewServer(a.MetricsHandler()).URL)
	if !strings.Contains(m, `hubstream_executor_attempts_total{command="UpdateProfile",outcome="committed"} 10`) ||
		!strings.Contains(m, `hubstream_executor_attempts_total{command="UpdateProfile",outcome="retried"}`) {
		t.Errorf("attempts not counted:\n%s", grepLines(m, "hubstream_executor_"))
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
