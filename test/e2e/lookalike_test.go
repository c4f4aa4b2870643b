package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

// kelvin replaces every "k" of s with U+212A KELVIN SIGN, which Unicode
// case folding maps to "k": a look-alike of an ASCII login or name.
func kelvin(s string) string { return strings.ReplaceAll(s, "k", "\u212a") }

// identifierFields are the input fields and arguments that name an
// account or a repository; "name" only beside "owner" (elsewhere it is a
// display name, free text).
func identifierFields(fields []string) []string {
	var out []string
	hasOwner := false
	for _, f := range fields {
		hasOwner = hasOwner || f == "owner"
	}
	for _, f := range fields {
		switch f {
		case "owner", "login", "repository", "organization":
			out = append(out, f)
		case "name":
			if hasOwner {
				out = append(out, f)
			}
		}
	}
	return out
}

// TestLookAlikeIdentifiersAreRefused (review 2, F-low-14): a login,
// owner, organization or repository name with a non-ASCII look-alike
// (U+212A for "k", U+0130 for "I") never reaches the ASCII account:
// every mutation taking one — found by introspection — refuses it with
// BAD_USER_INPUT and writes nothing, and every query taking one answers
// null, as for a name that does not exist.
func TestLookAlikeIdentifiersAreRefused(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	createUser(t, srv, map[string]any{"login": "kevin"})
	kev := srv.As(t, "kevin")
	trustOK(t, kev, repositoryCreateMutation, in("name", "kit"))
	trustOK(t, kev, `mutation { createOrganization(input: {login: "kacme"}) { organization { login } } }`, nil)
	trustOK(t, kev, `mutation { openIssue(input: {owner: "kevin", repository: "kit", title: "t"}) { issue { number } } }`, nil)
	schema := introspect(t, srv)
	recipe := map[string]any{"owner": "kevin", "repository": "kit", "name": "kit", "login": "kevin", "organization": "kacme", "baseRef": "b", "headRef": "a"}
	before := trustEventItems(t, srv)
	tested := 0
	for _, m := range schema.mutations() {
		for _, field := range identifierFields(schema.stringInputFields(m)) {
			good, _ := recipe[field].(string)
			for _, bad := range []string{kelvin(good), strings.ToUpper(good[:1]) + "\u0130" + good[1:]} {
				t.Run(fmt.Sprintf("%s/%s=%q", m.Name, field, bad), func(t *testing.T) {
					r := map[string]any{}
					for k, v := range recipe {
						r[k] = v
					}
					r[field] = bad
					v, ok := schema.inputValue(m.Args[0].Type, "", r)
					if !ok {
						t.Fatalf("no value for a required input field: teach the test a recipe")
					}
					v.(map[string]any)[field] = bad // optional fields too
					res := trustDo(t, kev, mutationDoc(m, "__typename"), map[string]any{"in": v})
					if res.Code() != "BAD_USER_INPUT" {
						t.Fatalf("code %q, want BAD_USER_INPUT; body %.400s", res.Code(), res.Body)
					}
				})
				tested++
			}
		}
	}
	if tested < 2*15 {
		t.Fatalf("only %d mutation fields tested: the derivation lost the identifiers", tested)
	}
	if after := trustEventItems(t, srv); after != before {
		t.Errorf("refused mutations wrote %d event items", after-before)
	}
	for _, f := range schema.Types[schema.Query].Fields {
		var args []string
		for _, a := range f.Args {
			args = append(args, a.Name)
		}
		if len(identifierFields(args)) == 0 {
			continue
		}
		recipe := recipe
		if f.Name == "organization" {
			recipe = map[string]any{"login": "kacme"}
		}
		for _, lookalike := range []func(string) string{kelvin, func(s string) string { return strings.ToUpper(s[:1]) + "\u0130" + s[1:] }} {
			var lit []string
			for _, a := range args {
				v, _ := recipe[a].(string)
				lit = append(lit, fmt.Sprintf("%s: %q", a, lookalike(v)))
			}
			q := fmt.Sprintf("{ %s(%s) { __typename } }", f.Name, strings.Join(lit, ", "))
			t.Run(q, func(t *testing.T) {
				res := trustDo(t, kev, q, nil)
				if len(res.Errors) > 0 || string(res.Data) != fmt.Sprintf(`{"%s":null}`, f.Name) {
					t.Fatalf("want null and no error; body %.400s", res.Body)
				}
			})
		}
		// The ASCII names themselves are found, in any case.
		var lit []string
		for _, a := range args {
			v, _ := recipe[a].(string)
			lit = append(lit, fmt.Sprintf("%s: %q", a, strings.ToUpper(v)))
		}
		q := fmt.Sprintf("{ %s(%s) { __typename } }", f.Name, strings.Join(lit, ", "))
		if res := trustOK(t, kev, q, nil); strings.Contains(string(res.Data), "null") {
			t.Errorf("%s: the ASCII name in capitals is not found: %s", q, res.Data)
		}
	}
}
