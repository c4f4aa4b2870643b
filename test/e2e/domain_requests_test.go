package e2e_test

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/test/testkit"
)

const (
	domNestedIssues   = 20
	domNestedComments = 5
)

// domNestedQuery reads a repository, its 20 issues with their authors,
// and each issue's 5 comments with their authors: three levels of
// entities read by key (repository; issue authors; comment authors) and
// 1 + 20 connections.
const domNestedQuery = `query { repository(owner: "octo", name: "big") {
	name
	issues(first: 20) { totalCount nodes { number title author { login name }
		comments(first: 5) { totalCount nodes { body author { login name } } } } } } }`

// domNestedSetup writes the repository, 20 issues by 10 authors and 5
// comments on each by 15 commenters, and projects them by hand (the
// server runs without projector so that only the query is counted).
func domNestedSetup(tb testing.TB, srv *testkit.Server) {
	tb.Helper()
	domExec(tb, srv, "octo", entities.CreateUser{Login: "octo"})
	authors := domUsers(tb, srv, "author", 10)
	commenters := domUsers(tb, srv, "commenter", 15)
	repo := entities.NewRepositoryID("octo", "big")
	domExec(tb, srv, "octo", entities.CreateRepository{Owner: "octo", Name: "big", Actor: "octo"})
	k := 0
	for n := 1; n <= domNestedIssues; n++ {
		a := authors[n%len(authors)]
		domExec(tb, srv, a, entities.OpenIssue{Actor: a, Repository: repo, Title: fmt.Sprintf("issue %d", n)})
		for j := range domNestedComments {
			c := commenters[k%len(commenters)]
			var e [10]byte
			e[9] = byte(k)
			domExec(tb, srv, c, entities.AddComment{Actor: c, Repository: repo, Number: n, ID: entities.NewCommentLocalID(time.Now(), e), Body: fmt.Sprintf("comment %d on %d", j, n)})
			k++
		}
	}
	projectAll(tb, srv)
}

// domNestedCheck runs the nested query and checks its result.
func domNestedCheck(tb testing.TB, c *testkit.Client) {
	tb.Helper()
	d := domData(tb, c, domNestedQuery, nil)
	issues, _ := domAt(d, "repository", "issues", "nodes").([]any)
	if len(issues) != domNestedIssues {
		tb.Fatalf("%d issues, want %d", len(issues), domNestedIssues)
	}
	for _, is := range issues {
		if domAt(is, "author", "login") == nil {
			tb.Fatalf("issue %v has no author", domAt(is, "number"))
		}
		cs, _ := domAt(is, "comments", "nodes").([]any)
		if len(cs) != domNestedComments || domString(domAt(is, "comments", "totalCount")) != fmt.Sprint(domNestedComments) {
			tb.Fatalf("issue %v: %d comments, totalCount %v; want %d", domAt(is, "number"), len(cs), domAt(is, "comments", "totalCount"), domNestedComments)
		}
		for _, cm := range cs {
			if domAt(cm, "author", "login") == nil {
				tb.Fatalf("issue %v: comment %v has no author", domAt(is, "number"), domAt(cm, "body"))
			}
		}
	}
}

// TestDomainNestedQueryRequests counts the DynamoDB requests of one
// query three levels deep: entities read by key are batched into at most
// one BatchGetItem per level (the repository; the issues' authors; the
// comments' authors), and every connection is one Query (the issues, and
// each issue's comments). It logs the exact counts. Batches leave when
// their level's fields have all asked, never by a clock: the count holds
// for every query, concurrent ones on a busy machine included, and no
// batch is sent by the loaders' fallback window.
func TestDomainNestedQueryRequests(t *testing.T) {
	const (
		maxBatches = 3                   // one per level read by key
		queries    = 1 + domNestedIssues // the issues, and each issue's comments
	)
	srv := testkit.Start(t, testkit.Options{NoProjector: true, CountRequests: true, Configure: testkit.NoStallWindow})
	domNestedSetup(t, srv)
	viewers := []struct {
		name   string
		client *testkit.Client
	}{
		{"anonymous", srv.GraphQL},
		{"signed in", srv.As(t, "author001")},
	}
	before := srv.LoaderDispatches(t)
	for _, v := range viewers {
		t.Run(v.name, func(t *testing.T) {
			for run := range 3 { // the count holds on every repetition
				srv.Counter.Reset()
				domNestedCheck(t, v.client)
				got := srv.Counter.Counts()
				t.Logf("run %d: %s", run, srv.Counter)
				if got["BatchGetItem"] < 1 || got["BatchGetItem"] > maxBatches {
					t.Errorf("run %d: %d BatchGetItem, want 1 to %d (one per level read by key)", run, got["BatchGetItem"], maxBatches)
				}
				if got["Query"] != queries {
					t.Errorf("run %d: %d Query, want %d (one per connection)", run, got["Query"], queries)
				}
				other := maps.Clone(got)
				delete(other, "BatchGetItem")
				delete(other, "Query")
				if len(other) > 0 {
					t.Errorf("run %d: other requests %v, want none", run, other)
				}
			}
		})
	}
	t.Run("concurrent queries", func(t *testing.T) {
		const clients, rounds = 4, 3
		srv.Counter.Reset()
		testkit.Concurrently(clients, func(int) {
			for range rounds {
				res, err := srv.GraphQL.Do(t.Context(), domNestedQuery, nil)
				if err != nil || len(res.Errors) > 0 {
					t.Errorf("query: %v %+v", err, res)
					return
				}
			}
		})
		got := srv.Counter.Counts()
		t.Logf("%d concurrent queries: %s", clients*rounds, srv.Counter)
		if n := clients * rounds; got["BatchGetItem"] > maxBatches*n || got["Query"] != queries*n {
			t.Errorf("%d queries cost %s, want at most %d BatchGetItem and %d Query", n, srv.Counter, maxBatches*n, queries*n)
		}
	})
	after := srv.LoaderDispatches(t)
	if after["idle"] <= before["idle"] || after["window"] != before["window"] || after["full"] != before["full"] {
		t.Errorf("loader batches by trigger went from %v to %v, want idle ones only", before, after)
	}
}

// BenchmarkDomainNestedQueryRequests reports the DynamoDB requests of the
// nested query per operation:
//
//	go test ./test/e2e -run '^$' -bench DomainNestedQueryRequests
func BenchmarkDomainNestedQueryRequests(b *testing.B) {
	srv := testkit.Start(b, testkit.Options{NoProjector: true, CountRequests: true})
	domNestedSetup(b, srv)
	srv.Counter.Reset()
	b.ResetTimer()
	for range b.N {
		domNestedCheck(b, srv.GraphQL)
	}
	b.StopTimer()
	b.ReportMetric(float64(srv.Counter.Total())/float64(b.N), "requests/op")
	for op, n := range srv.Counter.Counts() {
		b.ReportMetric(float64(n)/float64(b.N), op+"/op")
	}
}
