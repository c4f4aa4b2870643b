package e2e_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/test/testkit"
)

// consistencyReadQuery reads every count of a repository together with
// the list it counts.
const consistencyReadQuery = `query($o: String!, $n: String!) { repository(owner: $o, name: $n) {
  stargazerCount forkCount
  stargazers(first: 100) { totalCount nodes { login } pageInfo { hasNextPage hasPreviousPage } }
  forks(first: 100) { totalCount nodes { name } pageInfo { hasNextPage hasPreviousPage } }
  issues(first: 100) { totalCount nodes { number } pageInfo { hasNextPage hasPreviousPage } }
  open: issues(first: 100, states: OPEN) { totalCount nodes { number } pageInfo { hasNextPage hasPreviousPage } }
  issue(number: 1) { comments(first: 100) { totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage } } }
} }`

// contradictions lists what one response of consistencyReadQuery says
// against itself: a complete page (no page before or after) whose
// totalCount is not its number of nodes, and a repository counter that
// differs from its connection's totalCount.
func contradictions(data map[string]any) []string {
	var out []string
	repo, _ := data["repository"].(map[string]any)
	if repo == nil {
		return []string{"no repository"}
	}
	check := func(name string, conn any) (int, bool) {
		c, _ := conn.(map[string]any)
		if c == nil {
			out = append(out, name+": missing")
			return 0, false
		}
		total := int(c["totalCount"].(float64))
		nodes := len(c["nodes"].([]any))
		pi := c["pageInfo"].(map[string]any)
		if pi["hasNextPage"] == false && pi["hasPreviousPage"] == false && total != nodes {
			out = append(out, fmt.Sprintf("%s: totalCount %d with %d nodes on a complete page", name, total, nodes))
		}
		return total, true
	}
	if total, ok := check("stargazers", repo["stargazers"]); ok {
		if n := int(repo["stargazerCount"].(float64)); n != total {
			out = append(out, fmt.Sprintf("stargazerCount %d, stargazers.totalCount %d", n, total))
		}
	}
	if total, ok := check("forks", repo["forks"]); ok {
		if n := int(repo["forkCount"].(float64)); n != total {
			out = append(out, fmt.Sprintf("forkCount %d, forks.totalCount %d", n, total))
		}
	}
	check("issues", repo["issues"])
	check("issues(OPEN)", repo["open"])
	if is, _ := repo["issue"].(map[string]any); is != nil {
		check("comments", is["comments"])
	}
	return out
}

// TestConsistencyCountsMatchListsUnderConcurrentWrites: while many users
// star, fork, open issues and comment on one repository over HTTP,
// readers read every count with the list it counts in one response; no
// response may contradict itself (a complete page's totalCount is its
// number of nodes, stargazerCount and forkCount are their connections'
// totalCount).
func TestConsistencyCountsMatchListsUnderConcurrentWrites(t *testing.T) {
	owner := "cons-owner"
	srv := startWithHotRepository(t, owner)
	domExec(t, srv, owner, entities.OpenIssue{Actor: owner, Repository: entities.NewRepositoryID(owner, "hot"), Title: "first"})
	users := domUsers(t, srv, "cons", 16)
	testkit.AwaitProjected(t, srv, domCountsProjection)

	vars := map[string]any{"o": owner, "n": "hot"}
	var writers sync.WaitGroup
	done := make(chan struct{})
	for _, u := range users {
		c := srv.As(t, u)
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i, m := range []struct {
				q  string
				in map[string]any
			}{
				{domStarMutation, map[string]any{"owner": owner, "name": "hot"}},
				{`mutation($in: ForkRepositoryInput!) { forkRepository(input: $in) { repository { name } } }`, map[string]any{"owner": owner, "name": "hot"}},
				{`mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { number } } }`, map[string]any{"owner": owner, "repository": "hot", "title": "by " + u}},
				{domCommentMutation, map[string]any{"owner": owner, "repository": "hot", "number": 1, "body": "from " + u}},
			} {
				res, err := c.Do(context.Background(), m.q, map[string]any{"in": m.in})
				if err != nil || len(res.Errors) > 0 {
					t.Errorf("writer %s mutation %d: %v %+v", u, i, err, res)
				}
			}
		}()
	}
	type result struct {
		responses int
		bad       []string
	}
	results := make([]result, 4)
	var readers sync.WaitGroup
	for r := range results {
		c := srv.As(t, owner)
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				res, err := c.Do(context.Background(), consistencyReadQuery, vars)
				if err != nil || len(res.Errors) > 0 {
					results[r].bad = append(results[r].bad, fmt.Sprintf("read failed: %v %+v", err, res))
					continue
				}
				var data map[string]any
				if err := res.Decode(&data); err != nil {
					results[r].bad = append(results[r].bad, err.Error())
					continue
				}
				results[r].responses++
				for _, c := range contradictions(data) {
					results[r].bad = append(results[r].bad, "response "+strconv.Itoa(results[r].responses)+": "+c)
				}
			}
		}()
	}
	writers.Wait()
	testkit.AwaitProjected(t, srv, domCountsProjection)
	close(done)
	readers.Wait()

	responses, bad := 0, 0
	for _, r := range results {
		responses += r.responses
		for i, b := range r.bad {
			if bad++; i < 5 {
				t.Error(b)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d contradictions in %d responses", bad, responses)
	}
	if responses < 4 {
		t.Fatalf("only %d responses read while writing", responses)
	}
	// After the writes, the final state is complete and exact.
	final := domData(t, srv.As(t, owner), consistencyReadQuery, vars)
	if c := contradictions(final); len(c) > 0 {
		t.Errorf("final response contradicts itself: %v", c)
	}
	repo := final["repository"].(map[string]any)
	for _, tc := range []struct {
		name string
		got  any
		want int
	}{
		{name: "stargazerCount", got: repo["stargazerCount"], want: len(users)},
		{name: "forkCount", got: repo["forkCount"], want: len(users)},
		{name: "issues.totalCount", got: repo["issues"].(map[string]any)["totalCount"], want: len(users) + 1},
		{name: "comments.totalCount", got: repo["issue"].(map[string]any)["comments"].(map[string]any)["totalCount"], want: len(users)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if int(tc.got.(float64)) != tc.want {
				t.Errorf("%s = %v, want %d", tc.name, tc.got, tc.want)
			}
		})
	}
}
