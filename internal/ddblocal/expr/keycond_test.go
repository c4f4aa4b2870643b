package expr

import (
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

func TestKeyCondition(t *testing.T) {
	v := vals(":p", s("pk1"), ":c", n("3"), ":c2", n("7"), ":pre", s("ab"))
	cases := []struct {
		name      string
		expr      string
		names     map[string]string
		hash      string
		rangeName string
		op        RangeOp
		rangeVals []attr.Value
	}{
		{"hash only", "p = :p", nil, "p", "", RangeEQ, nil},
		{"whitespace", "  p  =   :p ", nil, "p", "", RangeEQ, nil},
		{"eq", "p = :p AND c = :c", nil, "p", "c", RangeEQ, []attr.Value{n("3")}},
		{"lt", "p = :p AND c < :c", nil, "p", "c", RangeLT, []attr.Value{n("3")}},
		{"le", "p = :p AND c <= :c", nil, "p", "c", RangeLE, []attr.Value{n("3")}},
		{"gt", "p = :p AND c > :c", nil, "p", "c", RangeGT, []attr.Value{n("3")}},
		{"ge", "p = :p AND c >= :c", nil, "p", "c", RangeGE, []attr.Value{n("3")}},
		{"mirrored lt", ":p = p AND :c < c", nil, "p", "c", RangeGT, []attr.Value{n("3")}},
		{"mirrored ge", ":c >= c AND p = :p", nil, "p", "c", RangeLE, []attr.Value{n("3")}},
		{"between", "p = :p AND c BETWEEN :c AND :c2", nil, "p", "c", RangeBetween, []attr.Value{n("3"), n("7")}},
		{"case insensitive", "p=:p AnD c BeTwEeN :c aNd :c2", nil, "p", "c", RangeBetween, []attr.Value{n("3"), n("7")}},
		{"begins_with", "p = :p AND begins_with(c, :pre)", nil, "p", "c", RangeBeginsWith, []attr.Value{s("ab")}},
		{"range first", "c < :c AND p = :p", nil, "p", "c", RangeLT, []attr.Value{n("3")}},
		{"parentheses", "((c=:c) AND (p=:p))", nil, "c", "p", RangeEQ, []attr.Value{s("pk1")}},
		{"placeholders", "#h = :p AND #r > :c", map[string]string{"#h": "p", "#r": "c"}, "p", "c", RangeGT, []attr.Value{n("3")}},
		{"range only", "c BETWEEN :c AND :c2", nil, "", "c", RangeBetween, []attr.Value{n("3"), n("7")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewParams(tc.names, v)
			kc, err := ParseKeyCondition(tc.expr, p)
			if err != nil {
				t.Fatal(err)
			}
			if kc.HashName != tc.hash || kc.RangeName != tc.rangeName {
				t.Fatalf("hash %q range %q, want %q %q", kc.HashName, kc.RangeName, tc.hash, tc.rangeName)
			}
			if tc.hash != "" && !attr.Equal(kc.HashValue, kc.Conds[indexOf(kc, tc.hash)].Values[0]) {
				t.Fatalf("hash value %v", kc.HashValue)
			}
			if tc.rangeName != "" {
				if kc.RangeOp != tc.op {
					t.Fatalf("op %v, want %v", kc.RangeOp, tc.op)
				}
				if len(kc.RangeValues) != len(tc.rangeVals) {
					t.Fatalf("range values %v", kc.RangeValues)
				}
				for i := range tc.rangeVals {
					if !attr.Equal(kc.RangeValues[i], tc.rangeVals[i]) {
						t.Fatalf("range values %v", kc.RangeValues)
					}
				}
			}
		})
	}
}

func indexOf(kc *KeyCondition, name string) int {
	for i, c := range kc.Conds {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func TestKeyConditionBind(t *testing.T) {
	v := vals(":p", s("pk1"), ":c", n("3"))
	cases := []struct {
		name      string
		expr      string
		hash, rng string
		want      string // error, "" for success
		wantHash  string
		wantRange string
		wantOp    RangeOp
	}{
		{"two equalities swapped", "c = :c AND p = :p", "p", "c", "", "p", "c", RangeEQ},
		{"ok", "p = :p AND c > :c", "p", "c", "", "p", "c", RangeGT},
		{"hash only table", "p = :p", "p", "", "", "p", "", RangeEQ},
		{"missing hash", "c = :c", "p", "c", "Query condition missed key schema element: p", "", "", 0},
		{"hash not equality", "p < :p", "p", "", "Query key condition not supported", "", "", 0},
		{"second on non-key", "p = :p AND a < :c", "p", "c", "Query condition missed key schema element: c", "", "", 0},
		{"second on hash-only table", "p = :p AND a < :c", "p", "", "Query key condition not supported", "", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kc, err := ParseKeyCondition(tc.expr, NewParams(nil, v))
			if err != nil {
				t.Fatal(err)
			}
			err = kc.Bind(tc.hash, tc.rng)
			if tc.want != "" {
				wantErr(t, err, tc.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if kc.HashName != tc.wantHash || kc.RangeName != tc.wantRange || kc.RangeOp != tc.wantOp {
				t.Fatalf("got %q %q %v", kc.HashName, kc.RangeName, kc.RangeOp)
			}
		})
	}
}

func TestKeyConditionErrors(t *testing.T) {
	v := vals(":p", s("pk1"), ":c", n("3"), ":a", s("a"), ":b", n("1"), ":s", s("S"), ":n", n("2"))
	cases := []struct {
		name string
		expr string
		want string
	}{
		{"empty", "", "Invalid KeyConditionExpression: The expression can not be empty;"},
		{"syntax", "p=:p AND c!=:c", `Invalid KeyConditionExpression: Syntax error; token: "!", near: "c!="`},
		{"bare path", "p", `Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "p"`},
		{"or", "c=:c OR p=:p", "Invalid operator used in KeyConditionExpression: OR"},
		{"or before nested", "a > :c and size(b) > :c or a > :c", "Invalid operator used in KeyConditionExpression: OR"},
		{"not", "NOT c=:c AND p=:p", "Invalid operator used in KeyConditionExpression: NOT"},
		{"ne", "p=:p AND c<>:c", "Invalid operator used in KeyConditionExpression: <>"},
		{"in", "p=:p AND c IN (:c)", "Invalid operator used in KeyConditionExpression: IN"},
		{"attribute_exists", "p=:p AND attribute_exists(c)", "Invalid operator used in KeyConditionExpression: attribute_exists"},
		{"contains", "contains(a.d, :c)", "Invalid operator used in KeyConditionExpression: contains"},
		{"attribute_type", "attribute_type(a, :s)", "Invalid operator used in KeyConditionExpression: attribute_type"},
		{"unknown function", "p=:p AND dog(c, :c)", "Invalid KeyConditionExpression: Invalid function name; function: dog"},
		{"function case", "p=:p AND BEGINS_WITH(c, :a)", "Invalid KeyConditionExpression: Invalid function name; function: BEGINS_WITH"},
		{"begins_with number", "p=:p AND begins_with(c, :c)", "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"between types", "a between :b and :a", "Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}"},
		{"between order", "a between :n and :b", "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}"},
		{"same key twice", "p=:p AND p=:p", "KeyConditionExpressions must only contain one condition per key"},
		{"same range twice", "p=:p AND c>=:c AND c<=:c", "KeyConditionExpressions must only contain one condition per key"},
		{"three conditions", "p=:p AND c<:c AND a<:c", "Conditions can be of length 1 or 2 only"},
		{"nested attribute", "p=:p AND a.b<:c", "KeyConditionExpressions cannot have conditions on nested attributes"},
		{"nested index", "b[0] > :c", "KeyConditionExpressions cannot have conditions on nested attributes"},
		{"two names", "p=c", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{"two names nested", "b > a.b", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{"begins_with two names", "begins_with(a, b)", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{"no names", ":p=:a", "Invalid condition in KeyConditionExpression: No key attribute specified"},
		{"size", "p=:p AND size(c) > :c", "KeyConditionExpressions cannot contain nested operations"},
		{"size in between", "a between size(b) and size(a)", "KeyConditionExpressions cannot contain nested operations"},
		{"value first between", ":a between size(b) and size(a) and b > :b", "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"},
		{"value first begins_with", "begins_with(:a, b) and a > :b", "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"},
		{"undefined value", "p=:x", "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :x"},
		{"reserved", "name=:p", "Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{"redundant parentheses", "((c=:c) AND ((p=:p)))", "Invalid KeyConditionExpression: The expression has redundant parentheses;"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKeyCondition(tc.expr, NewParams(nil, v))
			wantErr(t, err, tc.want)
		})
	}
}
