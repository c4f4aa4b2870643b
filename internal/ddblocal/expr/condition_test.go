package expr

import (
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// evalItem is the item most evaluation cases run against.
var evalItem = item(
	"s", s("hello"),
	"n", n("10"),
	"neg", n("-2.5"),
	"b", b("hi there"),
	"t", attr.Bool(true),
	"z", attr.Null(),
	"l", l(n("2"), s("dog"), n("7"), ss("x", "y")),
	"m", m("x", n("1"), "y", m("p", n("3"), "q", l(n("-1"), n("2")))),
	"ss", ss("a", "b", "c"),
	"ns", ns("1", "2.5", "300"),
	"bs", bs("ab", "cd"),
	"s2", s("hello"),
	"blank", s(""),
	"uni", s("héllo"),
	"clef", s("é𝄞"),
	"ten", n("10"),
	"one", n("1"),
)

var evalVals = vals(
	":hello", s("hello"), ":hell", s("hell"), ":dog", s("dog"), ":ell", s("ell"),
	":10", n("10"), ":n1e1", n("1E1"), ":9", n("9"), ":11", n("11"), ":5", n("5"), ":1", n("1"), ":2", n("2"), ":3", n("3"), ":7", n("7"), ":0", n("0"),
	":d25", n("2.5"), ":100", n("100"),
	":hi", b("hi"), ":there", b("there"), ":b", b("hi there"),
	":true", attr.Bool(true), ":null", attr.Null(),
	":l", l(n("2"), s("dog"), n("7"), ss("y", "x")),
	":m", m("y", m("q", l(n("-1"), n("2")), "p", n("3")), "x", n("1")),
	":ss", ss("c", "b", "a"), ":ns", ns("300", "1", "2.5"), ":bs", bs("cd", "ab"),
	":xy", ss("x", "y"), ":a", s("a"),
	":S", s("S"), ":N", s("N"), ":B", s("B"), ":BOOL", s("BOOL"), ":NULL", s("NULL"), ":L", s("L"), ":M", s("M"), ":SS", s("SS"), ":NS", s("NS"), ":BS", s("BS"),
	":str", s("10"),
)

func TestConditionEval(t *testing.T) {
	cases := []struct {
		name string
		expr string
		want bool
	}{
		// = and <>
		{"eq string", "s = :hello", true},
		{"eq string false", "s = :dog", false},
		{"eq number numeric", "n = :n1e1", true},
		{"eq number two attrs", "n = ten", true},
		{"eq binary", "b = :b", true},
		{"eq bool", "t = :true", true},
		{"eq null", "z = :null", true},
		{"eq list", "l = :l", true},
		{"eq map deep", "m = :m", true},
		{"eq string set any order", "ss = :ss", true},
		{"eq number set any order", "ns = :ns", true},
		{"eq binary set any order", "bs = :bs", true},
		{"eq across types", "n = :str", false},
		{"eq absent", "absent = :hello", false},
		{"eq two absent", "absent = gone", false},
		{"ne value", "s <> :dog", true},
		{"ne equal", "s <> :hello", false},
		{"ne across types", "n <> :str", true},
		{"ne absent is true", "absent <> :hello", true},
		{"ne two absent is true", "absent <> gone", true},
		{"value left", ":hello = s", true},
		// ordering
		{"lt number", "n < :11", true},
		{"lt number false", "n < :10", false},
		{"le number", "n <= :10", true},
		{"gt number", "n > :9", true},
		{"ge number", "n >= :11", false},
		{"lt negative decimal", "neg < :0", true},
		{"gt decimals", "ns > :1", false},
		{"lt string", "s < :hell", false},
		{"gt string", "s > :hell", true},
		{"lt binary", "b > :hi", true},
		{"lt across types", "n < :str", false},
		{"lt absent", "absent < :10", false},
		{"lt two absent", "absent < gone", false},
		{"lt on list attribute", "l < :10", false},
		{"value on left", ":9 < n", true},
		// BETWEEN
		{"between", "n BETWEEN :9 AND :11", true},
		{"between inclusive", "n BETWEEN :10 AND :10", true},
		{"between outside", "n BETWEEN :11 AND :100", false},
		{"between strings", "s between :hell AND :hello", true},
		{"between types mismatch", "s BETWEEN :1 AND :5", false},
		{"between absent", "absent BETWEEN :1 AND :5", false},
		{"between attribute bounds", "n BETWEEN one AND ten", true},
		{"between reversed attribute bounds", "n BETWEEN ten AND one", false},
		// IN
		{"in", "n IN (:1, :10)", true},
		{"in mixed types", "s IN (:1, :hello)", true},
		{"in none", "n IN (:1, :2)", false},
		{"in absent", "absent IN (:1)", false},
		{"in set", "ss IN (:ss)", true},
		// functions
		{"attribute_exists", "attribute_exists(s)", true},
		{"attribute_exists nested", "attribute_exists(m.y.q[1])", true},
		{"attribute_exists absent index", "attribute_exists(m.y.q[2])", false},
		{"attribute_exists wrong container", "attribute_exists(l.x)", false},
		{"attribute_not_exists", "attribute_not_exists(absent)", true},
		{"attribute_not_exists present", "attribute_not_exists(s)", false},
		{"attribute_type S", "attribute_type(s, :S)", true},
		{"attribute_type N", "attribute_type(n, :N)", true},
		{"attribute_type B", "attribute_type(b, :B)", true},
		{"attribute_type BOOL", "attribute_type(t, :BOOL)", true},
		{"attribute_type NULL", "attribute_type(z, :NULL)", true},
		{"attribute_type L", "attribute_type(l, :L)", true},
		{"attribute_type M", "attribute_type(m, :M)", true},
		{"attribute_type SS", "attribute_type(ss, :SS)", true},
		{"attribute_type NS", "attribute_type(ns, :NS)", true},
		{"attribute_type BS", "attribute_type(bs, :BS)", true},
		{"attribute_type wrong", "attribute_type(s, :N)", false},
		{"attribute_type absent", "attribute_type(absent, :S)", false},
		{"attribute_type of value", "attribute_type(:10, :N)", true},
		{"begins_with string", "begins_with(s, :hell)", true},
		{"begins_with string false", "begins_with(s, :dog)", false},
		{"begins_with binary", "begins_with(b, :hi)", true},
		{"begins_with type mismatch", "begins_with(b, :hell)", false},
		{"begins_with on number attribute", "begins_with(n, :hell)", false},
		{"begins_with absent", "begins_with(absent, :hell)", false},
		{"begins_with reversed", "begins_with(:hello, s2)", true},
		{"contains substring", "contains(s, :ell)", true},
		{"contains substring false", "contains(s, :dog)", false},
		{"contains binary", "contains(b, :there)", true},
		{"contains string set", "contains(ss, :a)", true},
		{"contains string set false", "contains(ss, :dog)", false},
		{"contains number set", "contains(ns, :d25)", true},
		{"contains number set wrong type", "contains(ns, :a)", false},
		{"contains binary set", "contains(bs, :hi)", false},
		{"contains list element", "contains(l, :dog)", true},
		{"contains list number", "contains(l, :7)", true},
		{"contains list deep", "contains(l, :xy)", true},
		{"contains on number", "contains(n, :1)", false},
		{"contains absent", "contains(absent, :a)", false},
		{"size string", "size(s) = :5", true},
		{"size string counts UTF-16 code units", "size(uni) = :5", true},
		{"size string surrogate pair counts two", "size(clef) = :3", true},
		{"size empty string", "size(blank) = :0", true},
		{"size binary", "size(b) > :7", true},
		{"size list", "size(l) = :3", false},
		{"size list 4", "size(l) >= :3", true},
		{"size map", "size(m) = :2", true},
		{"size set", "size(ns) = :3", true},
		{"size number has none", "size(n) = :2", false},
		{"size bool has none", "size(t) <> :1", true},
		{"size absent", "size(absent) = :0", false},
		{"size compared to string", "size(s) = :hello", false},
		{"size compared to attribute", "size(s) > one", true},
		{"size both sides", "size(s) = size(s2)", true},
		{"size in between", "size(s) BETWEEN :1 AND :5", true},
		{"size in IN", "size(s) IN (:5)", true},
		// logic and precedence
		{"and", "s = :hello AND n = :10", true},
		{"and false", "s = :hello AND n = :9", false},
		{"or", "s = :dog OR n = :10", true},
		{"not", "NOT s = :dog", true},
		{"not not", "NOT NOT s = :hello", true},
		{"not binds tighter than and", "NOT s = :hello AND n = :10", false},
		{"and binds tighter than or", "s = :hello OR n = :9 AND n = :11", true},
		{"and binds tighter than or 2", "n = :9 AND n = :11 OR s = :hello", true},
		{"parens change precedence", "(s = :hello OR n = :9) AND n = :11", false},
		{"not over parens", "NOT (s = :dog OR n = :9)", true},
		{"keywords any case", "s = :hello aNd n between :9 AnD :11 oR NoT n In (:1)", true},
		{"parenthesised operand", "(s) = :hello", true},
		{"parenthesised both operands", "(s) = (:hello)", true},
		{"parenthesised function", "(attribute_exists(s))", true},
		{"between precedence over and", "n BETWEEN :9 AND :11 AND s = :hello", true},
		{"no spaces", "s=:hello AND(n<>:9)", true},
		{"placeholders", "#s = :hello", true},
		{"nested placeholder path", "#m.#y.q[0] = :neg1", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := vals()
			for k, x := range evalVals {
				v[k] = x
			}
			v[":neg1"] = n("-1")
			p := NewParams(map[string]string{"#s": "s", "#m": "m", "#y": "y"}, v)
			c, err := ParseCondition(ConditionExpr, tc.expr, p)
			if err != nil {
				t.Fatalf("parse %q: %v", tc.expr, err)
			}
			got, err := c.Eval(evalItem)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("%q = %v, want %v", tc.expr, got, tc.want)
			}
		})
	}
}

