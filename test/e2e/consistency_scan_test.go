package e2e_test

import (
	"fmt"
	"testing"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/test/testkit"
)

// TestFilteredConnectionScanIsBounded: a connection filtered per viewer
// (starredRepositories, forks) examines a bounded number of items per
// page. A user who starred 200 repositories that then went private, and 5
// that stayed public, is listed to an outsider page by page with a
// bounded number of Query calls per page (it was one per 3 hidden stars),
// and paging through lists each public repository exactly once.
func TestFilteredConnectionScanIsBounded(t *testing.T) {
	// No projector in the background, so that only the query is counted.
	srv := testkit.Start(t, testkit.Options{NoProjector: true, CountRequests: true})
	const owner, fan = "scan-owner", "scan-fan"
	domExec(t, srv, owner, entities.CreateUser{Login: owner})
	domExec(t, srv, fan, entities.CreateUser{Login: fan})
	yes := true
	var public []string
	for i := range 205 {
		name := fmt.Sprintf("r%03d", i)
		domExec(t, srv, owner, entities.CreateRepository{Owner: owner, Name: name, Actor: owner})
		domExec(t, srv, fan, entities.StarRepository{Owner: owner, Name: name, Actor: fan})
		if i%41 == 40 {
			public = append(public, name)
			continue
		}
		domExec(t, srv, owner, entities.UpdateRepository{Owner: owner, Name: name, IsPrivate: &yes, Actor: owner})
	}
	projectAll(t, srv)

	const q = `query($after: String) { user(login: "scan-fan") { starredRepositories(first: 2, after: $after) {
		nodes { name } pageInfo { hasNextPage endCursor } } } }`
	seen := map[string]int{}
	var listed []string
	var after any
	pages, maxQueries := 0, 0
	for {
		if pages++; pages > 100 {
			t.Fatalf("still paging after %d pages; listed %v", pages, listed)
		}
		srv.Counter.Reset()
		d := domData(t, srv.GraphQL, q, map[string]any{"after": after})
		if n := srv.Counter.Total("Query"); n > maxQueries {
			maxQueries = n
			t.Logf("page %d: %s", pages, srv.Counter.String())
		}
		conn := domAt(d, "user", "starredRepositories")
		nodes, _ := domAt(conn, "nodes").([]any)
		for _, n := range nodes {
			name := domString(domAt(n, "name"))
			seen[name]++
			listed = append(listed, name)
		}
		if domAt(conn, "pageInfo", "hasNextPage") != true {
			break
		}
		after = domAt(conn, "pageInfo", "endCursor")
		if after == nil {
			t.Fatalf("page %d: hasNextPage without an endCursor", pages)
		}
	}
	for _, name := range public {
		if seen[name] != 1 {
			t.Errorf("%s listed %d times, want once (listed %v)", name, seen[name], listed)
		}
	}
	if len(listed) != len(public) {
		t.Errorf("listed %v, want exactly the public %v", listed, public)
	}
	// A page of 2 examines at most 30 items: 3 at a time, 10 Query calls.
	if maxQueries > 12 {
		t.Errorf("a page of 2 cost up to %d Query calls, want at most 12", maxQueries)
	}
}
