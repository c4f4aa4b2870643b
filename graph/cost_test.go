package graph

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/hubstream/hubstream/graph/generated"
)

// testSchema is the executable schema with the handler's costs.
func testSchema() graphql.ExecutableSchema {
	return costedSchema{generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}, Complexity: complexityRoot()})}
}

// doublingFragments is the review's document: fragment Fk spreads F(k-1)
// twice, so spreading Fn selects ok 2^n times.
func doublingFragments(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query{...F%d} fragment F0 on Query{ok}", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, " fragment F%d on Query{...F%d ...F%d}", i, i-1, i-1)
	}
	return b.String()
}

// maxImplementations is the most types any interface of es has: the most
// steps one field of an interface can cost the measurer.
func maxImplementations(es graphql.ExecutableSchema) int {
	n := 1
	for _, def := range es.Schema().Types {
		if def.Kind == ast.Interface {
			n = max(n, len(es.Schema().GetPossibleTypes(def)))
		}
	}
	return n
}

// workBudget is the work the limits may spend on a document of n bytes:
// every selection takes at least two bytes, and is visited once by the
// shape check, once by the depth and once by the cost measure (an
// interface field once per implementation).
func workBudget(es graphql.ExecutableSchema, n int) int {
	return (3 + maxImplementations(es)) * (n/2 + 1)
}

// measure runs the limits' computations on the first operation of a
// valid document and returns the values and the work they took.
func measure(t testing.TB, es graphql.ExecutableSchema, doc *ast.QueryDocument) (depth, cost, work int) {
	t.Helper()
	shape, err := checkShape(doc)
	if err != nil {
		t.Fatalf("shape: %v", err)
	}
	m := newMeasurer(context.Background(), es, nil)
	depth = m.depth(doc.Operations[0].SelectionSet)
	cost = m.cost(doc.Operations[0].SelectionSet)
	return depth, cost, shape.work + m.work
}

// TestCostIsLinear: the review's doubling fragments are measured in work
// linear in the document, with the same values as gqlgen's reference
// computation (where that one still finishes), saturating when they do not
// fit an int.
func TestCostIsLinear(t *testing.T) {
	es := testSchema()
	for _, n := range []int{1, 2, 5, 10, 12, 22, 40, 62, maxFragments - 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			src := doublingFragments(n)
			doc, errs := gqlparser.LoadQuery(es.Schema(), src)
			if errs != nil {
				t.Fatal(errs)
			}
			depth, cost, work := measure(t, es, doc)
			if budget := workBudget(es, len(src)); work > budget {
				t.Errorf("%d bytes took %d steps, over the budget of %d", len(src), work, budget)
			}
			if depth != 1 {
				t.Errorf("depth %d, want 1", depth)
			}
			want := satMul(1<<min(n, 62), rootQueryCost)
			if n >= 62 {
				want = int(^uint(0) >> 1)
			}
			if cost != want {
				t.Errorf("cost %d, want %d", cost, want)
			}
			if n <= 12 {
				if ref := complexity.Calculate(context.Background(), es, doc.Operations[0], nil); ref != cost {
					t.Errorf("cost %d, gqlgen's reference %d", cost, ref)
				}
			}
		})
	}
}

// TestDepth: depth counts nested fields, not fragments or introspection.
func TestDepth(t *testing.T) {
	es := testSchema()
	for _, tc := range []struct {
		query string
		want  int
	}{
		{`{ ok }`, 1},
		{`{ user(login: "a") { login } }`, 2},
		{`{ user(login: "a") { ...U } } fragment U on User { repositories(first: 1) { nodes { name } } }`, 4},
		{`{ ... on Query { user(login: "a") { ... on User { login } } } }`, 2},
		{`{ __schema { types { name } } ok }`, 1},
		{`{ a: user(login: "a") { login } b: user(login: "b") { repositories(first: 1) { totalCount } } }`, 3},
	} {
		t.Run(tc.query, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(es.Schema(), tc.query)
			if errs != nil {
				t.Fatal(errs)
			}
			if got, _, _ := measure(t, es, doc); got != tc.want {
				t.Errorf("depth %d, want %d", got, tc.want)
			}
		})
	}
}

