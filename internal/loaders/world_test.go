package loaders_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/test/testkit"
)

// workWorld is a memory table written by the real Executor and projected
// by the real Applier, read through fresh loaders: the work area end to
// end without HTTP.
type workWorld struct {
	t     *testing.T
	db    *dynamodb.Client
	table string
	store *events.Store
	x     *events.Executor
	ap    *projector.Applier
	pager *loaders.Pager
}

// newWorkWorld returns an empty world of a fresh embedded engine.
func newWorkWorld(t *testing.T) *workWorld {
	t.Helper()
	clients, name := testkit.TableVia(t, testkit.MemEngine(t).HTTPClient())
	store := events.NewStore(clients.DB, name, nil)
	pager, err := loaders.NewPager(clients.DB, name, loaders.NewCursorKey())
	if err != nil {
		t.Fatal(err)
	}
	// Generous retries: the concurrency test runs dozens of writers on
	// one repository head on a shared, busy machine.
	x := events.NewExecutor(store, events.ExecutorOptions{MaxAttempts: 40})
	return &workWorld{t: t, db: clients.DB, table: name, store: store, x: x, ap: projector.NewApplier(clients.DB, name, nil), pager: pager}
}

// exec executes cmd as actor without projecting it.
func (w *workWorld) exec(actor string, cmd entities.Command) events.Result {
	w.t.Helper()
	res, err := w.x.Execute(context.Background(), actor, cmd)
	if err != nil {
		w.t.Fatalf("%T: %v", cmd, err)
	}
	return res
}

// project applies what res appended, as the projector would (Repair
// reads the appended events back from the log).
func (w *workWorld) project(res events.Result) {
	w.t.Helper()
	last := map[string]events.Envelope{}
	var order []string
	for _, env := range res.Appended {
		k := string(env.Kind) + ":" + env.Aggregate
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		last[k] = env
	}
	for _, k := range order {
		env := last[k]
		id, err := events.ParseID(env.Kind, env.Aggregate)
		if err != nil {
			w.t.Fatal(err)
		}
		if err := w.ap.Repair(context.Background(), id, env.Version); err != nil {
			w.t.Fatal(err)
		}
	}
}

// do executes and projects cmd.
func (w *workWorld) do(actor string, cmd entities.Command) events.Result {
	w.t.Helper()
	res := w.exec(actor, cmd)
	w.project(res)
	return res
}

// loaders returns fresh loaders of the world's table.
func (w *workWorld) loaders() *loaders.Loaders {
	return loaders.New(loaders.Source{DB: w.db, Table: w.table, Pager: w.pager}, loaders.Options{})
}
