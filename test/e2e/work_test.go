package e2e_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/test/testkit"
)

// The work area over HTTP: issues, pull requests, comments and reactions
// through the real server, authentication and in-process projector.

const (
	workIssueFields      = `id number title body state stateReason closedAt author { login } comments(first: 5) { totalCount } reactionGroups { content count viewerHasReacted }`
	workOpenIssue        = `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { ` + workIssueFields + ` } } }`
	workEditIssue        = `mutation($in: EditIssueInput!) { editIssue(input: $in) { issue { number title body } } }`
	workCloseIssue       = `mutation($in: CloseIssueInput!) { closeIssue(input: $in) { issue { number state stateReason closedAt } } }`
	workReopenIssue      = `mutation($in: ReopenIssueInput!) { reopenIssue(input: $in) { issue { number state stateReason closedAt } } }`
	workPullFields       = `id number title state merged mergedAt mergedBy { login } headRefName baseRefName`
	workOpenPull         = `mutation($in: OpenPullRequestInput!) { openPullRequest(input: $in) { pullRequest { ` + workPullFields + ` } } }`
	workMergePull        = `mutation($in: PullRequestRefInput!) { mergePullRequest(input: $in) { pullRequest { ` + workPullFields + ` } } }`
	workClosePull        = `mutation($in: PullRequestRefInput!) { closePullRequest(input: $in) { pullRequest { number state } } }`
	workAddComment       = `mutation($in: AddCommentInput!) { addComment(input: $in) { comment { id body author { login } reactionGroups { content count } } } }`
	workEditComment      = `mutation($in: EditCommentInput!) { editComment(input: $in) { comment { id body } } }`
	workDeleteComment    = `mutation($in: DeleteCommentInput!) { deleteComment(input: $in) { deletedCommentId } }`
	workAddReaction      = `mutation($in: ReactionInput!) { addReaction(input: $in) { subject { id reactionGroups { content count viewerHasReacted } } reactionGroups { content count viewerHasReacted } } }`
	workRemoveReact      = `mutation($in: ReactionInput!) { removeReaction(input: $in) { reactionGroups { content count viewerHasReacted } } }`
	workCreateRepository = `mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { name } } }`
)

type workGroup struct {
	Content          string
	Count            int
	ViewerHasReacted bool
}

// workGroupOf returns the group of content.
func workGroupOf(t *testing.T, groups []workGroup, content string) workGroup {
	t.Helper()
	if len(groups) != 8 {
		t.Fatalf("reactionGroups = %+v, want all 8 contents", groups)
	}
	for _, g := range groups {
		if g.Content == content {
			return g
		}
	}
	t.Fatalf("no %s group in %+v", content, groups)
	return workGroup{}
}

