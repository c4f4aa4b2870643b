package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/obs"
)

// TestMetricsOnTheListener: GET on the metrics path answers Prometheus
// metrics with the requests counted by DynamoDB operation; everything
// else is the engine's.
func TestMetricsOnTheListener(t *testing.T) {
	eng, err := ddblocal.New(ddblocal.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	srv := httptest.NewServer(handler(eng, "/metrics", obs.Discard()))
	t.Cleanup(srv.Close)
	res := listTables(t, srv.URL+"/", "")
	if res.StatusCode != 200 {
		t.Fatalf("ListTables: %s", res.Status)
	}
	res, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`hubstream_http_request_duration_seconds_count{code="200",method="POST",route="ListTables"} 1`, "go_goroutines"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s:\n%s", want, b)
		}
	}
}

// listTables sends an empty ListTables request to url, with the Host header
// host unless it is empty, and returns the response (its body closed).
func listTables(t *testing.T, url, host string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}
