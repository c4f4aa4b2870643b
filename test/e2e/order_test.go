package e2e_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/test/testkit"
)

// TestStarOrderingsAsGitHub: stargazers and starredRepositories list
// the newest star first, as GitHub does, and oldest first with orderBy
// {field: STARRED_AT, direction: ASC}; paging forwards and backwards
// follows the same order. The logins and names are chosen so that
// neither alphabetical order is the starring order.
func TestStarOrderingsAsGitHub(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	const owner = "ord-owner"
	domExec(t, srv, owner, entities.CreateUser{Login: owner})
	stargazers := []string{"ord-m", "ord-z", "ord-a"} // in starring order
	repos := []string{"kilo", "alpha", "zulu"}        // starred by ord-fan in this order
	for _, u := range append(slices.Clone(stargazers), "ord-fan") {
		domExec(t, srv, u, entities.CreateUser{Login: u})
	}
	for _, r := range repos {
		domExec(t, srv, owner, entities.CreateRepository{Owner: owner, Name: r, Actor: owner})
	}
	for _, u := range stargazers {
		domExec(t, srv, u, entities.StarRepository{Owner: owner, Name: "kilo", Actor: u})
	}
	for _, r := range repos {
		domExec(t, srv, "ord-fan", entities.StarRepository{Owner: owner, Name: r, Actor: "ord-fan"})
	}
	testkit.AwaitProjected(t, srv, domCountsProjection)
	// ord-fan starred kilo last of its stargazers.
	gazersOldest := append(slices.Clone(stargazers), "ord-fan")
	gazersNewest := slices.Clone(gazersOldest)
	slices.Reverse(gazersNewest)
	reposNewest := slices.Clone(repos)
	slices.Reverse(reposNewest)

	const gazersQ = `query($order: StarOrder, $first: Int, $last: Int, $after: String, $before: String) {
		repository(owner: "ord-owner", name: "kilo") { stargazers(orderBy: $order, first: $first, last: $last, after: $after, before: $before) {
			nodes { login } pageInfo { startCursor endCursor } } } }`
	const starredQ = `query($order: StarOrder, $first: Int, $last: Int, $after: String, $before: String) {
		user(login: "ord-fan") { starredRepositories(orderBy: $order, first: $first, last: $last, after: $after, before: $before) {
			nodes { name } pageInfo { startCursor endCursor } } } }`
	asc := map[string]any{"field": "STARRED_AT", "direction": "ASC"}
	desc := map[string]any{"field": "STARRED_AT", "direction": "DESC"}
	list := func(t *testing.T, q string, vars map[string]any, path ...string) ([]string, map[string]any) {
		t.Helper()
		d := domData(t, srv.GraphQL, q, vars)
		conn := domAt(d, path...)
		var out []string
		nodes, _ := domAt(conn, "nodes").([]any)
		for _, n := range nodes {
			for _, k := range []string{"login", "name"} {
				if v := domAt(n, k); v != nil {
					out = append(out, domString(v))
				}
			}
		}
		pi, _ := domAt(conn, "pageInfo").(map[string]any)
		return out, pi
	}
	for _, tc := range []struct {
		name  string
		q     string
		path  []string
		order any
		want  []string
	}{
		{"stargazers by default", gazersQ, []string{"repository", "stargazers"}, nil, gazersNewest},
		{"stargazers DESC", gazersQ, []string{"repository", "stargazers"}, desc, gazersNewest},
		{"stargazers ASC", gazersQ, []string{"repository", "stargazers"}, asc, gazersOldest},
		{"starredRepositories by default", starredQ, []string{"user", "starredRepositories"}, nil, reposNewest},
		{"starredRepositories DESC", starredQ, []string{"user", "starredRepositories"}, desc, reposNewest},
		{"starredRepositories ASC", starredQ, []string{"user", "starredRepositories"}, asc, repos},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := list(t, tc.q, map[string]any{"order": tc.order, "first": 10}, tc.path...)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("first 10: %v, want %v", got, tc.want)
			}
			// One at a time forwards, then backwards from the end.
			var fwd []string
			var after any
			for range len(tc.want) {
				page, pi := list(t, tc.q, map[string]any{"order": tc.order, "first": 1, "after": after}, tc.path...)
				fwd = append(fwd, page...)
				after = pi["endCursor"]
			}
			if !slices.Equal(fwd, tc.want) {
				t.Errorf("paging forwards: %v, want %v", fwd, tc.want)
			}
			var back []string
			var before any
			for range len(tc.want) {
				page, pi := list(t, tc.q, map[string]any{"order": tc.order, "last": 1, "before": before}, tc.path...)
				back = append(page, back...)
				before = pi["startCursor"]
			}
			if !slices.Equal(back, tc.want) {
				t.Errorf("paging backwards: %v, want %v", back, tc.want)
			}
		})
	}
	t.Run("a cursor of one order does not page the other", func(t *testing.T) {
		_, pi := list(t, gazersQ, map[string]any{"order": asc, "first": 1}, "repository", "stargazers")
		res := srv.GraphQL.MustDo(t, gazersQ, map[string]any{"order": desc, "first": 1, "after": pi["endCursor"]})
		if res.Code() != "BAD_USER_INPUT" || !strings.Contains(res.Errors[0].Message, "cursor") {
			t.Errorf("ASC cursor on DESC: %s, want BAD_USER_INPUT about the cursor", res.Body)
		}
	})
}
