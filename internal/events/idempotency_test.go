package events_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/test/testkit"
)

// world is an embedded table with a store; clock is the executors' time.
type world struct {
	db    *dynamodb.Client
	table string
	store *events.Store
	clock atomic.Pointer[time.Time]
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return worldVia(t, testkit.MemEngine(t).HTTPClient())
}

// worldVia is newWorld with the table's requests sent through h.
func worldVia(t *testing.T, h aws.HTTPClient) *world {
	t.Helper()
	clients, name := testkit.TableVia(t, h)
	w := &world{db: clients.DB, table: name, store: events.NewStore(clients.DB, name, nil)}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	w.clock.Store(&now)
	return w
}

func (w *world) executor() *events.Executor {
	return events.NewExecutor(w.store, events.ExecutorOptions{Now: func() time.Time { return *w.clock.Load() }})
}

func (w *world) advance(d time.Duration) {
	next := w.clock.Load().Add(d)
	w.clock.Store(&next)
}

// eventCount counts the event items of an aggregate's partition.
func (w *world) eventCount(t *testing.T, id entities.ID) int {
	t.Helper()
	return countEvents(t, w.db, w.table, id)
}

// countEvents counts the event items of id's partition in table tbl.
func countEvents(t *testing.T, db *dynamodb.Client, tbl string, id entities.ID) int {
	t.Helper()
	p, err := events.Partition(id)
	if err != nil {
		t.Fatal(err)
	}
	return testkit.CountEvents(t, db, tbl, p)
}

func (w *world) must(t *testing.T, actor string, cmd entities.Command) {
	t.Helper()
	if _, err := w.executor().Execute(context.Background(), actor, cmd); err != nil {
		t.Fatalf("%T: %v", cmd, err)
	}
}

// octoHello creates user octo and its repository octo/hello.
func (w *world) octoHello(t *testing.T) entities.RepositoryID {
	t.Helper()
	w.must(t, "octo", entities.CreateUser{Login: "octo"})
	w.must(t, "octo", entities.CreateRepository{Owner: "octo", Name: "hello", Actor: "octo"})
	return entities.NewRepositoryID("octo", "hello")
}

func TestIdempotentRetryReplays(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	repo := w.octoHello(t)
	open := entities.OpenIssue{Actor: "octo", Repository: repo, Title: "bug"}
	key := events.Idempotent("key-1", "fingerprint-A")

	first, err := w.executor().Execute(ctx, "octo", open, key)
	if err != nil || first.Replayed || len(first.Appended) != 1 {
		t.Fatalf("first run: %+v, %v", first, err)
	}
	issue := entities.NewIssueID(repo, 1)
	w.advance(time.Hour)
	for i := range 3 {
		again, err := w.executor().Execute(ctx, "OCTO", open, key) // logins are case-insensitive
		if err != nil {
			t.Fatalf("retry %d: %v", i, err)
		}
		if !again.Replayed {
			t.Fatalf("retry %d was executed again", i)
		}
		if len(again.Appended) != 1 || again.Appended[0].Aggregate != first.Appended[0].Aggregate || again.Appended[0].Version != first.Appended[0].Version {
			t.Fatalf("retry %d appended %+v, want the first run's %+v", i, again.Appended, first.Appended)
		}
		got, want := again.Snapshot(issue), first.Snapshot(issue)
		gi, _ := got.State.(*entities.Issue)
		wi, _ := want.State.(*entities.Issue)
		if gi == nil || wi == nil || !reflect.DeepEqual(*gi, *wi) || got.Version != want.Version {
			t.Fatalf("retry %d snapshot %+v, want %+v", i, got, want)
		}
		if r := again.Snapshot(repo); r.Seq != 1 {
			t.Fatalf("retry %d repository seq %d, want the first run's 1", i, r.Seq)
		}
	}
	if n := w.eventCount(t, issue); n != 1 {
		t.Fatalf("issue events = %d, want 1", n)
	}
	if n := w.eventCount(t, entities.NewIssueID(repo, 2)); n != 0 {
		t.Fatalf("a retry opened issue #2")
	}

	// The same key with another request is refused, not replayed.
	_, err = w.executor().Execute(ctx, "octo", open, events.Idempotent("key-1", "fingerprint-B"))
	if !errors.Is(err, entities.ErrBadInput) {
		t.Fatalf("reused key: %v, want BAD_USER_INPUT", err)
	}
	// Keys are the actor's own: another actor's same key is independent.
	w.must(t, "mona", entities.CreateUser{Login: "mona"})
	other, err := w.executor().Execute(ctx, "mona", entities.OpenIssue{Actor: "mona", Repository: repo, Title: "bug"}, key)
	if err != nil || other.Replayed {
		t.Fatalf("another actor's key: %+v, %v", other, err)
	}
	// After the window the key is free again (TTL deletion is lazy: the
	// expired item is ignored and replaced).
	w.advance(events.IdempotencyWindow)
	later, err := w.executor().Execute(ctx, "octo", open, key)
	if err != nil || later.Replayed {
		t.Fatalf("after 24 h: %+v, %v", later, err)
	}
	if n := w.eventCount(t, entities.NewIssueID(repo, 3)); n != 1 {
		t.Fatalf("after 24 h the command did not run")
	}
}