// workMust runs a mutation with input in as login and decodes its data
// into out, failing the test on any error.
func workMust(t *testing.T, srv *testkit.Server, login, query string, in map[string]any, out any) {
	t.Helper()
	res := doAs(t, srv, login, query, map[string]any{"in": in})
	if len(res.Errors) > 0 {
		t.Fatalf("%s as %q (%v): errors %+v", query[:strings.IndexByte(query, '{')], login, in, res.Errors)
	}
	if out != nil {
		if err := res.Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// workWantCode runs a mutation as login and expects an error with code.
func workWantCode(t *testing.T, srv *testkit.Server, login, query string, in map[string]any, code string) {
	t.Helper()
	res := doAs(t, srv, login, query, map[string]any{"in": in})
	if res.Code() != code {
		t.Fatalf("%v as %q: errors %+v, want code %s", in, login, res.Errors, code)
	}
}

func workSeed(t *testing.T) *testkit.Server {
	t.Helper()
	srv := testkit.Start(t, testkit.Options{})
	for _, u := range []string{"octo", "alice", "bob", "carol"} {
		createUser(t, srv, map[string]any{"login": u})
	}
	workMust(t, srv, "octo", workCreateRepository, map[string]any{"name": "Hello"}, nil)
	workMust(t, srv, "octo", workCreateRepository, map[string]any{"name": "secret", "isPrivate": true}, nil)
	return srv
}

func TestWorkOverHTTP(t *testing.T) {
	srv := workSeed(t)
	repo := func(extra map[string]any) map[string]any {
		in := map[string]any{"owner": "octo", "repository": "hello"}
		for k, v := range extra {
			in[k] = v
		}
		return in
	}

	// Issues and pull requests share one sequence of numbers.
	var opened struct {
		OpenIssue struct {
			Issue struct {
				ID, Title, Body, State string
				Number                 int
				StateReason, ClosedAt  *string
				Comments               struct{ TotalCount int }
				ReactionGroups         []workGroup
			}
		}
	}
	workMust(t, srv, "alice", workOpenIssue, repo(map[string]any{"title": "Crash", "body": "It crashes"}), &opened)
	if is := opened.OpenIssue.Issue; is.Number != 1 || is.State != "OPEN" || is.StateReason != nil || is.ClosedAt != nil || is.Comments.TotalCount != 0 || workGroupOf(t, is.ReactionGroups, "HEART").Count != 0 {
		t.Fatalf("openIssue = %+v", is)
	}
	issueID := opened.OpenIssue.Issue.ID
	var pr struct {
		OpenPullRequest struct {
			PullRequest struct {
				ID, State, HeadRefName, BaseRefName string
				Number                              int
				Merged                              bool
			}
		}
	}
	workMust(t, srv, "bob", workOpenPull, repo(map[string]any{"title": "Fix", "headRef": "fix", "baseRef": "main"}), &pr)
	if p := pr.OpenPullRequest.PullRequest; p.Number != 2 || p.State != "OPEN" || p.Merged || p.HeadRefName != "fix" {
		t.Fatalf("openPullRequest = %+v", p)
	}

	t.Run("errors", func(t *testing.T) {
		workWantCode(t, srv, "", workOpenIssue, repo(map[string]any{"title": "x"}), "UNAUTHENTICATED")
		workWantCode(t, srv, "alice", workOpenIssue, repo(map[string]any{"title": ""}), "BAD_USER_INPUT")
		workWantCode(t, srv, "alice", workOpenIssue, map[string]any{"owner": "octo", "repository": "secret", "title": "x"}, "NOT_FOUND")
		workWantCode(t, srv, "alice", workOpenIssue, map[string]any{"owner": "octo", "repository": "nope", "title": "x"}, "NOT_FOUND")
		workWantCode(t, srv, "carol", workEditIssue, repo(map[string]any{"number": 1, "title": "mine now"}), "FORBIDDEN")
		workWantCode(t, srv, "alice", workEditIssue, repo(map[string]any{"number": 2, "title": "a PR"}), "NOT_FOUND")
		workWantCode(t, srv, "bob", workMergePull, repo(map[string]any{"number": 2}), "FORBIDDEN")
		workWantCode(t, srv, "bob", workOpenPull, repo(map[string]any{"title": "x", "headRef": "main", "baseRef": "main"}), "BAD_USER_INPUT")
		workWantCode(t, srv, "bob", workAddComment, repo(map[string]any{"number": 9, "body": "x"}), "NOT_FOUND")
		workWantCode(t, srv, "bob", workAddReaction, map[string]any{"subjectId": "bm9wZQ", "content": "HEART"}, "NOT_FOUND")
	})

	// Comments, on the issue and the pull request.
	var comment struct {
		AddComment struct {
			Comment struct {
				ID, Body       string
				Author         *struct{ Login string }
				ReactionGroups []workGroup
			}
		}
	}
	workMust(t, srv, "bob", workAddComment, repo(map[string]any{"number": 1, "body": "Can reproduce"}), &comment)
	commentID := comment.AddComment.Comment.ID
	if c := comment.AddComment.Comment; c.Body != "Can reproduce" || commentID == "" || workGroupOf(t, c.ReactionGroups, "EYES").Count != 0 {
		t.Fatalf("addComment = %+v", c)
	}
	workMust(t, srv, "carol", workAddComment, repo(map[string]any{"number": 1, "body": "spam"}), &comment)
	spamID := comment.AddComment.Comment.ID
	workMust(t, srv, "alice", workAddComment, repo(map[string]any{"number": 2, "body": "LGTM"}), nil)
	var edited struct {
		EditComment struct{ Comment struct{ ID, Body string } }
	}
	workMust(t, srv, "bob", workEditComment, map[string]any{"id": commentID, "body": "Can reproduce on Linux"}, &edited)
	if c := edited.EditComment.Comment; c.ID != commentID || c.Body != "Can reproduce on Linux" {
		t.Fatalf("editComment = %+v", c)
	}
	workWantCode(t, srv, "alice", workEditComment, map[string]any{"id": commentID, "body": "no"}, "FORBIDDEN")
	workWantCode(t, srv, "alice", workDeleteComment, map[string]any{"id": spamID}, "FORBIDDEN")
	var deleted struct {
		DeleteComment struct{ DeletedCommentID string }
	}
	workMust(t, srv, "octo", workDeleteComment, map[string]any{"id": spamID}, &deleted)
	if deleted.DeleteComment.DeletedCommentID != spamID {
		t.Fatalf("deletedCommentId = %q, want %q", deleted.DeleteComment.DeletedCommentID, spamID)
	}
	workWantCode(t, srv, "octo", workDeleteComment, map[string]any{"id": spamID}, "NOT_FOUND")

	// Reactions: idempotent, and the payload reads its own write.
	type reacted struct {
		AddReaction struct {
			Subject struct {
				ID             string
				ReactionGroups []workGroup
			}
			ReactionGroups []workGroup
		}
	}
	for i := 0; i < 2; i++ {
		var r reacted
		workMust(t, srv, "carol", workAddReaction, map[string]any{"subjectId": issueID, "content": "HEART"}, &r)
		if g := workGroupOf(t, r.AddReaction.ReactionGroups, "HEART"); g.Count != 1 || !g.ViewerHasReacted {
			t.Fatalf("addReaction #%d groups: HEART = %+v", i+1, g)
		}
		if g := workGroupOf(t, r.AddReaction.Subject.ReactionGroups, "HEART"); g.Count != 1 || !g.ViewerHasReacted || r.AddReaction.Subject.ID != issueID {
			t.Fatalf("addReaction #%d subject: %+v", i+1, r.AddReaction.Subject)
		}
	}
	var r reacted
	workMust(t, srv, "alice", workAddReaction, map[string]any{"subjectId": commentID, "content": "ROCKET"}, &r)
	if g := workGroupOf(t, r.AddReaction.ReactionGroups, "ROCKET"); g.Count != 1 || !g.ViewerHasReacted {
		t.Fatalf("comment reaction: %+v", g)
	}
	workMust(t, srv, "bob", workAddReaction, map[string]any{"subjectId": pr.OpenPullRequest.PullRequest.ID, "content": "EYES"}, nil)
	var removed struct {
		RemoveReaction struct{ ReactionGroups []workGroup }
	}
	workMust(t, srv, "bob", workRemoveReact, map[string]any{"subjectId": pr.OpenPullRequest.PullRequest.ID, "content": "EYES"}, &removed)
	if g := workGroupOf(t, removed.RemoveReaction.ReactionGroups, "EYES"); g.Count != 0 || g.ViewerHasReacted {
		t.Fatalf("removeReaction: %+v", g)
	}

	// State changes.
	var closed struct {
		CloseIssue struct {
			Issue struct {
				State       string
				StateReason *string
				ClosedAt    *string
			}
		}
	}
	workMust(t, srv, "alice", workCloseIssue, repo(map[string]any{"number": 1, "reason": "NOT_PLANNED"}), &closed)
	if c := closed.CloseIssue.Issue; c.State != "CLOSED" || c.StateReason == nil || *c.StateReason != "NOT_PLANNED" || c.ClosedAt == nil {
		t.Fatalf("closeIssue = %+v", c)
	}
	workMust(t, srv, "alice", workCloseIssue, repo(map[string]any{"number": 1}), nil) // closing twice changes nothing
	var merged struct {
		MergePullRequest struct {
			PullRequest struct {
				State    string
				Merged   bool
				MergedAt *string
				MergedBy *struct{ Login string }
			}
		}
	}
	workMust(t, srv, "octo", workMergePull, repo(map[string]any{"number": 2}), &merged)
	if m := merged.MergePullRequest.PullRequest; m.State != "MERGED" || !m.Merged || m.MergedAt == nil {
		t.Fatalf("mergePullRequest = %+v", m)
	}
	workWantCode(t, srv, "octo", workClosePull, repo(map[string]any{"number": 2}), "BAD_USER_INPUT")
	workWantCode(t, srv, "octo", workMergePull, repo(map[string]any{"number": 2}), "BAD_USER_INPUT")

	// The read model, once projected.
	const readQuery = `query { repository(owner: "OCTO", name: "hello") {
		issues(first: 10) { totalCount nodes { number state stateReason author { login }
			comments(first: 10) { totalCount nodes { body author { login } reactionGroups { content count viewerHasReacted } } }
			reactionGroups { content count viewerHasReacted } history(first: 10) { totalCount nodes { type } } } }
		open: issues(states: [OPEN], first: 10) { totalCount nodes { number } }
		pullRequests(states: [MERGED], first: 10) { totalCount nodes { number merged mergedBy { login } comments(first: 5) { totalCount } repository { name } } }
		issue(number: 2) { number }
		pullRequest(number: 2) { number author { login } }
	} }`
	type readComment struct {
		Body           string
		Author         struct{ Login string }
		ReactionGroups []workGroup
	}
	var read struct {
		Repository struct {
			Issues struct {
				TotalCount int
				Nodes      []struct {
					Number      int
					State       string
					StateReason string
					Author      struct{ Login string }
					Comments    struct {
						TotalCount int
						Nodes      []readComment
					}
					ReactionGroups []workGroup
					History        struct {
						TotalCount int
						Nodes      []struct{ Type string }
					}
				}
			}
			Open         struct{ TotalCount int }
			PullRequests struct {
				TotalCount int
				Nodes      []struct {
					Number   int
					Merged   bool
					MergedBy struct{ Login string }
					Comments struct{ TotalCount int }
				}
			}
			Issue       *struct{ Number int }
			PullRequest *struct {
				Number int
				Author struct{ Login string }
			}
		}
	}
	carol := srv.As(t, "carol")
	testkit.Eventually(t, 10*time.Second, func() bool {
		res := carol.MustDo(t, readQuery, nil)
		if len(res.Errors) > 0 {
			t.Fatalf("read: %+v", res.Errors)
		}
		if err := res.Decode(&read); err != nil {
			t.Fatal(err)
		}
		is := read.Repository.Issues
		return is.TotalCount == 1 && len(is.Nodes) == 1 && is.Nodes[0].State == "CLOSED" && is.Nodes[0].History.TotalCount == 2 &&
			is.Nodes[0].Comments.TotalCount == 1 && len(is.Nodes[0].Comments.Nodes) == 1 && workCountOf(is.Nodes[0].Comments.Nodes[0].ReactionGroups, "ROCKET") == 1 &&
			workCountOf(is.Nodes[0].ReactionGroups, "HEART") == 1 && read.Repository.PullRequests.TotalCount == 1 && read.Repository.PullRequests.Nodes[0].Comments.TotalCount == 1
	}, "the work read model")
	is := read.Repository.Issues.Nodes[0]
	if is.Number != 1 || is.StateReason != "NOT_PLANNED" || is.Author.Login != "alice" {
		t.Fatalf("issue #1 = %+v", is)
	}
	if c := is.Comments.Nodes[0]; c.Body != "Can reproduce on Linux" || c.Author.Login != "bob" || workGroupOf(t, c.ReactionGroups, "ROCKET").ViewerHasReacted {
		t.Fatalf("comment = %+v", c)
	}
	if g := workGroupOf(t, is.ReactionGroups, "HEART"); !g.ViewerHasReacted {
		t.Fatalf("carol's HEART = %+v", g)
	}
	// Closing a closed issue appended nothing.
	if types := fmt.Sprint(is.History.Nodes); types != "[{IssueClosed} {IssueOpened}]" {
		t.Fatalf("history = %s, newest first", types)
	}
	if read.Repository.Open.TotalCount != 0 {
		t.Fatalf("open issues = %d", read.Repository.Open.TotalCount)
	}
	if p := read.Repository.PullRequests.Nodes[0]; p.Number != 2 || !p.Merged || p.MergedBy.Login != "octo" {
		t.Fatalf("merged pull request = %+v", p)
	}
	if read.Repository.Issue != nil || read.Repository.PullRequest == nil || read.Repository.PullRequest.Author.Login != "bob" {
		t.Fatalf("issue(2) = %+v, pullRequest(2) = %+v", read.Repository.Issue, read.Repository.PullRequest)
	}

	// Reopen, then the open collection has it.
	var reopened struct {
		ReopenIssue struct {
			Issue struct{ State, StateReason string }
		}
	}
	workMust(t, srv, "octo", workReopenIssue, repo(map[string]any{"number": 1}), &reopened)
	if r := reopened.ReopenIssue.Issue; r.State != "OPEN" || r.StateReason != "REOPENED" {
		t.Fatalf("reopenIssue = %+v", r)
	}
}

func workCountOf(groups []workGroup, content string) int {
	for _, g := range groups {
		if g.Content == content {
			return g.Count
		}
	}
	return -1
}

// TestConcurrentOpenIssuesOverHTTP: concurrent openIssue mutations on one
// repository get distinct, gap-free numbers.
func TestConcurrentOpenIssuesOverHTTP(t *testing.T) {
	const writers = 20
	srv := workSeed(t)
	numbers := make([]int, writers)
	errs := make([]string, writers)
	// Clients are made here: t.Fatal must not run in the goroutines. Only
	// user accounts act, so each writer has one.
	clients := make([]*testkit.Client, writers)
	for i := range clients {
		login := fmt.Sprintf("writer%02d", i)
		createUser(t, srv, map[string]any{"login": login})
		clients[i] = srv.As(t, login)
	}
	testkit.Concurrently(writers, func(i int) {
		res, err := clients[i].Do(t.Context(), workOpenIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "hello", "title": fmt.Sprintf("from %d", i)}})
		if err != nil {
			errs[i] = err.Error()
			return
		}
		if len(res.Errors) > 0 {
			errs[i] = fmt.Sprint(res.Errors)
			return
		}
		var out struct {
			OpenIssue struct{ Issue struct{ Number int } }
		}
		if err := json.Unmarshal(res.Data, &out); err != nil {
			errs[i] = err.Error()
			return
		}
		numbers[i] = out.OpenIssue.Issue.Number
	})
	for i, e := range errs {
		if e != "" {
			t.Fatalf("writer %d: %s", i, e)
		}
	}
	sort.Ints(numbers)
	for i, n := range numbers {
		if n != i+1 {
			t.Fatalf("numbers = %v, want 1..%d", numbers, writers)
		}
	}
}
