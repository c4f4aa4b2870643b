package graph

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Introspection is weighed like data (review 2, F-MED-15): before, the
// __Schema type cost nothing, so 1,400 aliases of
// __schema{types{fields{args{type{kind}}}}} in a 28 KB request took ~9 s
// of CPU to answer. A list field of an introspection type now costs 1
// plus what each item selects times the average number of items the
// schema holds per parent (types per schema, fields per type, arguments
// per field, …), so a chain types{fields{args}} costs about the number
// of arguments the schema really has, the same work the answer does.
// Introspection is answered from the schema in memory, so what a
// __schema or __type field selects is charged a tenth
// (introspectionDiscount) of that: GraphiQL's full introspection query
// costs about half the default limit, the review's query hundreds of
// times it. On top of that, an operation may select __schema at most
// maxSchemaSelections times (a client needs it once).

// introspectionDiscount divides the cost of what a __schema or __type
// field selects.
const introspectionDiscount = 10

// maxSchemaSelections is how many __schema fields one operation may
// select (aliases and fragment spreads counted).
const maxSchemaSelections = 1

// introspectionWeights are the item counts of the introspection lists of
// one schema, keyed by "Type.field" (e.g. "__Schema.types").
type introspectionWeights map[string]int

// newIntrospectionWeights counts, for each introspection list field, the
// average number of items per parent in s, rounded up, at least 1.
func newIntrospectionWeights(s *ast.Schema) introspectionWeights {
	var fields, args, enumValues, inputFields, interfaces, possible, dirArgs int
	for _, def := range s.Types {
		switch def.Kind {
		case ast.Object, ast.Interface:
			fields += len(def.Fields)
			for _, f := range def.Fields {
				args += len(f.Arguments)
			}
		case ast.InputObject:
			inputFields += len(def.Fields)
		case ast.Enum:
			enumValues += len(def.EnumValues)
		}
		interfaces += len(def.Interfaces)
		if def.Kind == ast.Interface || def.Kind == ast.Union {
			possible += len(s.GetPossibleTypes(def))
		}
	}
	for _, d := range s.Directives {
		dirArgs += len(d.Arguments)
	}
	maxFields := 1
	for _, def := range s.Types {
		maxFields = max(maxFields, len(def.Fields), len(def.EnumValues))
	}
	types, dirs := max(len(s.Types), 1), max(len(s.Directives), 1)
	avg := func(total, per int) int { return max((total+per-1)/per, 1) }
	return introspectionWeights{
		"__Schema.types":       types,
		"__Schema.directives":  dirs,
		"__Type.fields":        avg(fields, types),
		"__Type.inputFields":   avg(inputFields, types),
		"__Type.enumValues":    avg(enumValues, types),
		"__Type.interfaces":    avg(interfaces, types),
		"__Type.possibleTypes": avg(possible, types),
		"__Field.args":         avg(args, max(fields, 1)),
		"__Directive.args":     avg(dirArgs, dirs),
		// __type names one type, which may be the largest: what it
		// selects is counted this many times the average type.
		"Query.__type": max(maxFields/avg(fields, types), 1),
	}
}

// weight is how many items the list field of typeName is counted for: 1
// for any field that is not an introspection list.
func (w introspectionWeights) weight(typeName, field string) int {
	if !strings.HasPrefix(typeName, "__") && !strings.HasPrefix(field, "__") {
		return 1
	}
	if n, ok := w[typeName+"."+field]; ok {
		return n
	}
	return 1
}

// schemaSelections counts the __schema fields an operation selects, each
// fragment counted once per spread (measured once, memoised in counts),
// saturating.
func schemaSelections(set ast.SelectionSet, counts map[string]int, open map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" {
				n = satAdd(n, 1)
			}
		case *ast.InlineFragment:
			n = satAdd(n, schemaSelections(s.SelectionSet, counts, open))
		case *ast.FragmentSpread:
			if s.Definition == nil || open[s.Name] {
				continue
			}
			c, ok := counts[s.Name]
			if !ok {
				open[s.Name] = true
				c = schemaSelections(s.Definition.SelectionSet, counts, open)
				delete(open, s.Name)
				counts[s.Name] = c
			}
			n = satAdd(n, c)
		}
	}
	return n
}
