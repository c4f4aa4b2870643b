package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// The measures the limits apply to an operation: its depth and its
// complexity, computed in work linear in the document.
//
// gqlgen's complexity.Calculate (and the depth walk this package had)
// descend into a fragment at every spread of it, so a document whose
// fragment F(n) spreads F(n-1) twice is measured in 2^n steps: the review
// sent 895 bytes that took 2.8 s to refuse, doubling with each fragment
// added. Here each fragment is measured once per operation and its result
// reused at every spread — a fragment's depth and cost do not depend on
// where it is spread, since its fields carry their own definitions and the
// variables are the operation's — so the work is bounded by the number of
// selections in the document (plus, for a field of an interface, one step
// per implementing type). The values are the same as before: the cost of a
// doubled fragment still doubles, and saturates instead of overflowing.
//
// measurer.work counts the steps, so that tests and the fuzz target bound
// the work per byte of document without timing anything.

// measurer measures one operation.
type measurer struct {
	ctx    context.Context
	es     graphql.ExecutableSchema
	schema *ast.Schema
	vars   map[string]any

	depths, costs map[string]int       // per fragment name, once measured
	open          map[string]bool      // fragments being measured (a cycle, which validation already refuses, counts 0)
	work          int                  // selections visited, plus implementations tried
	cancelled     bool                 // ctx was done: the values are incomplete
	intro         introspectionWeights // the schema's introspection list sizes, counted on first use
}

// checkEvery is how many steps pass between two looks at ctx.
const checkEvery = 1024

func newMeasurer(ctx context.Context, es graphql.ExecutableSchema, vars map[string]any) *measurer {
	return &measurer{ctx: ctx, es: es, schema: es.Schema(), vars: vars, depths: map[string]int{}, costs: map[string]int{}, open: map[string]bool{}}
}

// step counts one unit of work and reports whether to go on: false once
// the request's context is done (the client left), so an abandoned
// request stops measuring.
func (m *measurer) step() bool {
	m.work++
	if m.work%checkEvery == 0 && m.ctx.Err() != nil {
		m.cancelled = true
	}
	return !m.cancelled
}

// depth is the depth of a selection set: 1 for a set of leaf fields, one
// more per level of nested fields (fragments add no level). Introspection
// (__schema, __type) is not counted.
func (m *measurer) depth(set ast.SelectionSet) int {
	d := 0
	for _, sel := range set {
		if !m.step() {
			return d
		}
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				continue
			}
			d = max(d, 1+m.depth(s.SelectionSet))
		case *ast.InlineFragment:
			d = max(d, m.depth(s.SelectionSet))
		case *ast.FragmentSpread:
			d = max(d, m.fragment(s, m.depths, m.depth))
		}
	}
	return d
}

// cost is the complexity of a selection set as gqlgen's complexity
// package defines it (the schema's Complexity for each field, 1 plus the
// children's by default, the most expensive implementation for a field of
// an interface; an introspection list its average item count times its
// selection), with fragments measured once.
func (m *measurer) cost(set ast.SelectionSet) int {
	c := 0
	for _, sel := range set {
		if !m.step() {
			return c
		}
		switch s := sel.(type) {
		case *ast.Field:
			c = satAdd(c, m.fieldCost(s))
		case *ast.InlineFragment:
			c = satAdd(c, m.cost(s.SelectionSet))
		case *ast.FragmentSpread:
			c = satAdd(c, m.fragment(s, m.costs, m.cost))
		}
	}
	return c
}

func (m *measurer) fieldCost(f *ast.Field) int {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return 1 // not a schema field: validation refuses it before this
	}
	def := m.schema.Types[f.Definition.Type.Name()]
	if def == nil {
		return 1
	}
	child := 0
	switch def.Kind {
	case ast.Object, ast.Interface, ast.Union:
		child = m.cost(f.SelectionSet)
	}
	if n := m.introspectionWeight(f); n > 1 {
		child = satMul(n, child)
	}
	if f.Name == "__schema" || f.Name == "__type" {
		// Answered from memory: a value costs a tenth of a data field.
		child = (child + introspectionDiscount - 1) / introspectionDiscount
	}
	args := f.ArgumentMap(m.vars)
	if f.ObjectDefinition.Kind != ast.Interface {
		return m.typeFieldCost(f.ObjectDefinition.Name, def.Kind, f.Name, child, args)
	}
	// An interface has no costs of its own: assume its dearest type.
	c := 0
	for _, t := range m.schema.GetPossibleTypes(f.ObjectDefinition) {
		if !m.step() {
			break
		}
		c = max(c, m.typeFieldCost(t.Name, def.Kind, f.Name, child, args))
	}
	return c
}

// introspectionWeight is the number of items a list field of an
// introspection type is counted for (cost_introspection.go), 1 for any
// other field; the schema's counts are taken on first use.
func (m *measurer) introspectionWeight(f *ast.Field) int {
	if !strings.HasPrefix(f.ObjectDefinition.Name, "__") && f.Name != "__type" {
		return 1
	}
	if m.intro == nil {
		m.intro = newIntrospectionWeights(m.schema)
	}
	return m.intro.weight(f.ObjectDefinition.Name, f.Name)
}

// typeFieldCost is the complexity of field of typeName whose children
// cost child.
func (m *measurer) typeFieldCost(typeName string, kind ast.DefinitionKind, field string, child int, args map[string]any) int {
	if c, ok := m.es.Complexity(m.ctx, typeName, field, child, args); ok && c >= 1 {
		return c
	}
	return satAdd(1, child)
}

// fragment measures the fragment a spread names with measure, once per
// operation: memo holds the results.
func (m *measurer) fragment(s *ast.FragmentSpread, memo map[string]int, measure func(ast.SelectionSet) int) int {
	if s.Definition == nil {
		return 0
	}
	if v, ok := memo[s.Name]; ok {
		return v
	}
	if m.open[s.Name] {
		return 0
	}
	m.open[s.Name] = true
	v := measure(s.Definition.SelectionSet)
	delete(m.open, s.Name)
	if !m.cancelled {
		memo[s.Name] = v
	}
	return v
}

// selectsIntrospection reports whether an operation's root selects
// __schema or __type (the only places introspection can start), through
// fragments too; each fragment is looked at once.
func selectsIntrospection(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if selectsIntrospection(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if selectsIntrospection(s.Definition.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}
