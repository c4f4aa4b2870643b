package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/obs"
)

// serveGuarded serves a fresh engine behind hostGuard on addr, as serve
// does, and returns its base URL.
func serveGuarded(t *testing.T, addr string, allowed ...string) string {
	t.Helper()
	eng, err := ddblocal.New(ddblocal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := httpServer(hostGuard(ln.Addr(), allowed, handler(eng, "/metrics", obs.Discard())))
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return "http://127.0.0.1:" + port
}

// TestHostGuardAgainstDNSRebinding sends ListTables with the Host header
// a browser would send for each name, to ddblocal on loopback: only
// loopback names, addresses and --allowed-hosts are answered. On a
// non-loopback address with --allowed-hosts (docker compose) the same
// holds; without it every host is.
func TestHostGuardAgainstDNSRebinding(t *testing.T) {
	loop := serveGuarded(t, "127.0.0.1:0", "ddb.internal")
	open := serveGuarded(t, "0.0.0.0:0")
	// As in docker compose: every interface, the service names allowed.
	compose := serveGuarded(t, "0.0.0.0:0", "dynamodb", "ddblocal")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(loop, "http://"))
	cases := []struct {
		name, url, host string
		ok              bool
	}{
		{"localhost", loop, "localhost:" + port, true},
		{"LOCALHOST without a port", loop, "LOCALHOST", true},
		{"127.0.0.1", loop, "127.0.0.1:" + port, true},
		{"127.1.2.3", loop, "127.1.2.3", true},
		{"[::1]", loop, "[::1]:" + port, true},
		{"a name under .localhost", loop, "app.localhost:" + port, true},
		{"an allowed name", loop, "ddb.internal:" + port, true},
		{"a rebinding site", loop, "evil.example:" + port, false},
		{"a site named like loopback", loop, "localhost.evil.example", false},
		{"an IP that is not loopback", loop, "192.168.1.10:" + port, false},
		{"a rebinding site on an open listener", open, "evil.example", true},
		{"compose: a rebinding site", compose, "evil.example:8000", false},
		{"compose: the service name", compose, "dynamodb:8000", true},
		{"compose: the other service name", compose, "DDBLOCAL", true},
		{"compose: localhost (the healthcheck)", compose, "localhost:8000", true},
		{"compose: 127.0.0.1 (the published port)", compose, "127.0.0.1:8000", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := listTables(t, tc.url, tc.host)
			if got := res.StatusCode == http.StatusOK; got != tc.ok {
				t.Fatalf("Host %q: status %d, want answered=%v", tc.host, res.StatusCode, tc.ok)
			}
			if !tc.ok && res.StatusCode != http.StatusForbidden {
				t.Fatalf("Host %q: status %d, want 403", tc.host, res.StatusCode)
			}
		})
	}
	t.Run("the AWS SDK on localhost", func(t *testing.T) {
		db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://localhost:" + port),
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
		if _, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
			t.Fatal(err)
		}
	})
}
