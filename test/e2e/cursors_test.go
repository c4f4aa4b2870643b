package e2e_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/test/testkit"
)

// TestCursorsSealedWhenSelected: the loaders seal a page's cursors only
// for connections that select `edges { cursor }` or `pageInfo`
// (graph/connection.go, cursorContext). Over HTTP, whichever way a cursor
// is selected (directly, through a fragment, beside an alias that selects
// none, on a page shared with stargazerCount) it is there and continues
// the list where its page ended; a page without cursors keeps its exact
// totalCount and nodes.
func TestCursorsSealedWhenSelected(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{NoProjector: true})
	domExec(t, srv, "octo", entities.CreateUser{Login: "octo"})
	repo := entities.NewRepositoryID("octo", "c")
	domExec(t, srv, "octo", entities.CreateRepository{Owner: "octo", Name: "c", Actor: "octo"})
	for n := 1; n <= 5; n++ {
		domExec(t, srv, "octo", entities.OpenIssue{Actor: "octo", Repository: repo, Title: fmt.Sprintf("issue %d", n)})
	}
	for _, u := range domUsers(t, srv, "fan", 3) {
		domExec(t, srv, u, entities.StarRepository{Owner: "octo", Name: "c", Actor: u})
	}
	projectAll(t, srv)

	// numbersAfter lists the issue numbers of the page after cursor.
	numbersAfter := func(t *testing.T, cursor string) []string {
		d := domData(t, srv.GraphQL, `query($after: String) { repository(owner: "octo", name: "c") { issues(first: 2, after: $after) { nodes { number } } } }`, map[string]any{"after": cursor})
		return domStrings(domAt(d, "repository", "issues", "nodes"), "number")
	}
	// loginsAfter lists the stargazers after cursor.
	loginsAfter := func(t *testing.T, cursor string) []string {
		d := domData(t, srv.GraphQL, `query($after: String) { repository(owner: "octo", name: "c") { stargazers(first: 2, after: $after) { nodes { login } } } }`, map[string]any{"after": cursor})
		return domStrings(domAt(d, "repository", "stargazers", "nodes"), "login")
	}
	cases := []struct {
		name  string
		query string
		check func(t *testing.T, repo map[string]any)
	}{
		{"edges with cursors beside an alias of nodes only", `{ repository(owner: "octo", name: "c") {
			plain: issues(first: 2) { totalCount nodes { number } }
			paged: issues(first: 2) { totalCount edges { cursor node { number } } } } }`,
			func(t *testing.T, r map[string]any) {
				plain, paged := domStrings(domAt(r, "plain", "nodes"), "number"), domStrings(domAt(r, "paged", "edges"), "node.number")
				if len(plain) != 2 || !slices.Equal(plain, paged) {
					t.Fatalf("nodes %v, edges %v: want the same two issues", plain, paged)
				}
				for _, alias := range []string{"plain", "paged"} {
					if got := domString(domAt(r, alias, "totalCount")); got != "5" {
						t.Errorf("%s totalCount %s, want 5", alias, got)
					}
				}
				cursors := domStrings(domAt(r, "paged", "edges"), "cursor")
				if len(cursors) != 2 || cursors[0] == "" || cursors[1] == "" {
					t.Fatalf("cursors %q, want two", cursors)
				}
				if next := numbersAfter(t, cursors[1]); len(next) != 2 || slices.Contains(plain, next[0]) || slices.Contains(plain, next[1]) {
					t.Fatalf("after the page's last cursor: %v, want the next two issues after %v", next, plain)
				}
			}},
		{"pageInfo and cursors through a fragment", `{ repository(owner: "octo", name: "c") { issues(first: 2) { ...Paging nodes { number } } } }
			fragment Paging on IssueConnection { pageInfo { hasNextPage endCursor } edges { cursor } }`,
			func(t *testing.T, r map[string]any) {
				end, _ := domAt(r, "issues", "pageInfo", "endCursor").(string)
				cursors := domStrings(domAt(r, "issues", "edges"), "cursor")
				if end == "" || len(cursors) != 2 || cursors[1] != end {
					t.Fatalf("endCursor %q, cursors %q: want the last cursor as endCursor", end, cursors)
				}
				if domAt(r, "issues", "pageInfo", "hasNextPage") != true {
					t.Fatal("hasNextPage false on 2 of 5 issues")
				}
				page := domStrings(domAt(r, "issues", "nodes"), "number")
				if next := numbersAfter(t, end); len(next) != 2 || slices.Contains(page, next[0]) {
					t.Fatalf("after endCursor: %v, want the two issues after %v", next, page)
				}
			}},
		{"a stargazers page shared with stargazerCount and a nodes-only alias", `{ repository(owner: "octo", name: "c") { stargazerCount
			a: stargazers(first: 2) { nodes { login } }
			b: stargazers(first: 2) { pageInfo { hasNextPage endCursor } edges { cursor node { login } } } } }`,
			func(t *testing.T, r map[string]any) {
				if got := domString(r["stargazerCount"]); got != "3" {
					t.Errorf("stargazerCount %s, want 3", got)
				}
				end, _ := domAt(r, "b", "pageInfo", "endCursor").(string)
				cursors := domStrings(domAt(r, "b", "edges"), "cursor")
				if end == "" || len(cursors) != 2 || cursors[0] == "" {
					t.Fatalf("endCursor %q, cursors %q: want both", end, cursors)
				}
				page := domStrings(domAt(r, "a", "nodes"), "login")
				if next := loginsAfter(t, end); len(next) != 1 || slices.Contains(page, next[0]) {
					t.Fatalf("after endCursor: %v, want the one stargazer not in %v", next, page)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := domData(t, srv.GraphQL, tc.query, nil)
			r, _ := d["repository"].(map[string]any)
			if r == nil {
				t.Fatalf("no repository in %v", d)
			}
			tc.check(t, r)
		})
	}
}

// domStrings renders field (a dotted path) of every object of list as text.
func domStrings(list any, field string) []string {
	items, _ := list.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		v := it
		for _, p := range strings.Split(field, ".") {
			v = domAt(v, p)
		}
		out = append(out, domString(v))
	}
	return out
}
