// Package schema_test checks the GraphQL schema files themselves: every
// element a client can see in introspection, and so in GraphiQL's
// documentation explorer, carries a description.
package schema_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// loadSchema parses every *.graphqls file in this directory, as gqlgen
// does (gqlgen.yml), with gqlparser's built-in types and directives.
func loadSchema(t *testing.T) *ast.Schema {
	t.Helper()
	files, err := filepath.Glob("*.graphqls")
	if err != nil || len(files) == 0 {
		t.Fatalf("no schema files (%v)", err)
	}
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	s, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatalf("the schema does not load: %v", err)
	}
	return s
}

// kindNames names definition kinds as the schema language spells them.
var kindNames = map[ast.DefinitionKind]string{
	ast.Scalar: "scalar", ast.Object: "type", ast.Interface: "interface",
	ast.Union: "union", ast.Enum: "enum", ast.InputObject: "input",
}

// undocumented lists the schema's own types, fields, arguments, input
// fields, enum values and directives without a description, as
// "file:line kind name".
func undocumented(s *ast.Schema) []string {
	var out []string
	missing := func(desc string, pos *ast.Position, kind, name string) {
		if strings.TrimSpace(desc) != "" {
			return
		}
		where := "?"
		if pos != nil && pos.Src != nil {
			where = fmt.Sprintf("%s:%d", pos.Src.Name, pos.Line)
		}
		out = append(out, fmt.Sprintf("%s %s %s", where, kind, name))
	}
	builtIn := func(pos *ast.Position) bool { return pos != nil && pos.Src != nil && pos.Src.BuiltIn }
	args := func(owner string, list ast.ArgumentDefinitionList) {
		for _, a := range list {
			missing(a.Description, a.Position, "argument", owner+"("+a.Name+":)")
		}
	}
	for _, def := range s.Types {
		if builtIn(def.Position) {
			continue
		}
		missing(def.Description, def.Position, kindNames[def.Kind], def.Name)
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue // introspection's own, added to the root types
			}
			kind := "field"
			if def.Kind == ast.InputObject {
				kind = "input field"
			}
			missing(f.Description, f.Position, kind, def.Name+"."+f.Name)
			args(def.Name+"."+f.Name, f.Arguments)
		}
		for _, v := range def.EnumValues {
			missing(v.Description, v.Position, "enum value", def.Name+"."+v.Name)
		}
	}
	for _, d := range s.Directives {
		if builtIn(d.Position) {
			continue
		}
		missing(d.Description, d.Position, "directive", "@"+d.Name)
		args("@"+d.Name, d.Arguments)
	}
	slices.Sort(out)
	return out
}

func TestEverySchemaElementIsDescribed(t *testing.T) {
	s := loadSchema(t)
	if len(s.Types) < 20 || s.Query == nil || s.Mutation == nil {
		t.Fatalf("the schema loaded without its types (%d types): the check below would prove nothing", len(s.Types))
	}
	if strings.TrimSpace(s.Description) == "" {
		t.Error("the schema has no description: GraphiQL's documentation explorer opens on it")
	}
	if missing := undocumented(s); len(missing) > 0 {
		t.Errorf("%d schema elements have no description; describe what each is, and for fields and mutations its ordering, limits, errors and who may see it:\n%s",
			len(missing), strings.Join(missing, "\n"))
	}
}

// TestUndocumentedIsFound proves the walk reaches every kind of element:
// a schema with one undocumented element of each kind (testdata) yields
// each one, and nothing documented.
func TestUndocumentedIsFound(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "undocumented.graphqls"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "t.graphqls", Input: string(b)})
	if err != nil {
		t.Fatal(err)
	}
	got := undocumented(s)
	want := []string{
		"t.graphqls:7 argument Query.bare(arg:)",
		"t.graphqls:7 field Query.bare",
		"t.graphqls:9 input In",
		"t.graphqls:9 input field In.b",
		"t.graphqls:10 enum E",
		"t.graphqls:10 enum value E.B",
		"t.graphqls:11 interface I",
		"t.graphqls:11 field I.x",
		"t.graphqls:14 union V",
		"t.graphqls:15 scalar S",
		"t.graphqls:16 directive @d",
		"t.graphqls:16 argument @d(x:)",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("undocumented:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
