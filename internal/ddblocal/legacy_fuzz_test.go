package ddblocal_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

// The legacy parameters are held to the expression path: the fuzzer builds
// random ScanFilter conditions (and AttributeUpdates), writes the
// expression the developer guide gives as their equivalent, runs both
// through the SDK against the same data, and requires the same answer —
// the same items, or both rejected.
//
//	go test ./internal/ddblocal -run '^$' -fuzz FuzzLegacyFilter -fuzztime 60s
//	go test ./internal/ddblocal -run '^$' -fuzz FuzzLegacyUpdate -fuzztime 60s

// fuzzOperands are the values conditions and updates draw from: every type,
// with near and equal values so that comparisons go both ways.
var fuzzOperands = []types.AttributeValue{
	avS("a"), avS("ab"), avS("b"), avS(""), avN("1"), avN("2.5"), avN("-3"), avB([]byte{1}), avB([]byte{1, 2}),
	avBool(true), avNull(), avSS("a", "b"), avNS("1", "2"), avBS([]byte{1}), avL(avS("a"), avN("1")), avM(item{"a": avS("a")}),
}

var fuzzOps = []types.ComparisonOperator{
	types.ComparisonOperatorEq, types.ComparisonOperatorNe, types.ComparisonOperatorLe, types.ComparisonOperatorLt,
	types.ComparisonOperatorGe, types.ComparisonOperatorGt, types.ComparisonOperatorNotNull, types.ComparisonOperatorNull,
	types.ComparisonOperatorContains, types.ComparisonOperatorNotContains, types.ComparisonOperatorBeginsWith,
	types.ComparisonOperatorIn, types.ComparisonOperatorBetween,
}

var fuzzAttrs = []string{"a", "b", "c"}

// fuzzBytes hands out the fuzzer's bytes one at a time, then zeros.
type fuzzBytes []byte

func (b *fuzzBytes) next(n int) int {
	if len(*b) == 0 {
		return 0
	}
	v := (*b)[0]
	*b = (*b)[1:]
	return int(v) % n
}

