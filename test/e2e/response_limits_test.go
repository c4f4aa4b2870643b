package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/graph"
	"github.com/hubstream/hubstream/test/testkit"
)

// respAliases is a query on victim/repo selecting n aliases of field.
func respAliases(n int, field string) string {
	var b strings.Builder
	b.WriteString(`{ repository(owner: "victim", name: "repo") {`)
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	b.WriteString(" } }")
	return b.String()
}

// TestResponseSizeIsBounded: a query well within the cost limit that
// would make the server build a response of tens of megabytes — the
// largest body there is (65,536 line breaks, each escaped to two bytes in
// JSON) under hundreds of aliases — is answered with one
// RESPONSE_TOO_LARGE error and no data, at the server's default limits;
// the same shape within the limit is answered in full.
func TestResponseSizeIsBounded(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	createUser(t, srv, map[string]any{"login": "victim"})
	victim := srv.As(t, "victim")
	victim.MustDo(t, `mutation { createRepository(input: {name: "repo"}) { repository { name } } }`, nil)
	body := strings.Repeat("\n", 65536)
	if res := victim.MustDo(t, `mutation($b: String!) { openIssue(input: {owner: "victim", repository: "repo", title: "big", body: $b}) { issue { number } } }`,
		map[string]any{"b": body}); res.Code() != "" {
		t.Fatalf("openIssue: %+v", res.Errors)
	}
	repositoryAwait(t, srv, "victim", `{ repository(owner: "victim", name: "repo") { issue(number: 1) { number } } }`, nil, `"number":1`)

	cases := []struct {
		name    string
		query   string
		tooBig  bool
		minData int // bytes of data expected when not too big
	}{
		{"one body", respAliases(1, "issue(number: 1) { body }"), false, 2 * 65536},
		{"twenty bodies", respAliases(20, "issue(number: 1) { body }"), false, 20 * 2 * 65536},
		{"three hundred bodies (40 MB, cost about 1,800)", respAliases(300, "issue(number: 1) { body }"), true, 0},
		{"history data of three hundred aliases", respAliases(300, "issue(number: 1) { history(first: 1) { nodes { data } } }"), true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := srv.GraphQL.Do(t.Context(), tc.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.tooBig {
				if len(res.Errors) > 0 || len(res.Data) < tc.minData {
					t.Fatalf("status %d, %d bytes of data, errors %+v", res.Status, len(res.Data), res.Errors)
				}
				return
			}
			if res.Code() != graph.CodeResponseTooLarge || len(res.Errors) != 1 {
				t.Fatalf("status %d, %d errors, code %q; want one %s", res.Status, len(res.Errors), res.Code(), graph.CodeResponseTooLarge)
			}
			if len(res.Body) > 4096 || (len(res.Data) > 0 && string(res.Data) != "null") {
				t.Fatalf("the refusal carries %d bytes (data %.100s)", len(res.Body), res.Data)
			}
			if limit, _ := res.Errors[0].Extensions["limit"].(float64); int64(limit) != graph.DefaultMaxResponseBytes {
				t.Errorf("extensions.limit = %v, want %d", res.Errors[0].Extensions["limit"], graph.DefaultMaxResponseBytes)
			}
		})
	}
	hostileHealthy(t, srv)
}

// TestErrorListIsBounded: one request whose fields each fail — here 400
// aliases of a page size of 0, cheap and each its own
// BAD_USER_INPUT — gets at most 100 errors and a last one saying how many
// more there were.
func TestErrorListIsBounded(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	createUser(t, srv, map[string]any{"login": "victim"})
	srv.As(t, "victim").MustDo(t, `mutation { createRepository(input: {name: "repo"}) { repository { name } } }`, nil)
	repositoryAwait(t, srv, "victim", `{ repository(owner: "victim", name: "repo") { name } }`, nil, `"name":"repo"`)
	cases := []struct {
		name, query string
		errors      int // errors the fields make
	}{
		{"fewer than the cap", respAliases(40, "issues(first: 0) { totalCount }"), 40},
		{"exactly the cap", respAliases(graph.DefaultMaxErrors, "issues(first: 0) { totalCount }"), graph.DefaultMaxErrors},
		{"four times the cap", respAliases(400, "issues(first: 0) { totalCount }"), 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := srv.GraphQL.Do(t.Context(), tc.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.errors <= graph.DefaultMaxErrors {
				if len(res.Errors) != tc.errors {
					t.Fatalf("%d errors, want %d", len(res.Errors), tc.errors)
				}
				return
			}
			if len(res.Errors) != graph.DefaultMaxErrors+1 {
				t.Fatalf("%d errors, want %d and one saying more were suppressed", len(res.Errors), graph.DefaultMaxErrors+1)
			}
			last := res.Errors[len(res.Errors)-1]
			if last.Code() != graph.CodeErrorsSuppressed || last.Extensions["suppressed"] != float64(tc.errors-graph.DefaultMaxErrors) {
				t.Fatalf("last error %+v, want %s counting %d", last, graph.CodeErrorsSuppressed, tc.errors-graph.DefaultMaxErrors)
			}
			for _, e := range res.Errors[:graph.DefaultMaxErrors] {
				if e.Code() != "BAD_USER_INPUT" {
					t.Fatalf("error %+v, want BAD_USER_INPUT", e)
				}
			}
		})
	}
}
