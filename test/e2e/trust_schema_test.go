package e2e_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

// The schema as introspection shows it, and generators of documents over
// it, for the schema-driven tests: whatever field or mutation is added
// later is enumerated here without editing them.

// schTypeRef is an introspection __Type reference.
type schTypeRef struct {
	Kind   string      `json:"kind"`
	Name   string      `json:"name"`
	OfType *schTypeRef `json:"ofType"`
}

// named returns the named type under any NON_NULL and LIST wrappers.
func (t *schTypeRef) named() *schTypeRef {
	for t != nil && t.OfType != nil && (t.Kind == "NON_NULL" || t.Kind == "LIST") {
		t = t.OfType
	}
	return t
}

func (t *schTypeRef) nonNull() bool { return t != nil && t.Kind == "NON_NULL" }

type schInputValue struct {
	Name string      `json:"name"`
	Type *schTypeRef `json:"type"`
}

type schField struct {
	Name string          `json:"name"`
	Args []schInputValue `json:"args"`
	Type *schTypeRef     `json:"type"`
}

type schType struct {
	Kind          string          `json:"kind"`
	Name          string          `json:"name"`
	Fields        []schField      `json:"fields"`
	InputFields   []schInputValue `json:"inputFields"`
	PossibleTypes []schTypeRef    `json:"possibleTypes"`
	EnumValues    []struct {
		Name string `json:"name"`
	} `json:"enumValues"`
}

// schSchema is the introspected schema, types by name.
type schSchema struct {
	Query, Mutation string
	Types           map[string]*schType
}

const schTypeRefFields = `kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`

const schIntrospection = `{ __schema { queryType { name } mutationType { name } types {
	kind name
	fields { name args { name type { ` + schTypeRefFields + ` } } type { ` + schTypeRefFields + ` } }
	inputFields { name type { ` + schTypeRefFields + ` } }
	possibleTypes { kind name }
	enumValues { name } } } }`

// introspect reads the schema from the server over HTTP.
func introspect(t *testing.T, srv *testkit.Server) *schSchema {
	t.Helper()
	res := srv.GraphQL.MustDo(t, schIntrospection, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("introspection: %+v", res.Errors)
	}
	var out struct {
		Schema struct {
			QueryType    struct{ Name string } `json:"queryType"`
			MutationType struct{ Name string } `json:"mutationType"`
			Types        []*schType            `json:"types"`
		} `json:"__schema"`
	}
	if err := res.Decode(&out); err != nil {
		t.Fatal(err)
	}
	s := &schSchema{Query: out.Schema.QueryType.Name, Mutation: out.Schema.MutationType.Name, Types: map[string]*schType{}}
	for _, ty := range out.Schema.Types {
		s.Types[ty.Name] = ty
	}
	if s.Types[s.Query] == nil || s.Types[s.Mutation] == nil {
		t.Fatalf("introspection found no Query or Mutation type")
	}
	return s
}

// isComposite reports whether values of the named type have fields.
func (s *schSchema) isComposite(name string) bool {
	ty := s.Types[name]
	return ty != nil && (ty.Kind == "OBJECT" || ty.Kind == "INTERFACE" || ty.Kind == "UNION")
}

// isConnection reports whether an object type is a Relay connection (it
// has nodes): a connection and its nodes count as one step of a path.
func (s *schSchema) isConnection(name string) bool {
	ty := s.Types[name]
	if ty == nil || ty.Kind != "OBJECT" {
		return false
	}
	for _, f := range ty.Fields {
		if f.Name == "nodes" {
			return true
		}
	}
	return false
}

// schArgs supplies argument values for a field: one literal per alias
// (several aliases read several values of one field, e.g. each issue
// number); ok false when the field cannot be selected (a required
// argument without a recipe, which fails the test).
type schArgs func(typeName string, f schField) (calls [][]string, ok bool)

