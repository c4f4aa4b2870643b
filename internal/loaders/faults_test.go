package loaders_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/test/testkit"
)

// The loaders against an engine that injects throttling and unprocessed
// keys (ddblocal.Faults): every read must come back complete — no item
// lost, none twice — as it does without faults.

const faultIssues = 120

// faultReads is a table holding octo/hello with faultIssues projected
// issues, and the engine that serves it.
type faultReads struct {
	eng   *ddblocal.Engine
	db    *dynamodb.Client
	table string
	pager *loaders.Pager
}

func newFaultReads(t *testing.T) *faultReads {
	t.Helper()
	eng := testkit.MemEngine(t)
	// The SDK's retries absorb the injected throttling.
	clients, name := testkit.RetryingTable(t, eng, 8)
	db := clients.DB
	ctx := context.Background()
	pager, err := loaders.NewPager(db, name, loaders.NewCursorKey())
	if err != nil {
		t.Fatal(err)
	}
	x := events.NewExecutor(events.NewStore(db, name, nil), events.ExecutorOptions{})
	ap := projector.NewApplier(db, name, nil)
	do := func(cmd entities.Command) {
		res, err := x.Execute(ctx, "octo", cmd)
		if err != nil {
			t.Fatalf("%T: %v", cmd, err)
		}
		for _, env := range res.Appended {
			id, err := events.ParseID(env.Kind, env.Aggregate)
			if err != nil {
				t.Fatal(err)
			}
			if err := ap.Repair(ctx, id, env.Version); err != nil {
				t.Fatal(err)
			}
		}
	}
	do(entities.CreateUser{Login: "octo"})
	do(entities.CreateRepository{Owner: "octo", Name: "hello", Actor: "octo"})
	repo := entities.NewRepositoryID("octo", "hello")
	for i := range faultIssues {
		do(entities.OpenIssue{Actor: "octo", Repository: repo, Title: fmt.Sprintf("issue %d", i+1)})
	}
	return &faultReads{eng: eng, db: db, table: name, pager: pager}
}

func (r *faultReads) loaders() *loaders.Loaders {
	return loaders.New(loaders.Source{DB: r.db, Table: r.table, Pager: r.pager}, loaders.Options{})
}

// snapshot reads every issue through the item loader (all keys at once,
// with a few that name no item) and lists them page by page; it returns
// what it saw as text, one line per issue.
func (r *faultReads) snapshot(t *testing.T) (items, listed string) {
	t.Helper()
	ctx := context.Background()
	l := r.loaders()
	results := make([]*readmodel.Issue, faultIssues+5)
	errs := make([]error, len(results))
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = l.Issue(ctx, "octo", "hello", i+1)
		}()
	}
	wg.Wait()
	for i, is := range results {
		if errs[i] != nil {
			t.Fatalf("issue #%d: %v", i+1, errs[i])
		}
		switch {
		case i < faultIssues && (is == nil || is.Number != i+1 || is.Title != fmt.Sprintf("issue %d", i+1)):
			t.Fatalf("issue #%d loaded as %+v", i+1, is)
		case i >= faultIssues && is != nil:
			t.Fatalf("issue #%d does not exist, loaded as %+v", i+1, is)
		}
		if is != nil {
			items += fmt.Sprintf("%d %s\n", is.Number, is.Title)
		}
	}
	var after *string
	for pages := 0; ; pages++ {
		if pages > faultIssues {
			t.Fatalf("paging did not end")
		}
		n := int32(25)
		page, err := r.loaders().IssuesOf(ctx, "octo", "hello", 1, nil, loaders.DefaultWorkOrder, loaders.PageArgs{First: &n, After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range page.Items {
			listed += fmt.Sprintf("%d %s\n", is.Number, is.Title)
		}
		if !page.HasNext {
			break
		}
		after = &page.Cursors[len(page.Cursors)-1]
	}
	return items, listed
}

func TestLoadersUnderInjectedFaults(t *testing.T) {
	r := newFaultReads(t)
	wantItems, wantListed := r.snapshot(t)
	if got := len(wantListed); got == 0 {
		t.Fatalf("nothing listed without faults")
	}
	cases := []struct {
		name   string
		faults ddblocal.Faults
	}{
		{"unprocessed keys", ddblocal.Faults{Unprocessed: 0.5, Seed: 3}},
		{"throttling", ddblocal.Faults{ProvisionedThroughputExceeded: 0.15, Throttling: 0.15, Seed: 4}},
		{"everything at once", ddblocal.Faults{Unprocessed: 0.3, Throttling: 0.2, Seed: 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := r.eng.InjectedFaults()
			if err := r.eng.SetFaults(c.faults); err != nil {
				t.Fatal(err)
			}
			items, listed := r.snapshot(t)
			injected := r.eng.InjectedFaults()
			if err := r.eng.SetFaults(ddblocal.Faults{}); err != nil {
				t.Fatal(err)
			}
			if items != wantItems {
				t.Fatalf("loaded under faults:\n%s\nwithout:\n%s", items, wantItems)
			}
			if listed != wantListed {
				t.Fatalf("listed under faults:\n%s\nwithout:\n%s", listed, wantListed)
			}
			if c.faults.Unprocessed > 0 && injected.Unprocessed == before.Unprocessed {
				t.Fatalf("no key was left unprocessed")
			}
			if c.faults.Throttling > 0 && injected.Throttling == before.Throttling {
				t.Fatalf("nothing was throttled")
			}
		})
	}
}