// legacyEquivalent writes the expression the developer guide gives for one
// legacy condition on the attribute behind name, binding its values as
// :v<n>.
func legacyEquivalent(name string, op types.ComparisonOperator, vals []types.AttributeValue, values item) string {
	ph := func(v types.AttributeValue) string {
		k := fmt.Sprintf(":v%d", len(values))
		values[k] = v
		return k
	}
	switch op {
	case types.ComparisonOperatorNull:
		return "attribute_not_exists(" + name + ")"
	case types.ComparisonOperatorNotNull:
		return "attribute_exists(" + name + ")"
	case types.ComparisonOperatorContains:
		return "contains(" + name + ", " + ph(vals[0]) + ")"
	case types.ComparisonOperatorNotContains:
		return "NOT contains(" + name + ", " + ph(vals[0]) + ")"
	case types.ComparisonOperatorBeginsWith:
		return "begins_with(" + name + ", " + ph(vals[0]) + ")"
	case types.ComparisonOperatorBetween:
		return name + " BETWEEN " + ph(vals[0]) + " AND " + ph(vals[1])
	case types.ComparisonOperatorIn:
		var list []string
		for _, v := range vals {
			list = append(list, ph(v))
		}
		return name + " IN (" + strings.Join(list, ", ") + ")"
	}
	sym := map[types.ComparisonOperator]string{"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}[op]
	return name + " " + sym + " " + ph(vals[0])
}

func newFuzzTable(f *testing.F) (*target, string) {
	// The engine lives as long as the fuzz target, in-process whatever
	// the conformance endpoint: a fuzzer sends too much to a remote one.
	e := openEngine(f, ddblocal.Options{})
	tg := &target{engine: e, client: engineClient(e)}
	name := "fuzz_legacy"
	if _, err := tg.client.CreateTable(f.Context(), tableDef{hash: keyN("pk")}.input(name)); err != nil {
		f.Fatal(err)
	}
	return tg, name
}

func FuzzLegacyFilter(f *testing.F) {
	for _, s := range [][]byte{{0, 0, 0}, {1, 3, 4, 2, 5, 6}, {2, 12, 0, 1, 4, 1, 9, 11, 2, 1, 0}, {1, 11, 2, 0, 1, 6}} {
		f.Add(s)
	}
	tg, table := newFuzzTable(f)
	// Every operand value under every attribute, and items missing each.
	n := 0
	for i, v := range fuzzOperands {
		for j := range fuzzAttrs {
			it := item{"pk": avN(fmt.Sprint(n))}
			it[fuzzAttrs[j]] = v
			it[fuzzAttrs[(j+1)%len(fuzzAttrs)]] = fuzzOperands[(i+j+1)%len(fuzzOperands)]
			if _, err := tg.client.PutItem(f.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
				f.Fatal(err)
			}
			n++
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBytes(data)
		filter := map[string]types.Condition{}
		names := map[string]string{}
		values := item{}
		var parts []string
		for i, conds := 0, 1+b.next(3); i < conds; i++ {
			attr := fuzzAttrs[b.next(len(fuzzAttrs))]
			if _, dup := filter[attr]; dup {
				continue
			}
			op := fuzzOps[b.next(len(fuzzOps))]
			var vals []types.AttributeValue
			for j, nv := 0, b.next(4); j < nv; j++ {
				vals = append(vals, fuzzOperands[b.next(len(fuzzOperands))])
			}
			filter[attr] = types.Condition{ComparisonOperator: op, AttributeValueList: vals}
			names["#"+attr] = attr
			parts = append(parts, attr)
		}
		var op types.ConditionalOperator
		join := " AND "
		if len(filter) > 1 && b.next(2) == 1 {
			op, join = types.ConditionalOperatorOr, " OR "
		}
		legacy, lerr := tg.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(table), ScanFilter: filter, ConditionalOperator: op, ConsistentRead: aws.Bool(true)})
		if lerr != nil {
			// A legacy request may be refused (operand types, counts);
			// it must be a client error, never a fault.
			requireAPIErrorCode(t, lerr, "ValidationException")
			return
		}
		sort.Strings(parts)
		for i, attr := range parts {
			c := filter[attr]
			parts[i] = "(" + legacyEquivalent("#"+attr, c.ComparisonOperator, c.AttributeValueList, values) + ")"
		}
		in := &dynamodb.ScanInput{TableName: aws.String(table), FilterExpression: aws.String(strings.Join(parts, join)),
			ExpressionAttributeNames: names, ConsistentRead: aws.Bool(true)}
		if len(values) > 0 {
			in.ExpressionAttributeValues = values
		}
		exp, err := tg.client.Scan(t.Context(), in)
		if err != nil {
			t.Fatalf("legacy filter %s accepted, its expression %q refused: %v", describeFilter(filter, op), *in.FilterExpression, err)
		}
		if got, want := scanKeys(legacy.Items), scanKeys(exp.Items); got != want {
			t.Fatalf("legacy filter %s matched %s; expression %q matched %s", describeFilter(filter, op), got, *in.FilterExpression, want)
		}
	})
}

