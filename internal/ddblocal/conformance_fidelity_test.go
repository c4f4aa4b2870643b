package ddblocal_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// TestConformanceValidationOrder: request validation comes before the table
// lookup, and reports every constraint violation at once.
func TestConformanceValidationOrder(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	missing := aws.String(uniqueTableName())
	cases := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"bad expression on a missing table", func() error {
			_, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: missing, KeyConditionExpression: aws.String("pk = :p")})
			return err
		}, "ValidationException", "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :p"},
		{"bad Limit and Select on a missing table", func() error {
			_, err := tg.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: missing, Limit: aws.Int32(0), Select: "EVERYTHING"})
			return err
		}, "ValidationException", "2 validation errors detected: Value 'EVERYTHING' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]; " +
			"Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"bad table name and ReturnValues", func() error {
			_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String("a!"), Item: item{"pk": avS("x")}, ReturnValues: "SOME"})
			return err
		}, "ValidationException", "3 validation errors detected: Value 'a!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
			"Value 'a!' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
			"Value 'SOME' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"},
		{"item operation on a missing table", func() error {
			_, err := tg.client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: missing, Key: item{"pk": avS("x")}})
			return err
		}, "ResourceNotFoundException", "Requested resource not found"},
		{"Query on a missing table", func() error {
			_, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: missing, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": avS("x")}})
			return err
		}, "ResourceNotFoundException", "Requested resource not found"},
		{"DescribeTable of a missing table", func() error {
			_, err := tg.client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: missing})
			return err
		}, "ResourceNotFoundException", "Requested resource not found: Table: " + *missing + " not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			requireExactError(t, c.call(), c.code, c.msg)
		})
	}
}

// TestConformanceReadDetails covers the 1 MB page boundary, size() of
// strings, ExclusiveStartKey against the key condition and ConsumedCapacity
// per index.
func TestConformanceReadDetails(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	table := tg.createTable(t, tableDef{hash: keyS("pk"), rng: rangeKey(keyS("sk")), gsis: []indexDef{{name: "byG", hash: keyS("g")}}})
	tbl := aws.String(table)

	t.Run("1 MB page", func(t *testing.T) {
		// Each item is 6,010 bytes as DynamoDB sizes it ("pk"+"p",
		// "sk"+3 characters, "ss"+2,000 members of 3 characters): the
		// page stops at the item that reaches 1,048,576 bytes, the 175th.
		members := make([]string, 2000)
		for i := range members {
			members[i] = fmt.Sprintf("%03x", i)
		}
		var items []item
		for i := range 200 {
			items = append(items, item{"pk": avS("p"), "sk": avS(fmt.Sprintf("%03d", i)), "ss": avSS(members...)})
		}
		tg.batchPut(t, table, items)
		out, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: item{":p": avS("p")}, Select: types.SelectCount, ConsistentRead: aws.Bool(true)})
		requireNoErr(t, err, "Query")
		if out.ScannedCount != 175 || out.LastEvaluatedKey == nil {
			t.Fatalf("first page scanned %d items (LastEvaluatedKey %v), want 175 and a key", out.ScannedCount, out.LastEvaluatedKey)
		}
		if got := avString(out.LastEvaluatedKey["sk"]); got != avString(avS("174")) {
			t.Fatalf("LastEvaluatedKey sk %s, want 174", got)
		}
	})

	t.Run("size of a string counts UTF-16 code units", func(t *testing.T) {
		tg.put(t, table, item{"pk": avS("u"), "sk": avS("1"), "s": avS("é𝄞")})
		for _, c := range []struct {
			n    string
			hold bool
		}{{"3", true}, {"5", false}, {"2", false}} {
			_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": avS("u"), "sk": avS("1")},
				UpdateExpression: aws.String("SET touched = :t"), ConditionExpression: aws.String("size(s) = :n"),
				ExpressionAttributeValues: item{":t": avBool(true), ":n": avN(c.n)}})
			if c.hold {
				requireNoErr(t, err, "size(s) = "+c.n)
			} else {
				requireConditionalFailed(t, err)
			}
		}
	})

	t.Run("parenthesised operands in SET", func(t *testing.T) {
		tg.put(t, table, item{"pk": avS("par"), "sk": avS("1"), "b": avM(item{"a": avN("2")}), "c": avL(avN("0"), avN("5"))})
		_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": avS("par"), "sk": avS("1")},
			UpdateExpression: aws.String("SET a = (c), b.c = ((c[1]) + (b.a))")})
		requireNoErr(t, err, "UpdateItem")
		tg.requireStored(t, table, item{"pk": avS("par"), "sk": avS("1")}, item{"pk": avS("par"), "sk": avS("1"),
			"a": avL(avN("0"), avN("5")), "b": avM(item{"a": avN("2"), "c": avN("7")}), "c": avL(avN("0"), avN("5"))})
	})

	t.Run("ExclusiveStartKey outside the key condition", func(t *testing.T) {
		_, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("pk = :p AND sk > :s"),
			ExpressionAttributeValues: item{":p": avS("p"), ":s": avS("100")}, ExclusiveStartKey: item{"pk": avS("p"), "sk": avS("050")}})
		requireExactError(t, err, "ValidationException", "The provided starting key does not match the range key predicate")
		_, err = tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: item{":p": avS("p")}, ExclusiveStartKey: item{"pk": avS("other"), "sk": avS("050")}})
		requireExactError(t, err, "ValidationException", "The provided starting key is outside query boundaries based on provided conditions")
		out, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :a AND :b"),
			ExpressionAttributeValues: item{":p": avS("p"), ":a": avS("010"), ":b": avS("012")}, ExclusiveStartKey: item{"pk": avS("p"), "sk": avS("010")}})
		requireNoErr(t, err, "Query from a key inside the range")
		if out.Count != 2 {
			t.Fatalf("Count %d, want 2 (011 and 012)", out.Count)
		}
	})

	t.Run("ConsumedCapacity INDEXES", func(t *testing.T) {
		put, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": avS("cap"), "sk": avS("1"), "g": avS("x")},
			ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
		requireNoErr(t, err, "PutItem")
		c := put.ConsumedCapacity
		if c == nil || c.Table == nil || aws.ToFloat64(c.Table.CapacityUnits) != 1 || c.GlobalSecondaryIndexes["byG"].CapacityUnits == nil ||
			aws.ToFloat64(c.GlobalSecondaryIndexes["byG"].CapacityUnits) != 1 || aws.ToFloat64(c.CapacityUnits) != 2 {
			t.Fatalf("PutItem ConsumedCapacity %+v, want 1 unit on the table and 1 on byG, 2 in all", c)
		}
		q, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"),
			ExpressionAttributeValues: item{":g": avS("x")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
		requireNoErr(t, err, "Query")
		c = q.ConsumedCapacity
		if c == nil || c.GlobalSecondaryIndexes["byG"].CapacityUnits == nil || aws.ToFloat64(c.GlobalSecondaryIndexes["byG"].CapacityUnits) != 0.5 || aws.ToFloat64(c.CapacityUnits) != 0.5 {
			t.Fatalf("Query ConsumedCapacity %+v, want 0.5 units on byG", c)
		}
		total, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": avS("cap"), "sk": avS("2")},
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		requireNoErr(t, err, "PutItem TOTAL")
		if c := total.ConsumedCapacity; c == nil || c.Table != nil || aws.ToFloat64(c.CapacityUnits) != 1 {
			t.Fatalf("TOTAL ConsumedCapacity %+v, want 1 unit and no breakdown", c)
		}
	})

	t.Run("request ID", func(t *testing.T) {
		out, err := tg.client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: tbl})
		requireNoErr(t, err, "DescribeTable")
		id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		if !regexp.MustCompile(`^[0-9A-Z]{52}$`).MatchString(id) {
			t.Fatalf("request ID %q is not 52 upper-case letters and digits", id)
		}
		raw, ok := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response)
		if !ok || raw.Header.Get("X-Amzn-Requestid") != id {
			t.Fatalf("x-amzn-RequestId header does not carry the request ID %q", id)
		}
	})
}

