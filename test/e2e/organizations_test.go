package e2e_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

const orgCreateMutation = `mutation($in: CreateOrganizationInput!) { createOrganization(input: $in) { organization { id login name description createdAt updatedAt } } }`

const orgUpdateMutation = `mutation($in: UpdateOrganizationInput!) { updateOrganization(input: $in) { organization { login name description } } }`

const orgAddMemberMutation = `mutation($in: AddMemberInput!) { addMember(input: $in) { organization { login } member { login } role } }`

const orgChangeRoleMutation = `mutation($in: ChangeMemberRoleInput!) { changeMemberRole(input: $in) { organization { login } member { login name } role } }`

const orgRemoveMemberMutation = `mutation($in: RemoveMemberInput!) { removeMember(input: $in) { organization { login } } }`

// orgDo runs a mutation as login (anonymous when login is "") and returns
// the response.
func orgDo(t *testing.T, srv *testkit.Server, login, query string, in map[string]any) *testkit.Response {
	t.Helper()
	return doAs(t, srv, login, query, map[string]any{"in": in})
}

// orgMust runs a mutation as login and fails the test on any error.
func orgMust(t *testing.T, srv *testkit.Server, login, query string, in map[string]any) json.RawMessage {
	t.Helper()
	res := orgDo(t, srv, login, query, in)
	if len(res.Errors) > 0 {
		t.Fatalf("%s as %s (%v): errors %+v", strings.Fields(query)[1], login, in, res.Errors)
	}
	return res.Data
}

