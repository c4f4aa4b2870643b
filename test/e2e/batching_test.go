package e2e_test

import (
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

// TestOneBatchPerQueryUnderLoad: a query of batchUsers users by login costs
// one BatchGetItem however busy the server is. Batching that depends on a
// timing window (collect keys for N ms) splits batches when goroutines are
// slow to be scheduled; concurrent queries on a small machine make that
// visible.
func TestOneBatchPerQueryUnderLoad(t *testing.T) {
	const (
		clients = 8
		rounds  = 5
	)
	srv := testkit.Start(t, testkit.Options{NoProjector: true, CountRequests: true})
	for _, tc := range requestCases() {
		if tc.name == batchQueryCase {
			tc.setup(t, srv)
		}
	}
	q := usersQuery(batchUsers)
	srv.Counter.Reset()
	errs := make(chan string, clients*rounds)
	testkit.Concurrently(clients, func(int) {
		for range rounds {
			res, err := srv.GraphQL.Do(t.Context(), q, nil)
			if err != nil {
				errs <- err.Error()
				return
			}
			if len(res.Errors) > 0 {
				errs <- string(res.Body)
			}
		}
	})
	close(errs)
	for e := range errs {
		t.Fatalf("query failed: %s", e)
	}
	if got, want := srv.Counter.Counts(), clients*rounds; got["BatchGetItem"] != want || len(got) != 1 {
		t.Errorf("%d queries of %d users cost %s, want BatchGetItem=%d", want, batchUsers, srv.Counter, want)
	}
}