func TestConditionEvalNilItem(t *testing.T) {
	cases := []struct {
		expr string
		want bool
	}{
		{"attribute_not_exists(pk)", true},
		{"attribute_exists(pk)", false},
		{"pk <> :v", true},
		{"pk = :v", false},
		{"NOT pk = :v", true},
		{"size(pk) < :v", false},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			c, err := ParseCondition(ConditionExpr, tc.expr, NewParams(nil, vals(":v", n("1"))))
			if err != nil && !strings.Contains(tc.expr, ":v") {
				t.Fatal(err)
			}
			if err != nil {
				c, err = ParseCondition(ConditionExpr, tc.expr, NewParams(nil, vals(":v", n("1"))))
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := c.Eval(nil); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConditionErrors(t *testing.T) {
	longName := "a" + strings.Repeat("z", 4096)
	cases := []struct {
		name   string
		kind   Kind
		expr   string
		names  map[string]string
		values map[string]attr.Value
		want   string
	}{
		{"empty", ConditionExpr, "", nil, nil, "Invalid ConditionExpression: The expression can not be empty;"},
		{"blank", FilterExpr, "  \t", nil, nil, "Invalid FilterExpression: The expression can not be empty;"},
		{"too long condition", ConditionExpr, longName + " = :v", nil, vals(":v", n("1")), "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 4102"},
		{"too long key condition", KeyConditionExpr, longName, nil, nil, "Invalid KeyConditionExpression: Expression size has exceeded the maximum allowed size;"},
		{"syntax eof", ConditionExpr, "a =", nil, nil, `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "="`},
		{"syntax bare path", ConditionExpr, "a", nil, nil, `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "a"`},
		{"syntax bare placeholder after NOT", ConditionExpr, "attribute_exists(a) AND NOT #x", map[string]string{"#x": "x"}, nil, `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "#x"`},
		{"syntax near three tokens", ConditionExpr, "a = :v b = :v", nil, vals(":v", n("1")), `Invalid ConditionExpression: Syntax error; token: "b", near: ":v b ="`},
		{"syntax unknown char", ConditionExpr, "a != :v", nil, vals(":v", n("1")), `Invalid ConditionExpression: Syntax error; token: "!", near: "a !="`},
		{"syntax leading underscore", ConditionExpr, "_a = :v", nil, vals(":v", n("1")), `Invalid ConditionExpression: Syntax error; token: "_", near: "_a"`},
		{"syntax chained comparison", ConditionExpr, "a < :v < :v", nil, vals(":v", n("1")), `Invalid ConditionExpression: Syntax error; token: "<", near: ":v < :v"`},
		{"syntax empty IN", ConditionExpr, "a IN ()", nil, nil, `Invalid ConditionExpression: Syntax error; token: ")", near: "()"`},
		{"syntax index placeholder", ConditionExpr, "a[:v] = :v", nil, vals(":v", n("1")), `Invalid ConditionExpression: Syntax error; token: ":v", near: "[:v]"`},
		{"syntax negative index", ConditionExpr, "a[-1] = :v", nil, vals(":v", n("1")), `Invalid ConditionExpression: Syntax error; token: "-", near: "[-1"`},
		{"syntax keyword as name", ConditionExpr, "a.and = :v", nil, vals(":v", n("1")), `Invalid ConditionExpression: Syntax error; token: "and", near: ".and ="`},
		{"syntax lone hash", ConditionExpr, "# = :v", nil, vals(":v", n("1")), `Invalid ConditionExpression: Syntax error; token: "#", near: "# ="`},
		{"syntax and of operand", ConditionExpr, "(a AND b = :v)", nil, vals(":v", n("1")), `Invalid ConditionExpression: Syntax error; token: "AND", near: "a AND b"`},
		{"syntax comparison of condition", ConditionExpr, "(a = :v) = :v", nil, vals(":v", n("1")), `Invalid ConditionExpression: Syntax error; token: "=", near: ") = :v"`},
		{"syntax unclosed", ConditionExpr, "(a = :v", nil, vals(":v", n("1")), `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ":v"`},
		{"syntax multibyte char", ConditionExpr, "a = é", nil, nil, `Invalid ConditionExpression: Syntax error; token: "é", near: "= é"`},
		{"reserved", ConditionExpr, "name = :v", nil, vals(":v", n("1")), "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{"reserved any case nested", FilterExpr, "a.Status = :v", nil, vals(":v", n("1")), "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: Status"},
		{"undefined name", ConditionExpr, "#x = :v", nil, vals(":v", n("1")), "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x"},
		{"undefined value", ConditionExpr, "a = :x", nil, nil, "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :x"},
		{"reserved before undefined", ConditionExpr, "a = :x AND size = :x", nil, nil, "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: size"},
		{"unknown function", ConditionExpr, "dog(a) = :v", nil, vals(":v", n("1")), "Invalid ConditionExpression: Invalid function name; function: dog"},
		{"function name case", ConditionExpr, "BEGINS_WITH(a, :v)", nil, vals(":v", s("x")), "Invalid ConditionExpression: Invalid function name; function: BEGINS_WITH"},
		{"update function", ConditionExpr, "if_not_exists(a, a) = :v", nil, vals(":v", n("1")), "Invalid ConditionExpression: The function is not allowed in a condition expression; function: if_not_exists"},
		{"list_append", ConditionExpr, "list_append(a, b) = :v", nil, vals(":v", n("1")), "Invalid ConditionExpression: The function is not allowed in a condition expression; function: list_append"},
		{"size alone", ConditionExpr, "size(a)", nil, nil, "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"},
		{"size in and", ConditionExpr, "attribute_exists(a) AND size(a)", nil, nil, "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"},
		{"boolean function as operand", ConditionExpr, "attribute_exists(a) < :v", nil, vals(":v", n("1")), "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists"},
		{"arity", ConditionExpr, "size(a, a) = :v", nil, vals(":v", n("1")), "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: size, number of operands: 2"},
		{"arity contains", ConditionExpr, "contains(a)", nil, nil, "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1"},
		{"exists needs path", ConditionExpr, "attribute_exists(:v)", nil, vals(":v", n("1")), "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"},
		{"attribute_type bad name", ConditionExpr, "attribute_type(a, :t)", nil, vals(":t", s("DOG")), "Invalid ConditionExpression: Invalid attribute type name found; type: DOG, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
		{"attribute_type number", ConditionExpr, "attribute_type(a, :t)", nil, vals(":t", n("1")), "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"},
		{"attribute_type path", ConditionExpr, "attribute_type(a, b)", nil, nil, "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"},
		{"begins_with number", ConditionExpr, "begins_with(a, :v)", nil, vals(":v", n("2")), "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"size of number constant", ConditionExpr, "size(:v) = :v", nil, vals(":v", n("2")), "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N"},
		{"lt list constant", ConditionExpr, "a < :v", nil, vals(":v", l(n("1"))), "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: L"},
		{"between bool constant", ConditionExpr, "a BETWEEN :v AND :w", nil, vals(":v", attr.Bool(true), ":w", attr.Bool(true)), "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: BOOL"},
		{"between reversed", ConditionExpr, "a BETWEEN :lo AND :hi", nil, vals(":lo", n("5"), ":hi", n("1")), "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"},
		{"between mixed", ConditionExpr, "a BETWEEN :lo AND :hi", nil, vals(":lo", n("1"), ":hi", s("dog")), "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:dog}"},
		{"distinct comparison", ConditionExpr, "a.b = a.b", nil, nil, "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a, b]"},
		{"distinct contains", ConditionExpr, "contains(a, a)", nil, nil, "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]"},
		{"redundant parens", ConditionExpr, "((a = :v))", nil, vals(":v", n("1")), "Invalid ConditionExpression: The expression has redundant parentheses;"},
		{"redundant operand parens", ConditionExpr, "((a)) = :v", nil, vals(":v", n("1")), "Invalid ConditionExpression: The expression has redundant parentheses;"},
		{"path too deep", ConditionExpr, "a" + strings.Repeat(".b", 32) + " = :v", nil, vals(":v", n("1")), "Invalid ConditionExpression: The document path has too many nesting levels; nesting levels: 33"},
		{"index too large", ConditionExpr, "a[2147483648] = :v", nil, vals(":v", n("1")), "Invalid ConditionExpression: List index is not within the allowable range; index: [2147483648]"},
		{"names map empty", ConditionExpr, "a = :v", map[string]string{}, vals(":v", n("1")), "ExpressionAttributeNames must not be empty"},
		{"values map empty", ConditionExpr, "a = b", nil, map[string]attr.Value{}, "ExpressionAttributeValues must not be empty"},
		{"names bad key", ConditionExpr, "a = b", map[string]string{"a": "b"}, nil, `ExpressionAttributeNames contains invalid key: Syntax error; key: "a"`},
		{"values bad key", ConditionExpr, "a = b", nil, vals("b", n("1")), `ExpressionAttributeValues contains invalid key: Syntax error; key: "b"`},
		{"names key too long", ConditionExpr, "a = b", map[string]string{"#" + strings.Repeat("x", 255): "b"}, nil, "ExpressionAttributeNames contains invalid key: The key exceeds the maximum length of 255 bytes*"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCondition(tc.kind, tc.expr, NewParams(tc.names, tc.values))
			if tc.kind == KeyConditionExpr {
				_, err = ParseKeyCondition(tc.expr, NewParams(tc.names, tc.values))
			}
			wantErr(t, err, tc.want)
		})
	}
}

func TestConditionLimits(t *testing.T) {
	t.Run("IN with 100 operands", func(t *testing.T) {
		v, list := inList(100)
		_, err := ParseCondition(ConditionExpr, "a IN ("+list+")", NewParams(nil, v))
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("IN with 101 operands", func(t *testing.T) {
		v, list := inList(101)
		_, err := ParseCondition(ConditionExpr, "a IN ("+list+")", NewParams(nil, v))
		wantErr(t, err, "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101")
	})
	t.Run("300 operators", func(t *testing.T) {
		_, err := ParseCondition(FilterExpr, ops(300), NewParams(nil, vals(":v", n("1"))))
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("301 operators", func(t *testing.T) {
		_, err := ParseCondition(FilterExpr, ops(301), NewParams(nil, vals(":v", n("1"))))
		wantErr(t, err, "Invalid FilterExpression: The expression contains too many operators; operator count: 301")
	})
	t.Run("deep parentheses", func(t *testing.T) {
		expr := strings.Repeat("(", 2000) + "a = :v" + strings.Repeat(")", 2000)
		_, err := ParseCondition(ConditionExpr, expr, NewParams(nil, vals(":v", n("1"))))
		wantErr(t, err, "Invalid ConditionExpression: The expression is nested too deeply*")
	})
	t.Run("hostile 10k parentheses", func(t *testing.T) {
		_, err := ParseCondition(ConditionExpr, strings.Repeat("(", 10000), NewParams(nil, nil))
		wantErr(t, err, "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 10000")
	})
	t.Run("many NOTs", func(t *testing.T) {
		expr := strings.Repeat("NOT ", 1000) + "a = :v"
		c, err := ParseCondition(ConditionExpr, expr, NewParams(nil, vals(":v", n("1"))))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := c.Eval(item("a", n("1"))); !got {
			t.Fatal("even number of NOTs should keep the result")
		}
	})
	t.Run("nested and chain", func(t *testing.T) {
		expr := strings.Repeat("a < :v AND (", 250) + "a < :v" + strings.Repeat(")", 250)
		c, err := ParseCondition(ConditionExpr, expr, NewParams(nil, vals(":v", n("1"))))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := c.Eval(item("a", n("0"))); !got {
			t.Fatal("want true")
		}
	})
}

func inList(count int) (map[string]attr.Value, string) {
	v := map[string]attr.Value{}
	var parts []string
	for i := 0; i < count; i++ {
		k := ":v" + strings.Repeat("x", 0) + itoa(i)
		v[k] = n(itoa(i))
		parts = append(parts, k)
	}
	return v, strings.Join(parts, ",")
}

func ops(count int) string {
	parts := make([]string, count)
	for i := range parts {
		parts[i] = "a=:v"
	}
	return strings.Join(parts, " OR ")
}

func itoa(i int) string { return n(intText(i)).S }

func intText(i int) string {
	if i == 0 {
		return "0"
	}
	var buf []byte
	for i > 0 {
		buf = append([]byte{byte('0' + i%10)}, buf...)
		i /= 10
	}
	return string(buf)
}

func TestTopLevelNames(t *testing.T) {
	p := NewParams(map[string]string{"#k": "pk"}, vals(":v", n("1")))
	c, err := ParseCondition(FilterExpr, "#k = :v OR a.b[1] > :v AND size(c) > :v AND a.z = :v", p)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.TopLevelNames(), ",")
	if got != "pk,a,c" {
		t.Fatalf("got %s", got)
	}
}
