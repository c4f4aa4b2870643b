package bench

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/app"
)

// TestRunMeasuresTheQueries runs the benchmark briefly: every query is
// answered correctly under load (Run checks the first answers and fails
// on any error answer), and each costs the DynamoDB requests of its
// access pattern — user(login) one BatchGetItem, the repository page one
// BatchGetItem per level read by key (the repository; its issues'
// authors) and one Query — sent when their level had asked, never by the
// loaders' fallback window.
func TestRunMeasuresTheQueries(t *testing.T) {
	// The loaders' stall fallback is off (an hour): every batch must leave
	// because its level asked, however starved the machine.
	noStall := func(cfg *app.Config) { cfg.GraphQL.Loaders.Stall = time.Hour }
	rep, err := Run(t.Context(), Options{Clients: 4, Duration: 300 * time.Millisecond, Warmup: -1, Rounds: 2, Issues: 25, Configure: noStall})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rounds) != 2 {
		t.Fatalf("%d rounds, want 2", len(rep.Rounds))
	}
	want := map[string]struct{ dynamo, batches string }{
		"{__typename}":    {"none", "none"},
		"user(login)":     {"BatchGetItem 1.00", "idle 1.00"},
		"repository page": {"BatchGetItem 2.00, Query 1.00", "idle 2.00"},
	}
	for i, round := range rep.Rounds {
		if len(round) != len(want) {
			t.Fatalf("round %d: %d results, want %d", i, len(round), len(want))
		}
		for _, res := range round {
			w := want[res.Query]
			if res.Requests == 0 || res.P50 <= 0 || res.P99 < res.P50 {
				t.Errorf("round %d %s: %d requests, p50 %v, p99 %v", i, res.Query, res.Requests, res.P50, res.P99)
			}
			if got := perOp(res.DynamoDB); got != w.dynamo {
				t.Errorf("round %d %s: DynamoDB requests per query %s, want %s", i, res.Query, got, w.dynamo)
			}
			if got := perOp(res.Batches); got != w.batches {
				t.Errorf("round %d %s: batches per query %s, want %s", i, res.Query, got, w.batches)
			}
		}
	}
	var out bytes.Buffer
	rep.Print(&out)
	for _, s := range []string{"4 clients", "round 2", "median of 2 rounds", "req/s", "p50", "p99", "ratio", "user(login)", "repository page", "1.000"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, out.String())
		}
	}
}

// TestMedian: the median round of each query, and the median ratio.
func TestMedian(t *testing.T) {
	res := func(q string, n int) Result { return Result{Query: q, Requests: n, Elapsed: time.Second} }
	cases := []struct {
		name      string
		rounds    [][]Result
		wantRate  string
		wantRatio string
	}{
		{"one round", [][]Result{{res("c", 100), res("q", 50)}}, "[100 50]", "[1 0.5]"},
		{"three rounds", [][]Result{
			{res("c", 100), res("q", 10)},
			{res("c", 300), res("q", 90)},
			{res("c", 200), res("q", 40)},
		}, "[200 40]", "[1 0.2]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			med, ratios := (&Report{Rounds: tc.rounds}).Median()
			var rates []float64
			for _, m := range med {
				rates = append(rates, m.Rate())
			}
			if got := fmt.Sprint(rates); got != tc.wantRate {
				t.Errorf("rates %s, want %s", got, tc.wantRate)
			}
			if got := fmt.Sprint(ratios); got != tc.wantRatio {
				t.Errorf("ratios %s, want %s", got, tc.wantRatio)
			}
		})
	}
}

// TestSelectQueries: the ceiling is always measured first; an unknown key
// is an error that names it.
func TestSelectQueries(t *testing.T) {
	cases := []struct {
		keys []string
		want string
	}{
		{[]string{"user"}, "[{__typename} user(login)]"},
		{[]string{"typename", "repository", "user"}, "[{__typename} repository page user(login)]"},
		{[]string{"users"}, `unknown query "users"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.keys, ","), func(t *testing.T) {
			qs, err := SelectQueries(tc.keys)
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				var names []string
				for _, q := range qs {
					names = append(names, q.Name)
				}
				got = fmt.Sprint(names)
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestRunFailsOnAWrongAnswer: a query whose first answer is wrong stops
// the benchmark with an error that names it.
func TestRunFailsOnAWrongAnswer(t *testing.T) {
	qs := DefaultQueries()[:1]
	qs = append(qs, Query{Key: "x", Name: "missing user", Text: `{ user(login: "nobody") { login } }`, Check: DefaultQueries()[1].Check})
	_, err := Run(context.Background(), Options{Clients: 1, Duration: 50 * time.Millisecond, Warmup: -1, Issues: 1, Queries: qs})
	if err == nil || !strings.Contains(err.Error(), "missing user") {
		t.Fatalf("error %v, want one naming the query", err)
	}
}

// TestPercentile: nearest rank over sorted latencies; no latencies, 0.
func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	cases := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7 * time.Millisecond},
		{"median of a hundred", ms(hundred...), 0.50, 50 * time.Millisecond},
		{"p99 of a hundred", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p0 is the first", ms(3, 5, 9), 0, 3 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

// TestOptionDefaults: zero options take the documented defaults; a
// negative warmup (none) and set values are kept.
func TestOptionDefaults(t *testing.T) {
	d := Options{}.withDefaults()
	if d.Clients != 8 || d.Duration != DefaultDuration || d.Warmup != DefaultWarmup || d.Rounds != 1 || d.Issues != 20 || len(d.Queries) != len(DefaultQueries()) || d.Progress == nil {
		t.Errorf("defaults %+v", d)
	}
	set := Options{Clients: 2, Duration: time.Second, Warmup: -1, Rounds: 3, Issues: 5, Queries: DefaultQueries()[:1]}.withDefaults()
	if set.Clients != 2 || set.Duration != time.Second || set.Warmup != -1 || set.Rounds != 3 || set.Issues != 5 || len(set.Queries) != 1 {
		t.Errorf("set options changed: %+v", set)
	}
}
