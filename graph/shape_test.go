package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/graph"
)

// repeat joins n copies of f(i).
func repeat(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(f(i))
	}
	return b.String()
}

// TestShapeLimits: documents whose validation alone would cost seconds
// (measured before the limits: 8.8 s, 4.8 s and 3.2 s for the first three)
// are refused before gqlgen validates them, with a validation error that
// names the limit; ordinary documents near the limits are answered. The
// handler has no data source: a refused document is never resolved.
func TestShapeLimits(t *testing.T) {
	h := graph.NewHandler(&graph.Resolver{}, graph.HandlerOptions{})
	for _, tc := range []struct {
		name    string
		query   string
		wantMsg string // "" for accepted
	}{
		{"7,000 ok in one set", "{" + strings.Repeat(" ok", 7000) + "}", `selects "ok" 11 times`},
		{"70 aliases of a user with 70 logins", "{" + repeat(70, func(int) string { return ` a: user(login: "x") { ` + strings.Repeat("login ", 70) + `}` }) + "}", `selects "login" 11 times`},
		{"1,200 fragments spread together", "query {" + repeat(1200, func(i int) string { return fmt.Sprintf(" ...F%d", i) }) + "}" + repeat(1200, func(i int) string { return fmt.Sprintf(" fragment F%d on Query { ok }", i) }), "fragments, more than the limit of 64"},
		{"repetition nested in repetition", "{" + repeat(9, func(int) string {
			return ` a: user(login: "x") { ` + repeat(8, func(int) string { return `r: repositories(first: 1) { totalCount } ` }) + `}`
		}) + "}", "more than 64 times"},
		{"inline fragments nested 100 deep", "{" + strings.Repeat("... on Query {", 100) + " ok" + strings.Repeat("}", 100) + "}", "more than 64 levels"},
		{"a field repeated in inline fragments", `{ ok ... on Query { ok } ... on Query { ok ... on Query { ok __typename } } __typename }`, ""},
		{"ten of one name", "{" + strings.Repeat(" ok", 10) + "}", ""},
		{"63 fragments", "query {" + repeat(63, func(i int) string { return fmt.Sprintf(" ...F%d", i) }) + "}" + repeat(63, func(i int) string { return fmt.Sprintf(" fragment F%d on Query { ok }", i) }), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Twice: the second answer comes after the handler remembered
			// a pass (shapeCache) or did not remember a rejection.
			for _, attempt := range []string{"first", "again"} {
				status, res, raw := serve(t, h, "", tc.query)
				if tc.wantMsg == "" {
					if status != http.StatusOK || len(res.Errors) > 0 {
						t.Fatalf("%s: an ordinary document was refused: %d %.300s", attempt, status, raw)
					}
					continue
				}
				if status != http.StatusUnprocessableEntity || len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
					t.Fatalf("%s: status %d %.300s, want one GRAPHQL_VALIDATION_FAILED", attempt, status, raw)
				}
				if !strings.Contains(res.Errors[0].Message, tc.wantMsg) {
					t.Fatalf("%s: message %q does not say %q", attempt, res.Errors[0].Message, tc.wantMsg)
				}
			}
		})
	}
}

// TestIntrospectionDisabled: with introspection off, a query that asks
// for the schema is a client error that says so, not INTERNAL; __typename
// still works.
func TestIntrospectionDisabled(t *testing.T) {
	off := graph.NewHandler(&graph.Resolver{}, graph.HandlerOptions{})
	for _, q := range []string{
		`{ __schema { queryType { name } } }`,
		`{ __type(name: "User") { name } }`,
		`query { ...S } fragment S on Query { ... on Query { __schema { types { name } } } }`,
	} {
		status, res, raw := serve(t, off, "", q)
		if status != http.StatusUnprocessableEntity || len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(res.Errors[0].Message, "introspection is disabled") {
			t.Errorf("%s: %d %s, want GRAPHQL_VALIDATION_FAILED saying introspection is disabled", q, status, raw)
		}
	}
	if _, res, raw := serve(t, off, "", `{ __typename ok }`); len(res.Errors) > 0 || string(res.Data) != `{"__typename":"Query","ok":true}` {
		t.Errorf("__typename: %s", raw)
	}
	on := graph.NewHandler(&graph.Resolver{}, graph.HandlerOptions{Introspection: true})
	if _, res, raw := serve(t, on, "", `{ __schema { queryType { name } } }`); len(res.Errors) > 0 {
		t.Errorf("introspection on: %s", raw)
	}
}
