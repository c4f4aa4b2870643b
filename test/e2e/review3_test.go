package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket/wsjson"

	"github.com/hubstream/hubstream/test/testkit"
)

// Review 3 (attack review of shared subscription executions): each event's
// payload must be computed from the read model as it is after that event,
// never from values remembered for an earlier event on the same
// connection.

// TestSubscriptionListsAreFreshPerEvent: a subscriber selecting the
// subscribed repository's stargazers (and forks, whose page is remembered
// the same way) receives, for every star, the list as it is after that
// star. The per-request memo of those pages used to live for the whole
// WebSocket connection, so the second and later events repeated the first
// event's page.
func TestSubscriptionListsAreFreshPerEvent(t *testing.T) {
	p := startSubPair(t, nil)
	setupRepo(t, p, "octo", "fresh", false)
	fans := []string{"fan1", "fan2", "fan3"}
	for _, l := range fans {
		p.mutate(t, l, `mutation($l: String!) { createUser(input: {login: $l}) { user { login } } }`, map[string]any{"l": l})
	}
	const doc = `subscription($o: String!, $n: String!) { repositoryActivity(owner: $o, name: $n) {
		... on StarActivity { user { login } repository { stargazerCount stargazers(first: 10) { totalCount nodes { login } } } } } }`
	for _, tc := range []struct {
		name   string
		viewer string
	}{
		{"anonymous subscriber", ""},
		{"signed-in subscriber", "octo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := p.dial(t, tc.viewer)
			subscribe(t, ws, "s", doc, map[string]any{"o": "octo", "n": "fresh"})
			time.Sleep(100 * time.Millisecond) // the subscribe message is processed asynchronously
			starred := map[bool]string{true: "starRepository", false: "unstarRepository"}
			want := []string{}
			for i, l := range fans {
				// The first run stars, the second unstars: each run changes the list at every event.
				add := tc.viewer == ""
				p.mutate(t, l, fmt.Sprintf(`mutation { %s(input: {owner: "octo", name: "fresh"}) { repository { name } } }`, starred[add]), nil)
				if add {
					want = append(want, l)
				} else {
					want = fans[i+1:]
				}
				m := next(t, ws)
				var d struct {
					RepositoryActivity struct {
						User       struct{ Login string }
						Repository struct {
							StargazerCount int
							Stargazers     struct {
								TotalCount int
								Nodes      []struct{ Login string }
							}
						}
					}
				}
				errs, _, err := m.Data(&d)
				if err != nil || len(errs) > 0 || m.Type != "next" {
					t.Fatalf("event %d: %s %s", i, m.Type, m.Payload)
				}
				r := d.RepositoryActivity.Repository
				var got []string
				for _, n := range r.Stargazers.Nodes {
					got = append(got, n.Login)
				}
				slices.Sort(got)
				if d.RepositoryActivity.User.Login != l || r.StargazerCount != len(want) || r.Stargazers.TotalCount != len(want) || strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("after %s by %s: user %q, stargazerCount %d, totalCount %d, stargazers %v; want %d and %v",
						starred[add], l, d.RepositoryActivity.User.Login, r.StargazerCount, r.Stargazers.TotalCount, got, len(want), want)
				}
			}
			ws.Close()
			testkit.Eventually(t, subDeadline, func() bool {
				return testkit.MetricValue(t, p.a.App.Registry(), "hubstream_subscriptions_active", nil) == 0
			}, "the subscription ended")
		})
	}
}

// TestWebSocketQueriesReadCurrentState: queries sent over a subscription
// socket (graphql-transport-ws allows any operation) read the read model
// as it is when each is sent, not as the connection first read it.
func TestWebSocketQueriesReadCurrentState(t *testing.T) {
	p := startSubPair(t, nil)
	setupRepo(t, p, "octo", "wsq", false)
	ws := p.dial(t, "octo")
	const q = `query { repository(owner: "octo", name: "wsq") { description stargazerCount stargazers(first: 5) { totalCount } } }`
	ask := func(id string) (string, int) {
		t.Helper()
		subscribe(t, ws, id, q, nil)
		for {
			m := next(t, ws)
			if m.Type == "complete" {
				continue
			}
			var d struct {
				Repository struct {
					Description    *string
					StargazerCount int
				}
			}
			errs, _, err := m.Data(&d)
			if err != nil || len(errs) > 0 || m.Type != "next" {
				t.Fatalf("%s: %s %s", id, m.Type, m.Payload)
			}
			if d.Repository.Description == nil {
				return "", d.Repository.StargazerCount
			}
			return *d.Repository.Description, d.Repository.StargazerCount
		}
	}
	for i, tc := range []struct {
		name, description string
	}{
		{"first read", "one"},
		{"after an update", "two"},
		{"after another update", "three"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.mutate(t, "octo", `mutation($d: String!) { updateRepository(input: {owner: "octo", name: "wsq", description: $d}) { repository { name } } }`, map[string]any{"d": tc.description})
			p.mutate(t, "octo", `mutation { starRepository(input: {owner: "octo", name: "wsq"}) { repository { name } } }`, nil)
			testkit.Eventually(t, subDeadline, func() bool {
				r, err := p.a.As(t, "octo").Do(context.Background(), `{ repository(owner: "octo", name: "wsq") { description } }`, nil)
				return err == nil && strings.Contains(string(r.Data), tc.description)
			}, "update projected")
			if d, _ := ask(fmt.Sprintf("q%d", i)); d != tc.description {
				t.Errorf("description over the socket = %q, want %q", d, tc.description)
			}
		})
	}
}

