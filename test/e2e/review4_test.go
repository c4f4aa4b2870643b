package e2e_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/test/testkit"
)

// TestRemovedMemberStopsReceiving: a member who starred the
// organization's private repository and subscribed to its activity —
// with a viewer-dependent document (resolved per viewer) and with a
// shared one, through repositoryActivity and through viewerActivity
// (which follows starred repositories) — receives no data of the
// repository once removed from the organization, while a remaining
// member subscribed to the same documents does. Tokens for the
// organization's own login (any case) and for a login without an account
// receive nothing of it through the same documents, before or after.
func TestRemovedMemberStopsReceiving(t *testing.T) {
	p := startSubPair(t, nil)
	for _, l := range []string{"chief", "m1", "m2"} {
		p.mutate(t, l, `mutation($l: String!) { createUser(input: {login: $l}) { user { login } } }`, map[string]any{"l": l})
	}
	p.mutate(t, "chief", `mutation { createOrganization(input: {login: "guild"}) { organization { login } } }`, nil)
	for _, m := range []string{"m1", "m2"} {
		p.mutate(t, "chief", `mutation($l: String!) { addMember(input: {organization: "guild", login: $l, role: MEMBER}) { organization { login } } }`, map[string]any{"l": m})
	}
	p.mutate(t, "chief", subCreateRepo, map[string]any{"in": map[string]any{"owner": "guild", "name": "vault", "isPrivate": true}})
	testkit.Eventually(t, subDeadline, func() bool {
		r, err := p.a.As(t, "m2").Do(context.Background(), `{ repository(owner: "guild", name: "vault") { name } }`, nil)
		return err == nil && strings.Contains(string(r.Data), "vault")
	}, "private repository visible to the members")
	for _, m := range []string{"m1", "m2"} {
		p.mutate(t, m, `mutation { starRepository(input: {owner: "guild", name: "vault"}) { repository { stargazerCount } } }`, nil)
	}
	testkit.Eventually(t, subDeadline, func() bool {
		r, err := p.a.As(t, "m2").Do(context.Background(), `{ repository(owner: "guild", name: "vault") { viewerHasStarred } }`, nil)
		return err == nil && strings.Contains(string(r.Data), "true")
	}, "stars projected")

	docs := []struct{ name, doc string }{
		{"repositoryActivity, viewer-dependent", `subscription { repositoryActivity(owner: "guild", name: "vault") { version repository { nameWithOwner viewerHasStarred forkCount parent { name } } ... on IssueActivity { issue { title } } } }`},
		{"repositoryActivity, shared", `subscription { repositoryActivity(owner: "guild", name: "vault") { version repository { nameWithOwner } ... on IssueActivity { issue { id title labels(first: 5) { nodes { id } } } } } }`},
		{"viewerActivity, viewer-dependent", `subscription { viewerActivity { action repository { nameWithOwner viewerHasStarred } ... on IssueActivity { issue { title } } } }`},
		{"viewerActivity, shared", `subscription { viewerActivity { action repository { nameWithOwner } ... on IssueActivity { issue { title } } } }`},
	}
	subs := map[string][]*testkit.WS{}
	for _, m := range []string{"m1", "m2"} {
		for _, d := range docs {
			ws := p.dial(t, m)
			subscribe(t, ws, "s", d.doc, nil)
			subs[m] = append(subs[m], ws)
		}
	}
	// Tokens for the organization's own login (in any case) and for a
	// login without an account: viewerActivity follows the repositories
	// the viewer owns, and these name the owner's login.
	odd := map[string]*testkit.WS{}
	for _, l := range []string{"guild", "GUILD", "ghost"} {
		for _, d := range docs {
			ws := p.dial(t, l)
			subscribe(t, ws, "s", d.doc, nil)
			odd[l+"/"+d.name] = ws
		}
	}
	time.Sleep(100 * time.Millisecond) // the subscribe messages are processed asynchronously
	// Before the removal both members receive: the subscriptions are live.
	label := trustPath(p.mutate(t, "chief", labelCreate, map[string]any{"in": map[string]any{"owner": "guild", "repository": "vault", "name": "secret-label", "color": "00ff00"}}), "createLabel.label.id")
	testkit.Eventually(t, subDeadline, func() bool {
		r, err := p.a.As(t, "chief").Do(context.Background(), `{ repository(owner: "guild", name: "vault") { labels(first: 5) { totalCount } } }`, nil)
		return err == nil && strings.Contains(string(r.Data), `"totalCount":1`)
	}, "label projected")
	p.mutate(t, "chief", workOpenIssue, map[string]any{"in": map[string]any{"owner": "guild", "repository": "vault", "title": "before removal", "labelIds": []string{label}}})
	var ids []string // the node IDs m2's payloads named
	for _, m := range []string{"m1", "m2"} {
		for i, ws := range subs[m] {
			msg := next(t, ws)
			if strings.Contains(string(msg.Payload), "LabelCreated") {
				msg = next(t, ws) // the label's creation comes first on repositoryActivity
			}
			if msg.Type != "next" || !strings.Contains(string(msg.Payload), "before removal") {
				t.Fatalf("%s, %s: got %s %s before the removal", m, docs[i].name, msg.Type, msg.Payload)
			}
			if m == "m2" && i == 1 {
				var d struct {
					RepositoryActivity struct {
						Issue struct {
							ID     string
							Labels struct{ Nodes []struct{ ID string } }
						}
					}
				}
				if _, _, err := msg.Data(&d); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, d.RepositoryActivity.Issue.ID)
				for _, l := range d.RepositoryActivity.Issue.Labels.Nodes {
					ids = append(ids, l.ID)
				}
			}
		}
	}
	p.mutate(t, "chief", `mutation { removeMember(input: {organization: "guild", login: "m2"}) { organization { login } } }`, nil)
	testkit.Eventually(t, subDeadline, func() bool {
		r, err := p.a.As(t, "m2").Do(context.Background(), `{ repository(owner: "guild", name: "vault") { name } }`, nil)
		return err == nil && !strings.Contains(string(r.Data), "vault")
	}, "removal projected")
	p.mutate(t, "chief", workOpenIssue, map[string]any{"in": map[string]any{"owner": "guild", "repository": "vault", "title": "after removal"}})
	for i, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			// The remaining member receives the issue (after, perhaps,
			// the events of the removal itself).
			got := false
			for !got {
				m, err := subs["m1"][i].NextWithin(subDeadline)
				if err != nil {
					t.Fatalf("m1 did not receive the issue: %v", err)
				}
				got = m.Type == "next" && strings.Contains(string(m.Payload), "after removal")
			}
			for {
				m, err := subs["m2"][i].NextWithin(500 * time.Millisecond)
				if err != nil {
					break // nothing more within the window
				}
				if strings.Contains(string(m.Payload), "after removal") {
					t.Fatalf("removed member received %s", m.Payload)
				}
				if m.Type == "next" {
					if errs, _, _ := m.Data(nil); len(errs) == 0 && strings.Contains(string(m.Payload), "vault") {
						t.Fatalf("removed member received %s", m.Payload)
					}
				}
			}
		})
	}

	for name, ws := range odd {
		t.Run("odd token/"+name, func(t *testing.T) {
			for {
				m, err := ws.NextWithin(200 * time.Millisecond)
				if err != nil {
					break // nothing more within the window
				}
				if m.Type == "next" {
					if errs, _, _ := m.Data(nil); len(errs) == 0 {
						t.Fatalf("received %s", m.Payload)
					}
				}
			}
		})
	}

	// The node IDs m2 read from its payloads while a member reveal
	// nothing once it is not, nor to tokens for the organization's login
	// or a login without an account, nor anonymously.
	if len(ids) != 2 || ids[1] != label {
		t.Fatalf("ids from the payload: %q, want the issue's and %q", ids, label)
	}
	const q = `query($id: ID!, $ids: [ID!]!) { node(id: $id) { id ... on Issue { title } ... on Label { name } } nodes(ids: $ids) { id ... on Issue { title } ... on Label { name } } }`
	for _, v := range []struct{ name, login string }{{"removed member", "m2"}, {"organization token", "guild"}, {"organization token in capitals", "GUILD"}, {"token without an account", "ghost"}, {"anonymous", ""}} {
		for _, id := range ids {
			t.Run("node/"+v.name+"/"+id, func(t *testing.T) {
				c := p.a.GraphQL
				if v.login != "" {
					c = p.a.As(t, v.login)
				}
				res, err := c.Do(context.Background(), q, map[string]any{"id": id, "ids": []string{id}})
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(res.Body), "before removal") || strings.Contains(string(res.Body), "secret-label") {
					t.Fatalf("revealed: %s", res.Body)
				}
				if !strings.Contains(string(res.Data), `"node":null`) || !strings.Contains(string(res.Data), `"nodes":[null]`) {
					t.Fatalf("want node null and nodes [null]; got %s", res.Body)
				}
			})
		}
	}
	// The same query answers a member: the IDs are real.
	res := p.a.As(t, "m1").MustDo(t, q, map[string]any{"id": ids[0], "ids": ids})
	if !strings.Contains(string(res.Data), "before removal") || !strings.Contains(string(res.Data), "secret-label") {
		t.Fatalf("a member reads %s", res.Data)
	}
}

