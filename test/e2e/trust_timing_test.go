package e2e_test

import (
	"encoding/base64"
	"testing"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/test/testkit"
)

// TestPrivateRepositoryCostsWhatAMissingOneCosts: whether a private
// repository exists must not show in what reading it costs. The
// membership a private repository's visibility depends on used to be read
// in a second round trip (behind the loader's window) only when the
// repository existed and was private: its latency told an outsider it was
// there. Every lookup — by name, by node ID — of a private, a public and
// a missing repository now costs the outsider the same reads: one
// BatchGetItem, no round trip more. (Request counts, not timings: they
// are what the latency follows.)
func TestPrivateRepositoryCostsWhatAMissingOneCosts(t *testing.T) {
	// No projector in the background, so that only the query is counted.
	srv := testkit.Start(t, testkit.Options{NoProjector: true, CountRequests: true})
	const owner, org, outsider = "tm-owner", "tm-org", "tm-outsider"
	for _, u := range []string{owner, outsider} {
		domExec(t, srv, u, entities.CreateUser{Login: u})
	}
	domExec(t, srv, owner, entities.CreateOrganization{Login: org, Actor: owner})
	domExec(t, srv, owner, entities.CreateRepository{Owner: owner, Name: "secret", IsPrivate: true, Actor: owner})
	domExec(t, srv, owner, entities.CreateRepository{Owner: org, Name: "secret", IsPrivate: true, Actor: owner})
	domExec(t, srv, owner, entities.CreateRepository{Owner: org, Name: "open", Actor: owner})
	projectAll(t, srv)

	c := srv.As(t, outsider)
	const byName = `query($o: String!, $n: String!) { repository(owner: $o, name: $n) { name } }`
	const byNode = `query($id: ID!) { node(id: $id) { id } }`
	nodeOf := func(owner, name string) string {
		return base64.RawURLEncoding.EncodeToString([]byte("Repository:" + owner + "/" + name + "/1"))
	}
	reads := func(t *testing.T, q string, vars map[string]any) int {
		t.Helper()
		srv.Counter.Reset()
		res := c.MustDo(t, q, vars)
		if len(res.Errors) > 0 {
			t.Fatalf("errors %+v", res.Errors)
		}
		return srv.Counter.Total("BatchGetItem", "GetItem", "Query")
	}
	for _, tc := range []struct {
		name  string
		q     string
		vars  map[string]any
		empty bool
	}{
		{"a user's private repository by name", byName, map[string]any{"o": owner, "n": "secret"}, true},
		{"an organization's private repository by name", byName, map[string]any{"o": org, "n": "secret"}, true},
		{"a public repository by name", byName, map[string]any{"o": org, "n": "open"}, false},
		{"a missing repository by name", byName, map[string]any{"o": org, "n": "nothing"}, true},
		{"a missing owner's repository by name", byName, map[string]any{"o": "tm-nobody", "n": "secret"}, true},
		{"a user's private repository by node ID", byNode, map[string]any{"id": nodeOf(owner, "secret")}, true},
		{"an organization's private repository by node ID", byNode, map[string]any{"id": nodeOf(org, "secret")}, true},
		{"a public repository by node ID", byNode, map[string]any{"id": nodeOf(org, "open")}, false},
		{"a missing repository by node ID", byNode, map[string]any{"id": nodeOf(org, "nothing")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n := reads(t, tc.q, tc.vars); n != 1 {
				t.Errorf("%d data reads (%s), want 1 BatchGetItem as for every other repository", n, srv.Counter.String())
			}
		})
	}
}
