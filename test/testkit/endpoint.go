package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/ddblocal"
)

// EndpointEnv names the environment variable that points the end-to-end
// and replay suites at a DynamoDB endpoint instead of the embedded engine:
//
//	HUBSTREAM_TEST_ENDPOINT=http://localhost:8000 go test ./test/...                      # ddblocal, DynamoDB Local
//	HUBSTREAM_TEST_ENDPOINT=https://dynamodb.eu-west-1.amazonaws.com go test ./test/...  # Amazon DynamoDB
//
// Every app a test starts then gets its own table there (created, and
// deleted when the test ends), an HS256 secret of its own, and the
// standard AWS configuration chain (AWS_REGION, credentials; any non-empty
// key pair for a local endpoint). Nothing is skipped: a test that sets
// embedded-engine options (a stream layout) still runs, on the endpoint's
// own layout — see Embedded.
const EndpointEnv = "HUBSTREAM_TEST_ENDPOINT"

// Endpoint returns the endpoint the suites run against, or "" for the
// embedded engine.
func Endpoint() string { return os.Getenv(EndpointEnv) }

// Embedded reports whether apps run on the embedded engine, whose options
// (app.Config.Engine) tests may set; against an endpoint, its service
// decides the stream's shard layout.
func Embedded() bool { return Endpoint() == "" }

// onEndpoint adjusts cfg to run against Endpoint(): a fresh table and an
// explicit token secret. It registers the table's deletion with tb.
func onEndpoint(tb testing.TB, cfg *app.Config) {
	tb.Helper()
	cfg.Endpoint = Endpoint()
	cfg.MemoryOnly = false
	if cfg.Table == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		cfg.Table = "hubstream-test-" + hex.EncodeToString(b[:])
	}
	// The suites test the server as it runs on the embedded engine,
	// where introspection is on by default.
	cfg.GraphQL.Introspection = true
	if !cfg.Auth.Configured() {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		cfg.Auth = auth.DevOptions(secret)
	}
}

// dropTable deletes the app's table on an endpoint (best effort: a
// failure is reported, the test's own outcome stands).
func dropTable(tb testing.TB, a *app.App) {
	if Embedded() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := a.Clients().DB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(a.TableName())}); err != nil {
		tb.Errorf("testkit: deleting table %s on %s: %v", a.TableName(), Endpoint(), err)
	}
}

// MinShards returns n on the embedded engine, whose stream layout a test
// configures (short-lived, splitting shards), and 1 against an endpoint,
// whose service decides its layout: the test still runs its whole
// workload there, only the layout it asked for cannot be required.
func MinShards(n int) int {
	if Embedded() {
		return n
	}
	return 1
}

// EngineOverHTTP serves a new memory-only engine over HTTP for the test
// and returns its URL, with the standard AWS configuration chain set
// (a local key pair and a region) as a deployed server or projector
// reads it: an app configured with the URL as its endpoint talks to the
// engine as it would to DynamoDB.
func EngineOverHTTP(t *testing.T) string {
	t.Helper()
	eng, err := ddblocal.New(ddblocal.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	ddb := httptest.NewServer(eng)
	t.Cleanup(ddb.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", "us-east-1")
	return ddb.URL
}
