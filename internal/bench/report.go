package bench

import (
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Report is what Run measured.
type Report struct {
	Clients     int
	Duration    time.Duration
	Issues      int
	LoadAverage string // "1 5 15"-minute load averages when Run began
	// Rounds hold one Result per query, in the order of Options.Queries;
	// the first query is the ceiling.
	Rounds [][]Result
}

// Median returns, per query, the round with the median rate (the
// middle one of an odd number of rounds, the lower middle of an even
// number), and the median ratio of its rate to the ceiling's.
func (r *Report) Median() ([]Result, []float64) {
	if len(r.Rounds) == 0 {
		return nil, nil
	}
	n := len(r.Rounds[0])
	out := make([]Result, n)
	ratios := make([]float64, n)
	for q := range n {
		rounds := make([]Result, len(r.Rounds))
		rs := make([]float64, len(r.Rounds))
		for i, round := range r.Rounds {
			rounds[i] = round[q]
			rs[i] = ratio(round[q], round[0])
		}
		slices.SortFunc(rounds, func(a, b Result) int { return cmpFloat(a.Rate(), b.Rate()) })
		slices.Sort(rs)
		out[q], ratios[q] = rounds[(len(rounds)-1)/2], rs[(len(rs)-1)/2]
	}
	return out, ratios
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ratio is q's rate relative to the ceiling's.
func ratio(q, ceiling Result) float64 {
	if ceiling.Rate() == 0 {
		return 0
	}
	return q.Rate() / ceiling.Rate()
}

// Print writes the report: every round, then (with more than one) the
// medians.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "hubbench: %d clients, %s per query and round, %d issues, GOMAXPROCS %d, load average %s\n",
		r.Clients, r.Duration, r.Issues, runtime.GOMAXPROCS(0), r.LoadAverage)
	for i, round := range r.Rounds {
		fmt.Fprintf(w, "\nround %d\n", i+1)
		ratios := make([]float64, len(round))
		for q := range round {
			ratios[q] = ratio(round[q], round[0])
		}
		printTable(w, round, ratios)
	}
	if len(r.Rounds) > 1 {
		med, ratios := r.Median()
		fmt.Fprintf(w, "\nmedian of %d rounds\n", len(r.Rounds))
		printTable(w, med, ratios)
	}
}

func printTable(w io.Writer, results []Result, ratios []float64) {
	fmt.Fprintf(w, "  %-16s %8s %7s %8s %8s %9s  %-32s %s\n", "query", "req/s", "ratio", "p50", "p99", "cpu/query", "DynamoDB requests/query", "batches/query by trigger")
	for i, res := range results {
		fmt.Fprintf(w, "  %-16s %8.0f %7.3f %8s %8s %9s  %-32s %s\n", res.Query, res.Rate(), ratios[i], ms(res.P50), ms(res.P99), ms(res.CPU), perOp(res.DynamoDB), perOp(res.Batches))
	}
}

// ms formats d in milliseconds with two decimals.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

// perOp formats counts per query by operation, "none" without any.
func perOp(per map[string]float64) string {
	if len(per) == 0 {
		return "none"
	}
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(per)) {
		parts = append(parts, fmt.Sprintf("%s %.2f", op, per[op]))
	}
	return strings.Join(parts, ", ")
}