// TestSubscriptionPrivateForkNotNamed: a member's private fork of an
// organization's private repository is the member's alone; the other
// members subscribed to the organization's repository must not learn its
// owner and name from the fork's activity (aggregateId, or the message's
// extensions.event.aggregate), while the forker still sees it.
func TestSubscriptionPrivateForkNotNamed(t *testing.T) {
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
	}, "private repository projected and visible to the members")
	const doc = `subscription { repositoryActivity(owner: "guild", name: "vault") {
		__typename aggregateId actor ... on ForkActivity { fork { nameWithOwner } } } }`
	subs := map[string]*testkit.WS{}
	for _, l := range []string{"m1", "m2"} {
		subs[l] = p.dial(t, l)
		subscribe(t, subs[l], "s", doc, nil)
	}
	time.Sleep(100 * time.Millisecond) // the subscribe messages are processed asynchronously
	p.mutate(t, "m1", `mutation { forkRepository(input: {owner: "guild", name: "vault"}) { repository { nameWithOwner isPrivate } } }`, nil)
	r, err := p.a.As(t, "m2").Do(context.Background(), `{ repository(owner: "m1", name: "vault") { name } }`, nil)
	if err != nil || strings.Contains(string(r.Data), "vault") {
		t.Fatalf("m1's fork is visible to m2 (%s, %v): the test's premise is wrong", r.Data, err)
	}
	p.mutate(t, "chief", workOpenIssue, map[string]any{"in": map[string]any{"owner": "guild", "repository": "vault", "title": "after the fork"}})
	for _, tc := range []struct {
		name, viewer string
		named        bool // the fork's name may appear in the viewer's messages
	}{
		{"the forker sees the fork", "m1", true},
		{"another member does not learn its name", "m2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sawName := false
			for {
				m := next(t, subs[tc.viewer])
				if m.Type != "next" {
					t.Fatalf("%s: %s %s", tc.viewer, m.Type, m.Payload)
				}
				if strings.Contains(strings.ToLower(string(m.Payload)), "m1/vault") {
					sawName = true
				}
				if strings.Contains(string(m.Payload), "IssueActivity") {
					break
				}
			}
			if sawName != tc.named {
				t.Errorf("%s: the fork's name in the messages = %v, want %v", tc.viewer, sawName, tc.named)
			}
		})
	}
}

// TestSubscriptionEndsWhenRepositoryHidden: an anonymous subscriber of a
// public repository's activity or of one of its issues is told NOT_FOUND,
// and receives nothing more, once the repository is made private or
// deleted — also when it shares its document with the owner, who keeps
// receiving.
func TestSubscriptionEndsWhenRepositoryHidden(t *testing.T) {
	p := startSubPair(t, nil)
	for _, tc := range []struct {
		name, owner, repo, change string
		vars                      map[string]any
		ownerKeeps                bool
	}{
		{"made private", "octa", "hidden", `mutation($o: String!, $n: String!) { updateRepository(input: {owner: $o, name: $n, isPrivate: true}) { repository { name } } }`, nil, true},
		{"deleted", "octb", "gone", `mutation($o: String!, $n: String!) { deleteRepository(input: {owner: $o, name: $n}) { deletedRepositoryId } }`, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setupRepo(t, p, tc.owner, tc.repo, false)
			p.mutate(t, tc.owner, workOpenIssue, map[string]any{"in": map[string]any{"owner": tc.owner, "repository": tc.repo, "title": "first"}})
			testkit.Eventually(t, subDeadline, func() bool {
				r, err := p.a.As(t, tc.owner).Do(context.Background(), `query($o: String!, $n: String!) { repository(owner: $o, name: $n) { issue(number: 1) { title } } }`, map[string]any{"o": tc.owner, "n": tc.repo})
				return err == nil && strings.Contains(string(r.Data), "first")
			}, "issue projected")
			vars := map[string]any{"o": tc.owner, "n": tc.repo, "num": 1}
			docs := map[string]string{"activity": subRepoActivity, "issue": subIssueChanged}
			anon, owner := map[string]*testkit.WS{}, map[string]*testkit.WS{}
			for k, d := range docs {
				anon[k], owner[k] = p.dial(t, ""), p.dial(t, tc.owner)
				subscribe(t, anon[k], k, d, vars)
				subscribe(t, owner[k], k, d, vars)
			}
			time.Sleep(100 * time.Millisecond) // the subscribe messages are processed asynchronously
			p.mutate(t, tc.owner, tc.change, map[string]any{"o": tc.owner, "n": tc.repo})
			for k, ws := range anon {
				for {
					m := next(t, ws)
					errs := m.Errors()
					if m.Type == "next" {
						errs, _, _ = m.Data(nil)
					}
					// The issue's opening may still be on its way from the
					// stream when the subscription registers: it is the only
					// event that may come first.
					if m.Type == "next" && len(errs) == 0 && strings.Contains(string(m.Payload), `"IssueOpened"`) {
						continue
					}
					if len(errs) == 0 || errs[0].Code() != "NOT_FOUND" {
						t.Fatalf("anonymous %s: got %s %s, want NOT_FOUND", k, m.Type, m.Payload)
					}
					break
				}
			}
			if !tc.ownerKeeps {
				return
			}
			p.mutate(t, tc.owner, `mutation($in: EditIssueInput!) { editIssue(input: $in) { issue { title } } }`, map[string]any{"in": map[string]any{"owner": tc.owner, "repository": tc.repo, "number": 1, "title": "secret title"}})
			for k, ws := range owner {
				for {
					m := next(t, ws)
					if m.Type != "next" {
						t.Fatalf("owner %s: %s %s", k, m.Type, m.Payload)
					}
					if strings.Contains(string(m.Payload), "secret title") {
						break
					}
				}
			}
			for k, ws := range anon {
				if m, err := ws.NextWithin(300 * time.Millisecond); err == nil && m.Type != "complete" {
					t.Errorf("anonymous %s after NOT_FOUND: got %s %s", k, m.Type, m.Payload)
				}
			}
		})
	}
}

