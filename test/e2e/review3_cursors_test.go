package e2e_test

import (
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

// TestOrderedCursorsStayInTheirConnection: a cursor of one ordered
// connection (issues of one repository, in one ordering, states and label)
// is BAD_USER_INPUT anywhere else — another ordering, direction, states,
// label, repository, pull requests, a label's issues or the same name's
// next life — and forged
// cursors and extreme page sizes are refused clearly.
func TestOrderedCursorsStayInTheirConnection(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	createUser(t, srv, map[string]any{"login": "octo"})
	octo := srv.As(t, "octo")
	for _, r := range []string{"one", "two"} {
		trustOK(t, octo, repositoryCreateMutation, in("name", r))
		labelID(t, octo, "octo", r, "bug", "d73a4a")
		for range 3 {
			trustOK(t, octo, `mutation($r: String!) { openIssue(input: {owner: "octo", repository: $r, title: "t"}) { issue { number } } }`, map[string]any{"r": r})
		}
	}
	const pageQ = `query($r: String!, $after: String) { repository(owner: "octo", name: $r) {
		issues(orderBy: {field: CREATED_AT, direction: ASC}, first: 1, after: $after) { totalCount pageInfo { endCursor } } } }`
	repositoryAwait(t, srv, "octo", `{ repository(owner: "octo", name: "two") { issues(first: 5) { totalCount } } }`, nil, `"totalCount":3`)
	cursor := trustPath(domData(t, octo, pageQ, map[string]any{"r": "one"}), "repository.issues.pageInfo.endCursor")
	if cursor == "" {
		t.Fatal("no cursor")
	}
	for _, tc := range []struct {
		name, q string
		vars    map[string]any
		code    string
	}{
		{"the same connection", pageQ, map[string]any{"r": "one", "after": cursor}, ""},
		{"another direction", `query($after: String) { repository(owner: "octo", name: "one") { issues(orderBy: {field: CREATED_AT, direction: DESC}, first: 1, after: $after) { totalCount } } }`, map[string]any{"after": cursor}, "BAD_USER_INPUT"},
		{"another field", `query($after: String) { repository(owner: "octo", name: "one") { issues(orderBy: {field: UPDATED_AT, direction: ASC}, first: 1, after: $after) { totalCount } } }`, map[string]any{"after": cursor}, "BAD_USER_INPUT"},
		{"other states", `query($after: String) { repository(owner: "octo", name: "one") { issues(states: [OPEN], orderBy: {field: CREATED_AT, direction: ASC}, first: 1, after: $after) { totalCount } } }`, map[string]any{"after": cursor}, "BAD_USER_INPUT"},
		{"with a label", `query($after: String) { repository(owner: "octo", name: "one") { issues(labels: ["bug"], orderBy: {field: CREATED_AT, direction: ASC}, first: 1, after: $after) { totalCount } } }`, map[string]any{"after": cursor}, "BAD_USER_INPUT"},
		{"another repository", pageQ, map[string]any{"r": "two", "after": cursor}, "BAD_USER_INPUT"},
		{"pull requests", `query($after: String) { repository(owner: "octo", name: "one") { pullRequests(orderBy: {field: CREATED_AT, direction: ASC}, first: 1, after: $after) { totalCount } } }`, map[string]any{"after": cursor}, "BAD_USER_INPUT"},
		{"a label's issues", `query($after: String) { repository(owner: "octo", name: "one") { label(name: "bug") { issues(orderBy: {field: CREATED_AT, direction: ASC}, first: 1, after: $after) { totalCount } } } }`, map[string]any{"after": cursor}, "BAD_USER_INPUT"},
		{"as before", `query($b: String) { repository(owner: "octo", name: "one") { issues(orderBy: {field: CREATED_AT, direction: ASC}, last: 1, before: $b) { totalCount } } }`, map[string]any{"b": cursor}, ""},
		{"a forged cursor", pageQ, map[string]any{"r": "one", "after": "Zm9yZ2Vk"}, "BAD_USER_INPUT"},
		{"a cursor with a bit flipped", pageQ, map[string]any{"r": "one", "after": flip(cursor)}, "BAD_USER_INPUT"},
		{"an empty cursor", pageQ, map[string]any{"r": "one", "after": ""}, "BAD_USER_INPUT"},
		{"first: 0", `{ repository(owner: "octo", name: "one") { issues(first: 0) { totalCount } } }`, nil, "BAD_USER_INPUT"},
		{"first: -1", `{ repository(owner: "octo", name: "one") { issues(first: -1) { totalCount } } }`, nil, "BAD_USER_INPUT"},
		{"first: 101", `{ repository(owner: "octo", name: "one") { issues(first: 101) { totalCount } } }`, nil, "BAD_USER_INPUT"},
		{"first and last", `{ repository(owner: "octo", name: "one") { issues(first: 1, last: 1) { totalCount } } }`, nil, "BAD_USER_INPUT"},
		{"first beyond int32", `{ repository(owner: "octo", name: "one") { issues(first: 4294967297) { totalCount } } }`, nil, "BAD_USER_INPUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := trustDo(t, octo, tc.q, tc.vars)
			if res.Code() != tc.code {
				t.Fatalf("code %q, want %q: %.400s", res.Code(), tc.code, res.Body)
			}
		})
	}

	t.Run("the next life of the name", func(t *testing.T) {
		trustOK(t, octo, `mutation { deleteRepository(input: {owner: "octo", name: "one"}) { deletedRepositoryId } }`, nil)
		trustOK(t, octo, repositoryCreateMutation, in("name", "one"))
		trustOK(t, octo, `mutation { openIssue(input: {owner: "octo", repository: "one", title: "new life"}) { issue { number } } }`, nil)
		res := trustDo(t, octo, pageQ, map[string]any{"r": "one", "after": cursor})
		if res.Code() != "BAD_USER_INPUT" {
			t.Errorf("a cursor of the deleted repository pages its successor: code %q, %.400s", res.Code(), res.Body)
		}
	})
}

// flip returns s with one character changed.
func flip(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
