package e2e_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

const (
	labelCreate = `mutation($in: CreateLabelInput!) { createLabel(input: $in) { label { id name color description } } }`
	labelUpdate = `mutation($in: UpdateLabelInput!) { updateLabel(input: $in) { label { id name color } } }`
	labelDelete = `mutation($in: DeleteLabelInput!) { deleteLabel(input: $in) { deletedLabelId } }`
	labelAdd    = `mutation($in: LabelsInput!) { addLabelsToLabelable(input: $in) { issue { number } pullRequest { number } } }`
	labelRemove = `mutation($in: LabelsInput!) { removeLabelsFromLabelable(input: $in) { issue { number } } }`
	issueOpen   = `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { id number } } }`
	pullOpen    = `mutation($in: OpenPullRequestInput!) { openPullRequest(input: $in) { pullRequest { id number } } }`
)

// labelID creates a label and returns its node ID.
func labelID(t *testing.T, c *testkit.Client, owner, repo, name, color string) string {
	t.Helper()
	var out struct {
		CreateLabel struct{ Label struct{ ID string } }
	}
	if err := trustOK(t, c, labelCreate, (in("owner", owner, "repository", repo, "name", name, "color", color))).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.CreateLabel.Label.ID
}

// nodeIDOf runs a mutation and returns the id at path in its data.
func nodeIDOf(t *testing.T, c *testkit.Client, query string, vars map[string]any, path ...string) string {
	t.Helper()
	var data map[string]any
	if err := json.Unmarshal(trustOK(t, c, query, vars).Data, &data); err != nil {
		t.Fatal(err)
	}
	var v any = data
	for _, p := range path {
		v = v.(map[string]any)[p]
	}
	return v.(string)
}

