package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// TestDomainDeletedRepositoryGoneEverywhere deletes a repository that is
// a fork, has forks, stargazers, issues, a pull request, comments and
// reactions, and checks over HTTP that it is gone from every access
// pattern — by key, its owner's repositories, every stargazer's starred
// repositories (with the counts), its parent's forks — that nothing under
// it is reachable any more, that its read items are purged from every
// collection, that its history stays in the event log, and that the name,
// reused, starts empty.
func TestDomainDeletedRepositoryGoneEverywhere(t *testing.T) {
	const deadline = 30 * time.Second
	srv := testkit.Start(t, testkit.Options{})
	stargazers := []string{"s1", "s2", "s3"}
	for _, u := range append([]string{"up", "octo", "f1", "f2"}, stargazers...) {
		domExec(t, srv, u, entities.CreateUser{Login: u})
	}
	doomed := entities.NewRepositoryID("octo", "doomed")
	domExec(t, srv, "up", entities.CreateRepository{Owner: "up", Name: "doomed", Actor: "up"})
	domExec(t, srv, "octo", entities.ForkRepository{Owner: "up", Name: "doomed", Actor: "octo"})
	domExec(t, srv, "octo", entities.CreateRepository{Owner: "octo", Name: "keeper", Actor: "octo"})
	for _, u := range stargazers {
		domExec(t, srv, u, entities.StarRepository{Owner: "octo", Name: "doomed", Actor: u})
		domExec(t, srv, u, entities.StarRepository{Owner: "octo", Name: "keeper", Actor: u})
	}
	for _, u := range []string{"f1", "f2"} {
		domExec(t, srv, u, entities.ForkRepository{Owner: "octo", Name: "doomed", Actor: u})
	}
	domExec(t, srv, "s1", entities.OpenIssue{Actor: "s1", Repository: doomed, Title: "first"})
	domExec(t, srv, "s2", entities.OpenIssue{Actor: "s2", Repository: doomed, Title: "second"})
	domExec(t, srv, "s2", entities.CloseIssue{Actor: "s2", Repository: doomed, Number: 2})
	domExec(t, srv, "f1", entities.OpenPullRequest{Actor: "f1", Repository: doomed, Title: "fix", HeadRef: "fix", BaseRef: "main"})
	var commentIDs []string
	for i, u := range []string{"s2", "s3", "f1"} {
		id := entities.NewCommentLocalID(time.Now(), [10]byte{byte(i)})
		n := 1
		if u == "f1" {
			n = 3
		}
		domExec(t, srv, u, entities.AddComment{Actor: u, Repository: doomed, Number: n, ID: id, Body: "comment by " + u})
		commentIDs = append(commentIDs, id)
	}
	issue1, pr3 := entities.NewIssueID(doomed, 1), entities.NewPullRequestID(doomed, 3)
	comment0 := entities.NewCommentID(doomed, 1, commentIDs[0])
	for _, r := range []struct {
		actor   string
		subject entities.ID
	}{{"s3", issue1}, {"s1", entities.NewIssueID(doomed, 2)}, {"s1", comment0}, {"up", pr3}} {
		domExec(t, srv, r.actor, entities.AddReaction{Actor: r.actor, Subject: r.subject, Content: entities.ReactionHeart})
	}
	testkit.AwaitProjected(t, srv, deadline)

	// The node IDs clients hold, and the state before the delete.
	const before = `{ repository(owner: "octo", name: "doomed") {
		stargazerCount forkCount parent { nameWithOwner }
		issues(first: 10) { totalCount nodes { id number comments(first: 10) { totalCount nodes { id } } } }
		pullRequests(first: 10) { totalCount nodes { id number } } } }`
	d := domData(t, srv.GraphQL, before, nil)
	var issueNodeIDs, commentNodeIDs []string
	issues, _ := domAt(d, "repository", "issues", "nodes").([]any)
	for _, is := range issues {
		issueNodeIDs = append(issueNodeIDs, domString(domAt(is, "id")))
		cs, _ := domAt(is, "comments", "nodes").([]any)
		for _, c := range cs {
			commentNodeIDs = append(commentNodeIDs, domString(domAt(c, "id")))
		}
	}
	prs, _ := domAt(d, "repository", "pullRequests", "nodes").([]any)
	if got := fmt.Sprintf("%s %s %s %d %d %d", domString(domAt(d, "repository", "stargazerCount")), domString(domAt(d, "repository", "forkCount")), domString(domAt(d, "repository", "parent", "nameWithOwner")), len(issueNodeIDs), len(commentNodeIDs), len(prs)); got != "3 2 up/doomed 2 2 1" {
		t.Fatalf("before the delete: stargazers, forks, parent, issues, issue comments, pull requests = %s; want 3 2 up/doomed 2 2 1", got)
	}
	prNodeID := domString(domAt(prs[0], "id"))

	// The lists it is in, before and after.
	type list struct {
		name, query string
		path        []string
		key         string
		before      []string
		after       []string
		stored      table.Key
		counter     string
	}
	lists := []list{
		{"owner's repositories", `{ user(login: "octo") { conn: repositories(first: 10) { totalCount edges { cursor node { name } } } } }`, []string{"user", "conn"}, "name", []string{"keeper", "doomed"}, []string{"keeper"}, table.AccountKey("octo"), readmodel.AttrRepositoryCount},
		{"parent's forks", `{ repository(owner: "up", name: "doomed") { conn: forks(first: 10) { totalCount edges { cursor node { nameWithOwner } } } } }`, []string{"repository", "conn"}, "nameWithOwner", []string{"octo/doomed"}, nil, table.RepositoryKey("up", "doomed"), readmodel.AttrForkCount},
	}
	for _, s := range stargazers {
		lists = append(lists, list{s + "'s starred repositories", fmt.Sprintf(`{ user(login: %q) { conn: starredRepositories(first: 10) { totalCount edges { cursor node { nameWithOwner } } } } }`, s), []string{"user", "conn"}, "nameWithOwner", []string{"octo/keeper", "octo/doomed"}, []string{"octo/keeper"}, table.AccountKey(s), readmodel.AttrStarredCount})
	}
	checkLists := func(t *testing.T, after bool) {
		for _, l := range lists {
			t.Run(l.name, func(t *testing.T) {
				want := l.before
				if after {
					want = l.after
				}
				p := domConnection(t, domData(t, srv.GraphQL, l.query, nil), l.path, l.key)
				if diff := domDiff(want, p.Keys); diff != "" || p.Total != len(want) {
					t.Errorf("%s: %s; totalCount %d, want %d", l.name, diff, p.Total, len(want))
				}
				if n := testkit.NumberAttr(t, testkit.GetItem(t, srv, l.stored), l.counter); n != len(want) {
					t.Errorf("stored %s = %d, want %d", l.counter, n, len(want))
				}
			})
		}
	}
	// Every collection a purge must empty, each shown to hold items before
	// the delete, so that a wrong key or prefix cannot pass for a purge.
	repositoryPK := string(table.RepositoryPartition("octo", "doomed"))
	idx, pk, prefix := table.Stargazers("octo", "doomed")
	fidx, fpk, fprefix := table.ForksOf("octo", "doomed")
	iidx, ipk, iprefix := table.IssuesOfRepository("ISSUE", "octo", "doomed", "", table.OrderCreated)
	pidx, ppk, pprefix := table.IssuesOfRepository("PR", "octo", "doomed", "", table.OrderCreated)
	oidx, opk, oprefix := table.IssuesOfRepository("ISSUE", "octo", "doomed", "OPEN", table.OrderCreated)
	collections := []struct{ name, index, pk, prefix string }{
		{"stargazers", idx, pk, prefix},
		{"forks", fidx, fpk, fprefix},
		{"issues", iidx, ipk, iprefix},
		{"open issues", oidx, opk, oprefix},
		{"pull requests", pidx, ppk, pprefix},
		{"comments", "", repositoryPK, "ISSUE#"},
		{"comment reactions", "", repositoryPK, "REACTION#"},
		{"the repository item", "", repositoryPK, repositoryPK},
	}
	for _, s := range stargazers {
		spk, sprefix := table.StarsOfUser(s, "octo", "doomed")
		collections = append(collections, struct{ name, index, pk, prefix string }{s + "'s star", "", spk, sprefix})
	}
	for _, p := range []table.Partition{table.IssuePartition("octo", "doomed", 1), table.IssuePartition("octo", "doomed", 2), table.PullRequestPartition("octo", "doomed", 3)} {
		collections = append(collections, struct{ name, index, pk, prefix string }{string(p) + " read items", "", string(p), string(p)}, struct{ name, index, pk, prefix string }{string(p) + " reactions", "", string(p), "REACTION#"})
	}
	t.Run("before the delete", func(t *testing.T) {
		checkLists(t, false)
		for _, c := range collections {
			t.Run(c.name+" has items", func(t *testing.T) {
				if items := testkit.QueryPrefix(t, srv, c.index, c.pk, c.prefix); len(items) == 0 {
					t.Errorf("no items under %s %s %s before the delete", c.index, c.pk, c.prefix)
				}
			})
		}
	})

	res := srv.As(t, "octo").MustDo(t, `mutation($in: DeleteRepositoryInput!) { deleteRepository(input: $in) { deletedRepositoryId } }`, map[string]any{"in": map[string]any{"owner": "OCTO", "name": "Doomed"}})
	if len(res.Errors) > 0 {
		t.Fatalf("deleteRepository: %+v", res.Errors)
	}
	testkit.AwaitProjected(t, srv, deadline)

	t.Run("repository is null", func(t *testing.T) {
		for _, viewer := range []string{"", "octo", "s1"} {
			c := srv.GraphQL
			if viewer != "" {
				c = srv.As(t, viewer)
			}
			d := domData(t, c, `{ repository(owner: "octo", name: "doomed") { id } }`, nil)
			if r := domAt(d, "repository"); r != nil {
				t.Errorf("as %q: repository = %v, want null", viewer, r)
			}
		}
	})
	t.Run("gone from every list", func(t *testing.T) { checkLists(t, true) })
	t.Run("its forks live on without a parent", func(t *testing.T) {
		for _, f := range []string{"f1", "f2"} {
			d := domData(t, srv.GraphQL, fmt.Sprintf(`{ repository(owner: %q, name: "doomed") { isFork parent { id } } }`, f), nil)
			if got := fmt.Sprintf("%v %v", domAt(d, "repository", "isFork"), domAt(d, "repository", "parent")); got != "true <nil>" {
				t.Errorf("%s/doomed: isFork, parent = %s; want true <nil>", f, got)
			}
		}
	})
	t.Run("nothing under it is reachable", func(t *testing.T) {
		ref := func(kv ...any) map[string]any {
			m := map[string]any{"owner": "octo", "repository": "doomed"}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
		cases := []struct {
			name, actor, query string
			in                 map[string]any
		}{
			{"open an issue", "s1", `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { id } } }`, ref("title", "again")},
			{"edit its issue", "s1", `mutation($in: EditIssueInput!) { editIssue(input: $in) { issue { id } } }`, ref("number", 1, "title", "x")},
			{"close its issue", "octo", `mutation($in: CloseIssueInput!) { closeIssue(input: $in) { issue { id } } }`, ref("number", 1)},
			{"reopen its issue", "s2", `mutation($in: ReopenIssueInput!) { reopenIssue(input: $in) { issue { id } } }`, ref("number", 2)},
			{"merge its pull request", "octo", `mutation($in: PullRequestRefInput!) { mergePullRequest(input: $in) { pullRequest { id } } }`, ref("number", 3)},
			{"comment on its issue", "s3", `mutation($in: AddCommentInput!) { addComment(input: $in) { comment { id } } }`, ref("number", 1, "body", "hello?")},
			{"edit its comment", "s2", `mutation($in: EditCommentInput!) { editComment(input: $in) { comment { id } } }`, map[string]any{"id": commentNodeIDs[0], "body": "x"}},
			{"delete its comment", "s2", `mutation($in: DeleteCommentInput!) { deleteComment(input: $in) { deletedCommentId } }`, map[string]any{"id": commentNodeIDs[0]}},
			{"react to its issue", "s1", domReactMutation, map[string]any{"subjectId": issueNodeIDs[0], "content": "EYES"}},
			{"unreact to its issue", "s3", domUnreactMutation, map[string]any{"subjectId": issueNodeIDs[0], "content": "HEART"}},
			{"react to its pull request", "s1", domReactMutation, map[string]any{"subjectId": prNodeID, "content": "EYES"}},
			{"react to its comment", "s1", domReactMutation, map[string]any{"subjectId": commentNodeIDs[0], "content": "EYES"}},
			{"star it", "s1", domStarMutation, map[string]any{"owner": "octo", "name": "doomed"}},
			{"fork it", "f1", `mutation($in: ForkRepositoryInput!) { forkRepository(input: $in) { repository { id } } }`, map[string]any{"owner": "octo", "name": "doomed", "newOwner": "up"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if res := srv.As(t, c.actor).MustDo(t, c.query, map[string]any{"in": c.in}); res.Code() != "NOT_FOUND" {
					t.Errorf("errors %+v (data %s), want NOT_FOUND", res.Errors, res.Data)
				}
			})
		}
	})
	t.Run("its read items are purged", func(t *testing.T) {
		for _, c := range collections {
			t.Run(c.name, func(t *testing.T) {
				if items := testkit.QueryPrefix(t, srv, c.index, c.pk, c.prefix); len(items) > 0 {
					t.Errorf("%d items left, first %v", len(items), testkit.JSONItem(items[0]))
				}
			})
		}
	})
	t.Run("history stays in the event log", func(t *testing.T) {
		logs := []struct {
			p    table.Partition
			want []string
		}{
			{table.RepositoryPartition("octo", "doomed"), []string{"RepositoryForked", "RepositoryDeleted"}},
			{table.IssuePartition("octo", "doomed", 1), []string{"IssueOpened"}},
			{table.IssuePartition("octo", "doomed", 2), []string{"IssueOpened", "IssueClosed"}},
			{table.PullRequestPartition("octo", "doomed", 3), []string{"PullRequestOpened"}},
			{table.CommentPartition("octo", "doomed", 1, commentIDs[0]), []string{"CommentAdded"}},
			{table.CommentPartition("octo", "doomed", 3, commentIDs[2]), []string{"CommentAdded"}},
			{table.StarPartition("s2", "octo", "doomed"), []string{"Starred"}},
			{table.ReactionPartition(table.IssuePartition("octo", "doomed", 1), "s3", "HEART"), []string{"ReactionAdded"}},
			{table.RepositoryPartition("f1", "doomed"), []string{"RepositoryForked"}},
		}
		for _, l := range logs {
			t.Run(string(l.p), func(t *testing.T) {
				envs := testkit.History(t, srv, l.p)
				if got := strings.Join(testkit.EventTypes(envs), " "); got != strings.Join(l.want, " ") {
					t.Errorf("events %q, want %q", got, strings.Join(l.want, " "))
				}
			})
		}
	})
	t.Run("the name reused starts empty", func(t *testing.T) {
		res := srv.As(t, "octo").MustDo(t, `mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { stargazerCount forkCount isFork } } }`, map[string]any{"in": map[string]any{"name": "doomed"}})
		if len(res.Errors) > 0 {
			t.Fatalf("createRepository: %+v", res.Errors)
		}
		opened := domData(t, srv.As(t, "s1"), `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { number } } }`, map[string]any{"in": map[string]any{"owner": "octo", "repository": "doomed", "title": "new life"}})
		if n := domString(domAt(opened, "openIssue", "issue", "number")); n != "4" {
			t.Fatalf("openIssue: number %s, want 4 (numbers continue across lives)", n)
		}
		testkit.AwaitProjected(t, srv, deadline)
		const q = `{ repository(owner: "octo", name: "doomed") { stargazerCount forkCount isFork viewerHasStarred parent { id }
			stargazers(first: 10) { totalCount nodes { login } } forks(first: 10) { totalCount nodes { nameWithOwner } }
			issues(first: 10) { totalCount nodes { number } } pullRequests(first: 10) { totalCount nodes { number } }
			old: issue(number: 1) { id } oldPull: pullRequest(number: 3) { id } } }`
		res = srv.As(t, "s1").MustDo(t, q, nil)
		if len(res.Errors) > 0 {
			t.Fatalf("errors %+v", res.Errors)
		}
		got := compactJSON(t, res.Data)
		want := `{"repository":{"stargazerCount":0,"forkCount":0,"isFork":false,"viewerHasStarred":false,"parent":null,` +
			`"stargazers":{"totalCount":0,"nodes":[]},"forks":{"totalCount":0,"nodes":[]},` +
			`"issues":{"totalCount":1,"nodes":[{"number":4}]},"pullRequests":{"totalCount":0,"nodes":[]},"old":null,"oldPull":null}}`
		if got != want {
			t.Errorf("the re-created repository:\n got %s\nwant %s", got, want)
		}
	})
}
