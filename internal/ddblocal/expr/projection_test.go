package expr

import (
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

func TestProjectionApply(t *testing.T) {
	it := item(
		"p", s("key"),
		"a", m("b", l(n("2"), n("4"), m("x", s("hi"), "y", s("yo"))), "c", n("5")),
		"bb", s("hello"),
		"a.b", s("dotted"),
	)
	cases := []struct {
		name  string
		expr  string
		names map[string]string
		want  attr.Item
	}{
		{"top level", "bb", nil, item("bb", s("hello"))},
		{"several", "p, bb", nil, item("p", s("key"), "bb", s("hello"))},
		{"whole map", "a", nil, item("a", it["a"])},
		{"member", "a.c", nil, item("a", m("c", n("5")))},
		{"list inside map", "a.b", nil, item("a", m("b", it["a"].M["b"]))},
		{"element", "a.b[0]", nil, item("a", m("b", l(n("2"))))},
		{"last element", "a.b[2]", nil, item("a", m("b", l(m("x", s("hi"), "y", s("yo")))))},
		{"member of element", "a.b[2].y", nil, item("a", m("b", l(m("y", s("yo")))))},
		{"elements compacted in index order", "a.b[2].x, a.b[0]", nil, item("a", m("b", l(n("2"), m("x", s("hi")))))},
		{"merged paths", "a.b[0], a.c", nil, item("a", m("b", l(n("2")), "c", n("5")))},
		{"missing top", "x", nil, item()},
		{"beyond end", "a.b[3]", nil, item()},
		{"missing member", "a.x", nil, item()},
		{"under missing", "a.x.y", nil, item()},
		{"member of list", "a.b.x", nil, item()},
		{"index of map", "a[0]", nil, item()},
		{"index of number", "a.b[0][0]", nil, item()},
		{"missing ignored", "a.x, a.b[0], x, a.b[3].x", nil, item("a", m("b", l(n("2"))))},
		{"placeholders", "#n1.#n2", map[string]string{"#n1": "a", "#n2": "c"}, item("a", m("c", n("5")))},
		{"dot in placeholder", "#n", map[string]string{"#n": "a.b"}, item("a.b", s("dotted"))},
		{"spaces", "  p  ,   bb  ", nil, item("p", s("key"), "bb", s("hello"))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pr, err := ParseProjection(tc.expr, NewParams(tc.names, nil))
			if err != nil {
				t.Fatal(err)
			}
			got := pr.Apply(it)
			if !attr.ItemsEqual(got, tc.want) {
				t.Fatalf("got %#v\nwant %#v", got, tc.want)
			}
		})
	}
	t.Run("nil item", func(t *testing.T) {
		pr, _ := ParseProjection("a", nil)
		if pr.Apply(nil) != nil {
			t.Fatal("want nil")
		}
	})
	t.Run("result shares no memory", func(t *testing.T) {
		pr, _ := ParseProjection("a.b", nil)
		got := pr.Apply(it)
		got["a"].M["b"].L[0] = s("changed")
		if !attr.Equal(it["a"].M["b"].L[0], n("2")) {
			t.Fatal("projection aliased the item")
		}
	})
}

func TestProjectionErrors(t *testing.T) {
	cases := []struct {
		name  string
		expr  string
		names map[string]string
		want  string
	}{
		{"empty", "", nil, "Invalid ProjectionExpression: The expression can not be empty;"},
		{"too long", strings.Repeat("a", 4097), nil, "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size;"},
		{"trailing comma", "a,", nil, `Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ","`},
		{"leading comma", ",a", nil, `Invalid ProjectionExpression: Syntax error; token: ",", near: ",a"`},
		{"double comma", "a,,b", nil, `Invalid ProjectionExpression: Syntax error; token: ",", near: ",,b"`},
		{"double dot", "a..b", nil, `Invalid ProjectionExpression: Syntax error; token: ".", near: "..b"`},
		{"name index", "a[b]", nil, `Invalid ProjectionExpression: Syntax error; token: "b", near: "[b]"`},
		{"parens", "(a)", nil, `Invalid ProjectionExpression: Syntax error; token: "(", near: "(a"`},
		{"value", ":a", nil, `Invalid ProjectionExpression: Syntax error; token: ":a", near: ":a"`},
		{"function", "whatever(stuff)", nil, `Invalid ProjectionExpression: Syntax error; token: "(", near: "whatever(stuff"`},
		{"minus", "a-b", nil, `Invalid ProjectionExpression: Syntax error; token: "-", near: "a-b"`},
		{"reserved", "a.abORt", nil, "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: abORt"},
		{"undefined before overlap", "a,b,a,#a", nil, "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #a"},
		{"overlap same", "a, a", nil, "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{"overlap prefix", "a, #a[1]", map[string]string{"#a": "a"}, "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, [1]]"},
		{"overlap before conflict", "b[1], b.a, #a.b, a", map[string]string{"#a": "a"}, "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]"},
		{"conflict", "a.b, #a[1], #b", map[string]string{"#a": "a", "#b": "[3]"}, "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]"},
		{"conflict deeper", "a.b[1], a.b.c", nil, "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b, [1]], path two: [a, b, c]"},
		{"nesting levels", "a" + strings.Repeat(".b", 32), nil, "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33"},
		{"index range", "l[99999999999999999999]", nil, "Invalid ProjectionExpression: List index is not within the allowable range; index: [99999999999999999999]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProjection(tc.expr, NewParams(tc.names, nil))
			wantErr(t, err, tc.want)
		})
	}
	for _, e := range []string{"a, b", "a.b, a.c", "a.b.d, a.b.e", "a[1], a[2]", "a.b, a.c[2]", "a" + strings.Repeat(".b", 31), strings.Repeat("z", 4096)} {
		t.Run("ok "+e[:min(len(e), 20)], func(t *testing.T) {
			if _, err := ParseProjection(e, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestProjectPaths(t *testing.T) {
	it := item("a", m("b", n("1"), "c", l(n("1"), n("2"))), "d", s("x"))
	got := ProjectPaths(it, []Path{
		{{Name: "a"}, {Name: "c"}, {Index: 1, IsIndex: true}},
		{{Name: "a"}, {Name: "c"}},
		{{Name: "d"}},
		{{Name: "zz"}},
	})
	want := item("a", m("c", l(n("1"), n("2"))), "d", s("x"))
	if !attr.ItemsEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
	if pr, _ := ParseProjection("a.b, d", nil); len(pr.Paths()) != 2 || pr.Paths()[0].String() != "[a, b]" {
		t.Fatal("Paths")
	}
}
