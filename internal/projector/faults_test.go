package projector_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/test/testkit"
)

// The projector against an engine that injects transaction conflicts,
// and throttling into its reads and writes (ddblocal.Faults): it
// must retry until every event is applied, and apply each exactly once —
// the read model's counters would show a lost or a doubled effect.

func TestProjectorUnderInjectedFaults(t *testing.T) {
	eng := testkit.MemEngine(t)
	clients, name := testkit.RetryingTable(t, eng, 3)
	db, st := clients.DB, clients.Streams
	ctx := context.Background()

	// The write side, without faults: 40 issues (every fourth closed) and
	// 12 stars on one repository.
	x := events.NewExecutor(events.NewStore(db, name, nil), events.ExecutorOptions{})
	want := map[string]bool{} // every appended aggregate version
	do := func(actor string, cmd entities.Command) {
		t.Helper()
		res, err := x.Execute(ctx, actor, cmd)
		if err != nil {
			t.Fatalf("%T: %v", cmd, err)
		}
		for _, env := range res.Appended {
			want[fmt.Sprintf("%s:%s:%d", env.Kind, env.Aggregate, env.Version)] = true
		}
	}
	do("octo", entities.CreateUser{Login: "octo"})
	do("octo", entities.CreateRepository{Owner: "octo", Name: "hello", Actor: "octo"})
	repo := entities.NewRepositoryID("octo", "hello")
	const issues, stars = 40, 12
	for i := range issues {
		do("octo", entities.OpenIssue{Actor: "octo", Repository: repo, Title: fmt.Sprintf("issue %d", i+1)})
		if i%4 == 3 {
			do("octo", entities.CloseIssue{Actor: "octo", Repository: repo, Number: i + 1, Reason: entities.ReasonCompleted})
		}
	}
	for i := range stars {
		login := fmt.Sprintf("fan%02d", i)
		do(login, entities.CreateUser{Login: login})
		do(login, entities.StarRepository{Owner: "octo", Name: "hello", Actor: login})
	}

	if err := eng.SetFaults(ddblocal.Faults{TransactionConflict: 0.3, ProvisionedThroughputExceeded: 0.1, Throttling: 0.1, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		applied = map[string]int{}
		done    = make(chan struct{})
	)
	runner := projector.NewRunner(db, st, name, projector.NewApplier(db, name, nil), projector.RunnerOptions{
		LeaseTimeout: 3 * time.Second, RetryBase: 5 * time.Millisecond, DiscoverInterval: 50 * time.Millisecond,
		OnApplied: func(a projector.Applied) {
			mu.Lock()
			defer mu.Unlock()
			for v := a.First; v <= a.Last; v++ {
				applied[fmt.Sprintf("%s:%s:%d", a.ID.Kind(), a.ID.String(), v)]++
			}
			for k := range want {
				if applied[k] == 0 {
					return
				}
			}
			select {
			case <-done:
			default:
				close(done)
			}
		},
	})
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- runner.Run(runCtx) }()
	select {
	case <-done:
	case err := <-stopped:
		t.Fatalf("projector stopped: %v", err)
	case <-time.After(2 * time.Minute):
		mu.Lock()
		t.Fatalf("not every event was applied: %d of %d", len(applied), len(want))
	}
	stop()
	if err := <-stopped; err != nil && ctx.Err() == nil && runCtx.Err() == nil {
		t.Fatalf("Run: %v", err)
	}
	injected := eng.InjectedFaults()
	if err := eng.SetFaults(ddblocal.Faults{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("injected %+v", injected)
	if injected.TransactionConflict == 0 || injected.Throttling+injected.ProvisionedThroughputExceeded == 0 {
		t.Fatalf("the projector met no faults: %+v", injected)
	}

	// The read model, read without faults, is exactly what the events say.
	pager, err := loaders.NewPager(db, name, loaders.NewCursorKey())
	if err != nil {
		t.Fatal(err)
	}
	l := loaders.New(loaders.Source{DB: db, Table: name, Pager: pager}, loaders.Options{})
	r, err := l.Repository(ctx, "octo", "hello")
	if err != nil || r == nil {
		t.Fatalf("repository: %+v, %v", r, err)
	}
	if r.OpenIssueCount != issues-issues/4 || r.ClosedIssueCount != issues/4 || r.StargazerCount != stars {
		t.Fatalf("repository counters open %d closed %d stars %d, want %d, %d and %d", r.OpenIssueCount, r.ClosedIssueCount, r.StargazerCount, issues-issues/4, issues/4, stars)
	}
	n := int32(100)
	page, err := l.IssuesOf(ctx, "octo", "hello", 1, nil, loaders.DefaultWorkOrder, loaders.PageArgs{First: &n})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != issues {
		t.Fatalf("listed %d issues, want %d", len(page.Items), issues)
	}
	for i, is := range page.Items {
		wantState := "OPEN"
		if i%4 == 3 {
			wantState = "CLOSED"
		}
		if is.Number != i+1 || is.State != wantState {
			t.Fatalf("issue %d listed as %+v, want #%d %s", i, is, i+1, wantState)
		}
	}
}
