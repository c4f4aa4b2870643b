package loaders_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

var helloRepository = entities.NewRepositoryID("octo", "hello")

// seedHello creates user octo and its public repository Octo/Hello.
func seedHello(t *testing.T) *workWorld {
	w := newWorkWorld(t)
	w.do("octo", entities.CreateUser{Login: "Octo"})
	w.do("octo", entities.CreateRepository{Owner: "octo", Name: "Hello", Actor: "octo"})
	return w
}

func first(n int32) loaders.PageArgs { return loaders.PageArgs{First: &n} }

// TestOpenIssueConcurrentNumbers opens 50 issues on one repository at
// once through the Executor: conflict retries on the repository head's
// counter give them exactly the numbers 1..50, each once, and the read
// model lists all 50.
func TestOpenIssueConcurrentNumbers(t *testing.T) {
	const writers = 50
	w := seedHello(t)
	results, errs := testkit.AtOnce(writers, func(i int) (events.Result, error) {
		actor := fmt.Sprintf("user%02d", i)
		return w.x.Execute(context.Background(), actor, entities.OpenIssue{Actor: actor, Repository: helloRepository, Title: fmt.Sprintf("issue from %s", actor)})
	})
	var numbers []int
	for i := range writers {
		if errs[i] != nil {
			t.Fatalf("writer %d: %v", i, errs[i])
		}
		var opened *entities.Issue
		for id, s := range results[i].Snapshots {
			if _, ok := id.(entities.IssueID); ok {
				opened = s.State.(*entities.Issue)
			}
		}
		if opened == nil || opened.Author != fmt.Sprintf("user%02d", i) {
			t.Fatalf("writer %d: result has no issue of its own: %+v", i, results[i].Snapshots)
		}
		numbers = append(numbers, opened.Number)
		w.project(results[i])
	}
	sort.Ints(numbers)
	for i, n := range numbers {
		if n != i+1 {
			t.Fatalf("numbers = %v, want exactly 1..%d", numbers, writers)
		}
	}
	heads, err := w.store.LoadHeads(context.Background(), []entities.ID{helloRepository})
	if err != nil {
		t.Fatal(err)
	}
	if seq := heads[helloRepository].Snapshot.Seq; seq != writers {
		t.Fatalf("repository counter = %d, want %d", seq, writers)
	}
	page, err := w.loaders().IssuesOf(context.Background(), "octo", "hello", 1, nil, loaders.DefaultWorkOrder, first(100))
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != writers || page.HasNext {
		t.Fatalf("listed %d issues (more: %v), want %d", len(page.Items), page.HasNext, writers)
	}
	for i, is := range page.Items {
		if is.Number != i+1 {
			t.Fatalf("item %d = %+v, want issue #%d", i, is, i+1)
		}
	}
	repo, err := w.loaders().ItemByKey.Load(context.Background(), table.RepositoryKey("octo", "hello"))()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := repo[readmodel.AttrOpenIssueCount].(*types.AttributeValueMemberN); !ok || got.Value != strconv.Itoa(writers) {
		t.Fatalf("repository item's open issue counter = %v, want %d", repo[readmodel.AttrOpenIssueCount], writers)
	}
}

