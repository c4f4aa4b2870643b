// Package deps checks the dependency rule of docs/architecture.md with
// `go list`: what each layer may import. A rule broken by a new import
// fails here, naming the package and the import.
package deps

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/hubstream/hubstream"

// pkg is what go list says of one package.
type pkg struct {
	ImportPath string
	Imports    []string // direct imports
	Deps       []string // every package it depends on, transitively
	Standard   bool
}

// list runs go list -deps -json over the module's packages and returns
// them by import path (dependencies included).
func list(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports,Deps,Standard", module+"/...")
	cmd.Dir = "../.."
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v: %s", err, errb.String())
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(&out)
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// rule forbids a layer's packages some imports.
type rule struct {
	name string
	// of selects the packages the rule is about.
	of func(path string) bool
	// transitive checks every dependency, not only direct imports.
	transitive bool
	// forbidden reports whether importing path breaks the rule.
	forbidden func(path string, std bool) bool
}

func under(prefix string) func(string) bool {
	return func(p string) bool { return p == module+"/"+prefix || strings.HasPrefix(p, module+"/"+prefix+"/") }
}

func inModule(p string, dirs ...string) bool {
	for _, d := range dirs {
		if under(d)(p) {
			return true
		}
	}
	return false
}

func TestDependencyRule(t *testing.T) {
	pkgs := list(t)
	rules := []rule{
		{"entities is pure: the standard library only", under("internal/entities"), true,
			func(p string, std bool) bool { return !std && !under("internal/entities")(p) }},
		{"graph reaches storage only through loaders, events and table: no AWS SDK, no engine", under("graph"), false,
			func(p string, _ bool) bool {
				return strings.HasPrefix(p, "github.com/aws/") || inModule(p, "internal/ddblocal")
			}},
		{"the read model is item definitions: no domain, no write side, no runtime", under("internal/readmodel"), false,
			func(p string, _ bool) bool {
				return inModule(p, "internal/entities", "internal/events", "internal/projections", "internal/loaders", "graph")
			}},
		{"loaders read the read model only: no write side, no projections", under("internal/loaders"), false,
			func(p string, _ bool) bool { return inModule(p, "internal/events", "internal/projections", "graph") }},
		{"projections are pure functions from events to writes: no loaders, GraphQL, runtime or AWS client", under("internal/projections"), false,
			func(p string, _ bool) bool {
				return inModule(p, "internal/loaders", "graph", "internal/projector") ||
					strings.HasPrefix(p, "github.com/aws/") && p != "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
			}},
		{"the projector runtime applies projections; it does not read through loaders or serve GraphQL", under("internal/projector"), false,
			func(p string, _ bool) bool { return inModule(p, "internal/loaders", "graph") }},
		{"the subscriptions' source follows the stream; it neither reads through loaders nor serves GraphQL", under("internal/live"), false,
			func(p string, _ bool) bool { return inModule(p, "internal/loaders", "graph") }},
		{"the engine stands alone", under("internal/ddblocal"), true,
			func(p string, _ bool) bool { return strings.HasPrefix(p, module+"/") && !under("internal/ddblocal")(p) }},
		{"nothing internal imports GraphQL but the composition root (internal/app), nothing imports commands",
			func(p string) bool { return under("internal")(p) && !under("internal/app")(p) }, false,
			func(p string, _ bool) bool { return inModule(p, "graph", "cmd") }},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			checked := 0
			for path, p := range pkgs {
				if !r.of(path) {
					continue
				}
				checked++
				deps := p.Imports
				if r.transitive {
					deps = p.Deps
				}
				for _, d := range deps {
					if r.forbidden(d, pkgs[d].Standard) {
						t.Errorf("%s imports %s", path, d)
					}
				}
			}
			if checked == 0 {
				t.Fatal("the rule matched no package")
			}
		})
	}
}