// TestMeasureStopsWhenTheClientLeaves: with the request's context done
// the measurer stops within one check interval and says so.
func TestMeasureStopsWhenTheClientLeaves(t *testing.T) {
	es := testSchema()
	var b strings.Builder
	b.WriteString("{")
	for i := range 5000 {
		fmt.Fprintf(&b, " a%d: ok", i)
	}
	b.WriteString("}")
	doc, errs := gqlparser.LoadQuery(es.Schema(), b.String())
	if errs != nil {
		t.Fatal(errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := newMeasurer(ctx, es, nil)
	m.cost(doc.Operations[0].SelectionSet)
	if !m.cancelled || m.work > checkEvery {
		t.Fatalf("cancelled %v after %d steps, want cancelled within %d", m.cancelled, m.work, checkEvery)
	}
}

// FuzzLimits: for any document the limits are computed in work bounded by
// a fixed number of steps per byte (counted, not timed), never panic, and
// for small documents agree with gqlgen's reference complexity.
//
//	go test ./graph -run '^$' -fuzz FuzzLimits -fuzztime 60s
func FuzzLimits(f *testing.F) {
	for _, seed := range []string{
		`{ ok }`,
		doublingFragments(22),
		`query($n: Int!) { repository(owner: "a", name: "b") { issues(first: $n) { nodes { title comments(first: 5) { nodes { body } } } } } }`,
		`{ a: user(login: "x") { login } b: user(login: "y") { ...U } } fragment U on User { starredRepositories(first: 10) { nodes { name } } }`,
		`{ repositoryOwner(login: "x") { ... on User { login repositories(first: 3) { nodes { name } } } ... on Organization { members(first: 2) { nodes { login } } } } }`,
		`{ user(login: "x") { login login ...on User { login } } }`,
		`query Q { ...A ...B } fragment A on Query { ok ...B } fragment B on Query { ok }`,
		`mutation { noop }`,
		`{ ` + strings.Repeat(`...on Query{`, 30) + `ok` + strings.Repeat(`}`, 30) + ` }`,
	} {
		f.Add(seed)
	}
	es := testSchema()
	perByte := 3 + maxImplementations(es)
	f.Fuzz(func(t *testing.T, src string) {
		parsed, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: src}, DefaultTokenLimit)
		if err != nil {
			return
		}
		shape, shapeErr := checkShape(parsed)
		if shape.work > len(src)/2+1 {
			t.Fatalf("the shape check took %d steps for %d bytes", shape.work, len(src))
		}
		if shapeErr != nil {
			return
		}
		doc, errs := gqlparser.LoadQuery(es.Schema(), src)
		if errs != nil {
			return
		}
		for _, op := range doc.Operations {
			m := newMeasurer(context.Background(), es, nil)
			d, c := m.depth(op.SelectionSet), m.cost(op.SelectionSet)
			if m.work > perByte*(len(src)/2+1) {
				t.Fatalf("measuring %d bytes took %d steps, over %d per byte", len(src), m.work, perByte)
			}
			if d < 0 || c < 0 {
				t.Fatalf("depth %d, cost %d", d, c)
			}
			if len(src) <= 200 {
				if ref := complexity.Calculate(context.Background(), es, op, nil); ref != c {
					t.Fatalf("cost %d, gqlgen's reference %d", c, ref)
				}
			}
		}
	})
}

// limitsBenchDocs are documents for the limits' benchmarks: an ordinary
// nested query, the review's doubling fragments, and the costliest shapes
// the shape check lets through to validation (every selection set at the
// repetition limit, the document at the duplicate and fragment limits, the
// token limit filled with distinct aliases).
func limitsBenchDocs() map[string]string {
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := 0; i < DefaultTokenLimit/4; i++ {
		fmt.Fprintf(&aliases, " a%d: ok", i)
	}
	aliases.WriteString(" }")
	var frags strings.Builder
	frags.WriteString("query {")
	for i := range maxFragments {
		fmt.Fprintf(&frags, " ...F%d", i)
	}
	frags.WriteString(" }")
	for i := range maxFragments {
		fmt.Fprintf(&frags, " fragment F%d on Query { ok a: ok b: ok }", i)
	}
	// The repetition limits filled: selection sets of maxSameResponseName
	// copies of one wide field, as many as maxDuplicateFields allows, so
	// that the validator compares wide sets pairwise.
	var w strings.Builder
	w.WriteString("owner {")
	for i := range 60 {
		fmt.Fprintf(&w, " l%d: login", i)
	}
	w.WriteString(" }")
	wide := w.String()
	var dup strings.Builder
	dup.WriteString("{")
	for g := range maxDuplicateFields / (maxSameResponseName - 1) {
		fmt.Fprintf(&dup, ` r%d: repository(owner: "a", name: "b") {`, g)
		for range maxSameResponseName {
			dup.WriteString(" o: " + wide)
		}
		dup.WriteString(" }")
	}
	dup.WriteString(" }")
	return map[string]string{
		"ordinary":         `query($n: Int!) { repository(owner: "a", name: "b") { issues(first: $n) { nodes { title author { login } comments(first: 5) { nodes { body author { login } } } } } } }`,
		"doubling-22":      doublingFragments(22),
		"distinct-aliases": aliases.String(),
		"fragment-limit":   frags.String(),
		"duplicate-limit":  dup.String(),
	}
}

