package graph

import "github.com/vektah/gqlparser/v2/ast"

// Incremental delivery (@defer, @stream) is not served: gqlgen knows the
// directives, but over the POST/GET JSON transports this server answers
// with one JSON object, so the deferred part was never sent — the answer
// held null where the schema says non-null and "hasNext": true, and a
// @defer on a mutation was silently ignored (review 2, F-low-9). An
// operation using either directive is refused before it runs.

// incrementalDirective returns the name of the first @defer or @stream
// directive an operation's selections use, through fragments (each looked
// at once), or "" when there is none.
func incrementalDirective(set ast.SelectionSet, seen map[string]bool) string {
	for _, sel := range set {
		var dirs ast.DirectiveList
		var sub ast.SelectionSet
		switch s := sel.(type) {
		case *ast.Field:
			dirs, sub = s.Directives, s.SelectionSet
		case *ast.InlineFragment:
			dirs, sub = s.Directives, s.SelectionSet
		case *ast.FragmentSpread:
			dirs = s.Directives
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				dirs = append(append(ast.DirectiveList{}, dirs...), s.Definition.Directives...)
				sub = s.Definition.SelectionSet
			}
		}
		for _, d := range dirs {
			if d.Name == "defer" || d.Name == "stream" {
				return d.Name
			}
		}
		if name := incrementalDirective(sub, seen); name != "" {
			return name
		}
	}
	return ""
}
