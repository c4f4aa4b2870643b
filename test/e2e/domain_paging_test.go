package e2e_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// domPagingCase is one access pattern listed through its connection.
type domPagingCase struct {
	name string
	// outer is the query around the connection, with %s where the
	// connection goes (aliased conn); path leads to it in the data.
	outer string
	path  []string
	// field is the connection field, args its other arguments (e.g.
	// "states: [OPEN]").
	field, args string
	// key is the node field that identifies an item.
	key string
	// want is every item's key in the connection's order.
	want []string
	// stored is the counter totalCount must equal, read from the read
	// model.
	stored func(t *testing.T) int
}

func (c domPagingCase) query() string {
	conn := "conn: " + c.field + "(" + c.args + " first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { " + strings.ReplaceAll(c.key, ".", " { ") + strings.Repeat(" }", strings.Count(c.key, ".")) + " } } }"
	return "query($first: Int, $after: String, $last: Int, $before: String) { " + fmt.Sprintf(c.outer, conn) + " }"
}

// pageVars are the Relay arguments of one request (nil for absent ones).
func pageVars(first, last any, after, before any) map[string]any {
	return map[string]any{"first": first, "after": after, "last": last, "before": before}
}

// TestDomainPaging lists every access pattern through its connection over
// HTTP, forward (first 50 … after) and backward (last 50 … before), on
// collections of 100 to 260 items: no duplicates, no gaps, the documented
// order, hasNextPage and hasPreviousPage exact on every page (so at both
// ends), totalCount equal to the stored counter; and every malformed
// request of a page (a tampered cursor, a cursor of another connection or
// of other arguments, first: 0, first: 101, first with last) is
// BAD_USER_INPUT.
func TestDomainPaging(t *testing.T) {
	const pageSize = 50
	srv := testkit.Start(t, testkit.Options{})
	rng := rand.New(rand.NewPCG(7, 11))
	shuffled := func(xs []string) []string {
		out := append([]string(nil), xs...)
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	start := time.Now()

	// Set-up through the Executor (the subject here is reading).
	domExec(t, srv, "owner", entities.CreateUser{Login: "owner"})
	for _, u := range []string{"hoarder", "fan", "joiner"} {
		domExec(t, srv, u, entities.CreateUser{Login: u})
	}
	users := domUsers(t, srv, "u", 110)
	big := entities.NewRepositoryID("owner", "big")
	domExec(t, srv, "owner", entities.CreateRepository{Owner: "owner", Name: "big", Actor: "owner"})
	domExec(t, srv, "owner", entities.CreateRepository{Owner: "owner", Name: "small", Actor: "owner"})

	// Issues and pull requests, each recorded with its state, label and
	// the step of its last change (their updatedAt order: every change
	// below is one command after the previous one).
	work := map[int]*domWork{}
	step := 0
	touch := func(n int, state string) {
		step++
		if work[n] == nil {
			work[n] = &domWork{n: n}
		}
		work[n].state, work[n].updated = state, step
	}
	bug := entities.NewCommentLocalID(time.Now(), [10]byte{0xb})
	domExec(t, srv, "owner", entities.CreateLabel{Repository: big, ID: bug, Name: "bug", Color: "d73a4a", Actor: "owner"})
	// 260 issues, every other one closed; the open ones and every fourth
	// closed one labeled bug.
	const issues = 260
	for n := 1; n <= issues; n++ {
		cmd := entities.OpenIssue{Actor: users[n%10], Repository: big, Title: fmt.Sprintf("issue %d", n)}
		if n%4 != 2 {
			cmd.Actor, cmd.Labels = "owner", []entities.LabelRef{{Repository: big, ID: bug}}
		}
		domExec(t, srv, cmd.Actor, cmd)
		touch(n, "OPEN")
		work[n].issue, work[n].labeled = true, n%4 != 2
		if n%2 == 0 {
			domExec(t, srv, "owner", entities.CloseIssue{Actor: "owner", Repository: big, Number: n})
			touch(n, "CLOSED")
		}
	}
	// 200 pull requests (numbers 261…460): OPEN, CLOSED, MERGED, and
	// closed then reopened.
	for i := range 200 {
		n := issues + 1 + i
		author := users[20+i%10]
		domExec(t, srv, author, entities.OpenPullRequest{Actor: author, Repository: big, Title: fmt.Sprintf("pr %d", n), HeadRef: fmt.Sprintf("topic-%d", n), BaseRef: "main"})
		touch(n, "OPEN")
		switch i % 4 {
		case 1:
			domExec(t, srv, author, entities.ClosePullRequest{Actor: author, Repository: big, Number: n})
			touch(n, "CLOSED")
		case 2:
			domExec(t, srv, "owner", entities.MergePullRequest{Actor: "owner", Repository: big, Number: n})
			touch(n, "MERGED")
		case 3:
			domExec(t, srv, author, entities.ClosePullRequest{Actor: author, Repository: big, Number: n})
			domExec(t, srv, author, entities.ReopenPullRequest{Actor: author, Repository: big, Number: n})
			touch(n, "OPEN")
		}
	}
	// 60 issues and 60 pull requests edited afterwards, in shuffled
	// order: their updatedAt order is no longer their number order.
	var numbers []int
	for n := 1; n <= issues+200; n++ {
		numbers = append(numbers, n)
	}
	rng.Shuffle(len(numbers), func(i, j int) { numbers[i], numbers[j] = numbers[j], numbers[i] })
	for _, n := range numbers[:120] {
		title := fmt.Sprintf("edited %d", n)
		if w := work[n]; w.issue {
			domExec(t, srv, "owner", entities.EditIssue{Actor: "owner", Repository: big, Number: n, Title: &title})
		} else {
			domExec(t, srv, "owner", entities.EditPullRequest{Actor: "owner", Repository: big, Number: n, Title: &title})
		}
		touch(n, work[n].state)
	}
	issue := func(states ...string) func(w *domWork) bool {
		return func(w *domWork) bool { return w.issue && (len(states) == 0 || slices.Contains(states, w.state)) }
	}
	pull := func(states ...string) func(w *domWork) bool {
		return func(w *domWork) bool { return !w.issue && (len(states) == 0 || slices.Contains(states, w.state)) }
	}
	labeled := func(states ...string) func(w *domWork) bool {
		return func(w *domWork) bool { return issue(states...)(w) && w.labeled }
	}
	listed := func(keep func(*domWork) bool, byUpdate, desc bool) []string {
		return domWorkOrder(work, keep, byUpdate, desc)
	}
	// 130 comments on issue 2, oldest first; ids sort by creation (their
	// entropy counts up within a millisecond).
	var comments []string
	lastID := ""
	for i := range 130 {
		var e [10]byte
		e[8], e[9] = byte(i>>8), byte(i)
		id := entities.NewCommentLocalID(time.Now(), e)
		if id <= lastID {
			t.Fatalf("comment ids do not grow: %s after %s", id, lastID)
		}
		lastID = id
		body := fmt.Sprintf("comment %03d", i)
		author := users[i%7]
		domExec(t, srv, author, entities.AddComment{Actor: author, Repository: big, Number: 2, ID: id, Body: body})
		comments = append(comments, body)
	}
	// Stargazers (newest star first) and forks (by owner login), made in
	// shuffled order so that neither order is the accounts' order.
	var gazers []string
	for _, u := range shuffled(users) {
		domExec(t, srv, u, entities.StarRepository{Owner: "owner", Name: "big", Actor: u})
		gazers = append([]string{u}, gazers...)
	}
	forkers := users[:105]
	var forks []string // newest first
	for _, u := range shuffled(forkers) {
		domExec(t, srv, u, entities.ForkRepository{Owner: "owner", Name: "big", Actor: u})
		forks = append([]string{u + "/big"}, forks...)
	}
	// An organization with 105 members (login order), and a user in 105
	// organizations (organization login order).
	domExec(t, srv, "owner", entities.CreateOrganization{Login: "guild", Actor: "owner"})
	members := append([]string{"owner"}, users[:104]...)
	for _, u := range shuffled(users[:104]) {
		domExec(t, srv, "owner", entities.AddMember{Org: "guild", Login: u, Role: entities.RoleMember, Actor: "owner"})
	}
	sort.Strings(members)
	var orgs []string
	for i := range 105 {
		orgs = append(orgs, fmt.Sprintf("o%03d", i))
	}
	for _, o := range shuffled(orgs) {
		domExec(t, srv, "joiner", entities.CreateOrganization{Login: o, Actor: "joiner"})
	}
	// An owner with 105 repositories (recently updated first), a few
	// updated after creation, all starred by fan (by owner and name).
	var touched []string // oldest change first
	var repositoryNames []string
	for i := range 105 {
		repositoryNames = append(repositoryNames, fmt.Sprintf("r%03d", i))
	}
	for _, name := range shuffled(repositoryNames) {
		domExec(t, srv, "hoarder", entities.CreateRepository{Owner: "hoarder", Name: name, Actor: "hoarder"})
		touched = append(touched, name)
	}
	for i, name := range []string{"r050", "r000", "r104", "r017", "r050"} {
		d := fmt.Sprintf("touched %s (%d)", name, i)
		domExec(t, srv, "hoarder", entities.UpdateRepository{Owner: "hoarder", Name: name, Description: &d, Actor: "hoarder"})
		for i, x := range touched {
			if x == name {
				touched = append(touched[:i], touched[i+1:]...)
				break
			}
		}
		touched = append(touched, name)
	}
	var recent []string
	for i := len(touched) - 1; i >= 0; i-- {
		recent = append(recent, touched[i])
	}
	var starred []string // newest star first
	for _, name := range shuffled(repositoryNames) {
		domExec(t, srv, "fan", entities.StarRepository{Owner: "hoarder", Name: name, Actor: "fan"})
		starred = append([]string{"hoarder/" + name}, starred...)
	}
	aggregates := testkit.AwaitProjected(t, srv, 90*time.Second)
	t.Logf("set-up: %d aggregates written and projected in %v", aggregates, time.Since(start).Round(time.Millisecond))

	counter := func(k table.Key, attrs ...string) func(t *testing.T) int {
		return func(t *testing.T) int {
			it := testkit.GetItem(t, srv, k)
			if it == nil {
				t.Fatalf("no read item %v", k)
			}
			n := 0
			for _, a := range attrs {
				n += testkit.NumberAttr(t, it, a)
			}
			return n
		}
	}
	bigKey := table.RepositoryKey("owner", "big")
	repositoryBig := `repository(owner: "owner", name: "big") { %s }`
	cases := []domPagingCase{
		{"open issues, by number", repositoryBig, []string{"repository", "conn"}, "issues", "states: [OPEN] orderBy: {field: CREATED_AT, direction: ASC}", "number", listed(issue("OPEN"), false, false), counter(bigKey, readmodel.AttrOpenIssueCount)},
		{"open issues, newest first", repositoryBig, []string{"repository", "conn"}, "issues", "states: [OPEN]", "number", listed(issue("OPEN"), false, true), counter(bigKey, readmodel.AttrOpenIssueCount)},
		{"open issues, recently updated first", repositoryBig, []string{"repository", "conn"}, "issues", "states: [OPEN] orderBy: {field: UPDATED_AT, direction: DESC}", "number", listed(issue("OPEN"), true, true), counter(bigKey, readmodel.AttrOpenIssueCount)},
		{"open issues, least recently updated first", repositoryBig, []string{"repository", "conn"}, "issues", "states: [OPEN] orderBy: {field: UPDATED_AT, direction: ASC}", "number", listed(issue("OPEN"), true, false), counter(bigKey, readmodel.AttrOpenIssueCount)},
		{"closed issues, by number", repositoryBig, []string{"repository", "conn"}, "issues", "states: [CLOSED] orderBy: {field: CREATED_AT, direction: ASC}", "number", listed(issue("CLOSED"), false, false), counter(bigKey, readmodel.AttrClosedIssueCount)},
		{"closed issues, newest first", repositoryBig, []string{"repository", "conn"}, "issues", "states: [CLOSED] orderBy: {field: CREATED_AT, direction: DESC}", "number", listed(issue("CLOSED"), false, true), counter(bigKey, readmodel.AttrClosedIssueCount)},
		{"closed issues, recently updated first", repositoryBig, []string{"repository", "conn"}, "issues", "states: [CLOSED] orderBy: {field: UPDATED_AT, direction: DESC}", "number", listed(issue("CLOSED"), true, true), counter(bigKey, readmodel.AttrClosedIssueCount)},
		{"all issues, by number", repositoryBig, []string{"repository", "conn"}, "issues", "orderBy: {field: CREATED_AT, direction: ASC}", "number", listed(issue(), false, false), counter(bigKey, readmodel.AttrOpenIssueCount, readmodel.AttrClosedIssueCount)},
		{"all issues, newest first", repositoryBig, []string{"repository", "conn"}, "issues", "states: [CLOSED, OPEN]", "number", listed(issue(), false, true), counter(bigKey, readmodel.AttrOpenIssueCount, readmodel.AttrClosedIssueCount)},
		{"all issues, least recently updated first", repositoryBig, []string{"repository", "conn"}, "issues", "orderBy: {field: UPDATED_AT, direction: ASC}", "number", listed(issue(), true, false), counter(bigKey, readmodel.AttrOpenIssueCount, readmodel.AttrClosedIssueCount)},
		{"issues labeled bug, by number", repositoryBig, []string{"repository", "conn"}, "issues", `labels: ["BUG"] orderBy: {field: CREATED_AT, direction: ASC}`, "number", listed(labeled(), false, false), counter(table.LabelKey("owner", "big", bug), readmodel.AttrIssueCount)},
		{"issues labeled bug, recently updated first", repositoryBig, []string{"repository", "conn"}, "issues", `labels: ["bug"] orderBy: {field: UPDATED_AT, direction: DESC}`, "number", listed(labeled(), true, true), counter(table.LabelKey("owner", "big", bug), readmodel.AttrIssueCount)},
		{"open issues labeled bug, newest first", repositoryBig, []string{"repository", "conn"}, "issues", `labels: ["bug"] states: [OPEN] orderBy: {field: CREATED_AT, direction: DESC}`, "number", listed(labeled("OPEN"), false, true), func(*testing.T) int { return len(listed(labeled("OPEN"), false, true)) }},
		{"open issues labeled bug, least recently updated first", repositoryBig, []string{"repository", "conn"}, "issues", `labels: ["bug"] states: [OPEN] orderBy: {field: UPDATED_AT, direction: ASC}`, "number", listed(labeled("OPEN"), true, false), func(*testing.T) int { return len(listed(labeled("OPEN"), true, false)) }},
		{"pull requests, by number", repositoryBig, []string{"repository", "conn"}, "pullRequests", "orderBy: {field: CREATED_AT, direction: ASC}", "number", listed(pull(), false, false), counter(bigKey, readmodel.AttrOpenPullCount, readmodel.AttrClosedPullCount, readmodel.AttrMergedPullCount)},
		{"pull requests, recently updated first", repositoryBig, []string{"repository", "conn"}, "pullRequests", "orderBy: {field: UPDATED_AT, direction: DESC}", "number", listed(pull(), true, true), counter(bigKey, readmodel.AttrOpenPullCount, readmodel.AttrClosedPullCount, readmodel.AttrMergedPullCount)},
		{"open and merged pull requests, by number", repositoryBig, []string{"repository", "conn"}, "pullRequests", "states: [MERGED, OPEN] orderBy: {field: CREATED_AT, direction: ASC}", "number", listed(pull("OPEN", "MERGED"), false, false), counter(bigKey, readmodel.AttrOpenPullCount, readmodel.AttrMergedPullCount)},
		{"open and merged pull requests, recently updated first", repositoryBig, []string{"repository", "conn"}, "pullRequests", "states: [MERGED, OPEN] orderBy: {field: UPDATED_AT, direction: DESC}", "number", listed(pull("OPEN", "MERGED"), true, true), counter(bigKey, readmodel.AttrOpenPullCount, readmodel.AttrMergedPullCount)},
		{"closed and merged pull requests, newest first", repositoryBig, []string{"repository", "conn"}, "pullRequests", "states: [CLOSED, MERGED] orderBy: {field: CREATED_AT, direction: DESC}", "number", listed(pull("CLOSED", "MERGED"), false, true), counter(bigKey, readmodel.AttrClosedPullCount, readmodel.AttrMergedPullCount)},
		{"closed and merged pull requests, least recently updated first", repositoryBig, []string{"repository", "conn"}, "pullRequests", "states: [MERGED, CLOSED] orderBy: {field: UPDATED_AT, direction: ASC}", "number", listed(pull("CLOSED", "MERGED"), true, false), counter(bigKey, readmodel.AttrClosedPullCount, readmodel.AttrMergedPullCount)},
		{"open pull requests, newest first", repositoryBig, []string{"repository", "conn"}, "pullRequests", "states: [OPEN]", "number", listed(pull("OPEN"), false, true), counter(bigKey, readmodel.AttrOpenPullCount)},
		{"open pull requests, recently updated first", repositoryBig, []string{"repository", "conn"}, "pullRequests", "states: [OPEN] orderBy: {field: UPDATED_AT, direction: DESC}", "number", listed(pull("OPEN"), true, true), counter(bigKey, readmodel.AttrOpenPullCount)},
		{"comments of an issue, oldest first", `repository(owner: "owner", name: "big") { issue(number: 2) { %s } }`, []string{"repository", "issue", "conn"}, "comments", "", "body", comments, counter(table.IssueKey("owner", "big", 2), readmodel.AttrCommentCount)},
		{"stargazers, newest first", repositoryBig, []string{"repository", "conn"}, "stargazers", "", "login", gazers, counter(bigKey, readmodel.AttrStargazerCount)},
		{"forks, newest first", repositoryBig, []string{"repository", "conn"}, "forks", "", "nameWithOwner", forks, counter(bigKey, readmodel.AttrForkCount)},
		{"forks, oldest first", repositoryBig, []string{"repository", "conn"}, "forks", "orderBy: {field: CREATED_AT, direction: ASC}", "nameWithOwner", reversed(forks), counter(bigKey, readmodel.AttrForkCount)},
		{"starred repositories, newest first", `user(login: "fan") { %s }`, []string{"user", "conn"}, "starredRepositories", "", "nameWithOwner", starred, counter(table.AccountKey("fan"), readmodel.AttrStarredCount)},
		{"organization members, by login", `organization(login: "guild") { %s }`, []string{"organization", "conn"}, "members", "", "login", members, counter(table.AccountKey("guild"), readmodel.AttrMemberCount)},
		{"user organizations, by login", `user(login: "joiner") { %s }`, []string{"user", "conn"}, "organizations", "", "login", orgs, counter(table.AccountKey("joiner"), readmodel.AttrOrganizationCount)},
		{"owner repositories, recently updated first", `user(login: "hoarder") { %s }`, []string{"user", "conn"}, "repositories", "", "name", recent, counter(table.AccountKey("hoarder"), readmodel.AttrRepositoryCount)},
	}
	c := srv.GraphQL
	first := map[string]domPage{} // each case's first forward page
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.want) < 2*pageSize {
				t.Fatalf("the set-up has %d items, want at least %d", len(tc.want), 2*pageSize)
			}
			if d := domDuplicates(tc.want); len(d) > 0 {
				t.Fatalf("the expected order has duplicates %v", d)
			}
			q := tc.query()
			stored := tc.stored(t)
			if stored != len(tc.want) {
				t.Errorf("stored counter = %d, %d items exist", stored, len(tc.want))
			}
			pages := (len(tc.want) + pageSize - 1) / pageSize

			// pass pages through the whole connection forwards (first/after)
			// or backwards from the end (last/before), checking every page.
			pass := func(t *testing.T, backward bool) {
				var got []string
				var cursor any
				for i := 0; ; i++ {
					if i > pages {
						t.Fatalf("more than %d pages", pages)
					}
					vars := pageVars(pageSize, nil, cursor, nil)
					if backward {
						vars = pageVars(nil, pageSize, nil, cursor)
					}
					p := domConnection(t, domData(t, c, q, vars), tc.path, tc.key)
					if i == 0 && !backward {
						first[tc.name] = p
					}
					last := i == pages-1
					wantLen := pageSize
					if last {
						wantLen = len(tc.want) - i*pageSize
					}
					// Ahead is the direction of the pass: the next page
					// forwards, the previous one backwards.
					ahead, behind := p.HasNext, p.HasPrev
					if backward {
						ahead, behind = p.HasPrev, p.HasNext
					}
					if len(p.Keys) != wantLen || ahead != !last || behind != (i > 0) || p.Total != stored {
						t.Fatalf("page %d (backward %v): %d items, hasNextPage %v, hasPreviousPage %v, totalCount %d; want %d items, a page ahead %v, one behind %v, totalCount %d",
							i, backward, len(p.Keys), p.HasNext, p.HasPrev, p.Total, wantLen, !last, i > 0, stored)
					}
					if len(p.Cursors) > 0 && (p.Start != p.Cursors[0] || p.End != p.Cursors[len(p.Cursors)-1]) {
						t.Fatalf("page %d: startCursor/endCursor are not the first and last edges' cursors", i)
					}
					if backward {
						got, cursor = append(append([]string(nil), p.Keys...), got...), p.Start
					} else {
						got, cursor = append(got, p.Keys...), p.End
					}
					if !ahead {
						break
					}
				}
				if d := domDiff(tc.want, got); d != "" {
					t.Errorf("backward %v: %s", backward, d)
				}
			}
			t.Run("forward", func(t *testing.T) { pass(t, false) })
			t.Run("backward", func(t *testing.T) { pass(t, true) })
			t.Run("from an edge's cursor", func(t *testing.T) {
				p0, ok := first[tc.name]
				if !ok || len(p0.Cursors) < 11 {
					t.Fatalf("the forward pass kept no first page of 11 edges or more (got %d)", len(p0.Cursors))
				}
				p := domConnection(t, domData(t, c, q, pageVars(pageSize, nil, p0.Cursors[10], nil)), tc.path, tc.key)
				if d := domDiff(tc.want[11:11+pageSize], p.Keys); d != "" || !p.HasNext || !p.HasPrev {
					t.Errorf("first 50 after the 11th edge: %s; hasNextPage %v hasPreviousPage %v", d, p.HasNext, p.HasPrev)
				}
				p = domConnection(t, domData(t, c, q, pageVars(nil, 5, nil, p0.Cursors[10])), tc.path, tc.key)
				if d := domDiff(tc.want[5:10], p.Keys); d != "" || !p.HasNext || !p.HasPrev {
					t.Errorf("last 5 before the 11th edge: %s; hasNextPage %v hasPreviousPage %v", d, p.HasNext, p.HasPrev)
				}
			})
			t.Run("bad arguments", func(t *testing.T) {
				p0, ok := first[tc.name]
				if !ok {
					t.Fatal("the forward pass kept no first page")
				}
				tampered := []byte(p0.End)
				mid := len(tampered) / 2
				if tampered[mid] == 'A' {
					tampered[mid] = 'B'
				} else {
					tampered[mid] = 'A'
				}
				bad := []struct {
					name string
					vars map[string]any
				}{
					{"first: 0", pageVars(0, nil, nil, nil)},
					{"first: 101", pageVars(101, nil, nil, nil)},
					{"last: 0", pageVars(nil, 0, nil, nil)},
					{"last: 101", pageVars(nil, 101, nil, nil)},
					{"first and last", pageVars(10, 10, nil, nil)},
					{"neither first nor last", pageVars(nil, nil, nil, nil)},
					{"tampered cursor", pageVars(10, nil, string(tampered), nil)},
					{"truncated cursor", pageVars(10, nil, p0.End[:len(p0.End)/2], nil)},
					{"not a cursor", pageVars(nil, 10, nil, "bm90IGEgY3Vyc29y")},
				}
				for _, b := range bad {
					t.Run(b.name, func(t *testing.T) {
						if res := c.MustDo(t, q, b.vars); res.Code() != "BAD_USER_INPUT" {
							t.Errorf("errors %+v (data %s), want BAD_USER_INPUT", res.Errors, res.Data)
						}
					})
				}
			})
		})
	}

	// A cursor belongs to its connection: the same field with other
	// arguments, or another field, refuses it.
	byName := map[string]domPagingCase{}
	for _, tc := range cases {
		byName[tc.name] = tc
	}
	elsewhere := []struct {
		name, from string
		// to is the case whose query receives the cursor, optionally
		// re-targeted by replace (old, new) in its query.
		to      string
		replace [2]string
	}{
		{"open issues cursor in closed issues", "open issues, newest first", "closed issues, newest first", [2]string{}},
		{"open issues cursor in another direction", "open issues, by number", "open issues, newest first", [2]string{}},
		{"open issues cursor in another ordering", "open issues, newest first", "open issues, recently updated first", [2]string{}},
		{"updated order cursor in another direction", "open issues, recently updated first", "open issues, least recently updated first", [2]string{}},
		{"merged pull requests cursor with other states", "open and merged pull requests, recently updated first", "pull requests, recently updated first", [2]string{}},
		{"labeled issues cursor in all issues", "issues labeled bug, by number", "all issues, by number", [2]string{}},
		{"all issues cursor in labeled issues", "all issues, by number", "issues labeled bug, by number", [2]string{}},
		{"forks cursor in another direction", "forks, newest first", "forks, oldest first", [2]string{}},
		{"closed issues cursor in all issues", "closed issues, by number", "all issues, by number", [2]string{}},
		{"issues cursor in pull requests", "all issues, by number", "pull requests, by number", [2]string{}},
		{"issues cursor of another repository", "all issues, by number", "all issues, by number", [2]string{`name: "big"`, `name: "small"`}},
		{"comments cursor of another issue", "comments of an issue, oldest first", "comments of an issue, oldest first", [2]string{"issue(number: 2)", "issue(number: 1)"}},
		{"stargazers cursor in forks", "stargazers, newest first", "forks, newest first", [2]string{}},
		{"members cursor in organizations", "organization members, by login", "user organizations, by login", [2]string{}},
		{"starred repositories cursor of another user", "starred repositories, newest first", "starred repositories, newest first", [2]string{`login: "fan"`, `login: "owner"`}},
		{"repositories cursor of another owner", "owner repositories, recently updated first", "owner repositories, recently updated first", [2]string{`login: "hoarder"`, `login: "fan"`}},
		{"organizations cursor of another user", "user organizations, by login", "user organizations, by login", [2]string{`login: "joiner"`, `login: "owner"`}},
	}
	for _, e := range elsewhere {
		t.Run(e.name, func(t *testing.T) {
			p0, ok := first[e.from]
			if !ok || p0.End == "" {
				t.Fatalf("no first page of %q", e.from)
			}
			q := byName[e.to].query()
			if e.replace[0] != "" {
				if !strings.Contains(q, e.replace[0]) {
					t.Fatalf("query %s has no %q", q, e.replace[0])
				}
				q = strings.Replace(q, e.replace[0], e.replace[1], 1)
			}
			for _, vars := range []map[string]any{pageVars(10, nil, p0.End, nil), pageVars(nil, 10, nil, p0.End)} {
				if res := c.MustDo(t, q, vars); res.Code() != "BAD_USER_INPUT" {
					t.Errorf("%v: errors %+v (data %s), want BAD_USER_INPUT", vars, res.Errors, res.Data)
				}
			}
		})
	}
}

// domWork is an issue or pull request of TestDomainPaging's set-up.
type domWork struct {
	n       int
	issue   bool
	labeled bool
	state   string
	updated int // the step of its last change
}

// domWorkOrder lists the numbers of the work items keep accepts by number
// (their creation order) or by last change, ascending or not.
func domWorkOrder(work map[int]*domWork, keep func(*domWork) bool, byUpdate, desc bool) []string {
	var ws []*domWork
	for _, w := range work {
		if keep(w) {
			ws = append(ws, w)
		}
	}
	sort.Slice(ws, func(i, j int) bool {
		a, b := ws[i], ws[j]
		if desc {
			a, b = b, a
		}
		if byUpdate && a.updated != b.updated {
			return a.updated < b.updated
		}
		return a.n < b.n
	})
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = fmt.Sprint(w.n)
	}
	return out
}

// reversed returns xs in the opposite order.
func reversed(xs []string) []string {
	out := slices.Clone(xs)
	slices.Reverse(out)
	return out
}
