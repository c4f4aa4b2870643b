package e2e_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

const repoFields = `id name nameWithOwner description isPrivate isFork stargazerCount forkCount viewerHasStarred owner { __typename login } parent { nameWithOwner }`

const (
	repoCreateMutation = `mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { ` + repoFields + ` } } }`
	repoUpdateMutation = `mutation($in: UpdateRepositoryInput!) { updateRepository(input: $in) { repository { ` + repoFields + ` } } }`
	repoDeleteMutation = `mutation($in: DeleteRepositoryInput!) { deleteRepository(input: $in) { deletedRepositoryId } }`
	repoForkMutation   = `mutation($in: ForkRepositoryInput!) { forkRepository(input: $in) { repository { ` + repoFields + ` } } }`
	repoStarMutation   = `mutation($in: StarRepositoryInput!) { starRepository(input: $in) { repository { nameWithOwner stargazerCount viewerHasStarred } } }`
	repoUnstarMutation = `mutation($in: StarRepositoryInput!) { unstarRepository(input: $in) { repository { nameWithOwner stargazerCount viewerHasStarred } } }`
	repoQuery          = `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { ` + repoFields + ` } }`
)

// repoDo runs query with vars as login (anonymous when "").
func repoDo(t *testing.T, srv *testkit.Server, login, query string, vars map[string]any) *testkit.Response {
	t.Helper()
	c := srv.GraphQL
	if login != "" {
		c = srv.As(t, login)
	}
	return c.MustDo(t, query, vars)
}

