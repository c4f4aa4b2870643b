package e2e_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/graph"
	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/test/testkit"
)

// consistencyOf returns a response's extensions.consistency.
func consistencyOf(res *testkit.Response) map[string]any {
	c, _ := res.Extensions["consistency"].(map[string]any)
	return c
}

// startWithHotRepository starts a server on which owner has created
// the repository "hot" that the consistency tests write to at once.
func startWithHotRepository(t *testing.T, owner string) *testkit.Server {
	t.Helper()
	srv := testkit.Start(t, testkit.Options{})
	domExec(t, srv, owner, entities.CreateUser{Login: owner})
	domExec(t, srv, owner, entities.CreateRepository{Owner: owner, Name: "hot", Actor: owner})
	return srv
}

// TestConsistencyPayloadReflectsItsOwnWrite: a mutation's payload shows
// its own write everywhere in it — the starring viewer among the
// stargazers it lists, with a count that agrees, the opened issue in its
// repository's issues — while many users write at once; and the response
// carries a consistency token (extension and header) with status CURRENT.
func TestConsistencyPayloadReflectsItsOwnWrite(t *testing.T) {
	owner := "payload-owner"
	srv := startWithHotRepository(t, owner)
	users := domUsers(t, srv, "payload", 12)
	testkit.AwaitProjected(t, srv, domCountsProjection)

	const star = `mutation($in: StarRepositoryInput!) { starRepository(input: $in) { repository {
		stargazerCount stargazers(first: 100) { totalCount nodes { login } } } } }`
	const open = `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { number
		repository { issues(first: 100) { totalCount nodes { number } } } } } }`
	clients := make([]*testkit.Client, len(users))
	for i, u := range users {
		clients[i] = srv.As(t, u)
	}
	failures := make([][]string, len(users))
	testkit.Concurrently(len(users), func(i int) {
		u, c := users[i], clients[i]
		fail := func(format string, args ...any) { failures[i] = append(failures[i], fmt.Sprintf(format, args...)) }
		// send runs mutation q with input in and decodes its data into
		// out; it returns the response, or nil after recording a failure.
		send := func(name, q string, in map[string]any, out any) *testkit.Response {
			res, err := c.Do(context.Background(), q, map[string]any{"in": in})
			if err != nil || len(res.Errors) > 0 {
				fail("%s %s: %v %+v", u, name, err, res)
				return nil
			}
			if err := res.Decode(out); err != nil {
				fail("%s %s: %v", u, name, err)
				return nil
			}
			return res
		}

		var d struct {
			StarRepository struct {
				Repository struct {
					StargazerCount int
					Stargazers     struct {
						TotalCount int
						Nodes      []struct{ Login string }
					}
				}
			}
		}
		res := send("starRepository", star, map[string]any{"owner": owner, "name": "hot"}, &d)
		if res == nil {
			return
		}
		r := d.StarRepository.Repository
		logins := make([]string, len(r.Stargazers.Nodes))
		for i, n := range r.Stargazers.Nodes {
			logins[i] = n.Login
		}
		if !slices.Contains(logins, u) {
			fail("%s starRepository: the viewer is not among the stargazers %v", u, logins)
		}
		if r.StargazerCount != len(logins) || r.Stargazers.TotalCount != len(logins) {
			fail("%s starRepository: stargazerCount %d, totalCount %d, %d nodes", u, r.StargazerCount, r.Stargazers.TotalCount, len(logins))
		}
		if c := consistencyOf(res); c["status"] != "CURRENT" || c["token"] == nil || res.Header.Get(graph.ConsistencyTokenHeader) != c["token"] {
			fail("%s starRepository: consistency %v, header %q", u, c, res.Header.Get(graph.ConsistencyTokenHeader))
		}

		var o struct {
			OpenIssue struct {
				Issue struct {
					Number     int
					Repository struct {
						Issues struct {
							TotalCount int
							Nodes      []struct{ Number int }
						}
					}
				}
			}
		}
		if send("openIssue", open, map[string]any{"owner": owner, "repository": "hot", "title": "by " + u}, &o) == nil {
			return
		}
		is := o.OpenIssue.Issue
		var numbers []int
		for _, n := range is.Repository.Issues.Nodes {
			numbers = append(numbers, n.Number)
		}
		if !slices.Contains(numbers, is.Number) || is.Repository.Issues.TotalCount != len(numbers) {
			fail("%s openIssue: issue %d, repository.issues totalCount %d, numbers %v", u, is.Number, is.Repository.Issues.TotalCount, numbers)
		}
	})
	for _, f := range slices.Concat(failures...) {
		t.Error(f)
	}
}

