package e2e_test

import (
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

// TestDispatchCountsEveryShape: the batch dispatch (graph/dispatch.go)
// counts the fields the executor resolves under each result, so that a
// level's batch leaves when the level has asked. Over HTTP, queries of
// every shape — interfaces and fragments on them, aliases, lists in
// lists, empty and null results, errors, __typename, edges and pageInfo,
// a viewer, a mutation's payload — come out even (no operation counted as
// uncounted), and no batch waits for the fallback window.
func TestDispatchCountsEveryShape(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{NoProjector: true, CountRequests: true, Configure: testkit.NoStallWindow})
	domNestedSetup(t, srv)
	author := srv.As(t, "author001")
	cases := []struct {
		name   string
		client *testkit.Client
		query  string
		errors bool // the answer carries errors
	}{
		{"the nested page", srv.GraphQL, domNestedQuery, false},
		{"an interface with fragments", srv.GraphQL, `{ repositoryOwner(login: "octo") { __typename login
			... on User { name repositories(first: 5) { totalCount nodes { name owner { login ... on User { name } } } } }
			... on Organization { name } } }`, false},
		{"aliases and a named fragment", srv.GraphQL, `{ a: user(login: "author001") { ...U } b: user(login: "nobody") { ...U }
			c: user(login: "AUTHOR002") { ...U } } fragment U on User { login name __typename }`, false},
		{"edges, cursors and pageInfo", srv.GraphQL, `{ repository(owner: "octo", name: "big") {
			issues(first: 3) { pageInfo { hasNextPage endCursor } edges { cursor node { number author { login } } } } } }`, false},
		{"reaction groups in lists", srv.GraphQL, `{ repository(owner: "octo", name: "big") {
			issues(first: 4) { nodes { reactionGroups { content } comments(first: 2) { nodes { reactionGroups { content } } } } } } }`, false},
		{"a missing repository", srv.GraphQL, `{ repository(owner: "octo", name: "missing") { name issues(first: 1) { totalCount } } }`, false},
		{"an empty connection", srv.GraphQL, `{ user(login: "author001") { login repositories(first: 5) { totalCount nodes { name } } } }`, false},
		{"a bad cursor", srv.GraphQL, `{ repository(owner: "octo", name: "big") { name issues(first: 2, after: "bogus") { totalCount } } }`, true},
		{"only __typename", srv.GraphQL, `{ __typename user(login: "author001") { __typename } }`, false},
		{"the viewer", author, `{ viewer { login starredRepositories(first: 5) { totalCount nodes { name viewerHasStarred } } } }`, false},
		{"a mutation and its payload", author, `mutation { starRepository(input: {owner: "octo", name: "big"}) {
			repository { name stargazerCount viewerHasStarred owner { login } issues(first: 2) { nodes { author { login } } } } } }`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			windows := srv.LoaderDispatches(t)["window"]
			uncounted := srv.Metric(t, "hubstream_graphql_uncounted_operations_total", "")[""]
			res := tc.client.MustDo(t, tc.query, nil)
			if (len(res.Errors) > 0) != tc.errors {
				t.Fatalf("errors %+v, want errors: %v", res.Errors, tc.errors)
			}
			if got := srv.Metric(t, "hubstream_graphql_uncounted_operations_total", "")[""]; got != uncounted {
				t.Errorf("the operation was not counted exactly (uncounted %d → %d)", uncounted, got)
			}
			if got := srv.LoaderDispatches(t)["window"]; got != windows {
				t.Errorf("%d batches waited for the window", got-windows)
			}
		})
	}
}
