package e2e_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hubstream/hubstream/test/testkit"
)

// Shared execution (graph/fanout.go): subscribers with the same document
// share one resolution per event, yet each still gets only what they may
// see, and viewer-dependent fields are resolved for each viewer.

// executions returns server A's count of resolved subscription payloads.
func executions(t *testing.T, p subPair) float64 {
	t.Helper()
	return testkit.MetricValue(t, p.a.App.Registry(), "hubstream_subscriptions_executions_total", nil)
}

// TestSubscriptionSharedDocumentRespectsEachViewer: viewers with different
// rights subscribed with the same document and variables: each receives
// exactly what they may see — the organization's owner and two members
// receive a private repository's activity (resolved once per event for
// all of them); once one member is removed, their subscription ends with
// NOT_FOUND while the others keep receiving. Documents that differ only in
// spacing and comments share.
func TestSubscriptionSharedDocumentRespectsEachViewer(t *testing.T) {
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

	// subRepoActivity without ForkActivity.fork, which is viewer-dependent
	// (a private fork is not everyone's to see).
	const doc = `subscription($o: String!, $n: String!) { repositoryActivity(owner: $o, name: $n) {
		__typename aggregateId version eventType actor repository { nameWithOwner }
		... on IssueActivity { action issue { number title state } } } }`
	vars := map[string]any{"o": "guild", "n": "vault"}
	subs := map[string]*testkit.WS{}
	// m1 sends the same document spaced differently and commented: it is
	// normalised before it is compared.
	respaced := "# the same document\n" + strings.Join(strings.Fields(doc), "  ")
	for _, l := range []string{"chief", "m1", "m2"} {
		subs[l] = p.dial(t, l)
		d := doc
		if l == "m1" {
			d = respaced
		}
		subscribe(t, subs[l], "s", d, vars)
	}
	time.Sleep(100 * time.Millisecond) // the subscribe messages are processed asynchronously
	open := func(title string) {
		p.mutate(t, "chief", workOpenIssue, map[string]any{"in": map[string]any{"owner": "guild", "repository": "vault", "title": title}})
	}

	t.Run("every reader receives the event, resolved once", func(t *testing.T) {
		before := executions(t, p)
		open("shared")
		for l, ws := range subs {
			if a := activityOf(t, next(t, ws)); a.Issue == nil || a.Issue.Title != "shared" || a.Repository == nil || a.Repository.NameWithOwner != "guild/vault" {
				t.Errorf("%s got %+v", l, a)
			}
		}
		if got := executions(t, p) - before; got != 1 {
			t.Errorf("payloads resolved for 3 subscribers of one class: %v, want 1", got)
		}
	})

	t.Run("a removed member's subscription ends, the others go on", func(t *testing.T) {
		p.mutate(t, "chief", `mutation { removeMember(input: {organization: "guild", login: "m2"}) { organization { login } } }`, nil)
		m := next(t, subs["m2"])
		errs := m.Errors()
		if m.Type == "next" {
			errs, _, _ = m.Data(nil)
		}
		if m.Type != "error" || len(errs) == 0 || errs[0].Code() != "NOT_FOUND" {
			t.Fatalf("m2 after removal: got %s %s, want an error message with NOT_FOUND", m.Type, m.Payload)
		}
		open("after")
		for _, l := range []string{"chief", "m1"} {
			if a := activityOf(t, next(t, subs[l])); a.Issue == nil || a.Issue.Title != "after" {
				t.Errorf("%s got %+v", l, a)
			}
		}
		if m, err := subs["m2"].NextWithin(500 * time.Millisecond); err == nil {
			t.Fatalf("m2 after its error: got %s %s", m.Type, m.Payload)
		}
	})
}