// consistencySetup is one way of running the projector.
type consistencySetup struct {
	name string
	// start returns the server's GraphQL clients for a login.
	start func(t *testing.T) func(login string) *testkit.Client
}

// separateProjector runs the server without a projector and a second app
// — its own table clients, polling the stream over HTTP like
// cmd/projector — against one engine served over HTTP.
func separateProjector(t *testing.T) func(login string) *testkit.Client {
	ddbURL := testkit.EngineOverHTTP(t)
	secret := auth.Options{Secret: []byte(strings.Repeat("s", 32))}
	server, err := app.New(context.Background(), app.Config{Endpoint: ddbURL, NoProjector: true, Auth: secret, Logger: obs.PrintfLogger(t.Logf, slog.LevelWarn)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })
	projector, err := app.New(context.Background(), app.Config{Endpoint: ddbURL, Auth: secret, Logger: obs.PrintfLogger(t.Logf, slog.LevelWarn)})
	if err != nil {
		t.Fatal(err)
	}
	stop := projector.Start(context.Background())
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("projector: %v", err)
		}
		_ = projector.Close()
	})
	hs := httptest.NewServer(server.Handler())
	t.Cleanup(hs.Close)
	base := testkit.NewClient(hs.URL+"/graphql", hs.Client())
	return func(login string) *testkit.Client {
		tok, err := server.DevToken(login)
		if err != nil {
			t.Fatal(err)
		}
		return base.WithToken(tok)
	}
}

