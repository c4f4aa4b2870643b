package main

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// TestListensOnLoopbackByDefault: the engine, which has no
// authentication, is reachable only from this machine unless --addr says
// otherwise.
func TestListensOnLoopbackByDefault(t *testing.T) {
	host, port, err := net.SplitHostPort(defaultAddr)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Fatalf("default address %q is not a loopback address", defaultAddr)
	}
	if port != "8000" {
		t.Errorf("default port %s, want DynamoDB Local's 8000", port)
	}
}

// TestServerTimeouts: a client that sends its headers or its body slowly,
// or idles, is cut off.
func TestServerTimeouts(t *testing.T) {
	srv := httpServer(http.NotFoundHandler())
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout,
		"ReadTimeout":       srv.ReadTimeout,
		"IdleTimeout":       srv.IdleTimeout,
	} {
		if d <= 0 || d > 2*time.Minute {
			t.Errorf("%s = %v, want a bound of at most 2 minutes", name, d)
		}
	}
	if srv.ReadHeaderTimeout > srv.ReadTimeout {
		t.Errorf("ReadHeaderTimeout %v exceeds ReadTimeout %v", srv.ReadHeaderTimeout, srv.ReadTimeout)
	}
}