func TestIdempotentNoOpIsRecorded(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.must(t, "octo", entities.CreateUser{Login: "octo", Bio: "same"})
	bio := "same"
	cmd := entities.UpdateProfile{Login: "octo", Bio: &bio}
	key := events.Idempotent("noop", "fp")
	first, err := w.executor().Execute(ctx, "octo", cmd, key)
	if err != nil || first.Replayed || len(first.Appended) != 0 {
		t.Fatalf("first: %+v, %v", first, err)
	}
	// The profile changes meanwhile; the retry answers the profile as it
	// is now (a replay never shows what was since edited away or deleted).
	other := "changed"
	w.must(t, "octo", entities.UpdateProfile{Login: "octo", Bio: &other})
	again, err := w.executor().Execute(ctx, "octo", cmd, key)
	if err != nil || !again.Replayed {
		t.Fatalf("retry: %+v, %v", again, err)
	}
	if a, _ := again.Snapshot(entities.NewAccountID("octo")).State.(*entities.Account); a == nil || a.Bio != "changed" {
		t.Fatalf("replayed account %+v, want its current state", a)
	}
}

func TestIdempotentErrorsAreNotRecorded(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.must(t, "octo", entities.CreateUser{Login: "octo"})
	create := entities.CreateRepository{Owner: "octo", Name: "later", Actor: "mona"}
	key := events.Idempotent("k", "fp")
	// mona does not exist yet: FORBIDDEN (not the owner), nothing stored.
	if _, err := w.executor().Execute(ctx, "mona", create, key); !errors.Is(err, entities.ErrForbidden) {
		t.Fatalf("first: %v", err)
	}
	own := entities.CreateRepository{Owner: "octo", Name: "later", Actor: "octo"}
	if res, err := w.executor().Execute(ctx, "octo", own, key); err != nil || res.Replayed {
		t.Fatalf("octo with the same key: %+v, %v", res, err)
	}
}

func TestIdempotencyKeyValidation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cmd := entities.CreateUser{Login: "octo"}
	for _, key := range []string{"has space", "tab\t", "ünïcode", string(make([]byte, 256))} {
		if _, err := w.executor().Execute(ctx, "octo", cmd, events.Idempotent(key, "fp")); !errors.Is(err, entities.ErrBadInput) {
			t.Errorf("key %q: %v, want BAD_USER_INPUT", key, err)
		}
	}
	if _, err := w.executor().Execute(ctx, "", cmd, events.Idempotent("k", "fp")); !errors.Is(err, entities.ErrUnauthenticated) {
		t.Errorf("anonymous key: %v, want UNAUTHENTICATED", err)
	}
	if n := w.eventCount(t, entities.NewAccountID("octo")); n != 0 {
		t.Fatalf("a refused key ran the command")
	}
}

// TestConcurrentDuplicates: many copies of one mutation with one key,
// sent at once, append one set of events and all answer the same result.
func TestConcurrentDuplicates(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	repo := w.octoHello(t)
	w.must(t, "octo", entities.OpenIssue{Actor: "octo", Repository: repo, Title: "bug"})
	const n = 12
	for round, mk := range []func(i int) entities.Command{
		// Conflicting writes: every copy advances the repository's counter.
		func(int) entities.Command { return entities.OpenIssue{Actor: "octo", Repository: repo, Title: "dup"} },
		// Disjoint writes: every copy would create its own comment (the
		// ids differ), so only the idempotency item makes them collide.
		func(i int) entities.Command {
			var entropy [10]byte
			entropy[0] = byte(i)
			return entities.AddComment{Actor: "octo", Repository: repo, Number: 1, ID: entities.NewCommentLocalID(time.Now(), entropy), Body: "dup"}
		},
	} {
		key := events.Idempotent(fmt.Sprintf("dup-%d", round), "fp")
		results, errs := testkit.AtOnce(n, func(i int) (events.Result, error) {
			return w.executor().Execute(ctx, "octo", mk(i), key)
		})
		executed := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d copy %d: %v", round, i, errs[i])
			}
			if !results[i].Replayed {
				executed++
			}
			if len(results[i].Appended) != 1 || results[i].Appended[0].Aggregate != results[0].Appended[0].Aggregate {
				t.Fatalf("round %d copy %d appended %+v, copy 0 %+v", round, i, results[i].Appended, results[0].Appended)
			}
		}
		if executed != 1 {
			t.Fatalf("round %d: %d copies executed, want 1", round, executed)
		}
		id, err := events.ParseID(results[0].Appended[0].Kind, results[0].Appended[0].Aggregate)
		if err != nil {
			t.Fatal(err)
		}
		if c := w.eventCount(t, id); c != 1 {
			t.Fatalf("round %d: %d events, want 1", round, c)
		}
	}
	// One issue was opened by the duplicates: #2 exists, #3 does not.
	if w.eventCount(t, entities.NewIssueID(repo, 2)) != 1 || w.eventCount(t, entities.NewIssueID(repo, 3)) != 0 {
		t.Fatalf("the duplicates opened more than one issue")
	}
}