func TestOrganizationMutations(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	for _, u := range []string{"alice", "bob", "carol"} {
		createUser(t, srv, map[string]any{"login": u, "name": strings.ToUpper(u)})
	}
	var created struct {
		CreateOrganization struct {
			Organization struct {
				ID, Login, Name, Description string
			}
		}
	}
	if err := json.Unmarshal(orgMust(t, srv, "alice", orgCreateMutation, map[string]any{"login": "Acme", "name": "Acme Inc.", "description": "Widgets"}), &created); err != nil {
		t.Fatal(err)
	}
	if o := created.CreateOrganization.Organization; o.Login != "Acme" || o.Name != "Acme Inc." || o.Description != "Widgets" || o.ID == "" {
		t.Fatalf("createOrganization = %+v", o)
	}

	steps := []struct {
		name      string
		actor     string
		query     string
		in        map[string]any
		wantCode  string
		wantField string
		want      string // a substring of the data, when it succeeds
	}{
		{"create, anonymous", "", orgCreateMutation, map[string]any{"login": "initech"}, "UNAUTHENTICATED", "", ""},
		{"create, login of a user", "bob", orgCreateMutation, map[string]any{"login": "ALICE"}, "ALREADY_EXISTS", "", ""},
		{"create, login of an organization", "bob", orgCreateMutation, map[string]any{"login": "acme"}, "ALREADY_EXISTS", "", ""},
		{"create, bad login", "bob", orgCreateMutation, map[string]any{"login": "a_b"}, "BAD_USER_INPUT", "login", ""},
		{"create, description too long", "bob", orgCreateMutation, map[string]any{"login": "initech", "description": strings.Repeat("x", 161)}, "BAD_USER_INPUT", "description", ""},
		{"add, outsider", "bob", orgAddMemberMutation, map[string]any{"organization": "acme", "login": "bob", "role": "ADMIN"}, "FORBIDDEN", "", ""},
		{"add, missing user", "alice", orgAddMemberMutation, map[string]any{"organization": "acme", "login": "ghost", "role": "MEMBER"}, "NOT_FOUND", "", ""},
		{"add, missing organization", "alice", orgAddMemberMutation, map[string]any{"organization": "ghost", "login": "bob", "role": "MEMBER"}, "NOT_FOUND", "", ""},
		{"add bob", "alice", orgAddMemberMutation, map[string]any{"organization": "ACME", "login": "Bob", "role": "MEMBER"}, "", "", `"member":{"login":"bob"},"role":"MEMBER"`},
		{"add bob again", "alice", orgAddMemberMutation, map[string]any{"organization": "acme", "login": "bob", "role": "ADMIN"}, "ALREADY_EXISTS", "", ""},
		{"member adds", "bob", orgAddMemberMutation, map[string]any{"organization": "acme", "login": "carol", "role": "MEMBER"}, "FORBIDDEN", "", ""},
		{"update, member", "bob", orgUpdateMutation, map[string]any{"login": "acme", "name": "Bob's"}, "FORBIDDEN", "", ""},
		{"demote the last admin", "alice", orgChangeRoleMutation, map[string]any{"organization": "acme", "login": "alice", "role": "MEMBER"}, "FORBIDDEN", "", ""},
		{"last admin leaves", "alice", orgRemoveMemberMutation, map[string]any{"organization": "acme", "login": "alice"}, "FORBIDDEN", "", ""},
		{"add carol", "alice", orgAddMemberMutation, map[string]any{"organization": "acme", "login": "carol", "role": "MEMBER"}, "", "", `"role":"MEMBER"`},
		{"promote bob", "alice", orgChangeRoleMutation, map[string]any{"organization": "acme", "login": "bob", "role": "ADMIN"}, "", "", `"member":{"login":"bob","name":"BOB"},"role":"ADMIN"`},
		{"bob removes alice", "bob", orgRemoveMemberMutation, map[string]any{"organization": "acme", "login": "alice"}, "", "", `"login":"Acme"`},
		{"alice is gone", "alice", orgUpdateMutation, map[string]any{"login": "acme", "name": "x"}, "FORBIDDEN", "", ""},
		{"update, admin", "bob", orgUpdateMutation, map[string]any{"login": "acme", "name": "Acme Corp", "description": ""}, "", "", `"name":"Acme Corp","description":null`},
		{"carol leaves", "carol", orgRemoveMemberMutation, map[string]any{"organization": "acme", "login": "carol"}, "", "", `"login":"Acme"`},
		{"carol rejoins", "bob", orgAddMemberMutation, map[string]any{"organization": "acme", "login": "carol", "role": "MEMBER"}, "", "", `"role":"MEMBER"`},
		{"remove a non-member", "bob", orgRemoveMemberMutation, map[string]any{"organization": "acme", "login": "alice"}, "NOT_FOUND", "", ""},
		{"bob creates initech", "bob", orgCreateMutation, map[string]any{"login": "initech"}, "", "", `"login":"initech"`},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			expectOutcome(t, orgDo(t, srv, s.actor, s.query, s.in), s.wantCode, s.wantField, s.want)
		})
	}

	// The read side, once projected: acme has bob (ADMIN) and carol
	// (MEMBER); bob belongs to Acme and initech.
	const readQuery = `{
	  organization(login: "ACME") { login name description members(first: 10) { totalCount edges { role node { login } } } }
	  bob: user(login: "bob") { organizations(first: 10) { totalCount nodes { login } } }
	  alice: user(login: "alice") { organizations(first: 10) { totalCount nodes { login } } }
	  org: repositoryOwner(login: "acme") { __typename login }
	  usr: repositoryOwner(login: "carol") { __typename login }
	  none: repositoryOwner(login: "ghost") { login }
	  notOrg: organization(login: "bob") { login }
	}`
	want := `{"organization":{"login":"Acme","name":"Acme Corp","description":null,"members":{"totalCount":2,"edges":[{"role":"ADMIN","node":{"login":"bob"}},{"role":"MEMBER","node":{"login":"carol"}}]}},` +
		`"bob":{"organizations":{"totalCount":2,"nodes":[{"login":"Acme"},{"login":"initech"}]}},` +
		`"alice":{"organizations":{"totalCount":0,"nodes":[]}},` +
		`"org":{"__typename":"Organization","login":"Acme"},"usr":{"__typename":"User","login":"carol"},"none":null,"notOrg":null}`
	var last string
	if !testkit.Poll(projectionDeadline, func() bool {
		res := srv.GraphQL.MustDo(t, readQuery, nil)
		last = string(res.Data) + fmt.Sprint(res.Errors)
		return len(res.Errors) == 0 && string(res.Data) == want
	}) {
		t.Fatalf("read model:\n got %s\nwant %s", last, want)
	}

	t.Run("members paging", func(t *testing.T) {
		const q = `query($after: String) { organization(login: "acme") { members(first: 1, after: $after) { edges { cursor role node { login } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`
		type page struct {
			Organization struct {
				Members struct {
					Edges []struct {
						Role string
						Node struct{ Login string }
					}
					PageInfo struct {
						HasNextPage, HasPreviousPage bool
						EndCursor                    *string
					}
				}
			}
		}
		var logins []string
		var after any
		for i := 0; i < 5; i++ {
			res := srv.GraphQL.MustDo(t, q, map[string]any{"after": after})
			var p page
			if err := res.Decode(&p); err != nil || len(res.Errors) > 0 {
				t.Fatalf("page %d: %v %+v", i, err, res.Errors)
			}
			m := p.Organization.Members
			for _, e := range m.Edges {
				logins = append(logins, e.Node.Login+":"+e.Role)
			}
			if m.PageInfo.HasPreviousPage != (i > 0) {
				t.Fatalf("page %d: hasPreviousPage = %v", i, m.PageInfo.HasPreviousPage)
			}
			if !m.PageInfo.HasNextPage {
				break
			}
			after = *m.PageInfo.EndCursor
		}
		if got := strings.Join(logins, ","); got != "bob:ADMIN,carol:MEMBER" {
			t.Fatalf("members paged = %s", got)
		}
	})

	t.Run("history", func(t *testing.T) {
		const q = `query($login: String!, $after: String) { organization(login: $login) { history(first: 2, after: $after) { totalCount edges { cursor node { type version actor data } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`
		type hist struct {
			Organization struct {
				History struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							Type    string
							Version int
							Actor   *string
							Data    string
						}
					}
					PageInfo struct {
						HasNextPage, HasPreviousPage bool
						EndCursor                    *string
					}
				}
			}
		}
		var types []string
		var after any
		total := -1
		for i := 0; i < 10; i++ {
			res := srv.GraphQL.MustDo(t, q, map[string]any{"login": "acme", "after": after})
			var h hist
			if err := res.Decode(&h); err != nil || len(res.Errors) > 0 {
				t.Fatalf("page %d: %v %+v", i, err, res.Errors)
			}
			hc := h.Organization.History
			if total == -1 {
				total = hc.TotalCount
			} else if hc.TotalCount != total {
				t.Fatalf("totalCount changed from %d to %d between pages", total, hc.TotalCount)
			}
			for _, e := range hc.Edges {
				types = append(types, fmt.Sprintf("%d:%s", e.Node.Version, e.Node.Type))
				if e.Node.Version == 1 && (e.Node.Actor == nil || *e.Node.Actor != "alice" || !strings.Contains(e.Node.Data, `"creator":"alice"`)) {
					t.Fatalf("first event = %+v", e.Node)
				}
			}
			if !hc.PageInfo.HasNextPage {
				break
			}
			after = *hc.PageInfo.EndCursor
		}
		// Created; admins 1→2 (bob promoted) →1 (alice removed); updated.
		want := "4:OrganizationUpdated,3:OrganizationAdminsChanged,2:OrganizationAdminsChanged,1:OrganizationCreated"
		if got := strings.Join(types, ","); got != want || total != 4 {
			t.Fatalf("history = %s (total %d), want %s (total 4)", got, total, want)
		}
	})

	t.Run("history cursor of another entity", func(t *testing.T) {
		res := srv.GraphQL.MustDo(t, `{ organization(login: "acme") { history(first: 1) { pageInfo { endCursor } } } }`, nil)
		var h struct {
			Organization struct {
				History struct{ PageInfo struct{ EndCursor string } }
			}
		}
		if err := res.Decode(&h); err != nil {
			t.Fatal(err)
		}
		res = srv.GraphQL.MustDo(t, `query($c: String) { user(login: "bob") { history(first: 1, after: $c) { totalCount } } }`, map[string]any{"c": h.Organization.History.PageInfo.EndCursor})
		if res.Code() != "BAD_USER_INPUT" {
			t.Fatalf("errors %+v, want BAD_USER_INPUT", res.Errors)
		}
	})

	t.Run("user history", func(t *testing.T) {
		res := srv.GraphQL.MustDo(t, `{ user(login: "bob") { history(first: 5) { totalCount nodes { type version } } } }`, nil)
		if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"totalCount":1,"nodes":[{"type":"UserCreated","version":1}]`) {
			t.Fatalf("user history = %s %+v", res.Data, res.Errors)
		}
		res = srv.GraphQL.MustDo(t, `{ user(login: "bob") { history { totalCount } } }`, nil)
		if res.Code() != "BAD_USER_INPUT" {
			t.Fatalf("history without first: errors %+v, want BAD_USER_INPUT", res.Errors)
		}
	})
}

// TestLastAdminsRemoveEachOther: two admins remove each other at the same
// time, in several organizations; in each exactly one removal succeeds and
// the other is refused, so no organization is left without an admin.
func TestLastAdminsRemoveEachOther(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	createUser(t, srv, map[string]any{"login": "ann"})
	createUser(t, srv, map[string]any{"login": "ben"})
	const rounds = 6
	for i := range rounds {
		org := fmt.Sprintf("org-%d", i)
		orgMust(t, srv, "ann", orgCreateMutation, map[string]any{"login": org})
		orgMust(t, srv, "ann", orgAddMemberMutation, map[string]any{"organization": org, "login": "ben", "role": "ADMIN"})
		var wg sync.WaitGroup
		codes := make([]string, 2)
		// Clients are made here: t.Fatal must not run in the goroutines.
		clients := []*testkit.Client{srv.As(t, "ann"), srv.As(t, "ben")}
		for j, pair := range [][2]string{{"ann", "ben"}, {"ben", "ann"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := clients[j].Do(t.Context(), orgRemoveMemberMutation, map[string]any{"in": map[string]any{"organization": org, "login": pair[1]}})
				switch {
				case err != nil:
					codes[j] = "request failed: " + err.Error()
				case res.Code() == "":
					codes[j] = "OK"
				default:
					codes[j] = res.Code()
				}
			}()
		}
		wg.Wait()
		if !(codes[0] == "OK" && codes[1] == "FORBIDDEN" || codes[0] == "FORBIDDEN" && codes[1] == "OK") {
			t.Fatalf("%s: outcomes %v, want one OK and one FORBIDDEN", org, codes)
		}
	}
}
