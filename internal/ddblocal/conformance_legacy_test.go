package ddblocal_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// The pre-expression ("legacy") API that older SDKs, DynamoDBMapper and many
// ORMs still send: Expected with ConditionalOperator, AttributeUpdates,
// AttributesToGet, KeyConditions, QueryFilter and ScanFilter.

// requireExactError fails unless err is an API error with exactly code and
// message.
func requireExactError(t *testing.T, err error, code, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s %q, got success", code, message)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %T: %v", code, err, err)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != message {
		t.Fatalf("got %s %q\nwant %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, message)
	}
}

func eqS(v string) types.Condition {
	return types.Condition{ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{avS(v)}}
}

func cond(op types.ComparisonOperator, vals ...types.AttributeValue) types.Condition {
	return types.Condition{ComparisonOperator: op, AttributeValueList: vals}
}

func expOp(op types.ComparisonOperator, vals ...types.AttributeValue) types.ExpectedAttributeValue {
	return types.ExpectedAttributeValue{ComparisonOperator: op, AttributeValueList: vals}
}

// TestConformanceLegacyWrites covers Expected, ConditionalOperator and
// AttributeUpdates on PutItem, UpdateItem and DeleteItem.
func TestConformanceLegacyWrites(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	table := tg.createTable(t, tableDef{hash: keyS("pk")})
	tbl := aws.String(table)
	base := item{"pk": avS("k"), "a": avS("x"), "n": avN("5"), "ss": avSS("p", "q"), "l": avL(avN("1"))}

	t.Run("Expected decides PutItem", func(t *testing.T) {
		cases := []struct {
			name     string
			expected map[string]types.ExpectedAttributeValue
			op       types.ConditionalOperator
			holds    bool
		}{
			{"Exists false on a missing attribute", map[string]types.ExpectedAttributeValue{"zz": {Exists: aws.Bool(false)}}, "", true},
			{"Exists false on a present attribute", map[string]types.ExpectedAttributeValue{"a": {Exists: aws.Bool(false)}}, "", false},
			{"Value equal", map[string]types.ExpectedAttributeValue{"a": {Value: avS("x")}}, "", true},
			{"Value equal with Exists true", map[string]types.ExpectedAttributeValue{"a": {Value: avS("x"), Exists: aws.Bool(true)}}, "", true},
			{"Value of another type", map[string]types.ExpectedAttributeValue{"n": {Value: avS("5")}}, "", false},
			{"EQ", map[string]types.ExpectedAttributeValue{"n": expOp(types.ComparisonOperatorEq, avN("5.0"))}, "", true},
			{"NE on a missing attribute", map[string]types.ExpectedAttributeValue{"zz": expOp(types.ComparisonOperatorNe, avN("5"))}, "", true},
			{"NE equal", map[string]types.ExpectedAttributeValue{"n": expOp(types.ComparisonOperatorNe, avN("5"))}, "", false},
			{"LT", map[string]types.ExpectedAttributeValue{"n": expOp(types.ComparisonOperatorLt, avN("6"))}, "", true},
			{"LE", map[string]types.ExpectedAttributeValue{"n": expOp(types.ComparisonOperatorLe, avN("4"))}, "", false},
			{"GT on a string", map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorGt, avS("w"))}, "", true},
			{"GE of another type", map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorGe, avN("1"))}, "", false},
			{"NOT_NULL", map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorNotNull)}, "", true},
			{"NULL", map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorNull)}, "", false},
			{"CONTAINS in a set", map[string]types.ExpectedAttributeValue{"ss": expOp(types.ComparisonOperatorContains, avS("q"))}, "", true},
			{"CONTAINS in a list", map[string]types.ExpectedAttributeValue{"l": expOp(types.ComparisonOperatorContains, avN("1"))}, "", true},
			{"NOT_CONTAINS substring", map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorNotContains, avS("x"))}, "", false},
			{"BEGINS_WITH", map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorBeginsWith, avS("x"))}, "", true},
			{"IN", map[string]types.ExpectedAttributeValue{"n": expOp(types.ComparisonOperatorIn, avN("1"), avN("5"))}, "", true},
			{"BETWEEN", map[string]types.ExpectedAttributeValue{"n": expOp(types.ComparisonOperatorBetween, avN("5"), avN("9"))}, "", true},
			{"Value with ComparisonOperator", map[string]types.ExpectedAttributeValue{"n": {ComparisonOperator: types.ComparisonOperatorGt, Value: avN("1")}}, "", true},
			{"AND of one true and one false", map[string]types.ExpectedAttributeValue{"a": {Value: avS("x")}, "n": {Value: avN("6")}}, types.ConditionalOperatorAnd, false},
			{"OR of one true and one false", map[string]types.ExpectedAttributeValue{"a": {Value: avS("x")}, "n": {Value: avN("6")}}, types.ConditionalOperatorOr, true},
			{"AND by default", map[string]types.ExpectedAttributeValue{"a": {Value: avS("x")}, "n": {Value: avN("6")}}, "", false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				tg.put(t, table, base)
				next := copyItem(base, item{"written": avBool(true)})
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: next, Expected: c.expected, ConditionalOperator: c.op})
				if c.holds {
					requireNoErr(t, err, "PutItem")
					tg.requireStored(t, table, item{"pk": avS("k")}, next)
					return
				}
				requireConditionalFailed(t, err)
				tg.requireStored(t, table, item{"pk": avS("k")}, base)
			})
		}
	})

	t.Run("Expected on a missing item", func(t *testing.T) {
		key := item{"pk": avS("absent")}
		_, err := tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: tbl, Key: key,
			Expected: map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(true), Value: avS("absent")}}})
		requireConditionalFailed(t, err)
		_, err = tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key,
			Expected: map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(false)}}})
		requireNoErr(t, err, "PutItem if not exists")
		tg.requireStored(t, table, key, key)
	})

	t.Run("AttributeUpdates", func(t *testing.T) {
		cases := []struct {
			name    string
			updates map[string]types.AttributeValueUpdate
			want    item
		}{
			{"PUT by default", map[string]types.AttributeValueUpdate{"a": {Value: avS("y")}}, copyItem(base, item{"a": avS("y")})},
			{"PUT a new attribute", map[string]types.AttributeValueUpdate{"b": {Action: types.AttributeActionPut, Value: avM(item{"c": avN("1")})}}, copyItem(base, item{"b": avM(item{"c": avN("1")})})},
			{"ADD to a number", map[string]types.AttributeValueUpdate{"n": {Action: types.AttributeActionAdd, Value: avN("-2.5")}}, copyItem(base, item{"n": avN("2.5")})},
			{"ADD to a missing number", map[string]types.AttributeValueUpdate{"m": {Action: types.AttributeActionAdd, Value: avN("3")}}, copyItem(base, item{"m": avN("3")})},
			{"ADD to a set", map[string]types.AttributeValueUpdate{"ss": {Action: types.AttributeActionAdd, Value: avSS("r")}}, copyItem(base, item{"ss": avSS("p", "q", "r")})},
			{"ADD to a list appends", map[string]types.AttributeValueUpdate{"l": {Action: types.AttributeActionAdd, Value: avL(avS("z"))}}, copyItem(base, item{"l": avL(avN("1"), avS("z"))})},
			{"ADD to a missing list", map[string]types.AttributeValueUpdate{"l2": {Action: types.AttributeActionAdd, Value: avL(avS("z"))}}, copyItem(base, item{"l2": avL(avS("z"))})},
			{"DELETE from a set", map[string]types.AttributeValueUpdate{"ss": {Action: types.AttributeActionDelete, Value: avSS("p")}}, copyItem(base, item{"ss": avSS("q")})},
			{"DELETE the attribute", map[string]types.AttributeValueUpdate{"a": {Action: types.AttributeActionDelete}}, func() item { it := copyItem(base); delete(it, "a"); return it }()},
			{"names are not paths", map[string]types.AttributeValueUpdate{"a.b": {Value: avS("dot")}}, copyItem(base, item{"a.b": avS("dot")})},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				tg.put(t, table, base)
				_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": avS("k")}, AttributeUpdates: c.updates})
				requireNoErr(t, err, "UpdateItem")
				tg.requireStored(t, table, item{"pk": avS("k")}, c.want)
			})
		}
	})

	t.Run("AttributeUpdates with Expected and ReturnValues", func(t *testing.T) {
		tg.put(t, table, base)
		out, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": avS("k")},
			AttributeUpdates: map[string]types.AttributeValueUpdate{"n": {Action: types.AttributeActionAdd, Value: avN("1")}},
			Expected:         map[string]types.ExpectedAttributeValue{"n": {Value: avN("5")}},
			ReturnValues:     types.ReturnValueUpdatedNew})
		requireNoErr(t, err, "UpdateItem")
		requireItem(t, out.Attributes, item{"n": avN("6")}, "UPDATED_NEW")
		_, err = tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": avS("k")},
			AttributeUpdates: map[string]types.AttributeValueUpdate{"n": {Action: types.AttributeActionAdd, Value: avN("1")}},
			Expected:         map[string]types.ExpectedAttributeValue{"n": {Value: avN("5")}}})
		requireConditionalFailed(t, err)
		tg.requireStored(t, table, item{"pk": avS("k")}, copyItem(base, item{"n": avN("6")}))
	})

	t.Run("AttributeUpdates creates the item", func(t *testing.T) {
		key := item{"pk": avS("fresh")}
		_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: key,
			AttributeUpdates: map[string]types.AttributeValueUpdate{"c": {Action: types.AttributeActionAdd, Value: avN("1")}, "gone": {Action: types.AttributeActionDelete}}})
		requireNoErr(t, err, "UpdateItem")
		tg.requireStored(t, table, key, item{"pk": avS("fresh"), "c": avN("1")})
	})

	t.Run("errors", func(t *testing.T) {
		key := item{"pk": avS("k")}
		const invalid = "One or more parameter values were invalid: "
		cases := []struct {
			name string
			call func() error
			msg  string
		}{
			{"Expected with ConditionExpression", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, ConditionExpression: aws.String("attribute_exists(pk)"),
					Expected: map[string]types.ExpectedAttributeValue{"a": {Value: avS("x")}}, ConditionalOperator: types.ConditionalOperatorAnd})
				return err
			}, "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected, ConditionalOperator} Expression parameters: {ConditionExpression}"},
			{"AttributeUpdates and Expected with expressions", func() error {
				_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: key,
					AttributeUpdates: map[string]types.AttributeValueUpdate{"a": {Value: avS("v")}}, Expected: map[string]types.ExpectedAttributeValue{"a": {Value: avS("x")}},
					ConditionalOperator: types.ConditionalOperatorAnd, UpdateExpression: aws.String("SET a = :v"), ConditionExpression: aws.String("attribute_exists(pk)"),
					ExpressionAttributeValues: item{":v": avS("x")}})
				return err
			}, "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates, Expected, ConditionalOperator} Expression parameters: {UpdateExpression, ConditionExpression}"},
			{"ConditionalOperator without Expected", func() error {
				_, err := tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: tbl, Key: key, ConditionalOperator: types.ConditionalOperatorAnd})
				return err
			}, "ConditionalOperator cannot be used without Filter or Expected"},
			{"ConditionalOperator with one condition", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, ConditionalOperator: types.ConditionalOperatorOr,
					Expected: map[string]types.ExpectedAttributeValue{"a": {Value: avS("x")}}})
				return err
			}, "ConditionalOperator can only be used when Filter or Expected has two or more elements"},
			{"unknown ConditionalOperator", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, ConditionalOperator: "XOR",
					Expected: map[string]types.ExpectedAttributeValue{"a": {Value: avS("x")}, "b": {Value: avS("x")}}})
				return err
			}, "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"},
			{"unknown ComparisonOperator", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key,
					Expected: map[string]types.ExpectedAttributeValue{"a": expOp("LIKE", avS("x"))}})
				return err
			}, "1 validation error detected: Value 'LIKE' at 'expected.a.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"},
			{"Exists true without Value", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, Expected: map[string]types.ExpectedAttributeValue{"a": {Exists: aws.Bool(true)}}})
				return err
			}, invalid + "Value must be provided when Exists is true for Attribute: a"},
			{"nothing in a condition", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, Expected: map[string]types.ExpectedAttributeValue{"a": {}}})
				return err
			}, invalid + "Value must be provided when Exists is null for Attribute: a"},
			{"Exists false with Value", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, Expected: map[string]types.ExpectedAttributeValue{"a": {Exists: aws.Bool(false), Value: avS("x")}}})
				return err
			}, invalid + "Value cannot be used when Exists is false for Attribute: a"},
			{"Exists with ComparisonOperator", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key,
					Expected: map[string]types.ExpectedAttributeValue{"a": {Exists: aws.Bool(true), ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{avS("x")}}}})
				return err
			}, invalid + "Exists and ComparisonOperator cannot be used together for Attribute: a"},
			{"Value with AttributeValueList", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key,
					Expected: map[string]types.ExpectedAttributeValue{"a": {Value: avS("x"), ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{avS("x")}}}})
				return err
			}, invalid + "Value and AttributeValueList cannot be used together for Attribute: a"},
			{"AttributeValueList without ComparisonOperator", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key,
					Expected: map[string]types.ExpectedAttributeValue{"a": {AttributeValueList: []types.AttributeValue{avS("x")}}}})
				return err
			}, invalid + "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"},
			{"ComparisonOperator without values", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, Expected: map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorGt)}})
				return err
			}, invalid + "Value or AttributeValueList must be used with ComparisonOperator: GT for Attribute: a"},
			{"wrong number of values", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, Expected: map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorBetween, avS("x"))}})
				return err
			}, invalid + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
			{"values for NULL", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, Expected: map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorNull, avS("x"))}})
				return err
			}, invalid + "Invalid number of argument(s) for the NULL ComparisonOperator"},
			{"values of two types", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, Expected: map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorIn, avS("x"), avN("1"))}})
				return err
			}, invalid + "AttributeValues inside AttributeValueList must be of same type"},
			{"a set for LT", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, Expected: map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorLt, avSS("x"))}})
				return err
			}, invalid + "ComparisonOperator LT is not valid for SS AttributeValue type"},
			{"BETWEEN bounds reversed", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, Expected: map[string]types.ExpectedAttributeValue{"a": expOp(types.ComparisonOperatorBetween, avN("9"), avN("1"))}})
				return err
			}, "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"},
			{"PUT without a value", func() error {
				_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: key, AttributeUpdates: map[string]types.AttributeValueUpdate{"a": {Action: types.AttributeActionPut}}})
				return err
			}, invalid + "Only DELETE action is allowed when no attribute value is specified"},
			{"DELETE with a scalar", func() error {
				_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: key, AttributeUpdates: map[string]types.AttributeValueUpdate{"a": {Action: types.AttributeActionDelete, Value: avS("x")}}})
				return err
			}, invalid + "DELETE action with value is not supported for the type S"},
			{"ADD a string", func() error {
				_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: key, AttributeUpdates: map[string]types.AttributeValueUpdate{"a": {Action: types.AttributeActionAdd, Value: avS("x")}}})
				return err
			}, invalid + "ADD action is not supported for the type S"},
			{"unknown Action", func() error {
				_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: key, AttributeUpdates: map[string]types.AttributeValueUpdate{"a": {Action: "REPLACE", Value: avS("x")}}})
				return err
			}, "1 validation error detected: Value 'REPLACE' at 'attributeUpdates.a.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"},
			{"update of a key attribute", func() error {
				_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: key, AttributeUpdates: map[string]types.AttributeValueUpdate{"pk": {Value: avS("x")}}})
				return err
			}, invalid + "Cannot update attribute pk. This attribute is part of the key"},
			{"placeholders without expressions", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: key, Expected: map[string]types.ExpectedAttributeValue{"a": {Exists: aws.Bool(false)}},
					ExpressionAttributeValues: item{":v": avS("x")}})
				return err
			}, "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"},
			{"invalid legacy request on a missing table", func() error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(uniqueTableName()), Item: key, ConditionalOperator: types.ConditionalOperatorAnd})
				return err
			}, "ConditionalOperator cannot be used without Filter or Expected"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				requireExactError(t, c.call(), "ValidationException", c.msg)
			})
		}
	})
}