// TestConsistencyReadYourWrites: a query sent with a mutation's token in
// X-Hubstream-After sees that mutation, with the projector in process
// and as a separate app polling the stream; a token is the writer's
// only: another viewer's request with it, or a forged one, does not wait
// and says INVALID_TOKEN; a request without one reports nothing.
func TestConsistencyReadYourWrites(t *testing.T) {
	for _, setup := range []consistencySetup{
		{name: "projector in process", start: func(t *testing.T) func(string) *testkit.Client {
			srv := testkit.Start(t, testkit.Options{})
			return func(login string) *testkit.Client { return srv.As(t, login) }
		}},
		{name: "projector separate", start: separateProjector},
	} {
		t.Run(setup.name, func(t *testing.T) {
			as := setup.start(t)
			alice, bob := as("rw-alice"), as("rw-bob")
			for _, u := range []struct {
				c     *testkit.Client
				login string
			}{{alice, "rw-alice"}, {bob, "rw-bob"}} {
				res := u.c.MustDo(t, `mutation($in: CreateUserInput!) { createUser(input: $in) { user { login } } }`, map[string]any{"in": map[string]any{"login": u.login}})
				if len(res.Errors) > 0 {
					t.Fatalf("createUser %s: %+v", u.login, res.Errors)
				}
				// Each account must be readable for what follows.
				tok := res.Header.Get(graph.ConsistencyTokenHeader)
				if tok == "" {
					t.Fatalf("createUser %s: no %s header; extensions %v", u.login, graph.ConsistencyTokenHeader, res.Extensions)
				}
				u.c.WithHeader(graph.ConsistencyAfterHeader, tok).MustDo(t, `{ __typename }`, nil)
			}
			const q = `query($o: String!, $n: String!) { repository(owner: $o, name: $n) { name description
				stargazerCount viewerHasStarred } user(login: "rw-alice") { bio } }`
			vars := map[string]any{"o": "rw-alice", "n": "fresh"}
			stale := 0
			for i := range 10 {
				steps := []struct {
					name, mutation string
					in             map[string]any
					// want is what the read after the mutation must show,
					// by dotted path.
					want map[string]any
				}{
					{"createRepository", `mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { name } } }`,
						map[string]any{"name": "fresh", "description": fmt.Sprint("round ", i)},
						map[string]any{"repository.description": fmt.Sprint("round ", i)}},
					{"starRepository", domStarMutation, map[string]any{"owner": "rw-alice", "name": "fresh"},
						map[string]any{"repository.viewerHasStarred": true, "repository.stargazerCount": float64(1)}},
					{"updateProfile", `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) { user { bio } } }`,
						map[string]any{"login": "rw-alice", "bio": fmt.Sprint("bio ", i)},
						map[string]any{"user.bio": fmt.Sprint("bio ", i)}},
					{"deleteRepository", `mutation($in: DeleteRepositoryInput!) { deleteRepository(input: $in) { deletedRepositoryId } }`,
						map[string]any{"owner": "rw-alice", "name": "fresh"},
						map[string]any{"repository": nil}},
				}
				for _, s := range steps {
					res := alice.MustDo(t, s.mutation, map[string]any{"in": s.in})
					if len(res.Errors) > 0 {
						t.Fatalf("round %d %s: %+v", i, s.name, res.Errors)
					}
					token := res.Header.Get(graph.ConsistencyTokenHeader)
					if c := consistencyOf(res); token == "" || c["token"] != token {
						t.Fatalf("round %d %s: header %q, extension %v", i, s.name, token, c)
					}
					read := alice.WithHeader(graph.ConsistencyAfterHeader, token).MustDo(t, q, vars)
					if len(read.Errors) > 0 {
						t.Fatalf("round %d after %s: %+v", i, s.name, read.Errors)
					}
					if c := consistencyOf(read); c["after"] != "CURRENT" {
						stale++
						t.Errorf("round %d after %s: consistency %v", i, s.name, c)
						continue
					}
					var data map[string]any
					if err := read.Decode(&data); err != nil {
						t.Fatal(err)
					}
					if msg := domExpect(data, s.want); msg != "" {
						t.Errorf("round %d: the read after %s with its token does not see it: %s", i, s.name, msg)
					}
					// The token is alice's: bob's request with it does not
					// wait on it, and says so; a request without a token
					// reports nothing.
					if c := consistencyOf(bob.WithHeader(graph.ConsistencyAfterHeader, token).MustDo(t, q, vars)); c["after"] != "INVALID_TOKEN" {
						t.Errorf("bob with alice's token: consistency %v, want after INVALID_TOKEN", c)
					}
				}
			}
			if stale > 0 {
				t.Errorf("%d reads with a token were stale", stale)
			}
			for _, tc := range []struct{ name, token string }{
				{"garbage", "not-a-token"},
				{"oversized", strings.Repeat("A", 20000)},
				{"a cursor", "QUJD"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					res := alice.WithHeader(graph.ConsistencyAfterHeader, tc.token).MustDo(t, q, vars)
					if len(res.Errors) > 0 || consistencyOf(res)["after"] != "INVALID_TOKEN" {
						t.Errorf("errors %+v, consistency %v; want data and after INVALID_TOKEN", res.Errors, consistencyOf(res))
					}
				})
			}
			if res := bob.MustDo(t, q, vars); res.Extensions["consistency"] != nil {
				t.Errorf("a query without a token reports consistency %v", res.Extensions["consistency"])
			}
		})
	}
}

// TestConsistencyWaitIsBounded: with nothing projecting, a mutation's
// wait for its own projection and a read's wait for a token end after
// ConsistencyWait, and both say STALE rather than fail.
func TestConsistencyWaitIsBounded(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{NoProjector: true, Configure: func(c *app.Config) {
		c.GraphQL.ConsistencyWait = 50 * time.Millisecond
	}})
	c := srv.As(t, "stuck")
	res := c.MustDo(t, `mutation { createUser(input: {login: "stuck"}) { user { login } } }`, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("createUser: %+v", res.Errors)
	}
	if cs := consistencyOf(res); cs["status"] != "STALE" || cs["token"] == nil {
		t.Fatalf("mutation consistency %v, want status STALE with a token", cs)
	}
	read := c.WithHeader(graph.ConsistencyAfterHeader, res.Header.Get(graph.ConsistencyTokenHeader)).MustDo(t, `{ user(login: "stuck") { login } }`, nil)
	if len(read.Errors) > 0 || consistencyOf(read)["after"] != "STALE" {
		t.Errorf("read errors %+v, consistency %v; want after STALE", read.Errors, consistencyOf(read))
	}
}
