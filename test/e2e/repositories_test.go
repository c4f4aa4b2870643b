package e2e_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

const repositoryFields = `id name nameWithOwner description isPrivate isFork stargazerCount forkCount viewerHasStarred owner { __typename login } parent { nameWithOwner }`

const (
	repositoryCreateMutation = `mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { ` + repositoryFields + ` } } }`
	repositoryUpdateMutation = `mutation($in: UpdateRepositoryInput!) { updateRepository(input: $in) { repository { ` + repositoryFields + ` } } }`
	repositoryDeleteMutation = `mutation($in: DeleteRepositoryInput!) { deleteRepository(input: $in) { deletedRepositoryId } }`
	repositoryForkMutation   = `mutation($in: ForkRepositoryInput!) { forkRepository(input: $in) { repository { ` + repositoryFields + ` } } }`
	repositoryStarMutation   = `mutation($in: StarRepositoryInput!) { starRepository(input: $in) { repository { nameWithOwner stargazerCount viewerHasStarred } } }`
	repositoryUnstarMutation = `mutation($in: StarRepositoryInput!) { unstarRepository(input: $in) { repository { nameWithOwner stargazerCount viewerHasStarred } } }`
	repositoryQuery          = `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { ` + repositoryFields + ` } }`
)

// repositoryData runs query as login, fails on errors, and returns the data as
// compact JSON text.
func repositoryData(t *testing.T, srv *testkit.Server, login, query string, vars map[string]any) string {
	t.Helper()
	res := doAs(t, srv, login, query, vars)
	if len(res.Errors) > 0 {
		t.Fatalf("%s as %q (%v): errors %+v", strings.Fields(query)[1], login, vars, res.Errors)
	}
	return compactJSON(t, res.Data)
}

