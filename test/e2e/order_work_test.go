package e2e_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/test/testkit"
)

// workNode is an issue or pull request as the ordering tests read it.
type workNode struct {
	number  int
	updated string
}

// workPageOf reads one page of the connection at path.
func workPageOf(t *testing.T, c *testkit.Client, q string, vars map[string]any, path ...string) (nodes []workNode, start, end string, hasNext, hasPrev bool) {
	t.Helper()
	conn := domAt(domData(t, c, q, vars), path...)
	list, _ := domAt(conn, "nodes").([]any)
	for _, n := range list {
		num, _ := domAt(n, "number").(float64)
		nodes = append(nodes, workNode{number: int(num), updated: domString(domAt(n, "updatedAt"))})
	}
	pi := domAt(conn, "pageInfo")
	next, _ := domAt(pi, "hasNextPage").(bool)
	prev, _ := domAt(pi, "hasPreviousPage").(bool)
	return nodes, domString(domAt(pi, "startCursor")), domString(domAt(pi, "endCursor")), next, prev
}

// TestWorkOrderingsUnderInserts pages every ordering (CREATED_AT and
// UPDATED_AT, ASC and DESC) of issues and pull requests, in every states
// filter (each state, combinations, none), forwards and backwards, while
// new items are opened between the first pages: every item that existed when paging
// began is listed exactly once, the list is in the ordering's order, and
// walking towards the newest end lists the items opened meanwhile too.
func TestWorkOrderingsUnderInserts(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	const owner = "ins-owner"
	domExec(t, srv, owner, entities.CreateUser{Login: owner})
	state := map[int]string{}
	// setUp creates repository name with 15 issues (every third closed)
	// and 18 pull requests (open, closed, merged in turn), the first six
	// of each edited last, in reverse: by update they come after every
	// other item, highest number first.
	setUp := func(name string) {
		repo := entities.NewRepositoryID(owner, name)
		domExec(t, srv, owner, entities.CreateRepository{Owner: owner, Name: name, Actor: owner})
		for n := 1; n <= 15; n++ {
			domExec(t, srv, owner, entities.OpenIssue{Actor: owner, Repository: repo, Title: fmt.Sprintf("issue %d", n)})
			state[n] = "OPEN"
			if n%3 == 0 {
				domExec(t, srv, owner, entities.CloseIssue{Actor: owner, Repository: repo, Number: n})
				state[n] = "CLOSED"
			}
		}
		for n := 16; n <= 33; n++ {
			domExec(t, srv, owner, entities.OpenPullRequest{Actor: owner, Repository: repo, Title: fmt.Sprintf("pr %d", n), HeadRef: fmt.Sprintf("t%d", n), BaseRef: "main"})
			state[n] = "OPEN"
			switch n % 3 {
			case 1:
				domExec(t, srv, owner, entities.ClosePullRequest{Actor: owner, Repository: repo, Number: n})
				state[n] = "CLOSED"
			case 2:
				domExec(t, srv, owner, entities.MergePullRequest{Actor: owner, Repository: repo, Number: n})
				state[n] = "MERGED"
			}
		}
		for _, n := range []int{21, 20, 19, 18, 17, 16, 6, 5, 4, 3, 2, 1} {
			title := fmt.Sprintf("edited %d", n)
			if n <= 15 {
				domExec(t, srv, owner, entities.EditIssue{Actor: owner, Repository: repo, Number: n, Title: &title})
			} else {
				domExec(t, srv, owner, entities.EditPullRequest{Actor: owner, Repository: repo, Number: n, Title: &title})
			}
		}
	}
	c := asLogin(t, srv, owner)

	type conn struct {
		field, states string
		inState       []string
		insert        string // the mutation opening a new (OPEN) item
	}
	openIssue := `mutation($r: String!, $t: String!) { openIssue(input: {owner: "ins-owner", repository: $r, title: $t}) { issue { number } } }`
	openPull := `mutation($r: String!, $t: String!) { openPullRequest(input: {owner: "ins-owner", repository: $r, title: $t, headRef: $t, baseRef: "main"}) { pullRequest { number } } }`
	var conns []conn
	for _, s := range [][]string{nil, {"OPEN"}, {"CLOSED"}} {
		conns = append(conns, conn{"issues", "[" + strings.Join(s, ", ") + "]", s, openIssue})
	}
	for _, s := range [][]string{nil, {"OPEN"}, {"CLOSED"}, {"MERGED"}, {"OPEN", "MERGED"}, {"CLOSED", "MERGED"}, {"CLOSED", "OPEN"}, {"OPEN", "CLOSED", "MERGED"}} {
		conns = append(conns, conn{"pullRequests", "[" + strings.Join(s, ", ") + "]", s, openPull})
	}
	// Each connection pages its own repository, so that what the others
	// opened does not pile up in it.
	for i := range conns {
		setUp(fmt.Sprintf("flux%d", i))
	}
	testkit.AwaitProjected(t, srv, domCountsProjection)
	inserted := 0
	for i, cn := range conns {
		repo := fmt.Sprintf("flux%d", i)
		for _, field := range []string{"CREATED_AT", "UPDATED_AT"} {
			for _, dir := range []string{"ASC", "DESC"} {
				for _, backward := range []bool{false, true} {
					walk := "forward"
					if backward {
						walk = "backward"
					}
					t.Run(fmt.Sprintf("%s %s %s %s %s", cn.field, cn.states, field, dir, walk), func(t *testing.T) {
						q := `query($first: Int, $after: String, $last: Int, $before: String) { repository(owner: "ins-owner", name: "` + repo + `") {
							conn: ` + cn.field + `(states: ` + cn.states + `, orderBy: {field: ` + field + `, direction: ` + dir + `}, first: $first, after: $after, last: $last, before: $before) {
							nodes { number updatedAt } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } } }`
						// What exists now, read in one page.
						all, _, _, _, _ := workPageOf(t, c, q, pageVars(100, nil, nil, nil), "repository", "conn")
						var got []workNode
						var opened []int
						var cursor any
						for page := 0; ; page++ {
							if page > 40 {
								t.Fatal("more than 40 pages")
							}
							vars := pageVars(4, nil, cursor, nil)
							if backward {
								vars = pageVars(nil, 4, nil, cursor)
							}
							nodes, start, end, next, prev := workPageOf(t, c, q, vars, "repository", "conn")
							if backward {
								got = append(slices.Clone(nodes), got...)
								if !prev {
									break
								}
								cursor = start
							} else {
								got = append(got, nodes...)
								if !next {
									break
								}
								cursor = end
							}
							if page >= 2 {
								continue
							}
							// An item opened between two of the first
							// pages.
							inserted++
							res := trustOK(t, c, cn.insert, map[string]any{"r": repo, "t": fmt.Sprintf("new-%d", inserted)})
							var n float64
							if cn.field == "issues" {
								n, _ = domAt(mapOf(t, res), "openIssue", "issue", "number").(float64)
							} else {
								n, _ = domAt(mapOf(t, res), "openPullRequest", "pullRequest", "number").(float64)
							}
							opened = append(opened, int(n))
						}
						t.Logf("listed %d (%d there at the start, %d opened while paging)", len(got), len(all), len(opened))
						listed := map[int]int{}
						for _, w := range got {
							listed[w.number]++
						}
						for n, k := range listed {
							if k > 1 {
								t.Errorf("number %d listed %d times", n, k)
							}
						}
						if len(all) < 2 && len(cn.inState) != 0 {
							t.Fatalf("the set-up left %d items in %v", len(all), cn.inState)
						}
						for _, w := range all {
							if listed[w.number] == 0 {
								t.Errorf("number %d, there when paging began, was not listed: %v", w.number, got)
							}
						}
						// The order: each item after the previous one.
						for i := 1; i < len(got); i++ {
							a, b := got[i-1], got[i]
							ka, kb := fmt.Sprintf("%08d", a.number), fmt.Sprintf("%08d", b.number)
							if field == "UPDATED_AT" {
								ka, kb = a.updated+ka, b.updated+kb
							}
							if (dir == "ASC" && ka >= kb) || (dir == "DESC" && ka <= kb) {
								t.Fatalf("%v then %v is not %s %s: %v", a, b, field, dir, got)
							}
						}
						// Walking towards the newest end (ASC forwards,
						// DESC backwards) meets every item opened
						// meanwhile (they are OPEN).
						towardsNewest := (dir == "ASC") != backward
						if towardsNewest && (len(cn.inState) == 0 || slices.Contains(cn.inState, "OPEN")) {
							for _, n := range opened {
								if listed[n] != 1 {
									t.Errorf("number %d, opened while paging, listed %d times", n, listed[n])
								}
							}
						}
						// Their states: only items of the states asked for.
						for _, w := range got {
							if s, ok := state[w.number]; ok && len(cn.inState) > 0 && !slices.Contains(cn.inState, s) {
								t.Errorf("number %d (%s) listed among %v", w.number, s, cn.inState)
							}
						}
					})
				}
			}
		}
	}
}