// TestSubscriptionViewerDependentFieldsPerViewer: a document selecting
// viewerHasStarred (a @viewerDependent field) is resolved for each viewer:
// with the same document and variables, the viewer who starred the
// repository reads true and the others false; a document without such
// fields is resolved once for all.
func TestSubscriptionViewerDependentFieldsPerViewer(t *testing.T) {
	p := startSubPair(t, nil)
	setupRepo(t, p, "octo", "vd", false)
	for _, l := range []string{"fan", "other"} {
		p.mutate(t, l, `mutation($l: String!) { createUser(input: {login: $l}) { user { login } } }`, map[string]any{"l": l})
	}
	p.mutate(t, "fan", `mutation { starRepository(input: {owner: "octo", name: "vd"}) { repository { stargazerCount } } }`, nil)
	testkit.Eventually(t, subDeadline, func() bool {
		r, err := p.a.As(t, "fan").Do(context.Background(), `{ repository(owner: "octo", name: "vd") { viewerHasStarred } }`, nil)
		return err == nil && strings.Contains(string(r.Data), "true")
	}, "star projected")

	const starredDoc = `subscription($o: String!, $n: String!) { repositoryActivity(owner: $o, name: $n) { version repository { viewerHasStarred } } }`
	const plainDoc = `subscription($o: String!, $n: String!) { repositoryActivity(owner: $o, name: $n) { version repository { nameWithOwner } } }`
	viewers := []struct {
		login   string
		starred bool
	}{{"fan", true}, {"other", false}, {"", false}}
	for _, tc := range []struct {
		name      string
		doc       string
		resolved  float64 // payloads resolved for the event
		checkStar bool
	}{
		{"viewer-dependent document: one resolution per viewer", starredDoc, 3, true},
		{"viewer-independent document: one resolution for all", plainDoc, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conns := make([]*testkit.WS, len(viewers))
			for i, v := range viewers {
				conns[i] = p.dial(t, v.login)
				subscribe(t, conns[i], "v", tc.doc, map[string]any{"o": "octo", "n": "vd"})
			}
			time.Sleep(100 * time.Millisecond)
			before := executions(t, p)
			p.mutate(t, "octo", workOpenIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "vd", "title": tc.name}})
			for i, v := range viewers {
				m := next(t, conns[i])
				var d struct {
					RepositoryActivity struct {
						Repository struct {
							ViewerHasStarred *bool
							NameWithOwner    string
						}
					}
				}
				errs, _, err := m.Data(&d)
				if err != nil || len(errs) > 0 || m.Type != "next" {
					t.Fatalf("%q: %s %s", v.login, m.Type, m.Payload)
				}
				r := d.RepositoryActivity.Repository
				if tc.checkStar && (r.ViewerHasStarred == nil || *r.ViewerHasStarred != v.starred) {
					t.Errorf("%q: viewerHasStarred = %v, want %v", v.login, r.ViewerHasStarred, v.starred)
				}
				if !tc.checkStar && r.NameWithOwner != "octo/vd" {
					t.Errorf("%q: repository = %+v", v.login, r)
				}
			}
			if got := executions(t, p) - before; got != tc.resolved {
				t.Errorf("payloads resolved: %v, want %v", got, tc.resolved)
			}
			for _, c := range conns {
				c.Close()
			}
			testkit.Eventually(t, subDeadline, func() bool {
				return testkit.MetricValue(t, p.a.App.Registry(), "hubstream_subscriptions_active", nil) == 0
			}, "the subscriptions ended")
		})
	}
}

// TestSubscriptionFramesPerProtocol: the frames a subscriber's events are
// written in (its operation id around the shared response) follow its
// subprotocol — "next" in graphql-transport-ws, "data" in the older
// graphql-ws — with the client's own operation id.
func TestSubscriptionFramesPerProtocol(t *testing.T) {
	p := startSubPair(t, nil)
	setupRepo(t, p, "octo", "frames", false)
	for _, tc := range []struct {
		protocol, start, want, id string
	}{
		{"graphql-transport-ws", "subscribe", "next", `op "1"`},
		{"graphql-ws", "start", "data", "op-2"},
	} {
		t.Run(tc.protocol, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), subDeadline)
			defer cancel()
			c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(p.a.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{tc.protocol}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			if c.Subprotocol() != tc.protocol {
				t.Fatalf("subprotocol %q, want %q", c.Subprotocol(), tc.protocol)
			}
			send := func(v map[string]any) {
				b, _ := json.Marshal(v)
				if err := c.Write(ctx, websocket.MessageText, b); err != nil {
					t.Fatal(err)
				}
			}
			read := func() map[string]any {
				for {
					_, b, err := c.Read(ctx)
					if err != nil {
						t.Fatal(err)
					}
					var m map[string]any
					if err := json.Unmarshal(b, &m); err != nil {
						t.Fatalf("frame %q is not JSON: %v", b, err)
					}
					if m["type"] != "ka" && m["type"] != "ping" {
						return m
					}
				}
			}
			send(map[string]any{"type": "connection_init"})
			if m := read(); m["type"] != "connection_ack" {
				t.Fatalf("got %v, want connection_ack", m)
			}
			send(map[string]any{"type": tc.start, "id": tc.id, "payload": map[string]any{"query": `subscription { repositoryActivity(owner: "octo", name: "frames") { eventType } }`}})
			waitSubscribed(t, p, 1)
			p.mutate(t, "octo", workOpenIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "frames", "title": tc.protocol}})
			m := read()
			payload, _ := m["payload"].(map[string]any)
			data, _ := payload["data"].(map[string]any)
			act, _ := data["repositoryActivity"].(map[string]any)
			if m["type"] != tc.want || m["id"] != tc.id || act["eventType"] != "IssueOpened" {
				t.Fatalf("got %v, want a %q frame for %q with the IssueOpened activity", m, tc.want, tc.id)
			}
			c.Close(websocket.StatusNormalClosure, "")
			testkit.Eventually(t, subDeadline, func() bool {
				return testkit.MetricValue(t, p.a.App.Registry(), "hubstream_subscriptions_active", nil) == 0
			}, "the subscription ended")
		})
	}
}
