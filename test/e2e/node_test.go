package e2e_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

// nodeFixture is an object of one Node type, public and under a private
// repository (empty for types that are never private).
type nodeFixture struct{ public, private string }

// nodeMutate runs a mutation as c and returns the id at path in its data.
func nodeMutate(t *testing.T, c *testkit.Client, q string, in map[string]any, path ...string) string {
	t.Helper()
	d := domData(t, c, q, map[string]any{"in": in})
	id := domString(domAt(d, path...))
	if id == "" {
		t.Fatalf("%s: no id at %v in %v", domShort(q), path, d)
	}
	return id
}

// nodeFixtures creates an object of every Node type as owner and returns
// their IDs by type name.
func nodeFixtures(t *testing.T, srv *testkit.Server, owner string) map[string]nodeFixture {
	t.Helper()
	c := srv.As(t, owner)
	out := map[string]nodeFixture{}
	user := nodeMutate(t, c, `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`, map[string]any{"login": owner}, "createUser", "user", "id")
	org := nodeMutate(t, c, `mutation($in: CreateOrganizationInput!) { createOrganization(input: $in) { organization { id } } }`, map[string]any{"login": owner + "-org"}, "createOrganization", "organization", "id")
	out["User"], out["Organization"] = nodeFixture{public: user}, nodeFixture{public: org}
	ids := map[bool]map[string]string{}
	for _, private := range []bool{false, true} {
		name := "pub"
		if private {
			name = "priv"
		}
		m := map[string]string{}
		m["Repository"] = nodeMutate(t, c, `mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { id } } }`, map[string]any{"name": name, "isPrivate": private}, "createRepository", "repository", "id")
		m["Issue"] = nodeMutate(t, c, `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { id } } }`, map[string]any{"owner": owner, "repository": name, "title": "an issue"}, "openIssue", "issue", "id")
		m["PullRequest"] = nodeMutate(t, c, `mutation($in: OpenPullRequestInput!) { openPullRequest(input: $in) { pullRequest { id } } }`, map[string]any{"owner": owner, "repository": name, "title": "a change", "headRef": "topic", "baseRef": "main"}, "openPullRequest", "pullRequest", "id")
		m["Label"] = nodeMutate(t, c, labelCreate, map[string]any{"owner": owner, "repository": name, "name": "bug", "color": "d73a4a"}, "createLabel", "label", "id")
		m["IssueComment"] = nodeMutate(t, c, domCommentMutation, map[string]any{"owner": owner, "repository": name, "number": 1, "body": "a comment"}, "addComment", "comment", "id")
		ids[private] = m
	}
	for typ, id := range ids[false] {
		out[typ] = nodeFixture{public: id, private: ids[true][typ]}
	}
	return out
}

