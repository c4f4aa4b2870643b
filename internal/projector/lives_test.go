package projector_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// livesWorld is a repository octo/r with two lives and everything that
// hangs off them from other aggregates: stars of both lives (one set
// again on the new life in the same star aggregate, one only on the old
// life), issues, a pull
// request, comments and reactions of both lives, a fork of the old life
// deleted after the re-creation, and a fork of the new life. Minutes give
// the commit order.
func livesWorld(t *testing.T) []*aggLog {
	t.Helper()
	repositoryID := entities.NewRepositoryID("octo", "r")
	desc1, desc2 := "first life", "second life"
	issue1, issue3 := entities.NewIssueID(repositoryID, 1), entities.NewIssueID(repositoryID, 3)
	return []*aggLog{
		newAggLog(entities.NewAccountID("octo")).add(t, 0, &entities.UserCreated{Login: "octo"}),
		newAggLog(entities.NewAccountID("mona")).add(t, 0, &entities.UserCreated{Login: "mona"}),
		newAggLog(entities.NewAccountID("hubot")).add(t, 0, &entities.UserCreated{Login: "hubot"}),
		newAggLog(entities.NewAccountID("lisa")).add(t, 0, &entities.UserCreated{Login: "lisa"}),
		newAggLog(entities.NewStarID("lisa", repositoryID)).add(t, 8, &entities.Starred{Login: "lisa", Owner: "octo", Name: "r", RepositoryLife: 1}),
		newAggLog(repositoryID).
			add(t, 1, &entities.RepositoryCreated{Owner: "octo", Name: "r"}).
			add(t, 5, &entities.RepositoryUpdated{Description: &desc1}).
			add(t, 10, &entities.RepositoryDeleted{LastNumber: 2}).
			add(t, 20, &entities.RepositoryCreated{Owner: "octo", Name: "r", NumberBase: 2}).
			add(t, 30, &entities.RepositoryUpdated{Description: &desc2}),
		newAggLog(entities.NewStarID("mona", repositoryID)).
			add(t, 2, &entities.Starred{Login: "mona", Owner: "octo", Name: "r", RepositoryLife: 1}).
			add(t, 21, &entities.Starred{Login: "mona", Owner: "octo", Name: "r", RepositoryLife: 2}),
		newAggLog(entities.NewStarID("hubot", repositoryID)).
			add(t, 3, &entities.Starred{Login: "hubot", Owner: "octo", Name: "r", RepositoryLife: 1}).
			add(t, 22, &entities.Starred{Login: "hubot", Owner: "octo", Name: "r", RepositoryLife: 2}).
			add(t, 25, &entities.Unstarred{}),
		newAggLog(issue1).add(t, 3, &entities.IssueOpened{Owner: "octo", Repository: "r", Number: 1, Title: "old", Author: "mona", Life: 1}),
		newAggLog(entities.NewReactionID(issue1, "hubot", entities.ReactionHeart)).add(t, 4, &entities.ReactionAdded{Content: entities.ReactionHeart, Life: 1}),
		newAggLog(entities.NewCommentID(repositoryID, 1, "0001")).add(t, 4, &entities.CommentAdded{Owner: "octo", Repository: "r", Number: 1, Subject: entities.KindIssue, ID: "0001", Body: "old", Author: "hubot", Life: 1}),
		newAggLog(entities.NewPullRequestID(repositoryID, 2)).add(t, 6, &entities.PullRequestOpened{Owner: "octo", Repository: "r", Number: 2, Title: "old", Author: "mona", HeadRef: "f", BaseRef: "main", Life: 1}),
		newAggLog(entities.NewRepositoryID("hubot", "r")).
			add(t, 7, &entities.RepositoryForked{Owner: "hubot", Name: "r", ParentOwner: "octo", ParentName: "r", ParentLife: 1}).
			add(t, 28, &entities.RepositoryDeleted{}),
		newAggLog(issue3).
			add(t, 24, &entities.IssueOpened{Owner: "octo", Repository: "r", Number: 3, Title: "new", Author: "mona", Life: 2}).
			add(t, 26, &entities.IssueClosed{Reason: entities.ReasonCompleted}),
		newAggLog(entities.NewCommentID(repositoryID, 3, "0002")).add(t, 27, &entities.CommentAdded{Owner: "octo", Repository: "r", Number: 3, Subject: entities.KindIssue, ID: "0002", Body: "new", Author: "hubot", Life: 2}),
		newAggLog(entities.NewReactionID(issue3, "mona", entities.ReactionRocket)).add(t, 29, &entities.ReactionAdded{Content: entities.ReactionRocket, Life: 2}),
		newAggLog(entities.NewRepositoryID("mona", "r")).add(t, 27, &entities.RepositoryForked{Owner: "mona", Name: "r", ParentOwner: "octo", ParentName: "r", ParentLife: 2}),
	}
}