// seedWork: on Octo/Hello, issues #1 (open), #2 (closed), #4 (open) and
// #6 (closed as not planned, reopened, closed again); pull requests #3
// (open), #5 (merged) and #7 (closed).
func seedWork(t *testing.T) *workWorld {
	w := seedHello(t)
	issue := func(actor, title string) {
		w.do(actor, entities.OpenIssue{Actor: actor, Repository: helloRepository, Title: title})
	}
	pull := func(actor, title string) {
		w.do(actor, entities.OpenPullRequest{Actor: actor, Repository: helloRepository, Title: title, HeadRef: "topic", BaseRef: "main"})
	}
	issue("alice", "one")
	issue("bob", "two")
	pull("carol", "three")
	issue("alice", "four")
	pull("bob", "five")
	issue("dave", "six")
	pull("erin", "seven")
	w.do("bob", entities.CloseIssue{Actor: "bob", Repository: helloRepository, Number: 2})
	w.do("octo", entities.MergePullRequest{Actor: "octo", Repository: helloRepository, Number: 5})
	w.do("erin", entities.ClosePullRequest{Actor: "erin", Repository: helloRepository, Number: 7})
	w.do("dave", entities.CloseIssue{Actor: "dave", Repository: helloRepository, Number: 6, Reason: entities.ReasonNotPlanned})
	w.do("dave", entities.ReopenIssue{Actor: "dave", Repository: helloRepository, Number: 6})
	w.do("octo", entities.CloseIssue{Actor: "octo", Repository: helloRepository, Number: 6})
	return w
}

func numbersOf[T interface{ Work() readmodel.WorkItem }](p loaders.Page[T]) []int {
	var out []int
	for _, w := range p.Items {
		out = append(out, w.Work().Number)
	}
	return out
}

// newest lists issues and pull requests newest first.
var newest = loaders.WorkOrder{Field: table.OrderCreated}

// stateCase is a case of a listing filtered by states in an order: the
// numbers it lists, in order.
type stateCase struct {
	name   string
	states []string
	order  loaders.WorkOrder
	want   []int
}

