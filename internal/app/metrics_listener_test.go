package app

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/obs"
)

// TestMetricsOnlyOnTheirListener serves the app as the server does, with
// a metrics listener, and checks from outside that the public address
// never answers with metrics — whatever the method, path spelling or
// Host header — while the metrics address does.
func TestMetricsOnlyOnTheirListener(t *testing.T) {
	a, err := New(context.Background(), Config{MemoryOnly: true, NoProjector: true, Logger: obs.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	api, metrics := make(chan net.Addr, 1), make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- a.Serve(ctx, ServeOptions{Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", MetricsAddrExplicit: true,
			OnListen: func(x net.Addr) { api <- x }, OnMetricsListen: func(x net.Addr) { metrics <- x }})
	}()
	t.Cleanup(func() { cancel(); <-done })
	var apiURL, metricsURL string
	for apiURL == "" || metricsURL == "" {
		select {
		case x := <-api:
			apiURL = "http://" + x.String()
		case x := <-metrics:
			metricsURL = "http://" + x.String()
		case err := <-done:
			t.Fatalf("Serve: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("Serve did not listen")
		}
	}
	get := func(t *testing.T, method, url string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, tc := range []struct{ name, method, path string }{
		{"GET /metrics", http.MethodGet, "/metrics"},
		{"HEAD /metrics", http.MethodHead, "/metrics"},
		{"trailing slash", http.MethodGet, "/metrics/"},
		{"dot segment", http.MethodGet, "/x/../metrics"},
		{"escaped", http.MethodGet, "/%6detrics"},
	} {
		t.Run("public "+tc.name, func(t *testing.T) {
			status, body := get(t, tc.method, apiURL+tc.path)
			if strings.Contains(body, "hubstream_") || strings.Contains(body, "go_goroutines") {
				t.Fatalf("the public listener answered %s with metrics (status %d)", tc.path, status)
			}
		})
	}
	t.Run("metrics listener", func(t *testing.T) {
		status, body := get(t, http.MethodGet, metricsURL+"/metrics")
		if status != http.StatusOK || !strings.Contains(body, "hubstream_http_request_duration_seconds") {
			t.Fatalf("metrics listener: %d %.200s", status, body)
		}
		if status, body := get(t, http.MethodGet, metricsURL+"/healthz"); status != http.StatusOK || body != "ok\n" {
			t.Fatalf("metrics /healthz: %d %q", status, body)
		}
		if status, _ := get(t, http.MethodGet, metricsURL+"/graphql"); status != http.StatusNotFound {
			t.Fatalf("the metrics listener serves /graphql: %d", status)
		}
	})
}