// TestRepositoryLivesInAnyOrder projects livesWorld in commit order, event
// by event, and then in random interleavings of its aggregates — each
// aggregate's events in order, several of them at times in one append, as
// a lagging or coalescing projector or a parallel rebuild may — and
// requires the same read model every time: counters of the new life that
// are projected before the old life's delete are kept, nothing of the old
// life survives, and no counter is left behind or missing.
func TestRepositoryLivesInAnyOrder(t *testing.T) {
	logs := livesWorld(t)

	type next struct {
		log *aggLog
		n   int // 1-based event number
	}
	var order []next
	for _, l := range logs {
		for i := range l.envs {
			order = append(order, next{l, i + 1})
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		return order[i].log.envs[order[i].n-1].At.Before(order[j].log.envs[order[j].n-1].At)
	})
	db, tbl := testkit.MemTable(t)
	ap := projector.NewApplier(db, tbl, events.NewCodec())
	for _, x := range order {
		x.log.apply(t, ap, x.n, x.n)
	}
	want := testkit.ReadModelJSON(t, db, tbl)

	// The reference itself must be right.
	repo := getItem(t, db, tbl, table.RepositoryKey("octo", "r"))
	for attr, v := range map[string]string{
		table.ReadLife: "2", readmodel.AttrStargazerCount: "1", readmodel.AttrForkCount: "1",
		readmodel.AttrOpenIssueCount: "0", readmodel.AttrClosedIssueCount: "1",
	} {
		if got := numAttr(repo, attr); got != v {
			t.Errorf("in commit order, the repository's %s = %q, want %s: %v", attr, got, v, repo)
		}
	}
	if _, ok := repo[readmodel.AttrOpenPullCount]; ok {
		t.Errorf("in commit order, the new life counts the old life's pull request: %v", repo)
	}
	for login, v := range map[string]string{"mona": "1", "hubot": "0", "lisa": "0"} {
		if got := numAttr(getItem(t, db, tbl, table.AccountKey(login)), readmodel.AttrStarredCount); got != v {
			t.Errorf("in commit order, %s's starredCount = %q, want %s", login, got, v)
		}
	}
	for _, p := range []table.Partition{table.IssuePartition("octo", "r", 1), table.PullRequestPartition("octo", "r", 2)} {
		if sks := partitionItems(t, db, tbl, string(p)); len(sks) != 1 || sks[0] != "PROJECTION" {
			t.Errorf("in commit order, %s holds %v, want only the marker", p, sks)
		}
	}

	rng := rand.New(rand.NewPCG(7, 11))
	runs := 40
	if testing.Short() {
		runs = 10
	}
	for run := range runs {
		db, tbl := testkit.MemTable(t)
		ap := projector.NewApplier(db, tbl, events.NewCodec())
		applied := make([]int, len(logs))
		var trace []string
		for {
			var pending []int
			for i, l := range logs {
				if applied[i] < len(l.envs) {
					pending = append(pending, i)
				}
			}
			if len(pending) == 0 {
				break
			}
			i := pending[rng.IntN(len(pending))]
			l := logs[i]
			from := applied[i] + 1
			to := from + rng.IntN(len(l.envs)-applied[i])
			l.apply(t, ap, from, to)
			applied[i] = to
			trace = append(trace, fmt.Sprintf("%v v%d..%d", l.id, from, to))
		}
		if got := testkit.ReadModelJSON(t, db, tbl); !bytes.Equal(got, want) {
			t.Fatalf("run %d, applied %v: the read model differs from commit order's:\n%s", run, trace, testkit.FirstDiff(want, got))
		}
	}
}
