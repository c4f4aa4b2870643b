package e2e_test

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/test/testkit"
)

// Helpers of the whole-domain end-to-end tests (domain_*_test.go).

// domExec runs cmd as actor through the app's Executor (set-up data that
// does not need to go through HTTP) and fails the test on any error.
func domExec(tb testing.TB, srv *testkit.Server, actor string, cmd entities.Command) events.Result {
	tb.Helper()
	res, err := srv.App.Executor().Execute(context.Background(), actor, cmd)
	if err != nil {
		tb.Fatalf("%T as %s (%+v): %v", cmd, actor, cmd, err)
	}
	return res
}

// domUsers creates users prefix000, prefix001, … through the Executor
// and returns their logins.
func domUsers(tb testing.TB, srv *testkit.Server, prefix string, n int) []string {
	tb.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
		domExec(tb, srv, out[i], entities.CreateUser{Login: out[i]})
	}
	return out
}

// domData runs query with vars and returns its data decoded as generic
// JSON, failing the test on transport or GraphQL errors.
func domData(tb testing.TB, c *testkit.Client, query string, vars map[string]any) map[string]any {
	tb.Helper()
	res := c.MustDo(tb, query, vars)
	if len(res.Errors) > 0 {
		tb.Fatalf("query %s (%v): errors %+v", domShort(query), vars, res.Errors)
	}
	var out map[string]any
	if err := res.Decode(&out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// domShort abbreviates a query for messages.
func domShort(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 120 {
		return q[:120] + "…"
	}
	return q
}

// domAt walks data along path (object members); nil where it ends.
func domAt(data any, path ...string) any {
	for _, p := range path {
		m, ok := data.(map[string]any)
		if !ok {
			return nil
		}
		data = m[p]
	}
	return data
}

// domExpect returns "" when data holds every value of want at its dotted
// path ("repository.description"; nil for a null or absent one), else the
// first difference.
func domExpect(data any, want map[string]any) string {
	for _, path := range slices.Sorted(maps.Keys(want)) {
		if got := domAt(data, strings.Split(path, ".")...); !reflect.DeepEqual(got, want[path]) {
			return fmt.Sprintf("%s = %v, want %v", path, got, want[path])
		}
	}
	return ""
}

// domString renders a JSON scalar as text (numbers without a fraction).
func domString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return "<null>"
	}
	return fmt.Sprint(v)
}

// domPage is one page of a connection as a client sees it.
type domPage struct {
	Total            int
	HasNext, HasPrev bool
	Start, End       string
	Keys             []string // each edge's node key
	Cursors          []string // each edge's cursor
}

// domConnection decodes the connection at path of data: totalCount,
// pageInfo, and edges { cursor node { … } } with key naming the node
// field that identifies it.
func domConnection(tb testing.TB, data map[string]any, path []string, key string) domPage {
	tb.Helper()
	c, ok := domAt(data, path...).(map[string]any)
	if !ok {
		tb.Fatalf("no connection at %v in %v", path, data)
	}
	p := domPage{Total: -1}
	if n, ok := c["totalCount"].(float64); ok {
		p.Total = int(n)
	}
	pi, _ := c["pageInfo"].(map[string]any)
	p.HasNext, _ = pi["hasNextPage"].(bool)
	p.HasPrev, _ = pi["hasPreviousPage"].(bool)
	p.Start, _ = pi["startCursor"].(string)
	p.End, _ = pi["endCursor"].(string)
	edges, _ := c["edges"].([]any)
	for _, e := range edges {
		p.Cursors = append(p.Cursors, domString(domAt(e, "cursor")))
		p.Keys = append(p.Keys, domString(domAt(e, append([]string{"node"}, strings.Split(key, ".")...)...)))
	}
	return p
}

// domDuplicates lists the keys that occur more than once.
func domDuplicates(keys []string) []string {
	seen := map[string]int{}
	var out []string
	for _, k := range keys {
		if seen[k]++; seen[k] == 2 {
			out = append(out, k)
		}
	}
	return out
}

// domDiff describes how got differs from want (first position, and what
// is missing or extra), or "" when they are equal.
func domDiff(want, got []string) string {
	if strings.Join(want, "\x00") == strings.Join(got, "\x00") && len(want) == len(got) {
		return ""
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	set := func(xs []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	w, g := set(want), set(got)
	var missing, extra []string
	for _, x := range want {
		if !g[x] {
			missing = append(missing, x)
		}
	}
	for _, x := range got {
		if !w[x] {
			extra = append(extra, x)
		}
	}
	at := func(xs []string) string {
		if i < len(xs) {
			return xs[i]
		}
		return "<end>"
	}
	return fmt.Sprintf("%d items, want %d; first difference at %d (got %s, want %s); missing %v; extra %v; duplicates %v",
		len(got), len(want), i, at(got), at(want), domFirst(missing, 10), domFirst(extra, 10), domFirst(domDuplicates(got), 10))
}

func domFirst(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], "…")
	}
	return xs
}