// repoData runs query as login, fails on errors, and returns the data as
// compact JSON text.
func repoData(t *testing.T, srv *testkit.Server, login, query string, vars map[string]any) string {
	t.Helper()
	res := repoDo(t, srv, login, query, vars)
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

// repoAwait polls query as login until its data contains every want (the
// projector caught up), and returns the data.
func repoAwait(t *testing.T, srv *testkit.Server, login, query string, vars map[string]any, want ...string) string {
	t.Helper()
	var last string
	ok := testkit.Poll(projectionDeadline, func() bool {
		last = repoData(t, srv, login, query, vars)
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

func repoVars(owner, name string) map[string]any { return map[string]any{"owner": owner, "name": name} }

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
		{"create, anonymous", "", repoCreateMutation, in("name", "x"), "UNAUTHENTICATED", "", "", ""},
		{"create, bad name", "octo", repoCreateMutation, in("name", ".."), "BAD_USER_INPUT", "name", "", ""},
		{"create, description too long", "octo", repoCreateMutation, in("name", "x", "description", strings.Repeat("x", 351)), "BAD_USER_INPUT", "description", "", ""},
		{"create for another user", "mona", repoCreateMutation, in("owner", "octo", "name", "x"), "FORBIDDEN", "", "", ""},
		{"create for an org as member", "hubot", repoCreateMutation, in("owner", "acme", "name", "x"), "FORBIDDEN", "", "", ""},
		{"create for a missing owner", "octo", repoCreateMutation, in("owner", "ghost", "name", "x"), "NOT_FOUND", "", "", ""},
		{"create", "octo", repoCreateMutation, in("name", "Hello", "description", "hi"), "", "", `"nameWithOwner":"octo/Hello","description":"hi","isPrivate":false,"isFork":false,"stargazerCount":0,"forkCount":0,"viewerHasStarred":false,"owner":{"__typename":"User","login":"octo"},"parent":null`, ""},
		{"create, duplicate in another case", "octo", repoCreateMutation, in("name", "HELLO"), "ALREADY_EXISTS", "", "", ""},
		{"create for an org as admin", "octo", repoCreateMutation, in("owner", "acme", "name", "tools", "isPrivate", true), "", "", `"nameWithOwner":"acme/tools","description":null,"isPrivate":true`, ""},
		{"star", "mona", repoStarMutation, in("owner", "octo", "name", "hello"), "", "", `"stargazerCount":1,"viewerHasStarred":true`, ""},
		{"star again changes nothing", "mona", repoStarMutation, in("owner", "OCTO", "name", "hello"), "", "", `"stargazerCount":1,"viewerHasStarred":true`, ""},
		{"star by hubot", "hubot", repoStarMutation, in("owner", "octo", "name", "hello"), "", "", `"stargazerCount":2,"viewerHasStarred":true`, `"stargazerCount":1`},
		{"unstar by hubot", "hubot", repoUnstarMutation, in("owner", "octo", "name", "hello"), "", "", `"stargazerCount":1,"viewerHasStarred":false`, `"stargazerCount":2`},
		{"unstar again changes nothing", "hubot", repoUnstarMutation, in("owner", "octo", "name", "hello"), "", "", `"stargazerCount":1,"viewerHasStarred":false`, ""},
		{"star a private repository unseen", "mona", repoStarMutation, in("owner", "acme", "name", "tools"), "NOT_FOUND", "", "", ""},
		{"star a missing repository", "mona", repoStarMutation, in("owner", "octo", "name", "nope"), "NOT_FOUND", "", "", ""},
		{"fork", "mona", repoForkMutation, in("owner", "octo", "name", "hello"), "", "", `"nameWithOwner":"mona/Hello","description":"hi","isPrivate":false,"isFork":true`, ""},
		{"fork again", "mona", repoForkMutation, in("owner", "octo", "name", "hello"), "ALREADY_EXISTS", "", "", ""},
		{"fork own repository", "octo", repoForkMutation, in("owner", "octo", "name", "hello"), "ALREADY_EXISTS", "", "", ""},
		{"fork a private repository unseen", "mona", repoForkMutation, in("owner", "acme", "name", "tools"), "NOT_FOUND", "", "", ""},
		{"update by a stranger", "mona", repoUpdateMutation, in("owner", "octo", "name", "hello", "description", "x"), "FORBIDDEN", "", "", ""},
		{"update a fork's visibility", "mona", repoUpdateMutation, in("owner", "mona", "name", "hello", "isPrivate", true), "BAD_USER_INPUT", "isPrivate", "", ""},
		{"update", "octo", repoUpdateMutation, in("owner", "octo", "name", "hello", "description", "Hello, world"), "", "", `"description":"Hello, world"`, ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.settled != "" {
				repoAwait(t, srv, "", repoQuery, repoVars("octo", "hello"), s.settled)
			}
			res := repoDo(t, srv, s.actor, s.query, s.vars)
			if s.wantCode != "" {
				if res.Code() != s.wantCode || (s.wantField != "" && res.Errors[0].Field() != s.wantField) {
					t.Fatalf("errors %+v, want %s (field %q)", res.Errors, s.wantCode, s.wantField)
				}
				return
			}
			if len(res.Errors) > 0 {
				t.Fatalf("errors %+v", res.Errors)
			}
			if got := compactJSON(t, res.Data); !strings.Contains(got, s.want) {
				t.Fatalf("data %s, want it to contain %s", got, s.want)
			}
		})
	}

	t.Run("reads", func(t *testing.T) {
		hello := repoVars("OCTO", "HELLO")
		repoAwait(t, srv, "mona", repoQuery, hello, `"description":"Hello, world"`, `"stargazerCount":1,"forkCount":1,"viewerHasStarred":true`)
		repoAwait(t, srv, "", repoQuery, hello, `"viewerHasStarred":false`)
		repoAwait(t, srv, "", repoQuery, repoVars("mona", "hello"), `"isFork":true`, `"parent":{"nameWithOwner":"octo/Hello"}`)
		lists := `query { repository(owner: "octo", name: "hello") {
			stargazers(first: 10) { totalCount edges { node { login } } }
			forks(first: 10) { totalCount nodes { nameWithOwner } } } }`
		repoAwait(t, srv, "", lists, nil, `"stargazers":{"totalCount":1,"edges":[{"node":{"login":"mona"}}]}`, `"forks":{"totalCount":1,"nodes":[{"nameWithOwner":"mona/Hello"}]}`)
		starred := `query { user(login: "mona") { starredRepositories(first: 10) { totalCount nodes { nameWithOwner } } repositories(first: 10) { totalCount nodes { nameWithOwner } } } }`
		repoAwait(t, srv, "", starred, nil, `"starredRepositories":{"totalCount":1,"nodes":[{"nameWithOwner":"octo/Hello"}]}`, `"repositories":{"totalCount":1,"nodes":[{"nameWithOwner":"mona/Hello"}]}`)

		// Private repositories: only the organization's members see them.
		tools := repoVars("acme", "tools")
		repoAwait(t, srv, "hubot", repoQuery, tools, `"nameWithOwner":"acme/tools"`, `"owner":{"__typename":"Organization","login":"acme"}`)
		for _, viewer := range []string{"", "mona"} {
			if got := repoData(t, srv, viewer, repoQuery, tools); got != `{"repository":null}` {
				t.Fatalf("acme/tools as %q = %s, want null", viewer, got)
			}
		}
		orgRepos := `query { organization(login: "acme") { repositories(first: 10) { totalCount nodes { name } } } }`
		repoAwait(t, srv, "hubot", orgRepos, nil, `{"totalCount":1,"nodes":[{"name":"tools"}]}`)
		if got := repoData(t, srv, "mona", orgRepos, nil); !strings.Contains(got, `{"totalCount":0,"nodes":[]}`) {
			t.Fatalf("acme's repositories as mona = %s, want none", got)
		}
	})

	var oldID string
	t.Run("delete", func(t *testing.T) {
		if res := repoDo(t, srv, "mona", repoDeleteMutation, in("owner", "octo", "name", "hello")); res.Code() != "FORBIDDEN" {
			t.Fatalf("delete by a stranger: %+v", res.Errors)
		}
		var before struct{ Repository struct{ ID string } }
		if err := repoDo(t, srv, "", repoQuery, repoVars("octo", "hello")).Decode(&before); err != nil {
			t.Fatal(err)
		}
		oldID = before.Repository.ID
		got := repoData(t, srv, "octo", repoDeleteMutation, in("owner", "octo", "name", "hello"))
		if !strings.Contains(got, `"deletedRepositoryId":"`+oldID+`"`) {
			t.Fatalf("deleteRepository = %s, want id %s", got, oldID)
		}
		repoAwait(t, srv, "", repoQuery, repoVars("octo", "hello"), `{"repository":null}`)
		repoAwait(t, srv, "", `query { user(login: "mona") { starredRepositories(first: 10) { totalCount nodes { name } } } }`, nil, `{"totalCount":0,"nodes":[]}`)
		repoAwait(t, srv, "", repoQuery, repoVars("mona", "hello"), `"isFork":true`, `"parent":null`)
		for _, q := range []string{repoStarMutation, repoDeleteMutation, repoForkMutation} {
			if res := repoDo(t, srv, "octo", q, in("owner", "octo", "name", "hello")); res.Code() != "NOT_FOUND" {
				t.Fatalf("%s on a deleted repository: %+v", strings.Fields(q)[1], res.Errors)
			}
		}
	})

	t.Run("name reused", func(t *testing.T) {
		got := repoData(t, srv, "octo", repoCreateMutation, in("name", "hello"))
		if !strings.Contains(got, `"nameWithOwner":"octo/hello","description":null,"isPrivate":false,"isFork":false,"stargazerCount":0,"forkCount":0`) || strings.Contains(got, oldID) {
			t.Fatalf("re-created = %s, want a fresh repository with a new id", got)
		}
		repoAwait(t, srv, "mona", repoQuery, repoVars("octo", "hello"), `"nameWithOwner":"octo/hello"`, `"viewerHasStarred":false`)
		// The old fork does not adopt the new repository as its parent.
		repoAwait(t, srv, "", repoQuery, repoVars("mona", "hello"), `"parent":null`)
		history := `query { repository(owner: "octo", name: "hello") { history(first: 10) { totalCount nodes { type version } } } }`
		// The new repository's history is its own life's: the deleted one
		// disappeared from every query (its events stay in the log), and
		// an earlier life may have been private.
		repoAwait(t, srv, "", history, nil, `{"totalCount":1,"nodes":[{"type":"RepositoryCreated","version":4}]}`)
	})
}
