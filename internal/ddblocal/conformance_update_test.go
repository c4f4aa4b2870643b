package ddblocal_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var (
	placeholderValue = regexp.MustCompile(`:[A-Za-z0-9_]+`)
	placeholderName  = regexp.MustCompile(`#[A-Za-z0-9_]+`)
)

// usedValues returns the entries of pool whose placeholders appear in exprs
// (DynamoDB rejects unused ones), or nil when none do.
func usedValues(pool item, exprs ...string) item {
	var out item
	for _, e := range exprs {
		for _, p := range placeholderValue.FindAllString(e, -1) {
			if v, ok := pool[p]; ok {
				if out == nil {
					out = item{}
				}
				out[p] = v
			}
		}
	}
	return out
}

// usedNames is usedValues for ExpressionAttributeNames.
func usedNames(pool map[string]string, exprs ...string) map[string]string {
	var out map[string]string
	for _, e := range exprs {
		for _, p := range placeholderName.FindAllString(e, -1) {
			if v, ok := pool[p]; ok {
				if out == nil {
					out = map[string]string{}
				}
				out[p] = v
			}
		}
	}
	return out
}

// TestConformanceUpdateExpressions covers UpdateItem's SET / REMOVE / ADD /
// DELETE semantics and its expression errors.
func TestConformanceUpdateExpressions(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	table := tg.createTable(t, tableDef{hash: keyS("pk")})

	base := item{
		"n":  avN("10"),
		"s":  avS("str"),
		"l":  avL(avS("a"), avS("b"), avS("c")),
		"m":  avM(item{"x": avN("1"), "y": avM(item{"z": avN("2")})}),
		"ss": avSS("a", "b"),
		"ns": avNS("1", "2"),
		"bs": avBS([]byte{1}, []byte{2}),
	}
	values := item{
		":v":     avS("x"),
		":w":     avS("y"),
		":inc":   avN("5"),
		":neg":   avN("-10.5"),
		":big":   avN("15"),
		":one":   avN("1"),
		":zero":  avN("0"),
		":a":     avN("0.1"),
		":b":     avN("0.2"),
		":nines": avN(strings.Repeat("9", 38)),
		":more":  avL(avS("d")),
		":more2": avL(avS("e"), avS("f")),
		":ssA":   avSS("a"),
		":ssAB":  avSS("a", "b"),
		":ssCD":  avSS("c", "d"),
		":ssZ":   avSS("z"),
		":ns1":   avNS("1"),
		":ns3":   avNS("3"),
		":bs3":   avBS([]byte{3}),
		":lst":   avL(avN("1")),
	}
	names := map[string]string{"#s": "s", "#m": "m", "#x": "x", "#n": "n"}

	// with returns base with the given attributes set.
	with := func(set item, remove ...string) item {
		out := copyItem(base, set)
		for _, r := range remove {
			delete(out, r)
		}
		return out
	}

	cases := []struct {
		name string
		expr string
		want item // full item without the key
	}{
		{"SET new attribute", "SET v = :v", with(item{"v": avS("x")})},
		{"SET replaces a value of another type", "SET n = :v", with(item{"n": avS("x")})},
		{"SET plus", "SET n = n + :inc", with(item{"n": avN("15")})},
		{"SET minus below zero", "SET n = n - :big", with(item{"n": avN("-5")})},
		{"SET exact decimal arithmetic", "SET d = :a + :b", with(item{"d": avN("0.3")})},
		{"SET 38-digit arithmetic", "SET d = :nines + :one", with(item{"d": avN("1" + strings.Repeat("0", 38))})},
		{"SET arithmetic on two paths", "SET d = n + n", with(item{"d": avN("20")})},
		{"SET list element", "SET l[1] = :v", with(item{"l": avL(avS("a"), avS("x"), avS("c"))})},
		{"SET list index beyond the end appends", "SET l[10] = :v", with(item{"l": avL(avS("a"), avS("b"), avS("c"), avS("x"))})},
		{"list_append at the end", "SET l = list_append(l, :more)", with(item{"l": avL(avS("a"), avS("b"), avS("c"), avS("d"))})},
		{"list_append at the front", "SET l = list_append(:more, l)", with(item{"l": avL(avS("d"), avS("a"), avS("b"), avS("c"))})},
		{"list_append of two values", "SET l2 = list_append(:more, :more2)", with(item{"l2": avL(avS("d"), avS("e"), avS("f"))})},
		{"if_not_exists on a missing attribute", "SET v = if_not_exists(v, :v)", with(item{"v": avS("x")})},
		{"if_not_exists on a present attribute", "SET n = if_not_exists(n, :v)", with(nil)},
		{"if_not_exists in arithmetic", "SET cnt = if_not_exists(cnt, :zero) + :one", with(item{"cnt": avN("1")})},
		{"SET nested map value", "SET m.x = :v", with(item{"m": avM(item{"x": avS("x"), "y": avM(item{"z": avN("2")})})})},
		{"SET new nested map key", "SET m.w = :v", with(item{"m": avM(item{"x": avN("1"), "w": avS("x"), "y": avM(item{"z": avN("2")})})})},
		{"SET deep arithmetic", "SET m.y.z = m.y.z + :inc", with(item{"m": avM(item{"x": avN("1"), "y": avM(item{"z": avN("7")})})})},
		{"SET copies a path", "SET c = m.y", with(item{"c": avM(item{"z": avN("2")})})},
		{"SET with name placeholders", "SET #s = :v, #m.#x = :w", with(item{"s": avS("x"), "m": avM(item{"x": avS("y"), "y": avM(item{"z": avN("2")})})})},
		{"SET two attributes", "SET a1 = :v, a2 = :w", with(item{"a1": avS("x"), "a2": avS("y")})},
		{"keywords are case-insensitive", "set v = :v remove s", with(item{"v": avS("x")}, "s")},
		{"clauses in any order", "REMOVE s SET v = :v", with(item{"v": avS("x")}, "s")},
		{"REMOVE attribute", "REMOVE s", with(nil, "s")},
		{"REMOVE several attributes", "REMOVE s, n, ss", with(nil, "s", "n", "ss")},
		{"REMOVE a missing attribute", "REMOVE nope", with(nil)},
		{"REMOVE list element shifts the rest", "REMOVE l[0]", with(item{"l": avL(avS("b"), avS("c"))})},
		{"REMOVE two list elements by original index", "REMOVE l[0], l[2]", with(item{"l": avL(avS("b"))})},
		{"REMOVE list index beyond the end", "REMOVE l[10]", with(nil)},
		{"REMOVE nested map key", "REMOVE m.y.z", with(item{"m": avM(item{"x": avN("1"), "y": avM(nil)})})},
		{"ADD to a number", "ADD n :inc", with(item{"n": avN("15")})},
		{"ADD a negative decimal", "ADD n :neg", with(item{"n": avN("-0.5")})},
		{"ADD creates a number", "ADD cnt :inc", with(item{"cnt": avN("5")})},
		{"ADD to a string set", "ADD ss :ssCD", with(item{"ss": avSS("a", "b", "c", "d")})},
		{"ADD an existing member", "ADD ss :ssA", with(nil)},
		{"ADD creates a set", "ADD ss2 :ssCD", with(item{"ss2": avSS("c", "d")})},
		{"ADD to a number set", "ADD ns :ns3", with(item{"ns": avNS("1", "2", "3")})},
		{"ADD to a binary set", "ADD bs :bs3", with(item{"bs": avBS([]byte{1}, []byte{2}, []byte{3})})},
		{"DELETE from a string set", "DELETE ss :ssA", with(item{"ss": avSS("b")})},
		{"DELETE every member removes the attribute", "DELETE ss :ssAB", with(nil, "ss")},
		{"DELETE an absent member", "DELETE ss :ssZ", with(nil)},
		{"DELETE from a missing attribute", "DELETE nope :ssA", with(nil)},
		{"DELETE from a number set", "DELETE ns :ns1", with(item{"ns": avNS("2")})},
		{"all four clauses", "SET v = :v REMOVE s ADD n :inc DELETE ss :ssA", with(item{"v": avS("x"), "n": avN("15"), "ss": avSS("b")}, "s")},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := item{"pk": avS(fmt.Sprintf("upd-%d", i))}
			tg.put(t, table, copyItem(key, base))
			in := &dynamodb.UpdateItemInput{
				TableName: aws.String(table), Key: key, UpdateExpression: aws.String(c.expr),
				ExpressionAttributeValues: usedValues(values, c.expr),
				ExpressionAttributeNames:  usedNames(names, c.expr),
				ReturnValues:              types.ReturnValueAllNew,
			}
			out, err := tg.client.UpdateItem(t.Context(), in)
			requireNoErr(t, err, "UpdateItem "+c.expr)
			want := copyItem(key, c.want)
			requireItem(t, out.Attributes, want, "ALL_NEW")
			tg.requireStored(t, table, key, want)
		})
	}

	t.Run("upsert", func(t *testing.T) {
		key := item{"pk": avS("upsert")}
		_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
			TableName: aws.String(table), Key: key, UpdateExpression: aws.String("SET a = :v ADD cnt :one"),
			ExpressionAttributeValues: item{":v": avS("x"), ":one": avN("1")},
		})
		requireNoErr(t, err, "UpdateItem upsert")
		tg.requireStored(t, table, key, copyItem(key, item{"a": avS("x"), "cnt": avN("1")}))

		missing := item{"pk": avS("upsert-conditional")}
		_, err = tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
			TableName: aws.String(table), Key: missing, UpdateExpression: aws.String("SET a = :v"),
			ConditionExpression: aws.String("attribute_exists(pk)"), ExpressionAttributeValues: item{":v": avS("x")},
		})
		requireConditionalFailed(t, err)
		tg.requireStored(t, table, missing, nil)
	})

	errCases := []struct {
		name      string
		expr      string
		names     map[string]string // exact names to send (nil: derived)
		values    item              // exact values to send (nil: derived)
		fragments []string
	}{
		{name: "overlapping paths: map and member", expr: "SET m = :v, m.x = :w",
			fragments: []string{"Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, x]"}},
		{name: "overlapping paths: SET and REMOVE", expr: "SET s = :v REMOVE s", fragments: []string{"Two document paths overlap with each other"}},
		{name: "overlapping paths: same list element", expr: "SET l[0] = :v, l[0] = :w", fragments: []string{"Two document paths overlap with each other"}},
		{name: "overlapping paths: ADD and SET", expr: "SET n = :v ADD n :inc", fragments: []string{"Two document paths overlap with each other"}},
		{name: "updating the hash key", expr: "SET pk = :v", fragments: []string{"Cannot update attribute pk. This attribute is part of the key"}},
		{name: "removing the hash key", expr: "REMOVE pk", fragments: []string{"Cannot update attribute pk. This attribute is part of the key"}},
		{name: "unused value", expr: "SET s = :v", values: item{":v": avS("x"), ":unused": avS("u")},
			fragments: []string{"Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"}},
		{name: "unused name", expr: "SET s = :v", names: map[string]string{"#unused": "u"},
			fragments: []string{"Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}"}},
		{name: "undefined value", expr: "SET s = :nope",
			fragments: []string{"Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope"}},
		{name: "undefined name", expr: "SET #nope = :v",
			fragments: []string{"An expression attribute name used in the document path is not defined; attribute name: #nope"}},
		{name: "ADD to a string", expr: "ADD s :inc", fragments: []string{"An operand in the update expression has an incorrect data type"}},
		{name: "ADD a list", expr: "ADD l :lst"},
		{name: "DELETE from a string", expr: "DELETE s :ssA", fragments: []string{"An operand in the update expression has an incorrect data type"}},
		{name: "DELETE a number set from a string set", expr: "DELETE ss :ns1", fragments: []string{"An operand in the update expression has an incorrect data type"}},
		{name: "arithmetic on a string attribute", expr: "SET n = s + :inc", fragments: []string{"An operand in the update expression has an incorrect data type"}},
		{name: "list_append of a non-list value", expr: "SET l = list_append(l, :v)", fragments: []string{"Incorrect operand type for operator or function"}},
		{name: "arithmetic on a missing attribute", expr: "SET n = nope + :inc",
			fragments: []string{"The provided expression refers to an attribute that does not exist in the item"}},
		{name: "SET under a missing map", expr: "SET nope.x = :v",
			fragments: []string{"The document path provided in the update expression is invalid for update"}},
		{name: "SET a member of a string", expr: "SET s.x = :v",
			fragments: []string{"The document path provided in the update expression is invalid for update"}},
		{name: "SET section twice", expr: "SET s = :v SET v = :w", fragments: []string{`The "SET" section can only be used once in an update expression`}},
		{name: "syntax error", expr: "SET s :v", fragments: []string{"Invalid UpdateExpression: Syntax error"}},
		{name: "empty expression", expr: "", fragments: []string{"Invalid UpdateExpression: The expression can not be empty"}},
		{name: "unknown function", expr: "SET s = frobnicate(:v)", fragments: []string{"Invalid UpdateExpression: Invalid function name; function: frobnicate"}},
	}
	reserved := []string{"status", "name", "data", "date", "count", "comment", "year", "timestamp", "size", "key", "value", "user", "action", "counter"}
	for _, w := range reserved {
		errCases = append(errCases, struct {
			name      string
			expr      string
			names     map[string]string
			values    item
			fragments []string
		}{name: "reserved word " + w, expr: "SET " + w + " = :v",
			fragments: []string{"Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: " + w}})
	}
	for i, c := range errCases {
		t.Run("error/"+c.name, func(t *testing.T) {
			key := item{"pk": avS(fmt.Sprintf("upd-err-%d", i))}
			stored := copyItem(key, base)
			tg.put(t, table, stored)
			in := &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key, UpdateExpression: aws.String(c.expr)}
			in.ExpressionAttributeValues = c.values
			if in.ExpressionAttributeValues == nil {
				in.ExpressionAttributeValues = usedValues(values, c.expr)
			}
			in.ExpressionAttributeNames = c.names
			if in.ExpressionAttributeNames == nil {
				in.ExpressionAttributeNames = usedNames(names, c.expr)
			}
			_, err := tg.client.UpdateItem(t.Context(), in)
			requireValidation(t, err, c.fragments...)
			tg.requireStored(t, table, key, stored)
		})
	}
	t.Run("error/name placeholder avoids the reserved word", func(t *testing.T) {
		key := item{"pk": avS("upd-reserved-ok")}
		_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
			TableName: aws.String(table), Key: key, UpdateExpression: aws.String("SET #st = :v"),
			ExpressionAttributeNames: map[string]string{"#st": "status"}, ExpressionAttributeValues: item{":v": avS("x")},
		})
		requireNoErr(t, err, "UpdateItem with #st")
		tg.requireStored(t, table, key, copyItem(key, item{"status": avS("x")}))
	})
}

