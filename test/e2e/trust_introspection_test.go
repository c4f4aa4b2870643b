package e2e_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/test/testkit"
)

// TestIntrospectionOffIsAClientError is the last case of defect 7: the
// server as deployed — against a DynamoDB endpoint (here ddblocal over
// HTTP), introspection off by default — answers a query for the schema
// with a validation error that says introspection is disabled (it was
// INTERNAL), and goes on serving.
func TestIntrospectionOffIsAClientError(t *testing.T) {
	ddbURL := testkit.EngineOverHTTP(t)
	a, err := app.New(context.Background(), app.Config{
		Endpoint: ddbURL, NoProjector: true, Logger: obs.PrintfLogger(t.Logf, slog.LevelWarn),
		Auth: auth.Options{Secret: []byte(strings.Repeat("k", 32))},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	c := testkit.NewClient(srv.URL+"/graphql", srv.Client())
	for _, q := range []string{
		`{ __schema { types { name } } }`,
		`query IntrospectionQuery { __schema { queryType { name } } }`,
		`{ __type(name: "Repository") { fields { name } } }`,
	} {
		res := trustDo(t, c, q, nil)
		if res.Status != http.StatusUnprocessableEntity || res.Code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(res.Errors[0].Message, "introspection is disabled") {
			t.Errorf("%s: status %d, %.300s; want 422 GRAPHQL_VALIDATION_FAILED saying introspection is disabled", q, res.Status, res.Body)
		}
	}
	if res := trustDo(t, c, `{ __typename ok }`, nil); string(res.Data) != `{"__typename":"Query","ok":true}` {
		t.Errorf("after the refusals: %s", res.Body)
	}
	// Nor does it hand the schema out a field at a time: no "Did you
	// mean" suggestions while introspection is off.
	for _, q := range []string{`{ repositry(owner: "a", name: "b") { name } }`, `{ repository(owner: "a", name: "b") { nme } }`, `{ repository(ownr: "a", name: "b") { name } }`} {
		res := trustDo(t, c, q, nil)
		if res.Code() != "GRAPHQL_VALIDATION_FAILED" || strings.Contains(string(res.Body), "Did you mean") {
			t.Errorf("%s: %.300s; want a validation error without suggestions", q, res.Body)
		}
	}
}
