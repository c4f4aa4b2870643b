package e2e_test

import (
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

// TestOpenIssueWithLabels opens issues labelled at once: the labels show on
// the issue, in the payload and on every read path once projected; a label
// of another repository, something that is not a label, or too many labels
// are refused, and an outsider learns nothing of a private repository's
// labels by naming them.
func TestOpenIssueWithLabels(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	for _, u := range []string{"octo", "mona"} {
		createUser(t, srv, map[string]any{"login": u})
	}
	octo, mona := srv.As(t, "octo"), srv.As(t, "mona")
	trustOK(t, octo, repositoryCreateMutation, in("name", "hello"))
	trustOK(t, octo, repositoryCreateMutation, in("name", "secret", "isPrivate", true))
	bug := labelID(t, octo, "octo", "hello", "bug", "d73a4a")
	docs := labelID(t, octo, "octo", "hello", "docs", "0075ca")
	secret := labelID(t, octo, "octo", "secret", "classified", "000000")
	open := func(repo string, labels ...string) map[string]any {
		return in("owner", "octo", "repository", repo, "title", "t", "labelIds", labels)
	}
	const openLabelled = `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { number labels(first: 5) { nodes { name } } } } }`

	t.Run("refused", func(t *testing.T) {
		tooMany := make([]string, 21)
		for i := range tooMany {
			tooMany[i] = bug
		}
		for _, tc := range []struct {
			name string
			c    *testkit.Client
			vars map[string]any
			code string
		}{
			{"a label of another repository", octo, open("hello", bug, secret), "NOT_FOUND"},
			{"an issue id", octo, open("hello", "SXNzdWU6b2N0by9oZWxsby8x"), "NOT_FOUND"},
			{"more than 20", octo, open("hello", tooMany...), "BAD_USER_INPUT"},
			{"an outsider naming a private repository's label", mona, open("secret", secret), "NOT_FOUND"},
			{"anonymous", srv.GraphQL, open("hello", bug), "UNAUTHENTICATED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := trustDo(t, tc.c, openLabelled, tc.vars)
				if res.Code() != tc.code {
					t.Fatalf("code %q, want %q: %s", res.Code(), tc.code, res.Body)
				}
				if strings.Contains(string(res.Body), "classified") {
					t.Fatalf("the private label's name leaked: %s", res.Body)
				}
			})
		}
	})

	t.Run("labelled at open", func(t *testing.T) {
		res := trustOK(t, mona, openLabelled, open("hello", docs, bug, docs))
		if got, want := string(res.Data), `"labels":{"nodes":[{"name":"bug"},{"name":"docs"}]}`; !strings.Contains(got, want) {
			t.Fatalf("payload %s, want %s", got, want)
		}
		repositoryAwait(t, srv, "mona", `{ repository(owner: "octo", name: "hello") {
			issues(labels: ["DOCS"], first: 5) { totalCount nodes { number labels(first: 5) { totalCount } } }
			label(name: "bug") { issues(first: 5) { totalCount nodes { number } } }
		} }`, nil,
			`"issues":{"totalCount":1,"nodes":[{"number":1,"labels":{"totalCount":2}}]}`,
			`"label":{"issues":{"totalCount":1,"nodes":[{"number":1}]}}`)
	})
}

// TestIssuesOfAMissingLabel: filtering by a label that does not exist
// lists nothing without a read, yet judges the page's arguments like any
// connection (it used to accept any cursor and page size).
func TestIssuesOfAMissingLabel(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	createUser(t, srv, map[string]any{"login": "octo"})
	octo := srv.As(t, "octo")
	trustOK(t, octo, repositoryCreateMutation, in("name", "hello"))
	for _, tc := range []struct {
		name, args, code string
	}{
		{"a page", `first: 5`, ""},
		{"a page from the end", `last: 5`, ""},
		{"no page size", ``, "BAD_USER_INPUT"},
		{"a negative page size", `first: -1`, "BAD_USER_INPUT"},
		{"a cursor", `first: 5, after: "garbage"`, "BAD_USER_INPUT"},
		{"a cursor from the end", `last: 5, before: "garbage"`, "BAD_USER_INPUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := `{ repository(owner: "octo", name: "hello") { issues(labels: ["nope"] ` + tc.args + `) { totalCount nodes { number } } } }`
			res := trustDo(t, octo, q, nil)
			if res.Code() != tc.code {
				t.Fatalf("code %q, want %q: %s", res.Code(), tc.code, res.Body)
			}
			if tc.code == "" && !strings.Contains(string(res.Data), `"issues":{"totalCount":0,"nodes":[]}`) {
				t.Fatalf("data %s, want an empty connection", res.Data)
			}
		})
	}
}