// TestConformanceLegacyReads covers AttributesToGet, KeyConditions,
// QueryFilter and ScanFilter.
func TestConformanceLegacyReads(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	table := tg.createTable(t, tableDef{hash: keyS("pk"), rng: rangeKey(keyN("sk"))})
	tbl := aws.String(table)
	var items []item
	for i, tag := range []string{"red", "green", "blue", "red", "amber"} {
		it := item{"pk": avS("p"), "sk": avN(string(rune('1' + i))), "tag": avS(tag), "n": avN(string(rune('1' + i)))}
		if i%2 == 0 {
			it["even"] = avBool(true)
		}
		items = append(items, it)
	}
	items = append(items, item{"pk": avS("q"), "sk": avN("1"), "tag": avS("red")})
	tg.batchPut(t, table, items)
	sks := func(its []item) string {
		var out []string
		for _, it := range its {
			out = append(out, it["pk"].(*types.AttributeValueMemberS).Value+avString(it["sk"]))
		}
		return strings.Join(out, " ")
	}

	t.Run("GetItem AttributesToGet", func(t *testing.T) {
		out, err := tg.client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": avS("p"), "sk": avN("1")}, AttributesToGet: []string{"tag", "missing"}})
		requireNoErr(t, err, "GetItem")
		requireItem(t, out.Item, item{"tag": avS("red")}, "projected item")
	})
	t.Run("BatchGetItem AttributesToGet", func(t *testing.T) {
		out, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			table: {Keys: []item{{"pk": avS("p"), "sk": avN("2")}}, AttributesToGet: []string{"tag"}}}})
		requireNoErr(t, err, "BatchGetItem")
		if got := out.Responses[table]; len(got) != 1 {
			t.Fatalf("got %d items", len(got))
		} else {
			requireItem(t, got[0], item{"tag": avS("green")}, "projected item")
		}
	})

	t.Run("Query", func(t *testing.T) {
		cases := []struct {
			name    string
			keys    map[string]types.Condition
			filter  map[string]types.Condition
			op      types.ConditionalOperator
			forward *bool
			want    string
		}{
			{"hash only", map[string]types.Condition{"pk": eqS("p")}, nil, "", nil, "p{N:1} p{N:2} p{N:3} p{N:4} p{N:5}"},
			{"descending", map[string]types.Condition{"pk": eqS("q")}, nil, "", aws.Bool(false), "q{N:1}"},
			{"BETWEEN on the sort key", map[string]types.Condition{"pk": eqS("p"), "sk": cond(types.ComparisonOperatorBetween, avN("2"), avN("4"))}, nil, "", nil, "p{N:2} p{N:3} p{N:4}"},
			{"GT on the sort key", map[string]types.Condition{"pk": eqS("p"), "sk": cond(types.ComparisonOperatorGt, avN("3"))}, nil, "", nil, "p{N:4} p{N:5}"},
			{"LE on the sort key", map[string]types.Condition{"pk": eqS("p"), "sk": cond(types.ComparisonOperatorLe, avN("2"))}, nil, "", nil, "p{N:1} p{N:2}"},
			{"QueryFilter", map[string]types.Condition{"pk": eqS("p")}, map[string]types.Condition{"tag": eqS("red")}, "", nil, "p{N:1} p{N:4}"},
			{"QueryFilter OR", map[string]types.Condition{"pk": eqS("p")}, map[string]types.Condition{"tag": eqS("blue"), "even": cond(types.ComparisonOperatorNotNull)}, types.ConditionalOperatorOr, nil, "p{N:1} p{N:3} p{N:5}"},
			{"QueryFilter AND", map[string]types.Condition{"pk": eqS("p")}, map[string]types.Condition{"tag": eqS("red"), "even": cond(types.ComparisonOperatorNull)}, types.ConditionalOperatorAnd, nil, "p{N:4}"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				out, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: tbl, KeyConditions: c.keys, QueryFilter: c.filter, ConditionalOperator: c.op, ScanIndexForward: c.forward, ConsistentRead: aws.Bool(true)})
				requireNoErr(t, err, "Query")
				if got := sks(out.Items); got != c.want {
					t.Fatalf("items %s, want %s", got, c.want)
				}
			})
		}
	})

	t.Run("KeyConditions with the expressions it may mix with", func(t *testing.T) {
		out, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: tbl, KeyConditions: map[string]types.Condition{"pk": eqS("p")},
			FilterExpression: aws.String("tag = :t"), ProjectionExpression: aws.String("sk"), ExpressionAttributeValues: item{":t": avS("green")}})
		requireNoErr(t, err, "Query")
		if len(out.Items) != 1 {
			t.Fatalf("got %d items, want 1", len(out.Items))
		}
		requireItem(t, out.Items[0], item{"sk": avN("2")}, "projected item")
	})

	t.Run("Scan", func(t *testing.T) {
		cases := []struct {
			name   string
			filter map[string]types.Condition
			op     types.ConditionalOperator
			want   int32
		}{
			{"EQ", map[string]types.Condition{"tag": eqS("red")}, "", 3},
			{"NE with a BOOL operand", map[string]types.Condition{"even": cond(types.ComparisonOperatorNe, avBool(true))}, "", 0},
			{"NE on a missing attribute", map[string]types.Condition{"even": cond(types.ComparisonOperatorNe, avN("1"))}, "", 6},
			{"NE", map[string]types.Condition{"tag": cond(types.ComparisonOperatorNe, avS("red"))}, "", 3},
			{"BEGINS_WITH", map[string]types.Condition{"tag": cond(types.ComparisonOperatorBeginsWith, avS("r"))}, "", 3},
			{"CONTAINS", map[string]types.Condition{"tag": cond(types.ComparisonOperatorContains, avS("r"))}, "", 5},
			{"NOT_CONTAINS", map[string]types.Condition{"tag": cond(types.ComparisonOperatorNotContains, avS("r"))}, "", 1},
			{"IN", map[string]types.Condition{"tag": cond(types.ComparisonOperatorIn, avS("blue"), avS("amber"))}, "", 2},
			{"NULL", map[string]types.Condition{"even": cond(types.ComparisonOperatorNull)}, "", 3},
			{"GE", map[string]types.Condition{"n": cond(types.ComparisonOperatorGe, avN("4"))}, "", 2},
			{"LT", map[string]types.Condition{"n": cond(types.ComparisonOperatorLt, avN("2"))}, "", 1},
			{"OR", map[string]types.Condition{"tag": eqS("amber"), "pk": eqS("q")}, types.ConditionalOperatorOr, 2},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				out, err := tg.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: tbl, ScanFilter: c.filter, ConditionalOperator: c.op, ConsistentRead: aws.Bool(true)})
				if c.name == "NE with a BOOL operand" {
					// BOOL is not a legacy EQ/NE operand type.
					requireExactError(t, err, "ValidationException", "One or more parameter values were invalid: ComparisonOperator NE is not valid for BOOL AttributeValue type")
					return
				}
				requireNoErr(t, err, "Scan")
				if out.Count != c.want || out.ScannedCount != 6 {
					t.Fatalf("Count %d ScannedCount %d, want %d and 6", out.Count, out.ScannedCount, c.want)
				}
			})
		}
	})

	t.Run("Scan AttributesToGet", func(t *testing.T) {
		out, err := tg.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: tbl, AttributesToGet: []string{"pk"}, ScanFilter: map[string]types.Condition{"pk": eqS("q")}})
		requireNoErr(t, err, "Scan")
		if len(out.Items) != 1 {
			t.Fatalf("got %d items", len(out.Items))
		}
		requireItem(t, out.Items[0], item{"pk": avS("q")}, "projected item")
	})

	t.Run("errors", func(t *testing.T) {
		const invalid = "One or more parameter values were invalid: "
		query := func(in *dynamodb.QueryInput) func() error {
			return func() error {
				if in.TableName == nil {
					in.TableName = tbl
				}
				_, err := tg.client.Query(t.Context(), in)
				return err
			}
		}
		scan := func(in *dynamodb.ScanInput) func() error {
			return func() error {
				if in.TableName == nil {
					in.TableName = tbl
				}
				_, err := tg.client.Scan(t.Context(), in)
				return err
			}
		}
		cases := []struct {
			name string
			call func() error
			msg  string
		}{
			{"no key condition", query(&dynamodb.QueryInput{}), "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."},
			{"KeyConditions with KeyConditionExpression", query(&dynamodb.QueryInput{KeyConditions: map[string]types.Condition{"pk": eqS("p")}, QueryFilter: map[string]types.Condition{"tag": eqS("red")},
				ConditionalOperator: types.ConditionalOperatorAnd, KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("tag = :v"), ProjectionExpression: aws.String("tag"),
				ExpressionAttributeValues: item{":p": avS("p"), ":v": avS("red")}}),
				"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {QueryFilter, ConditionalOperator, KeyConditions} Expression parameters: {ProjectionExpression, FilterExpression, KeyConditionExpression}"},
			{"AttributesToGet with ProjectionExpression", query(&dynamodb.QueryInput{KeyConditions: map[string]types.Condition{"pk": eqS("p")}, AttributesToGet: []string{"tag"}, ProjectionExpression: aws.String("tag")}),
				"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"},
			{"ConditionalOperator before the missing key condition", query(&dynamodb.QueryInput{ConditionalOperator: types.ConditionalOperatorAnd}), "ConditionalOperator cannot be used without Filter or Expected"},
			{"ConditionalOperator with one filter condition", query(&dynamodb.QueryInput{KeyConditions: map[string]types.Condition{"pk": eqS("p")}, QueryFilter: map[string]types.Condition{"tag": eqS("red")}, ConditionalOperator: types.ConditionalOperatorAnd}),
				"ConditionalOperator can only be used when Filter or Expected has two or more elements"},
			{"three key conditions", query(&dynamodb.QueryInput{KeyConditions: map[string]types.Condition{"pk": eqS("p"), "sk": cond(types.ComparisonOperatorEq, avN("1")), "tag": eqS("x")}}), "Conditions can be of length 1 or 2 only"},
			{"non-indexable operator", query(&dynamodb.QueryInput{KeyConditions: map[string]types.Condition{"pk": eqS("p"), "sk": cond(types.ComparisonOperatorNe, avN("1"))}}), "Attempted conditional constraint is not an indexable operation"},
			{"range operator on the partition key", query(&dynamodb.QueryInput{KeyConditions: map[string]types.Condition{"pk": cond(types.ComparisonOperatorBeginsWith, avS("p"))}}), "Query key condition not supported"},
			{"no partition key condition", query(&dynamodb.QueryInput{KeyConditions: map[string]types.Condition{"sk": cond(types.ComparisonOperatorEq, avN("1"))}}), "Query condition missed key schema element: pk"},
			{"two conditions without the sort key", query(&dynamodb.QueryInput{KeyConditions: map[string]types.Condition{"pk": eqS("p"), "tag": eqS("red")}}), "Query condition missed key schema element: sk"},
			{"key value of the wrong type", query(&dynamodb.QueryInput{KeyConditions: map[string]types.Condition{"pk": cond(types.ComparisonOperatorEq, avN("1"))}}), invalid + "Condition parameter type does not match schema type"},
			{"QueryFilter on a key", query(&dynamodb.QueryInput{KeyConditions: map[string]types.Condition{"pk": eqS("p")}, QueryFilter: map[string]types.Condition{"sk": cond(types.ComparisonOperatorEq, avN("1"))}}),
				"QueryFilter can only contain non-primary key attributes: Primary key attribute: sk"},
			{"filter argument count", scan(&dynamodb.ScanInput{ScanFilter: map[string]types.Condition{"tag": cond(types.ComparisonOperatorEq)}}), invalid + "Invalid number of argument(s) for the EQ ComparisonOperator"},
			{"BEGINS_WITH on a number", scan(&dynamodb.ScanInput{ScanFilter: map[string]types.Condition{"n": cond(types.ComparisonOperatorBeginsWith, avN("1"))}}), invalid + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"},
			{"ScanFilter with FilterExpression", scan(&dynamodb.ScanInput{AttributesToGet: []string{"a"}, ScanFilter: map[string]types.Condition{"tag": eqS("x")}, ConditionalOperator: types.ConditionalOperatorAnd,
				FilterExpression: aws.String("tag = :v"), ProjectionExpression: aws.String("n"), ExpressionAttributeValues: item{":v": avS("x")}}),
				"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet, ScanFilter, ConditionalOperator} Expression parameters: {ProjectionExpression, FilterExpression}"},
			{"duplicate AttributesToGet", scan(&dynamodb.ScanInput{AttributesToGet: []string{"a", "a"}}), invalid + "Duplicate value in attribute name: a"},
			{"unknown ComparisonOperator", scan(&dynamodb.ScanInput{ScanFilter: map[string]types.Condition{"tag": cond("SIMILAR", avS("x"))}}),
				"1 validation error detected: Value 'SIMILAR' at 'scanFilter.tag.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"},
			{"invalid request on a missing table", query(&dynamodb.QueryInput{TableName: aws.String(uniqueTableName()), KeyConditions: map[string]types.Condition{"pk": eqS("p"), "sk": eqS("x"), "n": eqS("y")}}), "Conditions can be of length 1 or 2 only"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				requireExactError(t, c.call(), "ValidationException", c.msg)
			})
		}
	})
}