// TestConformanceConditions evaluates a battery of ConditionExpressions
// against one item: comparators, BETWEEN, IN, AND/OR/NOT precedence, the
// functions, and DynamoDB's semantics for missing attributes and mismatched
// types.
func TestConformanceConditions(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	table := tg.createTable(t, tableDef{hash: keyS("pk")})

	stored := item{
		"pk":     avS("cond"),
		"n":      avN("10"),
		"dnum":   avN("1.50"),
		"s":      avS("hello"),
		"s2":     avS("Zebra"),
		"b":      avB([]byte{1, 2}),
		"t":      avBool(true),
		"nul":    avNull(),
		"l":      avL(avN("1"), avS("two"), avL(avN("3"))),
		"m":      avM(item{"x": avN("1"), "y": avM(item{"z": avS("deep")})}),
		"ss":     avSS("a", "b", "c"),
		"ns":     avNS("1", "2"),
		"emptyS": avS(""),
		"h-h":    avS("dash"),
	}
	tg.put(t, table, stored)
	stored["dnum"] = avN("1.5") // as DynamoDB returns it
	key := item{"pk": avS("cond")}

	values := item{
		":zero": avN("0"), ":one": avN("1"), ":two": avN("2"), ":three": avN("3"), ":five": avN("5"),
		":nine": avN("9"), ":ten": avN("10"), ":tenDec": avN("10.0"), ":eleven": avN("11"), ":twenty": avN("20"),
		":onePointFive": avN("1.5"), ":decExp": avN("15E-1"), ":bigNeg": avN("-1E+100"),
		":hello": avS("hello"), ":world": avS("world"), ":he": avS("he"), ":lo": avS("lo"), ":ell": avS("ell"),
		":a": avS("a"), ":z": avS("z"), ":twoS": avS("two"), ":empty": avS(""),
		":typeN": avS("N"), ":typeS": avS("S"), ":typeNULL": avS("NULL"), ":typeL": avS("L"), ":typeM": avS("M"),
		":typeSS": avS("SS"), ":typeBOOL": avS("BOOL"),
		":true": avBool(true), ":false": avBool(false),
		":ssSame": avSS("c", "a", "b"), ":ssOther": avSS("a", "b"),
		":mSame": avM(item{"y": avM(item{"z": avS("deep")}), "x": avN("1")}),
		":lSame": avL(avN("1"), avS("two"), avL(avN("3"))),
		":bSame": avB([]byte{1, 2}), ":bHigh": avB([]byte{0x80}), ":bLow": avB([]byte{0, 0xff}),
	}
	names := map[string]string{"#n": "n", "#h": "h-h", "#m": "m", "#y": "y"}

	cases := []struct {
		cond string
		want bool
	}{
		{"n = :ten", true},
		{"n = :tenDec", true},
		{"dnum = :onePointFive", true},
		{"dnum = :decExp", true},
		{"n <> :ten", false},
		{"n <> :one", true},
		{"n < :eleven", true},
		{"n < :ten", false},
		{"n <= :ten", true},
		{"n > :ten", false},
		{"n > :nine", true},
		{"n >= :ten", true},
		{"n > :bigNeg", true},
		{"dnum < n", true},
		{"n BETWEEN :five AND :ten", true},
		{"n BETWEEN :ten AND :twenty", true},
		{"n BETWEEN :eleven AND :twenty", false},
		{"n IN (:one, :ten)", true},
		{"n IN (:one, :five)", false},
		{"s IN (:hello)", true},
		{"s = :hello", true},
		{"s < :world", true},
		{"s2 < s", true},
		{"s BETWEEN :he AND :world", true},
		{"begins_with(s, :he)", true},
		{"begins_with(s, :lo)", false},
		{"begins_with(n, :he)", false},
		{"contains(s, :ell)", true},
		{"contains(s, :z)", false},
		{"contains(ss, :a)", true},
		{"contains(ss, :z)", false},
		{"contains(ns, :one)", true},
		{"contains(l, :twoS)", true},
		{"contains(l, :three)", false},
		{"contains(n, :one)", false},
		{"size(s) = :five", true},
		{"size(l) = :three", true},
		{"size(m) = :two", true},
		{"size(ss) = :three", true},
		{"size(b) = :two", true},
		{"size(emptyS) = :zero", true},
		{"size(nope) >= :zero", false},
		{"attribute_exists(m.y.z)", true},
		{"attribute_exists(m.y.q)", false},
		{"attribute_exists(l[2][0])", true},
		{"attribute_exists(l[3])", false},
		{"attribute_exists(nul)", true},
		{"attribute_not_exists(nope)", true},
		{"attribute_not_exists(s)", false},
		{"attribute_type(n, :typeN)", true},
		{"attribute_type(n, :typeS)", false},
		{"attribute_type(nul, :typeNULL)", true},
		{"attribute_type(l, :typeL)", true},
		{"attribute_type(m, :typeM)", true},
		{"attribute_type(ss, :typeSS)", true},
		{"attribute_type(t, :typeBOOL)", true},
		{"attribute_type(nope, :typeS)", false},
		{"m.x = :one", true},
		{"#m.#y.z = :z", false},
		{"l[0] = :one", true},
		{"l[2][0] = :three", true},
		{"l[5] = :one", false},
		{"#n = :ten", true},
		{"#h = :empty", false},
		{"t = :true", true},
		{"t = :false", false},
		{"emptyS = :empty", true},
		{"nope = :one", false},
		{"nope <> :one", true},
		{"nope < :one", false},
		{"s < :ten", false},
		{"s <> :ten", true},
		{"ss = :ssSame", true},
		{"ss = :ssOther", false},
		{"m = :mSame", true},
		{"l = :lSame", true},
		{"b = :bSame", true},
		{"b < :bHigh", true},
		{"b > :bLow", true},
		{"NOT n = :one", true},
		{"NOT (n = :ten)", false},
		{"NOT n = :one AND s = :world", false},
		{"n = :ten OR n = :one AND s = :world", true},
		{"(n = :ten OR n = :one) AND s = :world", false},
		{"n = :ten AND (s = :world OR s = :hello)", true},
		{"(n = :ten) AND NOT (s = :world)", true},
	}
	for _, c := range cases {
		t.Run(c.cond, func(t *testing.T) {
			_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
				TableName: aws.String(table), Key: key,
				UpdateExpression:          aws.String("SET touched = :true"),
				ConditionExpression:       aws.String(c.cond),
				ExpressionAttributeValues: usedValues(values, c.cond, ":true"),
				ExpressionAttributeNames:  usedNames(names, c.cond),
			})
			if c.want {
				requireNoErr(t, err, "condition should hold")
				// Undo, so every case sees the same item.
				_, err = tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
					TableName: aws.String(table), Key: key, UpdateExpression: aws.String("REMOVE touched"),
				})
				requireNoErr(t, err, "REMOVE touched")
			} else {
				requireConditionalFailed(t, err)
			}
			tg.requireStored(t, table, key, stored)
		})
	}

	errCases := []struct {
		name      string
		cond      string
		values    item
		fragments []string
	}{
		{"undefined value", "n = :nope", nil, []string{"An expression attribute value used in expression is not defined; attribute value: :nope"}},
		{"unused value", "n = :ten", item{":ten": avN("10"), ":spare": avN("1")}, []string{"Value provided in ExpressionAttributeValues unused in expressions: keys: {:spare}"}},
		{"reserved word", "status = :ten", nil, []string{"Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"}},
		{"unknown function", "frobnicate(n)", nil, []string{"Invalid ConditionExpression: Invalid function name; function: frobnicate"}},
		{"wrong number of operands", "begins_with(s)", nil, []string{"Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with"}},
		{"syntax error", "n = ", nil, []string{"Invalid ConditionExpression: Syntax error"}},
		{"redundant parentheses", "((n = :ten))", nil, []string{"Invalid ConditionExpression: The expression has redundant parentheses"}},
		{"empty", "", nil, []string{"Invalid ConditionExpression: The expression can not be empty"}},
		{"attribute_type with an invalid type", "attribute_type(n, :hello)", nil, []string{"Invalid ConditionExpression"}},
		{"IN with no operands", "n IN ()", nil, []string{"Invalid ConditionExpression"}},
		{"BETWEEN with its bounds reversed", "n BETWEEN :ten AND :one", nil, []string{"Invalid ConditionExpression"}},
	}
	for _, c := range errCases {
		t.Run("error/"+c.name, func(t *testing.T) {
			vals := c.values
			if vals == nil {
				vals = usedValues(values, c.cond)
			}
			_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{
				TableName: aws.String(table), Item: copyItem(stored, item{"s": avS("replaced")}),
				ConditionExpression: aws.String(c.cond), ExpressionAttributeValues: vals,
			})
			requireValidation(t, err, c.fragments...)
			tg.requireStored(t, table, key, stored)
		})
	}
}