// checkStates runs the cases of a listing of issues or pull requests
// filtered by states (list, a page of 10).
func checkStates[T interface{ Work() readmodel.WorkItem }](t *testing.T, list func(states []string, order loaders.WorkOrder) (loaders.Page[T], error), cases []stateCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page, err := list(tc.states, tc.order)
			if err != nil {
				t.Fatal(err)
			}
			if got := numbersOf(page); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("numbers = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIssuesOf(t *testing.T) {
	w := seedWork(t)
	ctx := context.Background()
	checkStates(t, func(states []string, order loaders.WorkOrder) (loaders.Page[readmodel.Issue], error) {
		return w.loaders().IssuesOf(ctx, "OCTO", "hello", 1, states, order, first(10))
	}, []stateCase{
		{"all by number", nil, loaders.DefaultWorkOrder, []int{1, 2, 4, 6}},
		{"open oldest first", []string{"OPEN"}, loaders.DefaultWorkOrder, []int{1, 4}},
		{"open newest first", []string{"OPEN"}, newest, []int{4, 1}},
		{"closed by number", []string{"CLOSED"}, loaders.DefaultWorkOrder, []int{2, 6}},
		{"closed newest first", []string{"CLOSED"}, newest, []int{6, 2}},
		{"both states is all", []string{"CLOSED", "OPEN"}, loaders.DefaultWorkOrder, []int{1, 2, 4, 6}},
		{"all newest first", nil, newest, []int{6, 4, 2, 1}},
		{"repeated state", []string{"OPEN", "OPEN"}, newest, []int{4, 1}},
	})
	t.Run("pages", func(t *testing.T) {
		l := w.loaders()
		p1, err := l.IssuesOf(ctx, "octo", "hello", 1, nil, loaders.DefaultWorkOrder, first(3))
		if err != nil {
			t.Fatal(err)
		}
		if got := numbersOf(p1); fmt.Sprint(got) != "[1 2 4]" || !p1.HasNext {
			t.Fatalf("page 1 = %v (next %v)", got, p1.HasNext)
		}
		n := int32(3)
		p2, err := l.IssuesOf(ctx, "octo", "hello", 1, nil, loaders.DefaultWorkOrder, loaders.PageArgs{First: &n, After: &p1.Cursors[2]})
		if err != nil {
			t.Fatal(err)
		}
		if got := numbersOf(p2); fmt.Sprint(got) != "[6]" || p2.HasNext || !p2.HasPrev {
			t.Fatalf("page 2 = %v (next %v, prev %v)", got, p2.HasNext, p2.HasPrev)
		}
		// A cursor of the all-issues connection is not one of the open
		// issues connection.
		if _, err := l.IssuesOf(ctx, "octo", "hello", 1, []string{"OPEN"}, loaders.DefaultWorkOrder, loaders.PageArgs{First: &n, After: &p1.Cursors[0]}); err == nil {
			t.Fatal("a cursor was accepted by another connection")
		}
	})
	t.Run("issue and pull request numbers are disjoint", func(t *testing.T) {
		l := w.loaders()
		is, err := l.Issue(ctx, "octo", "hello", 3)
		if err != nil || is != nil {
			t.Fatalf("Issue(3) = %+v, %v; want nil (a pull request)", is, err)
		}
		pr, err := l.PullRequest(ctx, "Octo", "Hello", 3)
		if err != nil || pr == nil || pr.Title != "three" || pr.RepositoryOwner != "Octo" || pr.RepositoryName != "Hello" {
			t.Fatalf("PullRequest(3) = %+v, %v", pr, err)
		}
		six, err := l.Issue(ctx, "octo", "hello", 6)
		if err != nil || six == nil || six.State != "CLOSED" || six.StateReason != "COMPLETED" || six.ClosedAt == nil {
			t.Fatalf("Issue(6) = %+v, %v", six, err)
		}
	})
}

func TestPullRequestsOf(t *testing.T) {
	w := seedWork(t)
	ctx := context.Background()
	checkStates(t, func(states []string, order loaders.WorkOrder) (loaders.Page[readmodel.PullRequest], error) {
		return w.loaders().PullRequestsOf(ctx, "octo", "hello", 1, states, order, first(10))
	}, []stateCase{
		{"all", nil, loaders.DefaultWorkOrder, []int{3, 5, 7}},
		{"open", []string{"OPEN"}, loaders.DefaultWorkOrder, []int{3}},
		{"merged", []string{"MERGED"}, loaders.DefaultWorkOrder, []int{5}},
		{"closed", []string{"CLOSED"}, loaders.DefaultWorkOrder, []int{7}},
		{"open and merged", []string{"MERGED", "OPEN"}, loaders.DefaultWorkOrder, []int{3, 5}},
		{"open and closed newest first", []string{"CLOSED", "OPEN"}, newest, []int{7, 3}},
		{"every state", []string{"OPEN", "CLOSED", "MERGED"}, loaders.DefaultWorkOrder, []int{3, 5, 7}},
	})
	t.Run("filtered pages stay full", func(t *testing.T) {
		p, err := w.loaders().PullRequestsOf(ctx, "octo", "hello", 1, []string{"OPEN", "CLOSED"}, loaders.DefaultWorkOrder, first(1))
		if err != nil {
			t.Fatal(err)
		}
		if got := numbersOf(p); fmt.Sprint(got) != "[3]" || !p.HasNext {
			t.Fatalf("page = %v (next %v)", got, p.HasNext)
		}
		n := int32(5)
		p2, err := w.loaders().PullRequestsOf(ctx, "octo", "hello", 1, []string{"CLOSED", "OPEN"}, loaders.DefaultWorkOrder, loaders.PageArgs{First: &n, After: &p.Cursors[0]})
		if err != nil {
			t.Fatal(err)
		}
		if got := numbersOf(p2); fmt.Sprint(got) != "[7]" || p2.HasNext {
			t.Fatalf("page 2 = %v (next %v)", got, p2.HasNext)
		}
	})
	merged, err := w.loaders().PullRequest(ctx, "octo", "hello", 5)
	if err != nil || merged == nil || merged.State != "MERGED" || merged.MergedBy != "octo" || merged.MergedAt == nil || merged.ClosedAt == nil {
		t.Fatalf("PullRequest(5) = %+v, %v", merged, err)
	}
}

func TestCommentsOf(t *testing.T) {
	w := seedWork(t)
	ctx := context.Background()
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = entities.NewCommentLocalID(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), [10]byte{byte(9 - i)})
		w.do("bob", entities.AddComment{Actor: "bob", Repository: helloRepository, Number: 1, ID: ids[i], Body: fmt.Sprintf("comment %d", i)})
	}
	w.do("carol", entities.AddComment{Actor: "carol", Repository: helloRepository, Number: 3, ID: ids[0], Body: "on the pull request"})
	w.do("bob", entities.DeleteComment{Actor: "bob", ID: entities.NewCommentID(helloRepository, 1, ids[1])})
	w.do("octo", entities.EditComment{Actor: "octo", ID: entities.NewCommentID(helloRepository, 1, ids[2]), Body: "edited"})

	l := w.loaders()
	page, err := l.CommentsOf(ctx, "octo", "hello", 1, first(10))
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, c := range page.Items {
		if c.Deleted || c.Subject != "ISSUE" || c.Number != 1 || c.Author != "bob" {
			t.Fatalf("comment = %+v", c)
		}
		bodies = append(bodies, c.Body)
	}
	if fmt.Sprint(bodies) != "[comment 0 edited comment 3]" {
		t.Fatalf("bodies = %q, want oldest first without the deleted one", bodies)
	}
	one := int32(1)
	p1, err := l.CommentsOf(ctx, "octo", "hello", 1, loaders.PageArgs{Last: &one})
	if err != nil || len(p1.Items) != 1 || p1.Items[0].Body != "comment 3" || !p1.HasPrev {
		t.Fatalf("last page = %+v, %v", p1, err)
	}
	if c, err := l.Comment(ctx, "octo", "hello", 1, ids[1]); err != nil || c != nil {
		t.Fatalf("deleted comment = %+v, %v; want nil", c, err)
	}
	is, err := l.Issue(ctx, "octo", "hello", 1)
	if err != nil || is.CommentCount != 3 {
		t.Fatalf("issue = %+v, %v; want 3 comments", is, err)
	}
	pr, err := l.PullRequest(ctx, "octo", "hello", 3)
	if err != nil || pr.CommentCount != 1 {
		t.Fatalf("pull request = %+v, %v; want 1 comment", pr, err)
	}
	prComments, err := l.CommentsOf(ctx, "octo", "hello", 3, first(10))
	if err != nil || len(prComments.Items) != 1 || prComments.Items[0].Subject != "PR" {
		t.Fatalf("pull request comments = %+v, %v", prComments, err)
	}
}