// TestLabels drives labels end to end over GraphQL: the mutations' rules
// and errors, every read path once projected, a rename that keeps the
// label on its issues, a delete that removes it everywhere, and a private
// repository's labels, invisible like the repository.
func TestLabels(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	for _, u := range []string{"octo", "mona", "eve"} {
		createUser(t, srv, map[string]any{"login": u})
	}
	octo, mona, eve := srv.As(t, "octo"), srv.As(t, "mona"), srv.As(t, "eve")
	trustOK(t, octo, repositoryCreateMutation, in("name", "hello"))
	trustOK(t, octo, repositoryCreateMutation, in("name", "secret", "isPrivate", true))
	bug := labelID(t, octo, "octo", "hello", "bug", "D73A4A")
	docs := labelID(t, octo, "octo", "hello", "docs", "0075ca")
	secretLabel := labelID(t, octo, "octo", "secret", "classified", "000000")
	issue1 := nodeIDOf(t, mona, issueOpen, (in("owner", "octo", "repository", "hello", "title", "crash")), "openIssue", "issue", "id")
	issue2 := nodeIDOf(t, eve, issueOpen, (in("owner", "octo", "repository", "hello", "title", "typo")), "openIssue", "issue", "id")
	pull3 := nodeIDOf(t, mona, pullOpen, (in("owner", "octo", "repository", "hello", "title", "fix", "headRef", "fix", "baseRef", "main")), "openPullRequest", "pullRequest", "id")

	t.Run("mutation errors", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			c     *testkit.Client
			query string
			vars  map[string]any
			code  string
		}{
			{"name taken in another case", octo, labelCreate, (in("owner", "octo", "repository", "hello", "name", "BUG", "color", "ffffff")), "ALREADY_EXISTS"},
			{"color with #", octo, labelCreate, (in("owner", "octo", "repository", "hello", "name", "x", "color", "#ffffff")), "BAD_USER_INPUT"},
			{"name with a comma", octo, labelCreate, (in("owner", "octo", "repository", "hello", "name", "a,b", "color", "ffffff")), "BAD_USER_INPUT"},
			{"not an admin", mona, labelCreate, (in("owner", "octo", "repository", "hello", "name", "x", "color", "ffffff")), "FORBIDDEN"},
			{"private repository of another", mona, labelCreate, (in("owner", "octo", "repository", "secret", "name", "x", "color", "ffffff")), "NOT_FOUND"},
			{"rename onto another label", octo, labelUpdate, (in("id", bug, "name", "Docs")), "ALREADY_EXISTS"},
			{"update by a non-admin", mona, labelUpdate, (in("id", bug, "color", "000000")), "FORBIDDEN"},
			{"update a garbage id", octo, labelUpdate, (in("id", "bm9wZQ", "color", "000000")), "NOT_FOUND"},
			{"label someone else's issue", eve, labelAdd, (in("labelableId", issue1, "labelIds", []string{bug})), "FORBIDDEN"},
			{"label with another repository's label", octo, labelAdd, (in("labelableId", issue1, "labelIds", []string{secretLabel})), "NOT_FOUND"},
			{"label with an issue id", mona, labelAdd, (in("labelableId", issue1, "labelIds", []string{issue2})), "NOT_FOUND"},
			{"no labels", mona, labelAdd, (in("labelableId", issue1, "labelIds", []string{})), "BAD_USER_INPUT"},
			{"anonymous", srv.GraphQL, labelAdd, (in("labelableId", issue1, "labelIds", []string{bug})), "UNAUTHENTICATED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if res := trustDo(t, tc.c, tc.query, tc.vars); res.Code() != tc.code {
					t.Fatalf("code %q, want %q: %s", res.Code(), tc.code, res.Body)
				}
			})
		}
	})

	trustOK(t, mona, labelAdd, (in("labelableId", issue1, "labelIds", []string{bug, docs, bug})))
	trustOK(t, eve, labelAdd, (in("labelableId", issue2, "labelIds", []string{bug})))
	trustOK(t, mona, labelAdd, (in("labelableId", pull3, "labelIds", []string{docs})))

	t.Run("read paths", func(t *testing.T) {
		got := repositoryAwait(t, srv, "eve", `{ repository(owner: "octo", name: "hello") {
			labels(first: 10) { totalCount nodes { name color issues(first: 10) { totalCount nodes { number } } pullRequests(first: 10) { totalCount nodes { number } } } }
			label(name: "BUG") { name }
			issue(number: 1) { labels(first: 10) { totalCount nodes { name } } }
			pullRequest(number: 3) { labels(first: 10) { nodes { name } } }
			issues(labels: ["Bug"], first: 10) { totalCount nodes { number } }
			open: issues(labels: ["bug"], states: [CLOSED], first: 10) { totalCount nodes { number } }
		} }`, nil,
			`"labels":{"totalCount":2,"nodes":[{"name":"bug","color":"d73a4a","issues":{"totalCount":2,"nodes":[{"number":2},{"number":1}]},"pullRequests":{"totalCount":0,"nodes":[]}},{"name":"docs","color":"0075ca","issues":{"totalCount":1,"nodes":[{"number":1}]},"pullRequests":{"totalCount":1,"nodes":[{"number":3}]}}]}`,
			`"label":{"name":"bug"}`,
			`"issue":{"labels":{"totalCount":2,"nodes":[{"name":"bug"},{"name":"docs"}]}}`,
			`"pullRequest":{"labels":{"nodes":[{"name":"docs"}]}}`,
			`"issues":{"totalCount":2,"nodes":[{"number":2},{"number":1}]}`,
			`"open":{"totalCount":0,"nodes":[]}`)
		if strings.Contains(got, "classified") {
			t.Fatalf("another repository's label leaked: %s", got)
		}
	})

	t.Run("history", func(t *testing.T) {
		res := trustOK(t, mona, `{ repository(owner: "octo", name: "hello") {
			history(first: 20) { nodes { type data } }
			issue(number: 1) { history(first: 5) { nodes { type data } } } } }`, nil)
		for _, want := range []string{`"type":"LabelCreated"`, `"type":"LabelsAdded"`, `"type":"IssueOpened"`, `\"repository\":\"hello\"`} {
			if !strings.Contains(string(res.Data), want) {
				t.Fatalf("history lacks %s: %s", want, res.Data)
			}
		}
	})

	t.Run("private repository's labels are invisible", func(t *testing.T) {
		for _, c := range []*testkit.Client{mona, srv.GraphQL} {
			res := trustOK(t, c, `{ repository(owner: "octo", name: "secret") { labels(first: 5) { nodes { name } } } }`, nil)
			if string(res.Data) != `{"repository":null}` {
				t.Fatalf("outsider sees %s", res.Data)
			}
		}
		repositoryAwait(t, srv, "octo", `{ repository(owner: "octo", name: "secret") { labels(first: 5) { nodes { name } } } }`, nil, "classified")
	})

	t.Run("rename keeps the label on its issues", func(t *testing.T) {
		trustOK(t, octo, labelUpdate, (in("id", bug, "name", "defect")))
		repositoryAwait(t, srv, "mona", `{ repository(owner: "octo", name: "hello") {
			issue(number: 1) { labels(first: 10) { nodes { name } } }
			old: issues(labels: ["bug"], first: 10) { totalCount }
			new: issues(labels: ["defect"], first: 10) { nodes { number } } } }`, nil,
			`"issue":{"labels":{"nodes":[{"name":"defect"},{"name":"docs"}]}}`, `"old":{"totalCount":0}`, `"new":{"nodes":[{"number":2},{"number":1}]}`)
	})

	t.Run("remove, then delete removes everywhere", func(t *testing.T) {
		trustOK(t, mona, labelRemove, (in("labelableId", issue1, "labelIds", []string{docs})))
		trustOK(t, octo, labelDelete, (in("id", bug)))
		repositoryAwait(t, srv, "mona", `{ repository(owner: "octo", name: "hello") {
			labels(first: 10) { totalCount nodes { name issues(first: 5) { totalCount } } }
			issue(number: 1) { labels(first: 10) { totalCount nodes { name } } }
			issue2: issue(number: 2) { labels(first: 10) { totalCount } } } }`, nil,
			`"labels":{"totalCount":1,"nodes":[{"name":"docs","issues":{"totalCount":0}}]}`,
			`"issue":{"labels":{"totalCount":0,"nodes":[]}}`, `"issue2":{"labels":{"totalCount":0}}`)
		if res := trustDo(t, mona, labelAdd, (in("labelableId", issue1, "labelIds", []string{bug}))); res.Code() != "NOT_FOUND" {
			t.Fatalf("labeling with a deleted label: %s", res.Body)
		}
	})
}
