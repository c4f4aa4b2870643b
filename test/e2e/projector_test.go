package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/hubstream/hubstream/test/testkit"
)

// TestProjectorIdlesWithoutWrites: once the projector has caught up and no
// client writes, it must not write either. (It polls GetRecords, which is
// fine; but a checkpoint or read-item write with nothing to project means
// it feeds on its own stream records.)
func TestProjectorIdlesWithoutWrites(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{CountRequests: true})
	u := createUser(t, srv, map[string]any{"login": "lonely"})
	awaitUser(t, srv, "lonely", u)
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, behind, err := testkit.Progress(context.Background(), srv.DB(), srv.Table())
		return err == nil && behind == 0
	}, "projector caught up")

	// Observe 250 ms windows until one has no writes at all. A healthy
	// projector is idle in the first window; the deadline only bounds the
	// failure.
	const window = 250 * time.Millisecond
	var last string
	ok := testkit.Poll(3*time.Second, func() bool {
		srv.Counter.Reset()
		time.Sleep(window)
		last = srv.Counter.String()
		return srv.Counter.Total("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem") == 0
	})
	if !ok {
		t.Fatalf("the projector keeps writing with no client writes; requests in the last %v: %s", window, last)
	}
}