func TestReactionLoaders(t *testing.T) {
	w := seedWork(t)
	ctx := context.Background()
	c1 := entities.NewCommentID(helloRepository, 1, entities.NewCommentLocalID(time.Unix(1, 0), [10]byte{1}))
	c2 := entities.NewCommentID(helloRepository, 1, entities.NewCommentLocalID(time.Unix(2, 0), [10]byte{2}))
	w.do("bob", entities.AddComment{Actor: "bob", Repository: helloRepository, Number: 1, ID: c1.Local(), Body: "a"})
	w.do("bob", entities.AddComment{Actor: "bob", Repository: helloRepository, Number: 1, ID: c2.Local(), Body: "b"})
	issue := entities.NewIssueID(helloRepository, 1)
	react := func(actor string, subject entities.ID, c entities.ReactionContent) {
		w.do(actor, entities.AddReaction{Actor: actor, Subject: subject, Content: c})
	}
	react("dave", issue, entities.ReactionHeart)
	react("erin", issue, entities.ReactionHeart)
	react("dave", issue, entities.ReactionRocket)
	w.do("dave", entities.RemoveReaction{Actor: "dave", Subject: issue, Content: entities.ReactionRocket})
	react("dave", c1, entities.ReactionEyes)
	react("erin", c2, entities.ReactionLaugh)

	l := w.loaders()
	is, err := l.Issue(ctx, "octo", "hello", 1)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(is.Reactions.ByContent()) != "map[HEART:2]" {
		t.Fatalf("issue reactions = %v, want only HEART:2 (ROCKET went back to 0)", is.Reactions)
	}
	has, err := l.ViewerReactions(ctx, table.IssueKey("octo", "hello", 1), "Dave")
	if err != nil {
		t.Fatal(err)
	}
	if len(has) != 8 || !has["HEART"] || has["ROCKET"] || has["EYES"] {
		t.Fatalf("dave's reactions on #1 = %v", has)
	}
	// Reactions on two comments in the same partition stay apart.
	k1 := table.CommentKey("octo", "hello", 1, c1.Local())
	k2 := table.CommentKey("octo", "hello", 1, c2.Local())
	h1, err := l.ViewerReactions(ctx, k1, "dave")
	if err != nil {
		t.Fatal(err)
	}
	h2, err := l.ViewerReactions(ctx, k2, "dave")
	if err != nil {
		t.Fatal(err)
	}
	if !h1["EYES"] || h2["EYES"] || h2["LAUGH"] {
		t.Fatalf("dave on c1 = %v, on c2 = %v", h1, h2)
	}
	c, err := l.Comment(ctx, "octo", "hello", 1, c2.Local())
	if err != nil || fmt.Sprint(c.Reactions.ByContent()) != "map[LAUGH:1]" {
		t.Fatalf("c2 = %+v, %v", c, err)
	}
	// Reaction items do not show up among comments.
	page, err := l.CommentsOf(ctx, "octo", "hello", 1, first(10))
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("comments = %d items, %v; want 2", len(page.Items), err)
	}
	if none, err := l.ViewerReactions(ctx, k1, ""); err != nil || len(none) != 0 {
		t.Fatalf("anonymous viewer reactions = %v, %v", none, err)
	}
	counts, err := l.SubjectCounters(ctx, table.IssueKey("octo", "hello", 1))
	if err != nil || counts.CommentCount != 2 || counts.Heart != 2 {
		t.Fatalf("counts = %+v, %v", counts, err)
	}

	// A mutation primes what it wrote; the request reads it back.
	fresh := w.loaders()
	fresh.PrimeReaction(ctx, k2, "LAUGH", "dave", true)
	if ok, err := fresh.HasReacted(ctx, k2, "LAUGH", "dave"); err != nil || !ok {
		t.Fatalf("primed reaction = %v, %v", ok, err)
	}
	fresh.PrimeReaction(ctx, k2, "LAUGH", "dave", false)
	if ok, err := fresh.HasReacted(ctx, k2, "LAUGH", "dave"); err != nil || ok {
		t.Fatalf("primed removal = %v, %v", ok, err)
	}
}

// TestCounterResidueIsNoIssue: counters that land before their item is
// projected do not make an item.
func TestWorkCounterResidueIsAbsent(t *testing.T) {
	w := seedHello(t)
	ctx := context.Background()
	res := w.exec("alice", entities.OpenIssue{Actor: "alice", Repository: helloRepository, Title: "t"})
	// Project a reaction on the issue before the issue itself.
	r := w.exec("bob", entities.AddReaction{Actor: "bob", Subject: entities.NewIssueID(helloRepository, 1), Content: entities.ReactionHooray})
	w.project(r)
	l := w.loaders()
	if is, err := l.Issue(ctx, "octo", "hello", 1); err != nil || is != nil {
		t.Fatalf("Issue before projection = %+v, %v; want nil", is, err)
	}
	if c, err := l.SubjectCounters(ctx, table.IssueKey("octo", "hello", 1)); err != nil || c.Hooray != 1 {
		t.Fatalf("counts = %+v, %v; the residue's counters are exact", c, err)
	}
	w.project(res)
	is, err := w.loaders().Issue(ctx, "octo", "hello", 1)
	if err != nil || is == nil || is.Hooray != 1 {
		t.Fatalf("Issue after projection = %+v, %v", is, err)
	}
}