// TestEveryConnectionRefusesBadPaging: every connection field of every
// object type — found by introspection, so one added later is covered or
// fails here asking how to reach its type — answers a first page, and
// refuses a negative or huge page size and a forged cursor with
// BAD_USER_INPUT.
func TestEveryConnectionRefusesBadPaging(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	issueID, commentID := trustNodeIDs(t, srv)
	octo := srv.As(t, "octo")
	trustOK(t, octo, `mutation { createOrganization(input: {login: "acme"}) { organization { login } } }`, nil)
	trustOK(t, octo, workOpenPull, map[string]any{"in": map[string]any{"owner": "octo", "repository": "hello", "title": "pull", "headRef": "a", "baseRef": "b"}})
	labelID(t, octo, "octo", "hello", "paging", "ededed")
	s := introspect(t, srv)
	repo := `repository(owner: "octo", name: "hello")`
	// How to reach a value of each type with connections; %s is the
	// selection on it.
	reach := map[string]string{
		s.Query:        `{ %s }`,
		"Repository":   `{ ` + repo + ` { %s } }`,
		"User":         `{ user(login: "octo") { %s } }`,
		"Organization": `{ organization(login: "acme") { %s } }`,
		"Issue":        `{ node(id: "` + issueID + `") { ... on Issue { %s } } }`,
		"PullRequest":  `{ ` + repo + ` { pullRequest(number: 2) { %s } } }`,
		"IssueComment": `{ node(id: "` + commentID + `") { ... on IssueComment { %s } } }`,
		"Label":        `{ ` + repo + ` { label(name: "paging") { %s } } }`,
	}
	tested := 0
	for _, name := range slices.Sorted(maps.Keys(s.Types)) {
		ty := s.Types[name]
		if ty.Kind != "OBJECT" || strings.HasPrefix(name, "__") || s.isConnection(name) {
			continue
		}
		for _, f := range ty.Fields {
			if !s.isConnection(f.Type.named().Name) {
				continue
			}
			doc, ok := reach[name]
			if !ok {
				t.Fatalf("%s.%s is a connection: teach this test how to reach a %s", name, f.Name, name)
			}
			for _, a := range f.Args {
				if a.Type.nonNull() {
					t.Fatalf("%s.%s has the required argument %s: teach this test a value", name, f.Name, a.Name)
				}
			}
			tested++
			has := map[string]bool{}
			for _, a := range f.Args {
				has[a.Name] = true
			}
			for _, c := range []struct {
				name, args, code string
				needs            string // the argument the case needs
			}{
				{"first page", "first: 1", "", "first"},
				{"negative first", "first: -1", "BAD_USER_INPUT", "first"},
				{"huge first", "first: 1000000", "BAD_USER_INPUT", "first"},
				{"negative last", "last: -1", "BAD_USER_INPUT", "last"},
				{"forged after", `first: 1, after: "bm90IGEgY3Vyc29y"`, "BAD_USER_INPUT", "after"},
				{"forged before", `last: 1, before: "garbage"`, "BAD_USER_INPUT", "before"},
			} {
				if !has[c.needs] {
					continue
				}
				t.Run(name+"."+f.Name+"/"+c.name, func(t *testing.T) {
					q := fmt.Sprintf(doc, f.Name+"("+c.args+") { totalCount pageInfo { hasNextPage } }")
					res := trustDo(t, octo, q, nil)
					if res.Code() != c.code {
						t.Fatalf("code %q, want %q; body %.400s", res.Code(), c.code, res.Body)
					}
					if c.code == "" && !strings.Contains(string(res.Data), "totalCount") {
						t.Fatalf("no page: %s", res.Body)
					}
				})
			}
		}
	}
	if tested < 20 {
		t.Fatalf("only %d connection fields found", tested)
	}
}