// TestUpdatedAtOrderFollowsEdits: an edit, a state change or a label
// change moves an issue or pull request to the recently updated end of
// every UPDATED_AT listing (its repository's, in its state, with its
// label) and leaves its CREATED_AT position alone.
func TestUpdatedAtOrderFollowsEdits(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	const owner = "upd-owner"
	domExec(t, srv, owner, entities.CreateUser{Login: owner})
	c := asLogin(t, srv, owner)
	trustOK(t, c, `mutation { createRepository(input: {name: "moves"}) { repository { name } } }`, nil)
	label := trustOK(t, c, `mutation { createLabel(input: {owner: "upd-owner", repository: "moves", name: "bug", color: "d73a4a"}) { label { id } } }`, nil)
	labelID := domString(domAt(mapOf(t, label), "createLabel", "label", "id"))
	for i := 1; i <= 3; i++ {
		trustOK(t, c, `mutation($t: String!) { openIssue(input: {owner: "upd-owner", repository: "moves", title: $t}) { issue { number } } }`, map[string]any{"t": fmt.Sprintf("issue %d", i)})
	}
	for i := 4; i <= 6; i++ {
		trustOK(t, c, `mutation($t: String!) { openPullRequest(input: {owner: "upd-owner", repository: "moves", title: $t, headRef: $t, baseRef: "main"}) { pullRequest { number } } }`, map[string]any{"t": fmt.Sprintf("pr-%d", i)})
	}
	nodeID := func(kind string, n int) string {
		d := domData(t, c, fmt.Sprintf(`{ repository(owner: "upd-owner", name: "moves") { %s(number: %d) { id } } }`, kind, n), nil)
		return domString(domAt(d, "repository", kind, "id"))
	}
	issue1 := nodeID("issue", 1)
	trustOK(t, c, `mutation($id: ID!, $l: [ID!]!) { addLabelsToLabelable(input: {labelableId: $id, labelIds: $l}) { issue { number } } }`, map[string]any{"id": nodeID("issue", 2), "l": []string{labelID}})
	trustOK(t, c, `mutation($id: ID!, $l: [ID!]!) { addLabelsToLabelable(input: {labelableId: $id, labelIds: $l}) { issue { number } } }`, map[string]any{"id": nodeID("issue", 3), "l": []string{labelID}})
	trustOK(t, c, `mutation($id: ID!, $l: [ID!]!) { addLabelsToLabelable(input: {labelableId: $id, labelIds: $l}) { issue { number } } }`, map[string]any{"id": issue1, "l": []string{labelID}})

	list := func(t *testing.T, conn string) []int {
		t.Helper()
		nodes, _, _, _, _ := workPageOf(t, c, `{ repository(owner: "upd-owner", name: "moves") { conn: `+conn+` { nodes { number updatedAt } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } } }`, nil, "repository", "conn")
		var out []int
		for _, n := range nodes {
			out = append(out, n.number)
		}
		return out
	}
	steps := []struct {
		name, mutation string
		vars           map[string]any
		conn           string
		want           []int
	}{
		{"labels added, by update", "", nil, `issues(orderBy: {field: UPDATED_AT, direction: DESC}, first: 10)`, []int{1, 3, 2}},
		{"labels added, with the label by update", "", nil, `issues(labels: ["bug"], orderBy: {field: UPDATED_AT, direction: DESC}, first: 10)`, []int{1, 3, 2}},
		{"an edit moves issue 2 first", `mutation { editIssue(input: {owner: "upd-owner", repository: "moves", number: 2, title: "edited"}) { issue { number } } }`, nil,
			`issues(orderBy: {field: UPDATED_AT, direction: DESC}, first: 10)`, []int{2, 1, 3}},
		{"and in its state", "", nil, `issues(states: [OPEN], orderBy: {field: UPDATED_AT, direction: DESC}, first: 10)`, []int{2, 1, 3}},
		{"and with its label", "", nil, `issues(labels: ["bug"], states: [OPEN], orderBy: {field: UPDATED_AT, direction: ASC}, first: 10)`, []int{3, 1, 2}},
		{"but not by creation", "", nil, `issues(orderBy: {field: CREATED_AT, direction: DESC}, first: 10)`, []int{3, 2, 1}},
		{"closing issue 3 moves it to the closed listing, last by update ascending", `mutation { closeIssue(input: {owner: "upd-owner", repository: "moves", number: 3}) { issue { number } } }`, nil,
			`issues(states: [CLOSED, OPEN], orderBy: {field: UPDATED_AT, direction: ASC}, first: 10)`, []int{1, 2, 3}},
		{"the closed listing", "", nil, `issues(states: [CLOSED], orderBy: {field: UPDATED_AT, direction: DESC}, first: 10)`, []int{3}},
		{"pull requests by update before", "", nil, `pullRequests(orderBy: {field: UPDATED_AT, direction: DESC}, first: 10)`, []int{6, 5, 4}},
		{"merging pull request 4 moves it first", `mutation { mergePullRequest(input: {owner: "upd-owner", repository: "moves", number: 4}) { pullRequest { number } } }`, nil,
			`pullRequests(orderBy: {field: UPDATED_AT, direction: DESC}, first: 10)`, []int{4, 6, 5}},
		{"and among open and merged ones", "", nil, `pullRequests(states: [MERGED, OPEN], orderBy: {field: UPDATED_AT, direction: DESC}, first: 10)`, []int{4, 6, 5}},
		{"and by creation it stays", "", nil, `pullRequests(states: [MERGED, OPEN], orderBy: {field: CREATED_AT, direction: ASC}, first: 10)`, []int{4, 5, 6}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.mutation != "" {
				trustOK(t, c, s.mutation, s.vars)
			}
			if got := list(t, s.conn); !slices.Equal(got, s.want) {
				t.Fatalf("%s = %v, want %v", s.conn, got, s.want)
			}
		})
	}
}