func FuzzLegacyUpdate(f *testing.F) {
	for _, s := range [][]byte{{0, 0, 0}, {2, 1, 4, 0, 2, 1, 11}, {1, 2, 14, 3}, {2, 0, 0, 1, 1, 3, 12}} {
		f.Add(s)
	}
	tg, table := newFuzzTable(f)
	tbl := aws.String(table)
	actions := []types.AttributeAction{types.AttributeActionPut, types.AttributeActionAdd, types.AttributeActionDelete}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBytes(data)
		start := item{}
		for _, a := range fuzzAttrs {
			if k := b.next(len(fuzzOperands) + 1); k < len(fuzzOperands) {
				start[a] = fuzzOperands[k]
			}
		}
		updates := map[string]types.AttributeValueUpdate{}
		names := map[string]string{}
		values := item{}
		clauses := map[string][]string{}
		for i, n := 0, 1+b.next(3); i < n; i++ {
			a := fuzzAttrs[b.next(len(fuzzAttrs))]
			if _, dup := updates[a]; dup {
				continue
			}
			u := types.AttributeValueUpdate{Action: actions[b.next(len(actions))]}
			if k := b.next(len(fuzzOperands) + 1); k < len(fuzzOperands) {
				u.Value = fuzzOperands[k]
			}
			updates[a] = u
			names["#"+a] = a
			ph := fmt.Sprintf(":v%d", len(values))
			switch {
			case u.Action == types.AttributeActionPut && u.Value != nil:
				values[ph] = u.Value
				clauses["SET"] = append(clauses["SET"], "#"+a+" = "+ph)
			case u.Action == types.AttributeActionDelete && u.Value == nil:
				clauses["REMOVE"] = append(clauses["REMOVE"], "#"+a)
			case u.Action == types.AttributeActionDelete:
				values[ph] = u.Value
				clauses["DELETE"] = append(clauses["DELETE"], "#"+a+" "+ph)
			case u.Value != nil:
				if _, isList := u.Value.(*types.AttributeValueMemberL); isList {
					values[ph] = u.Value
					values[ph+"e"] = avL()
					clauses["SET"] = append(clauses["SET"], "#"+a+" = list_append(if_not_exists(#"+a+", "+ph+"e), "+ph+")")
				} else {
					values[ph] = u.Value
					clauses["ADD"] = append(clauses["ADD"], "#"+a+" "+ph)
				}
			}
		}
		var expr []string
		for _, kw := range []string{"SET", "REMOVE", "ADD", "DELETE"} {
			if len(clauses[kw]) > 0 {
				expr = append(expr, kw+" "+strings.Join(clauses[kw], ", "))
			}
		}
		write := func(pk string) item {
			it := copyItem(start, item{"pk": avN(pk)})
			if _, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: it}); err != nil {
				t.Fatal(err)
			}
			return item{"pk": avN(pk)}
		}
		lk, ek := write("-1"), write("-2")
		_, lerr := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: lk, AttributeUpdates: updates})
		if lerr != nil {
			requireAPIErrorCode(t, lerr, "ValidationException")
			if len(expr) == 0 {
				return
			}
		}
		if len(expr) == 0 {
			t.Fatalf("AttributeUpdates %v accepted with no equivalent expression", updates)
		}
		in := &dynamodb.UpdateItemInput{TableName: tbl, Key: ek, UpdateExpression: aws.String(strings.Join(expr, " ")), ExpressionAttributeNames: names}
		if len(values) > 0 {
			in.ExpressionAttributeValues = values
		}
		_, eerr := tg.client.UpdateItem(t.Context(), in)
		if (lerr == nil) != (eerr == nil) {
			// The legacy validation refuses some updates the expression
			// grammar would parse (ADD of a string, say) only when the
			// expression path refuses them too, at run time.
			if lerr != nil && eerr == nil && legacyOnlyRefusal(updates) {
				return
			}
			t.Fatalf("AttributeUpdates error %v, expression %q error %v", lerr, *in.UpdateExpression, eerr)
		}
		if lerr != nil {
			return
		}
		got, want := tg.get(t, table, lk), tg.get(t, table, ek)
		delete(got, "pk")
		delete(want, "pk")
		if itemString(got) != itemString(want) {
			t.Fatalf("from %s, AttributeUpdates gave %s; expression %q gave %s", itemString(start), itemString(got), *in.UpdateExpression, itemString(want))
		}
	})
}

// legacyOnlyRefusal reports updates that AttributeUpdates' own rules refuse
// but an UpdateExpression may accept: DELETE with a value that is not a set
// and ADD of a type ADD does not take are refused up front there, while the
// expression path only fails when the types meet at run time.
func legacyOnlyRefusal(updates map[string]types.AttributeValueUpdate) bool {
	for _, u := range updates {
		if u.Value == nil {
			continue
		}
		switch u.Value.(type) {
		case *types.AttributeValueMemberSS, *types.AttributeValueMemberNS, *types.AttributeValueMemberBS:
			continue
		case *types.AttributeValueMemberN, *types.AttributeValueMemberL:
			if u.Action == types.AttributeActionDelete {
				return true
			}
			continue
		}
		if u.Action != types.AttributeActionPut {
			return true
		}
	}
	return false
}

func requireAPIErrorCode(t *testing.T, err error, code string) {
	t.Helper()
	requireAPIError(t, err, code)
}

func scanKeys(items []item) string {
	var keys []string
	for _, it := range items {
		keys = append(keys, avString(it["pk"]))
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func describeFilter(filter map[string]types.Condition, op types.ConditionalOperator) string {
	var parts []string
	for _, a := range sortedNames(filter) {
		c := filter[a]
		var vals []string
		for _, v := range c.AttributeValueList {
			vals = append(vals, avString(v))
		}
		parts = append(parts, fmt.Sprintf("%s %s %v", a, c.ComparisonOperator, vals))
	}
	return strings.Join(parts, " "+string(op)+" ")
}
