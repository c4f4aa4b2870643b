package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// hostileNested builds a query nested depth levels deep: repository →
// owner → repositories → nodes → owner → … .
func hostileNested(depth int) string {
	var open, close strings.Builder
	open.WriteString(`{ repository(owner: "victim", name: "repo") {`)
	close.WriteString(` } }`)
	level := 2
	for level < depth {
		open.WriteString(` owner { repositories(first: 1) { nodes {`)
		close.WriteString(` } } }`)
		level += 3
	}
	return open.String() + ` name` + close.String()
}

// hostileAliases is a query of n aliases of field.
func hostileAliases(n int, field string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	b.WriteString(" }")
	return b.String()
}

// hostileHealthy fails the test unless the server still answers /healthz
// and a trivial query.
func hostileHealthy(t *testing.T, srv *testkit.Server) {
	t.Helper()
	res, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatalf("healthz: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "ok") {
		t.Fatalf("healthz = %d %q", res.StatusCode, body)
	}
	if got := srv.GraphQL.MustDo(t, `{ ok }`, nil); string(got.Data) != `{"ok":true}` {
		t.Fatalf("server unhealthy: %s", got.Body)
	}
}

// TestHostileRequests: requests built to exhaust the server are each
// rejected with a clear GraphQL error carrying extensions.code, no
// internals, and the server stays healthy.
func TestHostileRequests(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	createUser(t, srv, map[string]any{"login": "victim"})
	createUser(t, srv, map[string]any{"login": "starrer"})
	repositoryData(t, srv, "victim", repositoryCreateMutation, in("name", "repo"))
	// The aliased mutations are sent by a signed-in user who may star the
	// repository, so only the complexity limit keeps them from running.
	starrer := srv.As(t, "starrer")
	ctx := context.Background()
	post := func(body []byte) func() (*testkit.Response, error) {
		return func() (*testkit.Response, error) { return srv.GraphQL.Post(ctx, "application/json", body) }
	}
	gql := func(query string, vars map[string]any) func() (*testkit.Response, error) {
		return func() (*testkit.Response, error) { return srv.GraphQL.Do(ctx, query, vars) }
	}
	// A syntactically valid request padded to 10 MB.
	huge := []byte(`{"query":"{ ok }","variables":{"pad":"` + strings.Repeat("x", 10<<20) + `"}}`)
	// Just over the 1 MiB limit.
	justOver := []byte(`{"query":"{ ok }","variables":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`)

	tests := []struct {
		name       string
		send       func() (*testkit.Response, error)
		wantStatus int    // 0: any 4xx
		wantCode   string // extensions.code of the first error
		wantField  string // extensions.field, when set
		wantInMsg  string // a substring of the first error's message
	}{
		{"10 MB body", post(huge), http.StatusRequestEntityTooLarge, "BAD_USER_INPUT", "", "larger than 1048576 bytes"},
		{"body just over 1 MiB", post(justOver), http.StatusRequestEntityTooLarge, "BAD_USER_INPUT", "", "larger than 1048576 bytes"},
		{"depth 50", gql(hostileNested(50), nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "nested more than 15 levels"},
		{"depth 16", gql(hostileNested(17), nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "nested more than 15 levels"},
		{"1,000 aliases of a lookup", gql(hostileAliases(1000, `user(login: "victim") { login }`), nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "complexity"},
		{"1,000 aliases of __typename", gql(hostileAliases(1000, `__typename`), nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "complexity"},
		{"1,000 aliased mutations", func() (*testkit.Response, error) {
			return starrer.Do(ctx, "mutation($in: StarRepositoryInput!)"+hostileAliases(1000, `starRepository(input: $in) { __typename }`), map[string]any{"in": map[string]any{"owner": "victim", "name": "repo"}})
		}, http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "complexity"},
		{"per-repository reads multiply", gql(`{ user(login: "victim") { a: repositories(first: 100) { nodes { forkCount viewerHasStarred } } b: repositories(first: 100) { nodes { forkCount viewerHasStarred } } c: repositories(first: 100) { nodes { forkCount viewerHasStarred } } } }`, nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "complexity"},
		{"nested pages multiply", gql(`{ user(login: "victim") { repositories(first: 100) { nodes { issues(first: 100) { nodes { comments(first: 100) { nodes { body } } } } } } } }`, nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "complexity"},
		// Review 2, F-MED-15: introspection counted nothing, and this 28 KB
		// request took ~9 s of CPU.
		{"1,400 aliased __schema", gql(hostileAliases(1400, `__schema { ...S }`)+` fragment S on __Schema { types { fields { args { type { kind } } } } }`, nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "__schema 1400 times"},
		{"two __schema", gql(`{ a: __schema { queryType { name } } b: __schema { queryType { name } } }`, nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "__schema 2 times"},
		{"1,000 aliased __type", gql(hostileAliases(1000, `__type(name: "Repository") { ...T }`)+` fragment T on __Type { fields { args { type { kind } } } }`, nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "complexity"},
		{"400 aliased __type lists", gql(hostileAliases(400, `__type(name: "Repository") { fields { args { type { kind name ofType { kind name } } } } }`), nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "complexity"},
		{"too many tokens", gql(hostileAliases(6000, `ok`), nil), http.StatusUnprocessableEntity, "GRAPHQL_PARSE_FAILED", "", "token"},
		{"first: 10000", gql(`{ user(login: "victim") { repositories(first: 10000) { nodes { name } } } }`, nil), http.StatusOK, "BAD_USER_INPUT", "first", "between 1 and 100"},
		{"last: 10000", gql(`{ repository(owner: "victim", name: "repo") { issues(last: 10000) { nodes { title } } } }`, nil), http.StatusOK, "BAD_USER_INPUT", "last", "between 1 and 100"},
		{"history first: 10000", gql(`{ user(login: "victim") { history(first: 10000) { nodes { type } } } }`, nil), http.StatusOK, "BAD_USER_INPUT", "first", "between 1 and 100"},
		{"malformed JSON", post([]byte(`{"query": "{ ok }", `)), http.StatusBadRequest, "BAD_USER_INPUT", "", "JSON"},
		{"JSON of the wrong shape", post([]byte(`{"query": {"nested": true}}`)), http.StatusBadRequest, "BAD_USER_INPUT", "", "JSON"},
		{"malformed GraphQL", gql(`{ user(login: "victim") { login `, nil), http.StatusUnprocessableEntity, "GRAPHQL_PARSE_FAILED", "", ""},
		{"GraphQL with a stray token", gql(`query { ok } }`, nil), http.StatusUnprocessableEntity, "GRAPHQL_PARSE_FAILED", "", ""},
		// Review 2, F-low-9: the deferred part was never sent (null in a
		// non-null field, "hasNext": true) and @defer on a mutation ignored.
		{"@defer on an inline fragment", gql(`{ user(login: "victim") { login ... @defer { repositories(first: 1) { totalCount } } } }`, nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "@defer is not supported"},
		{"@defer on a fragment spread", gql(`{ user(login: "victim") { login ...R @defer } } fragment R on User { repositories(first: 1) { totalCount } }`, nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "@defer is not supported"},
		{"@defer in a nested fragment", gql(`{ ...Q } fragment Q on Query { user(login: "victim") { ... @defer(label: "x") { login } } }`, nil), http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "@defer is not supported"},
		{"@defer around a mutation", func() (*testkit.Response, error) {
			return starrer.Do(ctx, `mutation { ... @defer { starRepository(input: {owner: "victim", name: "repo"}) { __typename } } }`, nil)
		}, http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "@defer is not supported"},
		{"Int literal out of range", gql(`{ repository(owner: "victim", name: "repo") { issue(number: 99999999999) { title } } }`, nil), http.StatusOK, "BAD_USER_INPUT", "", "overflows"},
		{"Int variable out of range", gql(`query($n: Int!) { repository(owner: "victim", name: "repo") { issue(number: $n) { title } } }`, map[string]any{"n": 99999999999}), 0, "", "", ""},
		{"malformed query string", func() (*testkit.Response, error) { return srv.GraphQL.Get(ctx, "query=%zz") }, http.StatusBadRequest, "BAD_USER_INPUT", "", "malformed"},
		{"cursor forged", gql(`{ user(login: "victim") { repositories(first: 1, after: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") { nodes { name } } } }`, nil), http.StatusOK, "BAD_USER_INPUT", "cursor", "cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.send()
			if err != nil {
				t.Fatalf("%v", err)
			}
			if res.Status >= 500 {
				t.Fatalf("status %d; body %.300s", res.Status, res.Body)
			}
			if tt.wantStatus != 0 && res.Status != tt.wantStatus {
				t.Errorf("status %d, want %d; body %.300s", res.Status, tt.wantStatus, res.Body)
			}
			if len(res.Errors) == 0 {
				t.Fatalf("no errors; body %.300s", res.Body)
			}
			e := res.Errors[0]
			if e.Code() == "" || e.Code() == "INTERNAL" {
				t.Errorf("code %q: want a client error code; body %.300s", e.Code(), res.Body)
			}
			if tt.wantCode != "" && e.Code() != tt.wantCode {
				t.Errorf("code %q, want %q; body %.300s", e.Code(), tt.wantCode, res.Body)
			}
			if tt.wantField != "" && e.Field() != tt.wantField {
				t.Errorf("field %q, want %q", e.Field(), tt.wantField)
			}
			if !strings.Contains(e.Message, tt.wantInMsg) {
				t.Errorf("message %q does not mention %q", e.Message, tt.wantInMsg)
			}
			hostileNoInternals(t, res.Body)
			if len(res.Body) > 4096 {
				t.Errorf("the error response is %d bytes: it must not echo the request", len(res.Body))
			}
			hostileHealthy(t, srv)
		})
	}
	// The 1,000 aliased mutations were rejected before any ran: the star
	// has no head on the write side (read with a consistent GetItem, so
	// projection lag cannot hide it).
	if h := partitionHead(t, srv, table.StarPartition("starrer", "victim", "repo")); h != nil {
		t.Errorf("a rejected batch of mutations was executed: star head %v", h)
	}
	// The same star sent once does write that head: the check above looks
	// in the right place.
	starrer.MustDo(t, `mutation($in: StarRepositoryInput!) { starRepository(input: $in) { __typename } }`, map[string]any{"in": map[string]any{"owner": "victim", "name": "repo"}})
	if partitionHead(t, srv, table.StarPartition("starrer", "victim", "repo")) == nil {
		t.Errorf("a star has no head under table.StarPartition: the check above cannot fail")
	}
}

// hostileNoInternals fails when a response body shows Go or DynamoDB
// internals.
func hostileNoInternals(t *testing.T, body []byte) {
	t.Helper()
	for _, leak := range []string{"invalid character", "json:", "unexpected EOF", "goroutine", "panic", "runtime error", "dynamodb", "DynamoDB", "ValidationException", "operation error", ".go:", "http: "} {
		if bytes.Contains(body, []byte(leak)) {
			t.Errorf("response shows internals (%q): %.300s", leak, body)
		}
	}
}

// TestLimitsAllowOrdinaryQueries: the limits leave room for what clients
// really ask — a page of 100 items with a few fields, 50 root lookups,
// introspection.
func TestLimitsAllowOrdinaryQueries(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	createUser(t, srv, map[string]any{"login": "ordinary"})
	for _, q := range []string{
		`{ user(login: "ordinary") { repositories(first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { name nameWithOwner description isPrivate stargazerCount forkCount owner { login } issues(first: 1) { totalCount } } } } }`,
		hostileAliases(50, `user(login: "ordinary") { login name }`),
		`query IntrospectionQuery { __schema { queryType { name } types { kind name fields(includeDeprecated: true) { name args { name type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`,
		hostileNested(14),
	} {
		res := srv.GraphQL.MustDo(t, q, nil)
		if len(res.Errors) > 0 {
			t.Errorf("%.80s…: errors %+v", q, res.Errors)
		}
	}
}