// mapOf decodes a response's data.
func mapOf(t *testing.T, res *testkit.Response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := res.Decode(&m); err != nil {
		t.Fatalf("data %s: %v", res.Data, err)
	}
	return m
}

// TestOrderingQueryRequests counts the DynamoDB requests of one page of
// each ordering and states filter: one Query per state of a merged
// listing (two of three pull request states: two), one for every other
// (one state, all states; with a label, one more that finds the label by
// name), the same on a page
// after or before a cursor — never a walk over items of other states.
func TestOrderingQueryRequests(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{NoProjector: true, CountRequests: true, Configure: testkit.NoStallWindow})
	const owner = "req-owner"
	domExec(t, srv, owner, entities.CreateUser{Login: owner})
	domExec(t, srv, owner, entities.CreateRepository{Owner: owner, Name: "counted", Actor: owner})
	repo := entities.NewRepositoryID(owner, "counted")
	bug := entities.NewCommentLocalID(time.Now(), [10]byte{0xc})
	domExec(t, srv, owner, entities.CreateLabel{Repository: repo, ID: bug, Name: "bug", Color: "d73a4a", Actor: owner})
	for n := 1; n <= 30; n++ {
		if n%2 == 1 {
			domExec(t, srv, owner, entities.OpenIssue{Actor: owner, Repository: repo, Title: fmt.Sprintf("issue %d", n), Labels: []entities.LabelRef{{Repository: repo, ID: bug}}})
			continue
		}
		domExec(t, srv, owner, entities.OpenPullRequest{Actor: owner, Repository: repo, Title: fmt.Sprintf("pr %d", n), HeadRef: fmt.Sprintf("t%d", n), BaseRef: "main"})
		switch n % 6 {
		case 2:
			domExec(t, srv, owner, entities.ClosePullRequest{Actor: owner, Repository: repo, Number: n})
		case 4:
			domExec(t, srv, owner, entities.MergePullRequest{Actor: owner, Repository: repo, Number: n})
		}
	}
	projectAll(t, srv)
	for _, tc := range []struct {
		name, conn string
		queries    int
	}{
		{"all issues by creation", `issues(orderBy: {field: CREATED_AT, direction: DESC}`, 1},
		{"open issues by update", `issues(states: [OPEN], orderBy: {field: UPDATED_AT, direction: DESC}`, 1},
		// The label is found by name (one Query), then its links.
		{"issues with a label by update", `issues(labels: ["bug"], orderBy: {field: UPDATED_AT, direction: ASC}`, 2},
		{"all pull requests by update", `pullRequests(orderBy: {field: UPDATED_AT, direction: ASC}`, 1},
		{"merged pull requests", `pullRequests(states: [MERGED]`, 1},
		{"open and merged pull requests by update", `pullRequests(states: [OPEN, MERGED], orderBy: {field: UPDATED_AT, direction: DESC}`, 2},
		{"closed and merged pull requests by creation", `pullRequests(states: [CLOSED, MERGED], orderBy: {field: CREATED_AT, direction: ASC}`, 2},
		{"every state named", `pullRequests(states: [CLOSED, MERGED, OPEN]`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := `query($first: Int, $after: String, $last: Int, $before: String) { repository(owner: "req-owner", name: "counted") {
				conn: ` + tc.conn + `, first: $first, after: $after, last: $last, before: $before) { nodes { number updatedAt } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } } }`
			var cursor string
			for _, page := range []struct {
				name string
				vars func() map[string]any
			}{
				{"first page", func() map[string]any { return pageVars(3, nil, nil, nil) }},
				{"after a cursor", func() map[string]any { return pageVars(3, nil, cursor, nil) }},
				{"before a cursor", func() map[string]any { return pageVars(nil, 2, nil, cursor) }},
			} {
				srv.Counter.Reset()
				nodes, _, end, _, _ := workPageOf(t, srv.GraphQL, q, page.vars(), "repository", "conn")
				got := srv.Counter.Counts()
				t.Logf("%s: %d nodes, %s", page.name, len(nodes), srv.Counter)
				if len(nodes) == 0 {
					t.Fatalf("%s: no nodes", page.name)
				}
				if got["Query"] != tc.queries {
					t.Errorf("%s: %d Query, want %d", page.name, got["Query"], tc.queries)
				}
				if page.name == "first page" {
					cursor = end
				}
			}
		})
	}
}
