package e2e_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/test/testkit"
)

const (
	domStarMutation     = `mutation($in: StarRepositoryInput!) { starRepository(input: $in) { repository { viewerHasStarred } } }`
	domUnstarMutation   = `mutation($in: StarRepositoryInput!) { unstarRepository(input: $in) { repository { viewerHasStarred } } }`
	domCommentMutation  = `mutation($in: AddCommentInput!) { addComment(input: $in) { comment { id body author { login } } } }`
	domReactMutation    = `mutation($in: ReactionInput!) { addReaction(input: $in) { reactionGroups { content viewerHasReacted } } }`
	domUnreactMutation  = `mutation($in: ReactionInput!) { removeReaction(input: $in) { reactionGroups { content viewerHasReacted } } }`
	domCountsProjection = 60 * time.Second
)

// domMutation is one HTTP mutation by one user.
type domMutation struct {
	client *testkit.Client
	query  string
	input  map[string]any
	// check, when set, inspects the data of a successful response.
	check func(data map[string]any) string
}

// domConcurrently sends every mutation at once (released together) and
// fails the test unless each succeeds and passes its check.
func domConcurrently(t *testing.T, ms []domMutation) {
	t.Helper()
	errs := make([]string, len(ms))
	testkit.Concurrently(len(ms), func(i int) {
		m := ms[i]
		res, err := m.client.Do(context.Background(), m.query, map[string]any{"in": m.input})
		switch {
		case err != nil:
			errs[i] = err.Error()
		case len(res.Errors) > 0:
			errs[i] = fmt.Sprintf("errors %+v", res.Errors)
		case m.check != nil:
			var data map[string]any
			if err := res.Decode(&data); err != nil {
				errs[i] = err.Error()
			} else {
				errs[i] = m.check(data)
			}
		}
	})
	failed := 0
	for i, e := range errs {
		if e != "" {
			if failed++; failed <= 10 {
				t.Errorf("mutation %d (%s %v): %s", i, domShort(ms[i].query), ms[i].input, e)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d concurrent mutations failed", failed, len(ms))
	}
}

// TestDomainCountsUnderConcurrency: counters stay exact when many users
// change one entity's collections at once over HTTP — stars and
// unstars of one repository, comments on one issue, reactions (with
// duplicates racing each other) on an issue and a comment. Once the
// projector has applied everything, every count equals the number of
// relations, and the collections list exactly those relations.
func TestDomainCountsUnderConcurrency(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	domExec(t, srv, "octo", entities.CreateUser{Login: "octo"})
	users := domUsers(t, srv, "fan", 100)
	clients := make([]*testkit.Client, len(users))
	for i, u := range users {
		clients[i] = srv.As(t, u)
	}
	repo := entities.NewRepositoryID("octo", "hello")
	domExec(t, srv, "octo", entities.CreateRepository{Owner: "octo", Name: "hello", Actor: "octo"})
	domExec(t, srv, "octo", entities.OpenIssue{Actor: "octo", Repository: repo, Title: "popular"})
	testkit.AwaitProjected(t, srv, domCountsProjection)
	ids := domData(t, srv.GraphQL, `{ repository(owner: "octo", name: "hello") { issue(number: 1) { id } } }`, nil)
	issueID := domString(domAt(ids, "repository", "issue", "id"))
	hello := map[string]any{"owner": "octo", "name": "hello"}
	viewerStarred := func(want bool) func(map[string]any) string {
		return func(d map[string]any) string {
			for _, k := range []string{"starRepository", "unstarRepository"} {
				if v, ok := domAt(d, k, "repository", "viewerHasStarred").(bool); ok && v != want {
					return fmt.Sprintf("payload viewerHasStarred %v, want %v", v, want)
				}
			}
			return ""
		}
	}
	const repositoryCounts = `{ repository(owner: "octo", name: "hello") { stargazerCount stargazers(first: 100) { totalCount nodes { login } } } }`
	checkStargazers := func(t *testing.T, want []string) {
		t.Helper()
		testkit.AwaitProjected(t, srv, domCountsProjection)
		d := domData(t, srv.GraphQL, repositoryCounts, nil)
		var got []string
		nodes, _ := domAt(d, "repository", "stargazers", "nodes").([]any)
		for _, n := range nodes {
			got = append(got, domString(domAt(n, "login")))
		}
		count, total := domString(domAt(d, "repository", "stargazerCount")), domString(domAt(d, "repository", "stargazers", "totalCount"))
		if count != fmt.Sprint(len(want)) || total != count {
			t.Errorf("stargazerCount %s, stargazers.totalCount %s; want %d", count, total, len(want))
		}
		// The stars were concurrent: they are listed in the order they
		// landed, so compare the sets.
		sort.Strings(got)
		if diff := domDiff(want, got); diff != "" {
			t.Errorf("stargazers: %s", diff)
		}
		// Every user's starredRepositories count, in one query.
		var q strings.Builder
		q.WriteString("{")
		for i, u := range users {
			fmt.Fprintf(&q, " u%d: user(login: %q) { starredRepositories(first: 1) { totalCount } }", i, u)
		}
		q.WriteString(" }")
		d = domData(t, srv.GraphQL, q.String(), nil)
		starred := map[string]bool{}
		for _, u := range want {
			starred[u] = true
		}
		for i, u := range users {
			wantN := "0"
			if starred[u] {
				wantN = "1"
			}
			if got := domString(domAt(d, fmt.Sprintf("u%d", i), "starredRepositories", "totalCount")); got != wantN {
				t.Errorf("%s: starredRepositories.totalCount %s, want %s", u, got, wantN)
			}
		}
	}

	t.Run("100 concurrent stars by 100 users", func(t *testing.T) {
		var ms []domMutation
		for _, c := range clients {
			ms = append(ms, domMutation{client: c, query: domStarMutation, input: hello, check: viewerStarred(true)})
		}
		domConcurrently(t, ms)
		checkStargazers(t, users)
	})
	t.Run("50 concurrent unstars", func(t *testing.T) {
		var ms []domMutation
		for _, c := range clients[:50] {
			ms = append(ms, domMutation{client: c, query: domUnstarMutation, input: hello, check: viewerStarred(false)})
		}
		domConcurrently(t, ms)
		checkStargazers(t, users[50:])
	})

	var commentIDs []string
	t.Run("50 concurrent comments on one issue", func(t *testing.T) {
		var mu sync.Mutex
		seen := map[string]bool{}
		var ms []domMutation
		var want []string
		for i, c := range clients[:50] {
			body := fmt.Sprintf("comment by %s", users[i])
			want = append(want, body)
			ms = append(ms, domMutation{client: c, query: domCommentMutation, input: map[string]any{"owner": "octo", "repository": "hello", "number": 1, "body": body},
				check: func(d map[string]any) string {
					id := domString(domAt(d, "addComment", "comment", "id"))
					mu.Lock()
					defer mu.Unlock()
					if seen[id] {
						return "duplicate comment id " + id
					}
					seen[id] = true
					if got := domString(domAt(d, "addComment", "comment", "body")); got != body {
						return fmt.Sprintf("payload body %q, want %q", got, body)
					}
					return ""
				}})
		}
		domConcurrently(t, ms)
		testkit.AwaitProjected(t, srv, domCountsProjection)
		d := domData(t, srv.GraphQL, `{ repository(owner: "octo", name: "hello") { issue(number: 1) { comments(first: 100) { totalCount nodes { id body } } } } }`, nil)
		if got := domString(domAt(d, "repository", "issue", "comments", "totalCount")); got != "50" {
			t.Errorf("comments.totalCount %s, want 50", got)
		}
		var got []string
		nodes, _ := domAt(d, "repository", "issue", "comments", "nodes").([]any)
		for _, n := range nodes {
			got = append(got, domString(domAt(n, "body")))
			commentIDs = append(commentIDs, domString(domAt(n, "id")))
		}
		sort.Strings(got)
		sort.Strings(want)
		if diff := domDiff(want, got); diff != "" {
			t.Errorf("comments: %s", diff)
		}
	})

	t.Run("concurrent reactions", func(t *testing.T) {
		if len(commentIDs) == 0 {
			t.Fatal("no comment to react to")
		}
		contents := entities.ReactionContents()
		react := func(c *testkit.Client, subject string, content entities.ReactionContent, add bool) domMutation {
			q := domReactMutation
			if !add {
				q = domUnreactMutation
			}
			return domMutation{client: c, query: q, input: map[string]any{"subjectId": subject, "content": string(content)}}
		}
		type phase struct {
			name      string
			mutations func() []domMutation
			// want are the counts per content of the issue and the comment.
			issue, comment map[entities.ReactionContent]int
		}
		phases := []phase{
			{
				// 80 users react with the content of their index; the
				// first 10 send their reaction three times at once.
				name: "adds with racing duplicates",
				mutations: func() []domMutation {
					var ms []domMutation
					for i := range 80 {
						ms = append(ms, react(clients[i], issueID, contents[i%8], true))
						if i < 10 {
							ms = append(ms, react(clients[i], issueID, contents[i%8], true), react(clients[i], issueID, contents[i%8], true))
						}
					}
					for i := range 30 {
						ms = append(ms, react(clients[i], commentIDs[0], entities.ReactionRocket, true))
					}
					return ms
				},
				issue:   map[entities.ReactionContent]int{"THUMBS_UP": 10, "THUMBS_DOWN": 10, "LAUGH": 10, "HOORAY": 10, "CONFUSED": 10, "HEART": 10, "ROCKET": 10, "EYES": 10},
				comment: map[entities.ReactionContent]int{"ROCKET": 30},
			},
			{
				// Half of them take their reaction back (the first 10
				// twice at once) while 20 others add a thumbs-up.
				name: "removes and adds",
				mutations: func() []domMutation {
					var ms []domMutation
					for i := range 40 {
						ms = append(ms, react(clients[i], issueID, contents[i%8], false))
						if i < 10 {
							ms = append(ms, react(clients[i], issueID, contents[i%8], false))
						}
					}
					for i := 80; i < 100; i++ {
						ms = append(ms, react(clients[i], issueID, entities.ReactionThumbsUp, true))
					}
					for i := range 10 {
						ms = append(ms, react(clients[i], commentIDs[0], entities.ReactionRocket, false), react(clients[i], commentIDs[0], entities.ReactionEyes, true))
					}
					return ms
				},
				issue:   map[entities.ReactionContent]int{"THUMBS_UP": 25, "THUMBS_DOWN": 5, "LAUGH": 5, "HOORAY": 5, "CONFUSED": 5, "HEART": 5, "ROCKET": 5, "EYES": 5},
				comment: map[entities.ReactionContent]int{"ROCKET": 20, "EYES": 10},
			},
		}
		const groups = `query { repository(owner: "octo", name: "hello") { issue(number: 1) {
			reactionGroups { content count viewerHasReacted }
			comments(first: 1) { nodes { id reactionGroups { content count viewerHasReacted } } } } } }`
		for _, ph := range phases {
			t.Run(ph.name, func(t *testing.T) {
				domConcurrently(t, ph.mutations())
				testkit.AwaitProjected(t, srv, domCountsProjection)
				// As fan045, whose reaction (HEART, 45 % 8 = 5) stays.
				d := domData(t, clients[45], groups, nil)
				nodes, _ := domAt(d, "repository", "issue", "comments", "nodes").([]any)
				if len(nodes) != 1 || domString(domAt(nodes[0], "id")) != commentIDs[0] {
					t.Fatalf("first comment %v, want %s", nodes, commentIDs[0])
				}
				check := func(what string, raw any, want map[entities.ReactionContent]int, viewer entities.ReactionContent) {
					t.Helper()
					gs, _ := raw.([]any)
					if len(gs) != len(contents) {
						t.Fatalf("%s: %d reaction groups, want %d", what, len(gs), len(contents))
					}
					for i, g := range gs {
						content := domString(domAt(g, "content"))
						if content != string(contents[i]) {
							t.Errorf("%s: group %d is %s, want %s", what, i, content, contents[i])
						}
						if got, w := domString(domAt(g, "count")), fmt.Sprint(want[entities.ReactionContent(content)]); got != w {
							t.Errorf("%s: %s count %s, want %s", what, content, got, w)
						}
						if got := domAt(g, "viewerHasReacted") == true; got != (entities.ReactionContent(content) == viewer) {
							t.Errorf("%s: %s viewerHasReacted %v", what, content, got)
						}
					}
				}
				check("issue", domAt(d, "repository", "issue", "reactionGroups"), ph.issue, entities.ReactionHeart)
				check("comment", domAt(nodes[0], "reactionGroups"), ph.comment, "")
			})
		}
	})
}