// TestNodeResolvesEveryNodeType: node(id:) and nodes(ids:) resolve an
// object of every type implementing Node (found by introspection, so a
// new type fails here until it resolves) to that object; objects under a
// private repository are null for outsiders, as are IDs that are not ours,
// of deleted objects and of an earlier life of a repository name — never
// an error that tells them apart.
func TestNodeResolvesEveryNodeType(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	fixtures := nodeFixtures(t, srv, "node-owner")
	outsider := srv.As(t, "node-outsider")
	domData(t, outsider, `mutation { createUser(input: {login: "node-outsider"}) { user { login } } }`, nil)
	owner := srv.As(t, "node-owner")

	var types struct {
		Type struct{ PossibleTypes []struct{ Name string } } `json:"__type"`
	}
	if err := owner.MustDo(t, `{ __type(name: "Node") { possibleTypes { name } } }`, nil).Decode(&types); err != nil {
		t.Fatal(err)
	}
	if len(types.Type.PossibleTypes) == 0 {
		t.Fatal("no type implements Node")
	}
	const q = `query($id: ID!, $ids: [ID!]!) { node(id: $id) { __typename id } nodes(ids: $ids) { __typename id } }`
	check := func(t *testing.T, c *testkit.Client, id, wantType string) {
		t.Helper()
		res := c.MustDo(t, q, map[string]any{"id": id, "ids": []string{id, id}})
		if len(res.Errors) > 0 {
			t.Fatalf("node(%q): errors %+v", id, res.Errors)
		}
		var d struct {
			Node  *struct{ Typename, ID string } `json:"node"`
			Nodes []*struct {
				Typename string `json:"__typename"`
				ID       string
			}
		}
		if err := res.Decode(&d); err != nil {
			t.Fatal(err)
		}
		if len(d.Nodes) != 2 {
			t.Fatalf("nodes: %d results for 2 ids", len(d.Nodes))
		}
		for i, n := range []*struct {
			Typename string `json:"__typename"`
			ID       string
		}{d.Nodes[0], d.Nodes[1]} {
			switch {
			case wantType == "" && n != nil:
				t.Errorf("nodes[%d] of %q = %+v, want null", i, id, n)
			case wantType != "" && (n == nil || n.Typename != wantType || n.ID != id):
				t.Errorf("nodes[%d] of %q = %+v, want the %s", i, id, n, wantType)
			}
		}
		if (d.Node == nil) != (wantType == "") {
			t.Errorf("node(%q) = %s, want %q", id, res.Data, wantType)
		}
	}
	for _, typ := range types.Type.PossibleTypes {
		f, ok := fixtures[typ.Name]
		if !ok {
			t.Errorf("type %s implements Node but the test has no object of it: add one to nodeFixtures", typ.Name)
			continue
		}
		t.Run(typ.Name, func(t *testing.T) {
			t.Run("public, to an outsider", func(t *testing.T) { check(t, outsider, f.public, typ.Name) })
			t.Run("public, anonymously", func(t *testing.T) { check(t, srv.GraphQL, f.public, typ.Name) })
			if f.private != "" {
				t.Run("private, to the owner", func(t *testing.T) { check(t, owner, f.private, typ.Name) })
				t.Run("private, to an outsider", func(t *testing.T) { check(t, outsider, f.private, "") })
				t.Run("private, anonymously", func(t *testing.T) { check(t, srv.GraphQL, f.private, "") })
			}
		})
	}

	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct{ name, id string }{
		{"not base64", "!!!"},
		{"unknown type", enc("Secret:node-owner")},
		{"no such user", enc("User:nobody-here")},
		{"a user as an organization", enc("Organization:node-owner")},
		{"an organization as a user", enc("User:node-owner-org")},
		{"repository of another life", enc("Repository:node-owner/pub/2")},
		{"repository without a life", enc("Repository:node-owner/pub")},
		{"no such issue", enc("Issue:node-owner/pub/99")},
		{"malformed issue", enc("Issue:node-owner/pub/x")},
		{"empty", ""},
		{"long", strings.Repeat("A", 4000)},
	} {
		t.Run("null for "+tc.name, func(t *testing.T) { check(t, owner, tc.id, "") })
	}

	t.Run("a deleted repository's objects", func(t *testing.T) {
		domData(t, owner, `mutation { deleteRepository(input: {owner: "node-owner", name: "pub"}) { deletedRepositoryId } }`, nil)
		for _, typ := range []string{"Repository", "Issue", "PullRequest", "IssueComment"} {
			check(t, owner, fixtures[typ].public, "")
		}
		// The name reused: the old repository's ID is not the new one's.
		domData(t, owner, `mutation { createRepository(input: {name: "pub"}) { repository { id } } }`, nil)
		check(t, owner, fixtures["Repository"].public, "")
	})

	t.Run("more than 100 ids", func(t *testing.T) {
		ids := make([]string, 101)
		for i := range ids {
			ids[i] = fmt.Sprint(i)
		}
		res := owner.MustDo(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids})
		if res.Code() != "BAD_USER_INPUT" && res.Code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("101 ids: %s, want BAD_USER_INPUT or a refusal of the complexity", res.Body)
		}
	})
}