// compactJSON returns raw without insignificant space, fields in the
// order the server wrote them (the query's order).
func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// repositoryAwait polls query as login until its data contains every want (the
// projector caught up), and returns the data.
func repositoryAwait(t *testing.T, srv *testkit.Server, login, query string, vars map[string]any, want ...string) string {
	t.Helper()
	var last string
	ok := testkit.Poll(projectionDeadline, func() bool {
		last = repositoryData(t, srv, login, query, vars)
		for _, w := range want {
			if !strings.Contains(last, w) {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("%s as %q: %s does not contain all of %q within %v", strings.Fields(query)[1], login, last, want, projectionDeadline)
	}
	return last
}

func in(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return map[string]any{"in": m}
}

func repositoryVars(owner, name string) map[string]any {
	return map[string]any{"owner": owner, "name": name}
}

// TestRepositoryLifecycle drives the repository area over HTTP: creation
// rules, visibility of private repositories, stars (idempotent, read back
// in the payload), forks, owners' lists, updates, delete (everything under
// the repository disappears) and re-creation of the name.
func TestRepositoryLifecycle(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	for _, u := range []string{"octo", "mona", "hubot"} {
		createUser(t, srv, map[string]any{"login": u})
	}
	orgMust(t, srv, "octo", orgCreateMutation, map[string]any{"login": "acme"})
	orgMust(t, srv, "octo", orgAddMemberMutation, map[string]any{"organization": "acme", "login": "hubot", "role": "MEMBER"})

	steps := []struct {
		name, actor, query string
		vars               map[string]any
		wantCode           string
		wantField          string
		want               string // a substring of the data, when it succeeds
		// settled, when set, is awaited before the step: the counts a
		// payload shows are the read model's plus the step's own write.
		settled string
	}{
		{"create, anonymous", "", repositoryCreateMutation, in("name", "x"), "UNAUTHENTICATED", "", "", ""},
		{"create, bad name", "octo", repositoryCreateMutation, in("name", ".."), "BAD_USER_INPUT", "name", "", ""},
		{"create, description too long", "octo", repositoryCreateMutation, in("name", "x", "description", strings.Repeat("x", 351)), "BAD_USER_INPUT", "description", "", ""},
		{"create for another user", "mona", repositoryCreateMutation, in("owner", "octo", "name", "x"), "FORBIDDEN", "", "", ""},
		{"create for an org as member", "hubot", repositoryCreateMutation, in("owner", "acme", "name", "x"), "FORBIDDEN", "", "", ""},
		{"create for a missing owner", "octo", repositoryCreateMutation, in("owner", "ghost", "name", "x"), "NOT_FOUND", "", "", ""},
		{"create", "octo", repositoryCreateMutation, in("name", "Hello", "description", "hi"), "", "", `"nameWithOwner":"octo/Hello","description":"hi","isPrivate":false,"isFork":false,"stargazerCount":0,"forkCount":0,"viewerHasStarred":false,"owner":{"__typename":"User","login":"octo"},"parent":null`, ""},
		{"create, duplicate in another case", "octo", repositoryCreateMutation, in("name", "HELLO"), "ALREADY_EXISTS", "", "", ""},
		{"create for an org as admin", "octo", repositoryCreateMutation, in("owner", "acme", "name", "tools", "isPrivate", true), "", "", `"nameWithOwner":"acme/tools","description":null,"isPrivate":true`, ""},
		{"star", "mona", repositoryStarMutation, in("owner", "octo", "name", "hello"), "", "", `"stargazerCount":1,"viewerHasStarred":true`, ""},
		{"star again changes nothing", "mona", repositoryStarMutation, in("owner", "OCTO", "name", "hello"), "", "", `"stargazerCount":1,"viewerHasStarred":true`, ""},
		{"star by hubot", "hubot", repositoryStarMutation, in("owner", "octo", "name", "hello"), "", "", `"stargazerCount":2,"viewerHasStarred":true`, `"stargazerCount":1`},
		{"unstar by hubot", "hubot", repositoryUnstarMutation, in("owner", "octo", "name", "hello"), "", "", `"stargazerCount":1,"viewerHasStarred":false`, `"stargazerCount":2`},
		{"unstar again changes nothing", "hubot", repositoryUnstarMutation, in("owner", "octo", "name", "hello"), "", "", `"stargazerCount":1,"viewerHasStarred":false`, ""},
		{"star a private repository unseen", "mona", repositoryStarMutation, in("owner", "acme", "name", "tools"), "NOT_FOUND", "", "", ""},
		{"star a missing repository", "mona", repositoryStarMutation, in("owner", "octo", "name", "nope"), "NOT_FOUND", "", "", ""},
		{"fork", "mona", repositoryForkMutation, in("owner", "octo", "name", "hello"), "", "", `"nameWithOwner":"mona/Hello","description":"hi","isPrivate":false,"isFork":true`, ""},
		{"fork again", "mona", repositoryForkMutation, in("owner", "octo", "name", "hello"), "ALREADY_EXISTS", "", "", ""},
		{"fork own repository", "octo", repositoryForkMutation, in("owner", "octo", "name", "hello"), "ALREADY_EXISTS", "", "", ""},
		{"fork a private repository unseen", "mona", repositoryForkMutation, in("owner", "acme", "name", "tools"), "NOT_FOUND", "", "", ""},
		{"update by a stranger", "mona", repositoryUpdateMutation, in("owner", "octo", "name", "hello", "description", "x"), "FORBIDDEN", "", "", ""},
		{"update a fork's visibility", "mona", repositoryUpdateMutation, in("owner", "mona", "name", "hello", "isPrivate", true), "BAD_USER_INPUT", "isPrivate", "", ""},
		{"update", "octo", repositoryUpdateMutation, in("owner", "octo", "name", "hello", "description", "Hello, world"), "", "", `"description":"Hello, world"`, ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.settled != "" {
				repositoryAwait(t, srv, "", repositoryQuery, repositoryVars("octo", "hello"), s.settled)
			}
			expectOutcome(t, doAs(t, srv, s.actor, s.query, s.vars), s.wantCode, s.wantField, s.want)
		})
	}

	t.Run("reads", func(t *testing.T) {
		hello := repositoryVars("OCTO", "HELLO")
		repositoryAwait(t, srv, "mona", repositoryQuery, hello, `"description":"Hello, world"`, `"stargazerCount":1,"forkCount":1,"viewerHasStarred":true`)
		repositoryAwait(t, srv, "", repositoryQuery, hello, `"viewerHasStarred":false`)
		repositoryAwait(t, srv, "", repositoryQuery, repositoryVars("mona", "hello"), `"isFork":true`, `"parent":{"nameWithOwner":"octo/Hello"}`)
		lists := `query { repository(owner: "octo", name: "hello") {
			stargazers(first: 10) { totalCount edges { node { login } } }
			forks(first: 10) { totalCount nodes { nameWithOwner } } } }`
		repositoryAwait(t, srv, "", lists, nil, `"stargazers":{"totalCount":1,"edges":[{"node":{"login":"mona"}}]}`, `"forks":{"totalCount":1,"nodes":[{"nameWithOwner":"mona/Hello"}]}`)
		starred := `query { user(login: "mona") { starredRepositories(first: 10) { totalCount nodes { nameWithOwner } } repositories(first: 10) { totalCount nodes { nameWithOwner } } } }`
		repositoryAwait(t, srv, "", starred, nil, `"starredRepositories":{"totalCount":1,"nodes":[{"nameWithOwner":"octo/Hello"}]}`, `"repositories":{"totalCount":1,"nodes":[{"nameWithOwner":"mona/Hello"}]}`)

		// Private repositories: only the organization's members see them.
		tools := repositoryVars("acme", "tools")
		repositoryAwait(t, srv, "hubot", repositoryQuery, tools, `"nameWithOwner":"acme/tools"`, `"owner":{"__typename":"Organization","login":"acme"}`)
		for _, viewer := range []string{"", "mona"} {
			if got := repositoryData(t, srv, viewer, repositoryQuery, tools); got != `{"repository":null}` {
				t.Fatalf("acme/tools as %q = %s, want null", viewer, got)
			}
		}
		orgRepositories := `query { organization(login: "acme") { repositories(first: 10) { totalCount nodes { name } } } }`
		repositoryAwait(t, srv, "hubot", orgRepositories, nil, `{"totalCount":1,"nodes":[{"name":"tools"}]}`)
		if got := repositoryData(t, srv, "mona", orgRepositories, nil); !strings.Contains(got, `{"totalCount":0,"nodes":[]}`) {
			t.Fatalf("acme's repositories as mona = %s, want none", got)
		}
	})

	var oldID string
	t.Run("delete", func(t *testing.T) {
		if res := doAs(t, srv, "mona", repositoryDeleteMutation, in("owner", "octo", "name", "hello")); res.Code() != "FORBIDDEN" {
			t.Fatalf("delete by a stranger: %+v", res.Errors)
		}
		var before struct{ Repository struct{ ID string } }
		if err := doAs(t, srv, "", repositoryQuery, repositoryVars("octo", "hello")).Decode(&before); err != nil {
			t.Fatal(err)
		}
		oldID = before.Repository.ID
		got := repositoryData(t, srv, "octo", repositoryDeleteMutation, in("owner", "octo", "name", "hello"))
		if !strings.Contains(got, `"deletedRepositoryId":"`+oldID+`"`) {
			t.Fatalf("deleteRepository = %s, want id %s", got, oldID)
		}
		repositoryAwait(t, srv, "", repositoryQuery, repositoryVars("octo", "hello"), `{"repository":null}`)
		repositoryAwait(t, srv, "", `query { user(login: "mona") { starredRepositories(first: 10) { totalCount nodes { name } } } }`, nil, `{"totalCount":0,"nodes":[]}`)
		repositoryAwait(t, srv, "", repositoryQuery, repositoryVars("mona", "hello"), `"isFork":true`, `"parent":null`)
		for _, q := range []string{repositoryStarMutation, repositoryDeleteMutation, repositoryForkMutation} {
			if res := doAs(t, srv, "octo", q, in("owner", "octo", "name", "hello")); res.Code() != "NOT_FOUND" {
				t.Fatalf("%s on a deleted repository: %+v", strings.Fields(q)[1], res.Errors)
			}
		}
	})

	t.Run("name reused", func(t *testing.T) {
		got := repositoryData(t, srv, "octo", repositoryCreateMutation, in("name", "hello"))
		if !strings.Contains(got, `"nameWithOwner":"octo/hello","description":null,"isPrivate":false,"isFork":false,"stargazerCount":0,"forkCount":0`) || strings.Contains(got, oldID) {
			t.Fatalf("re-created = %s, want a fresh repository with a new id", got)
		}
		repositoryAwait(t, srv, "mona", repositoryQuery, repositoryVars("octo", "hello"), `"nameWithOwner":"octo/hello"`, `"viewerHasStarred":false`)
		// The old fork does not adopt the new repository as its parent.
		repositoryAwait(t, srv, "", repositoryQuery, repositoryVars("mona", "hello"), `"parent":null`)
		history := `query { repository(owner: "octo", name: "hello") { history(first: 10) { totalCount nodes { type version } } } }`
		// The new repository's history is its own life's: the deleted one
		// disappeared from every query (its events stay in the log), and
		// an earlier life may have been private.
		repositoryAwait(t, srv, "", history, nil, `{"totalCount":1,"nodes":[{"type":"RepositoryCreated","version":4}]}`)
	})
}
