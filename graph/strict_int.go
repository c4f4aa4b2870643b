package graph

import (
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hubstream/hubstream/internal/entities"
)

// A String variable is not an Int (GraphQL's input coercion, §3.5.1: an
// Int accepts integers only). gqlparser and gqlgen accept a numeric
// string ("1") for an Int, so a client's type mistake went unnoticed
// (review 2, F-low-2); the README says a value that does not fit its type
// is BAD_USER_INPUT. stringForInt finds such a value in the raw variables
// before gqlgen coerces them.

// stringForInt returns the path of the first string that the raw value v
// gives for an Int of type t (inside lists and input objects too), or ""
// when there is none. Unknown types are left to validation.
func stringForInt(s *ast.Schema, t *ast.Type, v any, path string) string {
	if v == nil || t == nil {
		return ""
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			return stringForInt(s, t.Elem, v, path) // a single value coerces to a list
		}
		for i, item := range list {
			if p := stringForInt(s, t.Elem, item, path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
		return ""
	}
	def := s.Types[t.NamedType]
	if def == nil {
		return ""
	}
	switch def.Kind {
	case ast.Scalar:
		if _, isString := v.(string); isString && def.Name == "Int" {
			return path
		}
	case ast.InputObject:
		obj, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		for _, f := range def.Fields {
			if p := stringForInt(s, f.Type, obj[f.Name], path+"."+f.Name); p != "" {
				return p
			}
		}
	}
	return ""
}

// checkIntVariables refuses, as BAD_USER_INPUT naming the variable, a
// string given for an Int anywhere in the variables of the operation
// named name (the only one when name is ""). It returns nil when the
// operation is not found: gqlgen reports that.
func checkIntVariables(s *ast.Schema, doc *ast.QueryDocument, name string, vars map[string]any) *gqlerror.Error {
	if len(vars) == 0 {
		return nil
	}
	var op *ast.OperationDefinition
	if name == "" && len(doc.Operations) == 1 {
		op = doc.Operations[0]
	} else if name != "" {
		op = doc.Operations.ForName(name)
	}
	if op == nil {
		return nil
	}
	for _, d := range op.VariableDefinitions {
		if p := stringForInt(s, d.Type, vars[d.Variable], "$"+d.Variable); p != "" {
			err := gqlerror.Errorf("variable %s: a string is not an Int: send a JSON number (a whole number from -2147483648 to 2147483647)", p)
			err.Extensions = map[string]any{"code": string(entities.CodeBadInput), "field": "$" + d.Variable}
			return err
		}
	}
	return nil
}

// hasNumericString reports whether v (the raw variables) holds, at any
// depth, a string that parses as an integer: only then can a string be
// given for an Int, and the document needs looking at.
func hasNumericString(v any) bool {
	switch v := v.(type) {
	case string:
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case map[string]any:
		for _, x := range v {
			if hasNumericString(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if hasNumericString(x) {
				return true
			}
		}
	}
	return false
}