// TestConformanceUndocumentedChoices pins the behaviours DynamoDB's
// documentation leaves open, as docs/engine.md chooses them; run against
// Amazon DynamoDB (DDBLOCAL_CONFORMANCE_ENDPOINT) they check the choices.
func TestConformanceUndocumentedChoices(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	table := tg.createTable(t, tableDef{hash: keyS("pk")})
	tbl := aws.String(table)
	tg.put(t, table, item{"pk": avS("k"), "x": avN("1")})
	key := item{"pk": avS("k")}

	conditions := []struct {
		name, cond string
		holds      bool
	}{
		{"two missing attributes are not equal", "missing1 = missing2", false},
		{"two missing attributes are unequal", "missing1 <> missing2", true},
		{"a missing attribute is unequal to a present one", "missing1 <> x", true},
		{"a missing attribute is not less than anything", "missing1 < x", false},
		{"a missing attribute is not between anything", "missing1 BETWEEN x AND x", false},
	}
	for _, c := range conditions {
		t.Run(c.name, func(t *testing.T) {
			_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: key,
				UpdateExpression: aws.String("SET touched = :t"), ConditionExpression: aws.String(c.cond), ExpressionAttributeValues: item{":t": avBool(true)}})
			if c.holds {
				requireNoErr(t, err, c.cond)
			} else {
				requireConditionalFailed(t, err)
			}
		})
	}

	t.Run("REMOVE of a nested path on an absent item", func(t *testing.T) {
		absent := item{"pk": avS("absent")}
		_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: absent, UpdateExpression: aws.String("REMOVE a.b.c")})
		requireNoErr(t, err, "UpdateItem")
		tg.requireStored(t, table, absent, absent)
	})

	t.Run("SET of a nested path on an absent item", func(t *testing.T) {
		absent := item{"pk": avS("absent2")}
		_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: tbl, Key: absent, UpdateExpression: aws.String("SET a.b = :v"),
			ExpressionAttributeValues: item{":v": avN("1")}})
		requireExactError(t, err, "ValidationException", "The document path provided in the update expression is invalid for update")
		tg.requireStored(t, table, absent, nil)
	})
}

// TestConformanceBatchValidation: batches and transactions report their
// constraint violations together, before looking at any table.
func TestConformanceBatchValidation(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	missing := uniqueTableName()
	cases := []struct {
		name string
		call func() error
		msg  string
	}{
		{"BatchGetItem", func() error {
			_, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{ReturnConsumedCapacity: "ALL",
				RequestItems: map[string]types.KeysAndAttributes{missing: {Keys: []item{}}}})
			return err
		}, "2 validation errors detected: Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; " +
			"Value '[]' at 'requestItems." + missing + ".member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"TransactWriteItems", func() error {
			_, err := tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{ReturnItemCollectionMetrics: "ALL",
				TransactItems: []types.TransactWriteItem{}, ClientRequestToken: aws.String(strings.Repeat("t", 37))})
			return err
		}, "3 validation errors detected: Value 'ALL' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]; " +
			"Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
			"Value '" + strings.Repeat("t", 37) + "' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			requireExactError(t, c.call(), "ValidationException", c.msg)
		})
	}
}
