package events_test

import (
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/test/testkit"
)

// The Executor against an engine that injects DynamoDB's transient
// failures (ddblocal.Faults): transaction conflicts, throttling and
// unprocessed keys must be retried until every command has its effect —
// once.

// faultWorld is an embedded table whose engine injects faults on demand.
type faultWorld struct {
	eng   *ddblocal.Engine
	db    *dynamodb.Client
	table string
	store *events.Store
}

// newFaultWorld builds the world; sdkAttempts is the SDK's own retry
// budget (1: every fault reaches the application).
func newFaultWorld(t *testing.T, sdkAttempts int) *faultWorld {
	t.Helper()
	eng := testkit.MemEngine(t)
	clients, name := testkit.RetryingTable(t, eng, sdkAttempts)
	return &faultWorld{eng: eng, db: clients.DB, table: name, store: events.NewStore(clients.DB, name, nil)}
}

func (w *faultWorld) setFaults(t *testing.T, f ddblocal.Faults) {
	t.Helper()
	if err := w.eng.SetFaults(f); err != nil {
		t.Fatal(err)
	}
}

// events counts the event items of id's partition.
func (w *faultWorld) events(t *testing.T, id entities.ID) int {
	t.Helper()
	return countEvents(t, w.db, w.table, id)
}

// openedNumber is the number of the issue a result opened, 0 if none.
func openedNumber(res events.Result) int {
	for id, s := range res.Snapshots {
		if _, ok := id.(entities.IssueID); ok {
			if is, ok := s.State.(*entities.Issue); ok {
				return is.Number
			}
		}
	}
	return 0
}

func TestExecutorRetriesInjectedFaults(t *testing.T) {
	cases := []struct {
		name        string
		sdkAttempts int
		faults      ddblocal.Faults
		writers     int
	}{
		{"conflicts, throttling and unprocessed keys, one writer", 8, ddblocal.Faults{
			TransactionConflict: 0.3, ProvisionedThroughputExceeded: 0.1, Throttling: 0.1, Unprocessed: 0.4, Seed: 17}, 1},
		// With the SDK's retries off, throttled appends reach the
		// Executor itself (reads stay unthrottled: the Executor leaves
		// their throttling to the SDK).
		{"throttled and conflicting appends without SDK retries", 1, ddblocal.Faults{
			TransactionConflict: 0.2, Throttling: 0.2, Operations: []string{"TransactWriteItems"}, Seed: 5}, 1},
		{"conflicts and unprocessed keys, concurrent writers", 8, ddblocal.Faults{
			TransactionConflict: 0.2, Unprocessed: 0.3, Seed: 99}, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newFaultWorld(t, c.sdkAttempts)
			x := events.NewExecutor(w.store, events.ExecutorOptions{MaxAttempts: 40})
			ctx := t.Context()
			for _, cmd := range []entities.Command{entities.CreateUser{Login: "octo"}, entities.CreateRepository{Owner: "octo", Name: "hello", Actor: "octo"}} {
				if _, err := x.Execute(ctx, "octo", cmd); err != nil {
					t.Fatal(err)
				}
			}
			repo := entities.NewRepositoryID("octo", "hello")
			w.setFaults(t, c.faults)

			const perWriter = 15
			var (
				mu      sync.Mutex
				numbers []int
				wg      sync.WaitGroup
				errs    = make(chan error, c.writers*perWriter*2)
			)
			for g := range c.writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range perWriter {
						open := entities.OpenIssue{Actor: "octo", Repository: repo, Title: fmt.Sprintf("w%d-%d", g, i)}
						var opts []events.ExecOption
						if i%3 == 0 {
							opts = append(opts, events.Idempotent(fmt.Sprintf("key-%d-%d", g, i), "fp"))
						}
						res, err := x.Execute(ctx, "octo", open, opts...)
						if err != nil {
							errs <- fmt.Errorf("writer %d command %d: %w", g, i, err)
							return
						}
						n := openedNumber(res)
						if n == 0 {
							errs <- fmt.Errorf("writer %d command %d opened no issue: %+v", g, i, res.Snapshots)
							return
						}
						if len(opts) > 0 {
							// A client retrying the same mutation gets the
							// first result back and opens nothing more.
							again, err := x.Execute(ctx, "octo", open, opts...)
							if err != nil || !again.Replayed || openedNumber(again) != n {
								errs <- fmt.Errorf("writer %d command %d replay: %+v, %v", g, i, again, err)
								return
							}
						}
						mu.Lock()
						numbers = append(numbers, n)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			injected := w.eng.InjectedFaults()
			w.setFaults(t, ddblocal.Faults{})

			total := c.writers * perWriter
			sort.Ints(numbers)
			for i, n := range numbers {
				if n != i+1 {
					t.Fatalf("issue numbers %v, want exactly 1..%d", numbers, total)
				}
			}
			heads, err := w.store.LoadHeads(ctx, []entities.ID{repo})
			if err != nil {
				t.Fatal(err)
			}
			if seq := heads[repo].Snapshot.Seq; seq != int64(total) {
				t.Fatalf("repository issue counter %d, want %d", seq, total)
			}
			for n := 1; n <= total+1; n++ {
				want := 1
				if n > total {
					want = 0
				}
				if got := w.events(t, entities.NewIssueID(repo, n)); got != want {
					t.Fatalf("issue #%d has %d events, want %d", n, got, want)
				}
			}
			// The faults did happen, so the retries above were exercised.
			if c.faults.TransactionConflict > 0 && injected.TransactionConflict == 0 {
				t.Fatalf("no transaction conflict was injected: %+v", injected)
			}
			if c.faults.Throttling > 0 && injected.Throttling == 0 {
				t.Fatalf("no throttling was injected: %+v", injected)
			}
			if c.faults.Unprocessed > 0 && injected.Unprocessed == 0 {
				t.Fatalf("no key was left unprocessed: %+v", injected)
			}
			t.Logf("injected %+v", injected)
		})
	}
}