// BenchmarkLimits measures what the limits cost per document, on top of
// gqlgen's own parse and validation, and what validating the costliest
// accepted shapes costs. Record the machine's load with the numbers:
//
//	go test ./graph -run '^$' -bench Limits -benchmem
func BenchmarkLimits(b *testing.B) {
	es := testSchema()
	for name, src := range limitsBenchDocs() {
		doc, errs := gqlparser.LoadQuery(es.Schema(), src)
		parsed, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: src}, DefaultTokenLimit)
		if errs != nil || err != nil {
			b.Fatalf("%s is not a valid document: %v %v", name, errs, err)
		}
		if _, err := checkShape(parsed); err != nil {
			b.Fatalf("%s is refused by the shape check: %v", name, err)
		}
		b.Run("shape+measure/"+name, func(b *testing.B) {
			steps := 0
			b.ResetTimer()
			for range b.N {
				shape, _ := checkShape(parsed)
				m := newMeasurer(context.Background(), es, map[string]any{"n": 10})
				m.depth(doc.Operations[0].SelectionSet)
				m.cost(doc.Operations[0].SelectionSet)
				steps = shape.work + m.work
			}
			b.ReportMetric(float64(steps), "steps/op")
			b.ReportMetric(float64(len(src)), "bytes")
		})
		b.Run("parse+validate/"+name, func(b *testing.B) {
			for range b.N {
				if _, errs := gqlparser.LoadQuery(es.Schema(), src); errs != nil {
					b.Fatal(errs)
				}
			}
		})
	}
}

// TestIntrospectionCosts: introspection is weighed like data (review 2,
// F-MED-15): a full introspection query fits the default limit, the
// review's aliased __schema selections do not, and a list under __schema
// costs its items.
func TestIntrospectionCosts(t *testing.T) {
	es := testSchema()
	full := `query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name } types { ...FullType } directives { name description locations args { ...InputValue } } } }
fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason } inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 1400 {
		fmt.Fprintf(&aliases, " a%d: __type(name: \"Query\") { ...S }", i)
	}
	aliases.WriteString(" } fragment S on __Type { fields { args { type { kind } } } }")
	types := len(es.Schema().Types)
	for _, tc := range []struct {
		name     string
		query    string
		min, max int
	}{
		{"graphiql full introspection fits", full, 500, DefaultComplexityLimit},
		{"types cost per type", `{ __schema { types { name } } }`, rootQueryCost + types/introspectionDiscount, rootQueryCost + types/introspectionDiscount + 3},
		{"aliased __type refused", aliases.String(), DefaultComplexityLimit + 1, 1 << 62},
		{"one type is cheap", `{ __type(name: "Query") { name } }`, rootQueryCost, 2 * rootQueryCost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(es.Schema(), tc.query)
			if errs != nil {
				t.Fatal(errs)
			}
			_, cost, _ := measure(t, es, doc)
			t.Logf("cost %d", cost)
			if cost < tc.min || cost > tc.max {
				t.Errorf("cost %d, want %d..%d", cost, tc.min, tc.max)
			}
		})
	}
}

// TestSchemaSelections: __schema is counted once per selection, through
// aliases, inline fragments and every spread of a fragment.
func TestSchemaSelections(t *testing.T) {
	es := testSchema()
	for _, tc := range []struct {
		name, query string
		want        int
	}{
		{"none", `{ ok }`, 0},
		{"one", `{ __schema { queryType { name } } }`, 1},
		{"aliases", `{ a: __schema { queryType { name } } b: __schema { queryType { name } } }`, 2},
		{"spread twice", `{ ...S ... on Query { ...S } } fragment S on Query { __schema { queryType { name } } }`, 2},
		{"nested fragments", `{ ...T ...T } fragment T on Query { ...S ...S } fragment S on Query { __schema { queryType { name } } }`, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(es.Schema(), tc.query)
			if errs != nil {
				t.Fatal(errs)
			}
			if got := schemaSelections(doc.Operations[0].SelectionSet, map[string]int{}, map[string]bool{}); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}
