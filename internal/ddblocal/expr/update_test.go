package expr

import (
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

var updVals = vals(
	":1", n("1"), ":2", n("2"), ":5", n("5"), ":neg", n("-3"), ":d", n("0.25"),
	":s", s("new"), ":dog", s("dog"),
	":l", l(s("x"), s("y")), ":empty", l(),
	":m", m("k", s("v")),
	":ss", ss("b", "c"), ":ssa", ss("a"), ":ns", ns("2", "3"), ":bs", bs("q", "r"),
	":big", n("99999999999999999999999999999999999999"),
)

func TestUpdateApply(t *testing.T) {
	base := func() attr.Item {
		return item(
			"pk", s("k"),
			"n", n("10"),
			"str", s("old"),
			"lst", l(s("a"), s("b"), s("c"), s("d")),
			"mp", m("x", n("1"), "inr", m("deep", l(n("1"), n("2"), n("3")))),
			"ss", ss("a", "b"),
			"ns", ns("1", "2"),
			"bs", bs("p", "q"),
		)
	}
	cases := []struct {
		name  string
		expr  string
		names map[string]string
		check map[string]attr.Value // attributes of the result to check
		gone  []string              // attributes that must be absent
	}{
		{"set new", "SET a = :s", nil, map[string]attr.Value{"a": s("new")}, nil},
		{"set replace type", "SET n = :s", nil, map[string]attr.Value{"n": s("new")}, nil},
		{"set several", "SET a = :1, b = :2", nil, map[string]attr.Value{"a": n("1"), "b": n("2")}, nil},
		{"keyword case", "sEt a = :1", nil, map[string]attr.Value{"a": n("1")}, nil},
		{"set copy", "SET a = str", nil, map[string]attr.Value{"a": s("old"), "str": s("old")}, nil},
		{"parenthesised operand", "SET a = (str)", nil, map[string]attr.Value{"a": s("old")}, nil},
		{"parenthesised arithmetic", "SET mp.x = ((n) + (mp.x))", nil, map[string]attr.Value{"mp": m("x", n("11"), "inr", m("deep", l(n("1"), n("2"), n("3"))))}, nil},
		{"parenthesised sum", "SET n = ((n) + (:5))", nil, map[string]attr.Value{"n": n("15")}, nil},
		{"parenthesised value", "SET a = ((:s))", nil, map[string]attr.Value{"a": s("new")}, nil},
		{"set plus", "SET n = n + :5", nil, map[string]attr.Value{"n": n("15")}, nil},
		{"set minus", "SET n = n - :neg", nil, map[string]attr.Value{"n": n("13")}, nil},
		{"set value minus attr", "SET x = :5 - n", nil, map[string]attr.Value{"x": n("-5")}, nil},
		{"set decimal", "SET n = n + :d", nil, map[string]attr.Value{"n": n("10.25")}, nil},
		{"reads before writes", "SET n = :1, m2 = n", nil, map[string]attr.Value{"n": n("1"), "m2": n("10")}, nil},
		{"remove then copy", "REMOVE str SET a = str", nil, map[string]attr.Value{"a": s("old")}, []string{"str"}},
		{"if_not_exists missing", "SET a = if_not_exists(a, :5)", nil, map[string]attr.Value{"a": n("5")}, nil},
		{"if_not_exists present", "SET n = if_not_exists(n, :5)", nil, map[string]attr.Value{"n": n("10")}, nil},
		{"if_not_exists counter", "SET c = if_not_exists(c, :1) + :1", nil, map[string]attr.Value{"c": n("2")}, nil},
		{"if_not_exists nested fallback", "SET a = if_not_exists(b, if_not_exists(n, :1))", nil, map[string]attr.Value{"a": n("10")}, nil},
		{"list_append end", "SET lst = list_append(lst, :l)", nil, map[string]attr.Value{"lst": l(s("a"), s("b"), s("c"), s("d"), s("x"), s("y"))}, nil},
		{"list_append front", "SET lst = list_append(:l, lst)", nil, map[string]attr.Value{"lst": l(s("x"), s("y"), s("a"), s("b"), s("c"), s("d"))}, nil},
		{"list_append empty", "SET a = list_append(:empty, :l)", nil, map[string]attr.Value{"a": l(s("x"), s("y"))}, nil},
		{"list_append if_not_exists", "SET a = list_append(if_not_exists(a, :empty), :l)", nil, map[string]attr.Value{"a": l(s("x"), s("y"))}, nil},
		{"set nested mp member", "SET mp.x = :5, mp.newk = :s", nil, map[string]attr.Value{"mp": m("x", n("5"), "newk", s("new"), "inr", m("deep", l(n("1"), n("2"), n("3"))))}, nil},
		{"set deep lst element", "SET mp.inr.deep[1] = :5", nil, map[string]attr.Value{"mp": m("x", n("1"), "inr", m("deep", l(n("1"), n("5"), n("3"))))}, nil},
		{"set lst element", "SET lst[1] = :s", nil, map[string]attr.Value{"lst": l(s("a"), s("new"), s("c"), s("d"))}, nil},
		{"set beyond end appends", "SET lst[10] = :s", nil, map[string]attr.Value{"lst": l(s("a"), s("b"), s("c"), s("d"), s("new"))}, nil},
		{"set beyond end in index order", "SET lst[84] = :1, lst[37] = :2, lst[17] = :5", nil, map[string]attr.Value{"lst": l(s("a"), s("b"), s("c"), s("d"), n("5"), n("2"), n("1"))}, nil},
		{"remove top", "REMOVE str, n", nil, nil, []string{"str", "n"}},
		{"remove absent", "REMOVE nothere", nil, map[string]attr.Value{"n": n("10")}, nil},
		{"remove member", "REMOVE mp.x", nil, map[string]attr.Value{"mp": m("inr", m("deep", l(n("1"), n("2"), n("3"))))}, nil},
		{"remove absent member", "REMOVE mp.zz", nil, map[string]attr.Value{"mp": m("x", n("1"), "inr", m("deep", l(n("1"), n("2"), n("3"))))}, nil},
		{"remove lst element shifts", "REMOVE lst[1]", nil, map[string]attr.Value{"lst": l(s("a"), s("c"), s("d"))}, nil},
		{"remove several lst elements", "REMOVE lst[3], lst[0]", nil, map[string]attr.Value{"lst": l(s("b"), s("c"))}, nil},
		{"remove beyond end is a no-op", "REMOVE lst[17]", nil, map[string]attr.Value{"lst": l(s("a"), s("b"), s("c"), s("d"))}, nil},
		{"remove and set use original indexes", "REMOVE lst[1] SET lst[3] = :s", nil, map[string]attr.Value{"lst": l(s("a"), s("c"), s("new"))}, nil},
		{"set then remove order irrelevant", "SET lst[3] = :s REMOVE lst[1]", nil, map[string]attr.Value{"lst": l(s("a"), s("c"), s("new"))}, nil},
		{"remove with append", "REMOVE lst[0] SET lst[9] = :s", nil, map[string]attr.Value{"lst": l(s("b"), s("c"), s("d"), s("new"))}, nil},
		{"remove only element leaves empty lst", "REMOVE mp.inr.deep[0], mp.inr.deep[1], mp.inr.deep[2]", nil, map[string]attr.Value{"mp": m("x", n("1"), "inr", m("deep", l()))}, nil},
		{"remove last member leaves empty mp", "REMOVE mp.x, mp.inr", nil, map[string]attr.Value{"mp": m()}, nil},
		{"add number", "ADD n :5", nil, map[string]attr.Value{"n": n("15")}, nil},
		{"add negative", "ADD n :neg", nil, map[string]attr.Value{"n": n("7")}, nil},
		{"add creates number", "ADD c :5", nil, map[string]attr.Value{"c": n("5")}, nil},
		{"add string set", "ADD ss :ss", nil, map[string]attr.Value{"ss": ss("a", "b", "c")}, nil},
		{"add number set", "ADD ns :ns", nil, map[string]attr.Value{"ns": ns("1", "2", "3")}, nil},
		{"add binary set", "ADD bs :bs", nil, map[string]attr.Value{"bs": bs("p", "q", "r")}, nil},
		{"add creates set", "ADD newset :ss", nil, map[string]attr.Value{"newset": ss("b", "c")}, nil},
		{"add nested", "ADD mp.x :2", nil, map[string]attr.Value{"mp": m("x", n("3"), "inr", m("deep", l(n("1"), n("2"), n("3"))))}, nil},
		{"add lst element", "ADD mp.inr.deep[0] :2", nil, map[string]attr.Value{"mp": m("x", n("1"), "inr", m("deep", l(n("3"), n("2"), n("3"))))}, nil},
		{"delete from set", "DELETE ss :ssa", nil, map[string]attr.Value{"ss": ss("b")}, nil},
		{"delete absent members", "DELETE ss :ss", nil, map[string]attr.Value{"ss": ss("a")}, nil},
		{"delete all removes attribute", "DELETE ss :ssa, ns :ns", nil, map[string]attr.Value{"ss": ss("b"), "ns": ns("1")}, nil},
		{"delete emptying", "DELETE bs :bs", nil, map[string]attr.Value{"bs": bs("p")}, nil},
		{"delete everything", "DELETE ss :sab", nil, nil, []string{"ss"}},
		{"delete from absent", "DELETE nope :ss", nil, map[string]attr.Value{"ss": ss("a", "b")}, []string{"nope"}},
		{"all sections", "SET a = :1 REMOVE str ADD n :1 DELETE ss :ssa", nil, map[string]attr.Value{"a": n("1"), "n": n("11"), "ss": ss("b")}, []string{"str"}},
		{"placeholders", "SET #a.#b = :1, #dot = :2", map[string]string{"#a": "mp", "#b": "x", "#dot": "a.b"}, map[string]attr.Value{"a.b": n("2")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := vals(":sab", ss("a", "b"))
			for k, x := range updVals {
				v[k] = x
			}
			u, err := ParseUpdate(tc.expr, NewParams(tc.names, v))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			in := base()
			before := in.Clone()
			out, err := u.Apply(in)
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if !attr.ItemsEqual(in, before) {
				t.Fatalf("input item was modified")
			}
			for k, want := range tc.check {
				if got, ok := out[k]; !ok || !attr.Equal(got, want) || !sameOrder(got, want) {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
			for _, k := range tc.gone {
				if _, ok := out[k]; ok {
					t.Errorf("%s should be absent", k)
				}
			}
			if out["pk"].S != "k" {
				t.Errorf("untouched attribute lost")
			}
		})
	}
}

// sameOrder also requires lists and sets to be in the same order, to check
// append order.
func sameOrder(a, b attr.Value) bool {
	switch a.Type {
	case attr.TypeL:
		for i := range a.L {
			if !attr.Equal(a.L[i], b.L[i]) || !sameOrder(a.L[i], b.L[i]) {
				return false
			}
		}
	case attr.TypeSS, attr.TypeNS:
		return strings.Join(a.SS, ",") == strings.Join(b.SS, ",")
	}
	return true
}

func TestUpdateApplyErrors(t *testing.T) {
	base := item("pk", s("k"), "n", n("10"), "str", s("x"), "lst", l(n("1")), "mp", m("a", n("1")), "ss", ss("a"))
	cases := []struct {
		name string
		expr string
		it   attr.Item
		want string
	}{
		{"copy missing", "SET a = nope", base, msgMissingAttr},
		{"plus missing", "SET n = nope + :1", base, msgMissingAttr},
		{"list_append missing", "SET lst = list_append(nope, :l)", base, msgMissingAttr},
		{"plus string", "SET n = str + :1", base, msgIncorrectType},
		{"list_append non-lst", "SET lst = list_append(str, :l)", base, msgIncorrectType},
		{"set under missing", "SET nope.a = :1", base, msgInvalidPath},
		{"set under scalar", "SET str.a = :1", base, msgInvalidPath},
		{"set member of lst", "SET lst.a = :1", base, msgInvalidPath},
		{"set index of mp", "SET mp[0] = :1", base, msgInvalidPath},
		{"set under missing index", "SET lst[5].a = :1", base, msgInvalidPath},
		{"set under missing in new item", "SET nope.a = :1", nil, msgInvalidPath},
		{"remove under scalar", "REMOVE str.a", base, msgInvalidPath},
		{"remove under missing", "REMOVE nope.a", base, msgInvalidPath},
		{"remove index of mp", "REMOVE mp[0]", base, msgInvalidPath},
		{"remove index under missing", "REMOVE nope[0]", base, msgInvalidPath},
		{"add to string", "ADD str :1", base, msgIncorrectType},
		{"add set to number", "ADD n :ss", base, msgIncorrectType},
		{"add number to set", "ADD ss :1", base, msgIncorrectType},
		{"add set of other type", "ADD ss :ns", base, msgIncorrectType},
		{"add under missing", "ADD nope.a :1", base, msgInvalidPath},
		{"delete other set type", "DELETE ss :ns", base, msgIncorrectType},
		{"delete from number", "DELETE n :ss", base, msgIncorrectType},
		{"delete under lst", "DELETE lst.a :ss", base, msgInvalidPath},
		{"overflow", "SET n = :big + :big", base, "Attempting to store more than 38 significant digits in a Number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseUpdate(tc.expr, NewParams(nil, updVals))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			_, err = u.Apply(tc.it)
			wantErr(t, err, tc.want)
		})
	}
}

func TestUpdateMissingItem(t *testing.T) {
	cases := []struct {
		name string
		expr string
		want attr.Item
	}{
		{"set", "SET a = :1", item("pk", s("k"), "a", n("1"))},
		{"remove nested ignored", "REMOVE x.y, z[3] SET a = :1", item("pk", s("k"), "a", n("1"))},
		{"add creates", "ADD c :1", item("pk", s("k"), "c", n("1"))},
		{"delete ignored", "DELETE c :ss", item("pk", s("k"))},
		{"copy key", "SET a = pk", item("pk", s("k"), "a", s("k"))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseUpdate(tc.expr, NewParams(nil, updVals))
			if err != nil {
				t.Fatal(err)
			}
			got, err := u.ApplyToMissing(item("pk", s("k")))
			if err != nil {
				t.Fatal(err)
			}
			if !attr.ItemsEqual(got, tc.want) {
				t.Fatalf("got %#v", got)
			}
		})
	}
	t.Run("nil item", func(t *testing.T) {
		u, _ := ParseUpdate("REMOVE a.b SET c = :1", NewParams(nil, updVals))
		got, err := u.Apply(nil)
		if err != nil || !attr.ItemsEqual(got, item("c", n("1"))) {
			t.Fatalf("got %v, %v", got, err)
		}
	})
}

func TestUpdateParseErrors(t *testing.T) {
	cases := []struct {
		name   string
		expr   string
		names  map[string]string
		values map[string]attr.Value
		want   string
	}{
		{"empty", "", nil, nil, "Invalid UpdateExpression: The expression can not be empty;"},
		{"too long", "SET a" + strings.Repeat("b", 4096) + " = :v", nil, vals(":v", n("1")), "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"},
		{"no section", "HELLO a = :v", nil, vals(":v", n("1")), `Invalid UpdateExpression: Syntax error; token: "HELLO", near: "HELLO a"`},
		{"set without value", "SET a", nil, nil, `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "a"`},
		{"add without value", "ADD numx", nil, nil, `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "numx"`},
		{"add literal", "ADD numx 1", nil, nil, `Invalid UpdateExpression: Syntax error; token: "1", near: "numx 1"`},
		{"delete name operand", "DELETE setx a", nil, nil, `Invalid UpdateExpression: Syntax error; token: "a", near: "setx a"`},
		{"dangling plus", "SET note = :v +", nil, vals(":v", n("1")), `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "+"`},
		{"multiply", "SET numx = numx * :v", nil, vals(":v", n("1")), `Invalid UpdateExpression: Syntax error; token: "*", near: "numx * :v"`},
		{"three terms", "SET a = :v + :v + :v", nil, vals(":v", n("1")), `Invalid UpdateExpression: Syntax error; token: "+", near: ":v + :v"`},
		{"plus inside function", "SET c = if_not_exists(c, :v + :v)", nil, vals(":v", n("1")), `Invalid UpdateExpression: Syntax error; token: "+", near: ":v + :v"`},
		{"value on left", "SET :v = :v", nil, vals(":v", n("1")), `Invalid UpdateExpression: Syntax error; token: ":v", near: "SET :v ="`},
		{"keyword as value", "SET a = set", nil, nil, `Invalid UpdateExpression: Syntax error; token: "set", near: "= set"`},
		{"remove with value", "REMOVE a = b", nil, nil, `Invalid UpdateExpression: Syntax error; token: "=", near: "a = b"`},
		{"arithmetic inside a parenthesised operand", "SET a = (n + :1) + :1", nil, nil, `Invalid UpdateExpression: Syntax error; token: "+", near: ") + :1"`},
		{"unclosed parenthesis", "SET a = (n", nil, nil, `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "n"`},
		{"empty parentheses", "SET a = ()", nil, nil, `Invalid UpdateExpression: Syntax error; token: ")", near: "()"`},
		{"function as target", "SET if_not_exists(a, b) = a", nil, nil, `Invalid UpdateExpression: Syntax error; token: "(", near: "if_not_exists(a"`},
		{"trailing comma", "SET a = b,", nil, nil, `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ","`},
		{"index placeholder", "SET a[#x] = :v", map[string]string{"#x": "x"}, vals(":v", n("1")), `Invalid UpdateExpression: Syntax error; token: "#x", near: "[#x]"`},
		{"section twice", "SET a = :v SET b = :v", nil, vals(":v", n("1")), `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`},
		{"section twice interleaved", "REMOVE a SET b = :v REMOVE c", nil, vals(":v", n("1")), `Invalid UpdateExpression: The "REMOVE" section can only be used once in an update expression;`},
		{"reserved", "SET #c = :v SET abOrt = :v", map[string]string{"#c": "c"}, vals(":v", n("1")), "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: abOrt"},
		{"unknown function over section", "SET #c = if_not_exist(:v) SET c = d", map[string]string{"#c": "c"}, vals(":v", n("1")), "Invalid UpdateExpression: Invalid function name; function: if_not_exist"},
		{"function case", "SET a = LIST_APPEND(:v, :v)", nil, vals(":v", l()), "Invalid UpdateExpression: Invalid function name; function: LIST_APPEND"},
		{"condition function", "SET a = size(b)", nil, nil, "Invalid UpdateExpression: The function is not allowed in an update expression; function: size"},
		{"nested list_append", "SET a = list_append(list_append(:v, :v), :v)", nil, vals(":v", l()), "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append"},
		{"undefined name", "SET #c = if_not_exists(:c)", map[string]string{"#a": "a"}, vals(":a", n("1")), "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #c"},
		{"undefined value", "SET #a = if_not_exists(:c)", map[string]string{"#a": "a"}, vals(":a", n("1")), "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :c"},
		{"arity if_not_exists", "SET a = if_not_exists(c)", nil, nil, "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1"},
		{"arity list_append", "SET a = list_append(:v, :v, :v)", nil, vals(":v", l()), "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 3"},
		{"if_not_exists needs path", "SET a = if_not_exists(:v, c)", nil, vals(":v", n("1")), "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"},
		{"if_not_exists of function", "SET a = if_not_exists(if_not_exists(a, b), c)", nil, nil, "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"},
		{"list_append constant type", "SET a = list_append(:v, a)", nil, vals(":v", s("x")), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S"},
		{"plus constant type", "SET a = a + :v", nil, vals(":v", ss("x")), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: SS"},
		{"minus constant type", "SET a = :v - a", nil, vals(":v", attr.Bool(true)), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: BOOL"},
		{"add string", "ADD a :v", nil, vals(":v", s("x")), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"},
		{"add lst", "ADD a :v", nil, vals(":v", l(n("1"))), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST, typeSet: ALLOWED_FOR_ADD_OPERAND"},
		{"add mp", "ADD a.b :v", nil, vals(":v", m()), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: MAP, typeSet: ALLOWED_FOR_ADD_OPERAND"},
		{"delete number", "DELETE a :v", nil, vals(":v", n("1")), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"},
		{"delete string", "DELETE a :v", nil, vals(":v", s("x")), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: STRING, typeSet: ALLOWED_FOR_DELETE_OPERAND"},
		{"add type before arity", "SET b = list_append(:a, a), c = if_not_exists(a) ADD a.b :a", nil, vals(":a", s("a")), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"},
		{"overlap same", "SET fieldx = :v, fieldx = :v", nil, vals(":v", n("1")), "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [fieldx], path two: [fieldx]"},
		{"overlap nested", "SET mapx = :v, mapx.num = :v", nil, vals(":v", n("1")), "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [mapx], path two: [mapx, num]"},
		{"overlap index", "SET lst[0] = :v, lst[0].ok = :v", nil, vals(":v", n("1")), "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [lst, [0]], path two: [lst, [0], ok]"},
		{"overlap via placeholder", "SET #a = :v, fieldx = :v", map[string]string{"#a": "fieldx"}, vals(":v", n("1")), "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [fieldx], path two: [fieldx]"},
		{"overlap across sections", "SET a = :v REMOVE a", nil, vals(":v", n("1")), "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{"overlap reported before conflict", "SET d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)", map[string]string{"#c": "c"}, nil, "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [1], a], path two: [c]"},
		{"conflict", "SET a.b = :v, a[1] = :v", nil, vals(":v", n("1")), "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]"},
		{"conflict name looking like index", "SET #c[3].#d = a, #c.#d[3] = if_not_exists(a, a)", map[string]string{"#c": "c", "#d": "[3]"}, nil, "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3], [3]]"},
		{"too many operators", "SET " + manyAdds(301), nil, vals(":v", n("1")), "Invalid UpdateExpression: The expression contains too many operators; operator count: 301"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseUpdate(tc.expr, NewParams(tc.names, tc.values))
			wantErr(t, err, tc.want)
		})
	}
}

func TestUpdateNoOverlap(t *testing.T) {
	for _, e := range []string{
		"SET a.b = :v, a.c = :v",
		"SET a[1] = :v, a[2] = :v",
		"SET a.b = :v, a.c[2] = :v",
		"SET a = :v REMOVE b ADD c :v DELETE d :s",
		"SET a.b.d = :v, a.b.e = :v",
	} {
		t.Run(e, func(t *testing.T) {
			p := NewParams(nil, vals(":v", n("1"), ":s", ss("x")))
			if _, err := ParseUpdate(e, p); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestUpdatePaths(t *testing.T) {
	u, err := ParseUpdate("SET a.b[2] = :v, #n = :v REMOVE c ADD d :v DELETE e :s", NewParams(map[string]string{"#n": "x.y"}, vals(":v", n("1"), ":s", ss("x"))))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range u.Paths() {
		got = append(got, p.String())
	}
	want := "[a, b, [2]] [x.y] [c] [d] [e]"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

func manyAdds(count int) string {
	parts := make([]string, count)
	for i := range parts {
		parts[i] = "a" + intText(i) + "=:v+:v"
	}
	return strings.Join(parts, ",")
}
