package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/test/testkit"
)

// TestEverySubscriptionHidesPrivateRepositories: every root field of the
// Subscription type (found by introspection, so a field added later is
// covered without editing this test), subscribed with the arguments of a
// private repository, delivers nothing to an outsider, an anonymous
// client or a token for an odd login (an organization's, one without an
// account) — while the owner, subscribed to the same document, receives
// the changes that prove events flowed.
func TestEverySubscriptionHidesPrivateRepositories(t *testing.T) {
	p := startSubPair(t, nil)
	setupRepo(t, p, "boss", "secret", true)
	p.mutate(t, "outsider", `mutation { createUser(input: {login: "outsider"}) { user { login } } }`, nil)
	// An organization whose login a token may name: its login is no
	// user's, so such a token is nobody's.
	p.mutate(t, "boss", `mutation { createOrganization(input: {login: "acme"}) { organization { login } } }`, nil)
	issueID := trustPath(p.mutate(t, "boss", workOpenIssue, map[string]any{"in": map[string]any{"owner": "boss", "repository": "secret", "title": "issue"}}), "openIssue.issue.id")
	pullID := trustPath(p.mutate(t, "boss", workOpenPull, map[string]any{"in": map[string]any{"owner": "boss", "repository": "secret", "title": "pull", "headRef": "topic", "baseRef": "main"}}), "openPullRequest.pullRequest.id")

	var schema struct {
		Schema struct {
			SubscriptionType struct {
				Fields []struct {
					Name string
					Args []struct{ Name string }
				}
			}
		} `json:"__schema"`
	}
	if err := p.a.As(t, "boss").MustDo(t, `{ __schema { subscriptionType { fields { name args { name } } } } }`, nil).Decode(&schema); err != nil {
		t.Fatal(err)
	}
	fields := schema.Schema.SubscriptionType.Fields
	if len(fields) == 0 {
		t.Fatal("no subscription fields")
	}
	edits := 0
	for _, f := range fields {
		t.Run(f.Name, func(t *testing.T) {
			var args []string
			for _, a := range f.Args {
				switch a.Name {
				case "owner":
					args = append(args, `owner: "boss"`)
				case "name":
					args = append(args, `name: "secret"`)
				case "number":
					n := 1 // the issue; the pull request is #2
					if strings.Contains(strings.ToLower(f.Name), "pullrequest") {
						n = 2
					}
					args = append(args, fmt.Sprintf("number: %d", n))
				case "after":
				default:
					t.Fatalf("argument %s of %s: teach this test a private value for it", a.Name, f.Name)
				}
			}
			doc := "subscription { " + f.Name
			if len(args) > 0 {
				doc += "(" + strings.Join(args, ", ") + ")"
			}
			doc += " { __typename } }"
			owner := p.dial(t, "boss")
			subscribe(t, owner, "o", doc, nil)
			// Odd tokens too: an organization's login (in any case), a
			// login without an account (a look-alike login gets no token:
			// see lookalike_test.go; the owner's login in capitals is the
			// owner, logins being ASCII case-insensitive).
			others := map[string]*testkit.WS{"outsider": p.dial(t, "outsider"), "anonymous": p.dial(t, ""),
				"organization token": p.dial(t, "acme"), "organization token in capitals": p.dial(t, "ACME"),
				"token without an account": p.dial(t, "ghost"), "another login without an account, in capitals": p.dial(t, "GHOST2")}
			for _, ws := range others {
				subscribe(t, ws, "x", doc, nil)
			}
			time.Sleep(50 * time.Millisecond) // let the subscriptions register
			edits++
			p.mutate(t, "boss", workEditIssue, map[string]any{"in": map[string]any{"owner": "boss", "repository": "secret", "number": 1, "title": fmt.Sprint("issue ", edits)}})
			p.mutate(t, "boss", `mutation($in: EditPullRequestInput!) { editPullRequest(input: $in) { pullRequest { number } } }`,
				map[string]any{"in": map[string]any{"owner": "boss", "repository": "secret", "number": 2, "title": fmt.Sprint("pull ", edits)}})
			// Label changes too: a label created, put on the issue and the
			// pull request, edited and deleted.
			label := trustPath(p.mutate(t, "boss", labelCreate, map[string]any{"in": map[string]any{"owner": "boss", "repository": "secret", "name": fmt.Sprint("label ", edits), "color": "00ff00"}}), "createLabel.label.id")
			for _, item := range []string{issueID, pullID} {
				p.mutate(t, "boss", labelAdd, map[string]any{"in": map[string]any{"labelableId": item, "labelIds": []string{label}}})
			}
			p.mutate(t, "boss", labelUpdate, map[string]any{"in": map[string]any{"id": label, "color": "0000ff"}})
			p.mutate(t, "boss", labelDelete, map[string]any{"in": map[string]any{"id": label}})
			if m := next(t, owner); m.Type != "next" || len(m.Errors()) > 0 {
				t.Fatalf("the owner got %s %s, want the change", m.Type, m.Payload)
			}
			for who, ws := range others {
				ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
				for {
					m, err := ws.Next(ctx)
					if err != nil {
						break // nothing more within the window
					}
					if m.Type == "next" {
						if errs, _, _ := m.Data(nil); len(errs) == 0 {
							cancel()
							t.Fatalf("%s received %s", who, m.Payload)
						}
					}
				}
				cancel()
			}
		})
	}
}