// TestSubscriptionClassesNeverMergeDifferentDocuments: documents that
// differ only in an alias, a string literal, an @include variable or the
// operation chosen are different classes: each subscriber receives its
// own document's shape, and each document is resolved once.
func TestSubscriptionClassesNeverMergeDifferentDocuments(t *testing.T) {
	p := startSubPair(t, nil)
	setupRepo(t, p, "octo", "classes", false)
	const two = `subscription A { repositoryActivity(owner: "octo", name: "classes") { a: version } }
		subscription B { repositoryActivity(owner: "octo", name: "classes") { b: version } }`
	cases := []struct {
		name, doc, op string
		vars          map[string]any
		want, not     string
	}{
		{"plain", `subscription { repositoryActivity(owner: "octo", name: "classes") { version } }`, "", nil, `"version":`, `"v":`},
		{"an alias", `subscription { repositoryActivity(owner: "octo", name: "classes") { v: version } }`, "", nil, `"v":`, `"version":`},
		{"a literal", `subscription { repositoryActivity(owner: "octo", name: "classes") { ... on IssueActivity { issue { repository { issue(number: 2) { number } } } } } }`, "", nil, `"repository":{"issue":null}`, `"number":1`},
		{"another literal", `subscription { repositoryActivity(owner: "octo", name: "classes") { ... on IssueActivity { issue { repository { issue(number: 1) { number } } } } } }`, "", nil, `"repository":{"issue":{"number":1}}`, `"issue":null`},
		{"@include true", `subscription($x: Boolean!) { repositoryActivity(owner: "octo", name: "classes") { version @include(if: $x) eventType } }`, "", map[string]any{"x": true}, `"version":`, `"v":`},
		{"@include false", `subscription($x: Boolean!) { repositoryActivity(owner: "octo", name: "classes") { version @include(if: $x) eventType } }`, "", map[string]any{"x": false}, `"eventType":`, `"version":`},
		{"operation A", two, "A", nil, `"a":`, `"b":`},
		{"operation B", two, "B", nil, `"b":`, `"a":`},
	}
	conns := make([]*testkit.WS, len(cases))
	for i, tc := range cases {
		conns[i] = p.dial(t, "")
		ctx, cancel := context.WithTimeout(context.Background(), subDeadline)
		payload := map[string]any{"query": tc.doc, "variables": tc.vars, "operationName": tc.op}
		err := wsjson.Write(ctx, conns[i].Conn, map[string]any{"id": "s", "type": "subscribe", "payload": payload})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // the subscribe messages are processed asynchronously
	before := executions(t, p)
	p.mutate(t, "octo", workOpenIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "classes", "title": "one"}})
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := next(t, conns[i])
			var data json.RawMessage
			if errs, _, err := m.Data(&data); err != nil || len(errs) > 0 || m.Type != "next" {
				t.Fatalf("got %s %s", m.Type, m.Payload)
			}
			if !strings.Contains(string(data), tc.want) || strings.Contains(string(data), tc.not) {
				t.Fatalf("data %s, want %s and not %s", data, tc.want, tc.not)
			}
		})
	}
	if got := executions(t, p) - before; got != float64(len(cases)) {
		t.Errorf("payloads resolved for %d different documents: %v", len(cases), got)
	}
}
