package e2e_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

// requestCase is one GraphQL operation and its DynamoDB request budget
// (DESIGN.md §4: a single-aggregate mutation costs 2 requests; §3: reads
// by key are batched into one BatchGetItem per level).
type requestCase struct {
	name string
	// setup prepares the data once; its requests are not counted.
	setup func(tb testing.TB, srv *testkit.Server)
	// op runs the operation for the i-th time and checks its result.
	op   func(tb testing.TB, srv *testkit.Server, i int)
	want map[string]int
}

const batchUsers = 50

var batchQueryCase = fmt.Sprintf("%d users by login in one query", batchUsers)

func requestCases() []requestCase {
	return []requestCase{
		{
			name: "createUser",
			op: func(tb testing.TB, srv *testkit.Server, i int) {
				createUser(tb, srv, map[string]any{"login": fmt.Sprintf("new-user-%d", i), "name": "New", "bio": "hello"})
			},
			want: map[string]int{"BatchGetItem": 1, "TransactWriteItems": 1},
		},
		{
			name:  "updateProfile",
			setup: func(tb testing.TB, srv *testkit.Server) { createUser(tb, srv, map[string]any{"login": "updated"}) },
			op: func(tb testing.TB, srv *testkit.Server, i int) {
				bio := fmt.Sprintf("bio %d", i)
				if u := updateProfile(tb, srv, map[string]any{"login": "updated", "bio": bio}); deref(u.Bio) != fmt.Sprintf("%q", bio) {
					tb.Fatalf("payload bio %s, want %q", deref(u.Bio), bio)
				}
			},
			want: map[string]int{"BatchGetItem": 1, "TransactWriteItems": 1},
		},
		{
			name: "updateProfile without change",
			setup: func(tb testing.TB, srv *testkit.Server) {
				createUser(tb, srv, map[string]any{"login": "steady", "bio": "same"})
			},
			op: func(tb testing.TB, srv *testkit.Server, _ int) {
				updateProfile(tb, srv, map[string]any{"login": "steady", "bio": "same"})
			},
			want: map[string]int{"BatchGetItem": 1},
		},
		{
			name:  "createUser with a taken login",
			setup: func(tb testing.TB, srv *testkit.Server) { createUser(tb, srv, map[string]any{"login": "taken"}) },
			op: func(tb testing.TB, srv *testkit.Server, _ int) {
				if res := srv.As(tb, "Taken").MustDo(tb, createUserMutation, map[string]any{"in": map[string]any{"login": "Taken"}}); res.Code() != "ALREADY_EXISTS" {
					tb.Fatalf("errors %+v, want ALREADY_EXISTS", res.Errors)
				}
			},
			want: map[string]int{"BatchGetItem": 1},
		},
		{
			name: batchQueryCase,
			setup: func(tb testing.TB, srv *testkit.Server) {
				for i := range batchUsers {
					createUser(tb, srv, map[string]any{"login": fmt.Sprintf("member-%02d", i)})
				}
				projectAll(tb, srv)
			},
			op: func(tb testing.TB, srv *testkit.Server, _ int) {
				res := srv.GraphQL.MustDo(tb, usersQuery(batchUsers), nil)
				if len(res.Errors) > 0 {
					tb.Fatalf("errors %+v", res.Errors)
				}
				var out map[string]*struct{ Login string }
				if err := res.Decode(&out); err != nil {
					tb.Fatal(err)
				}
				for i := range batchUsers {
					if u := out[fmt.Sprintf("u%d", i)]; u == nil || u.Login != fmt.Sprintf("member-%02d", i) {
						tb.Fatalf("u%d = %+v, want member-%02d", i, u, i)
					}
				}
			},
			want: map[string]int{"BatchGetItem": 1},
		},
		{
			name: "missing user",
			op: func(tb testing.TB, srv *testkit.Server, _ int) {
				if u := queryUser(tb, srv, "nobody"); u != nil {
					tb.Fatalf("user(nobody) = %v", u)
				}
			},
			want: map[string]int{"BatchGetItem": 1},
		},
	}
}

// usersQuery asks for n users by login with aliases u0..u{n-1}, one login
// spelled in upper case to include case-folding in the batch.
func usersQuery(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		login := fmt.Sprintf("member-%02d", i)
		if i == n-1 {
			login = strings.ToUpper(login)
		}
		fmt.Fprintf(&b, " u%d: user(login: %q) { login }", i, login)
	}
	b.WriteString(" }")
	return b.String()
}

// projectAll applies the whole event log to the read model by hand, for
// apps started with NoProjector.
func projectAll(tb testing.TB, srv *testkit.Server) {
	tb.Helper()
	ctx := context.Background()
	log, err := testkit.EventLog(ctx, srv.DB(), srv.Table())
	if err != nil {
		tb.Fatal(err)
	}
	if err := testkit.Rebuild(ctx, srv.DB(), srv.Table(), log); err != nil {
		tb.Fatal(err)
	}
}

// TestRequestBudgets counts the DynamoDB requests of each operation with a
// table.RequestCounter around the app's HTTP client. The projector is off
// so that only the operation's own requests are counted.
func TestRequestBudgets(t *testing.T) {
	for _, tc := range requestCases() {
		t.Run(tc.name, func(t *testing.T) {
			srv := testkit.Start(t, testkit.Options{NoProjector: true, CountRequests: true})
			if tc.setup != nil {
				tc.setup(t, srv)
			}
			for i := range 3 { // the count holds on every repetition, not on average
				srv.Counter.Reset()
				tc.op(t, srv, i)
				if got := srv.Counter.Counts(); !maps.Equal(got, tc.want) {
					t.Errorf("run %d: DynamoDB requests %s, want %v", i, srv.Counter, tc.want)
				}
			}
		})
	}
}

// BenchmarkRequests reports the DynamoDB requests per operation (and the
// operation's latency through HTTP and the embedded engine):
//
//	go test ./test/e2e -run '^$' -bench Requests
func BenchmarkRequests(b *testing.B) {
	for _, tc := range requestCases() {
		b.Run(strings.ReplaceAll(tc.name, " ", "_"), func(b *testing.B) {
			srv := testkit.Start(b, testkit.Options{NoProjector: true, CountRequests: true})
			if tc.setup != nil {
				tc.setup(b, srv)
			}
			srv.Counter.Reset()
			b.ResetTimer()
			for i := range b.N {
				tc.op(b, srv, i)
			}
			b.StopTimer()
			counts := srv.Counter.Counts()
			b.ReportMetric(float64(srv.Counter.Total())/float64(b.N), "requests/op")
			for op, n := range counts {
				b.ReportMetric(float64(n)/float64(b.N), op+"/op")
			}
		})
	}
}