// selection writes the selection set of a value of type name: every
// scalar and enum field; every composite field down to hops more steps
// (a connection and its nodes are one step; edges are read for their own
// fields, their nodes being the connection's nodes); interfaces and unions
// through inline fragments for each possible type, with fields aliased by
// type so that no response name repeats. prefix is prepended to every
// response name of this set.
func (s *schSchema) selection(t *testing.T, b *strings.Builder, name, prefix string, hops int, args schArgs) {
	t.Helper()
	ty := s.Types[name]
	switch ty.Kind {
	case "INTERFACE", "UNION":
		b.WriteString(" __typename")
		for _, p := range ty.PossibleTypes {
			fmt.Fprintf(b, " ... on %s {", p.Name)
			s.selection(t, b, p.Name, prefix+p.Name+"_", hops, args)
			b.WriteString(" }")
		}
		return
	}
	for _, f := range ty.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		target := f.Type.named().Name
		composite := s.isComposite(target)
		next := hops
		if composite && !s.isConnection(name) {
			next = hops - 1
		}
		if composite && next < 0 {
			continue
		}
		if s.isConnection(name) && f.Name == "edges" {
			// The edge's own fields (cursor, starredAt, role); its node is
			// the connection's nodes.
			fmt.Fprintf(b, " %sedges: edges {", prefix)
			for _, ef := range s.Types[target].Fields {
				if !s.isComposite(ef.Type.named().Name) {
					b.WriteString(" " + ef.Name)
				}
			}
			b.WriteString(" }")
			continue
		}
		calls, ok := args(name, f)
		if !ok {
			t.Fatalf("no value for the required arguments of %s.%s: teach the test a recipe", name, f.Name)
		}
		for i, call := range calls {
			alias := prefix + f.Name
			if len(calls) > 1 {
				alias = fmt.Sprintf("%s%s_%d", prefix, f.Name, i)
			}
			fmt.Fprintf(b, " %s: %s", alias, f.Name)
			if len(call) > 0 {
				b.WriteString("(" + strings.Join(call, ", ") + ")")
			}
			if composite {
				b.WriteString(" {")
				s.selection(t, b, target, "", next, args)
				b.WriteString(" }")
			}
		}
	}
}

// literal renders v as a GraphQL literal (strings as JSON strings, which
// GraphQL string syntax accepts).
func literal(v any) string {
	switch v := v.(type) {
	case string:
		out, _ := json.Marshal(v)
		return string(out)
	case schEnum:
		return string(v)
	}
	return fmt.Sprint(v)
}

// schEnum is an enum value literal.
type schEnum string

// inputValue builds a JSON value for an input type: required fields from
// recipe (by field name), else a valid-looking default by type. ok false
// when a required field has neither.
func (s *schSchema) inputValue(ref *schTypeRef, field string, recipe map[string]any) (any, bool) {
	if v, ok := recipe[field]; ok {
		return v, true
	}
	named := ref.named()
	ty := s.Types[named.Name]
	switch {
	case ty == nil:
		return nil, false
	case ty.Kind == "INPUT_OBJECT":
		obj := map[string]any{}
		for _, in := range ty.InputFields {
			if !in.Type.nonNull() {
				if v, ok := recipe[in.Name]; ok {
					obj[in.Name] = v
				}
				continue
			}
			v, ok := s.inputValue(in.Type, in.Name, recipe)
			if !ok {
				return nil, false
			}
			obj[in.Name] = v
		}
		return obj, true
	case ty.Kind == "ENUM":
		return ty.EnumValues[0].Name, true
	case named.Name == "String":
		return "a", true
	case named.Name == "Int":
		return 1, true
	case named.Name == "Boolean":
		return true, true
	}
	return nil, false
}

// mutationDoc is `mutation($in: Type!) { name(input: $in) { selection } }`
// for a mutation with one input argument, or `mutation { name }` without.
func mutationDoc(m schField, selection string) string {
	if len(m.Args) == 0 {
		if selection == "" {
			return "mutation { " + m.Name + " }"
		}
		return "mutation { " + m.Name + " { " + selection + " } }"
	}
	arg := m.Args[0]
	sel := ""
	if selection != "" {
		sel = " { " + selection + " }"
	}
	return fmt.Sprintf("mutation($in: %s!) { %s(%s: $in)%s }", arg.Type.named().Name, m.Name, arg.Name, sel)
}

// mutations returns the schema's mutations, sorted by name.
func (s *schSchema) mutations() []schField {
	out := append([]schField(nil), s.Types[s.Mutation].Fields...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// stringInputFields lists the String-typed fields of a mutation's input.
func (s *schSchema) stringInputFields(m schField) []string {
	if len(m.Args) == 0 {
		return nil
	}
	var out []string
	for _, in := range s.Types[m.Args[0].Type.named().Name].InputFields {
		if n := in.Type.named().Name; n == "String" || n == "ID" {
			out = append(out, in.Name)
		}
	}
	return out
}
