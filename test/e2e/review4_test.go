package e2e_test

import (
	"context"
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
// member subscribed to the same documents does.
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
		{"repositoryActivity, shared", `subscription { repositoryActivity(owner: "guild", name: "vault") { version repository { nameWithOwner } ... on IssueActivity { issue { title } } } }`},
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
	time.Sleep(100 * time.Millisecond) // the subscribe messages are processed asynchronously
	// Before the removal both members receive: the subscriptions are live.
	p.mutate(t, "chief", workOpenIssue, map[string]any{"in": map[string]any{"owner": "guild", "repository": "vault", "title": "before removal"}})
	for _, m := range []string{"m1", "m2"} {
		for i, ws := range subs[m] {
			if msg := next(t, ws); msg.Type != "next" || !strings.Contains(string(msg.Payload), "before removal") {
				t.Fatalf("%s, %s: got %s %s before the removal", m, docs[i].name, msg.Type, msg.Payload)
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
}
