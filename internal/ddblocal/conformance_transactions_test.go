package ddblocal_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestConformanceTransactions covers TransactWriteItems and TransactGetItems.
func TestConformanceTransactions(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	table := tg.createTable(t, tableDef{hash: keyS("pk")})
	other := tg.createTable(t, tableDef{hash: keyS("pk"), rng: rangeKey(keyN("sk"))})
	tbl := aws.String(table)

	k := func(s string) item { return item{"pk": avS(s)} }
	// seed writes a fresh set of items for one subtest, prefixed by p.
	seed := func(t *testing.T, p string) (counter, victim, guard item) {
		counter = item{"pk": avS(p + "counter"), "n": avN("5")}
		victim = item{"pk": avS(p + "victim"), "v": avS("keep me")}
		guard = item{"pk": avS(p + "guard"), "lck": avS("locked")}
		for _, it := range []item{counter, victim, guard} {
			tg.put(t, table, it)
		}
		return
	}
	actions := func(p string, guardCond string) []types.TransactWriteItem {
		return []types.TransactWriteItem{
			{Put: &types.Put{TableName: tbl, Item: item{"pk": avS(p + "new"), "v": avS("created")}}},
			{Update: &types.Update{TableName: tbl, Key: k(p + "counter"), UpdateExpression: aws.String("ADD n :one"),
				ExpressionAttributeValues: item{":one": avN("1")}}},
			{Delete: &types.Delete{TableName: tbl, Key: k(p + "victim")}},
			{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: k(p + "guard"), ConditionExpression: aws.String(guardCond),
				ExpressionAttributeValues: item{":s": avS("locked")}}},
		}
	}

	t.Run("commit", func(t *testing.T) {
		counter, _, guard := seed(t, "commit-")
		_, err := tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: actions("commit-", "lck = :s")})
		requireNoErr(t, err, "TransactWriteItems")
		tg.requireStored(t, table, k("commit-new"), item{"pk": avS("commit-new"), "v": avS("created")})
		tg.requireStored(t, table, k("commit-counter"), copyItem(counter, item{"n": avN("6")}))
		tg.requireStored(t, table, k("commit-victim"), nil)
		tg.requireStored(t, table, k("commit-guard"), guard)
	})

	t.Run("a failed ConditionCheck cancels every action", func(t *testing.T) {
		counter, victim, guard := seed(t, "cancel-")
		_, err := tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: actions("cancel-", "lck <> :s")})
		tc := requireCanceled(t, err, "None", "None", "None", "ConditionalCheckFailed")
		if msg := aws.ToString(tc.CancellationReasons[3].Message); msg != "The conditional request failed" {
			t.Errorf("reason message %q, want %q", msg, "The conditional request failed")
		}
		for i, r := range tc.CancellationReasons {
			if r.Item != nil {
				t.Errorf("reason %d carries Item %s without ReturnValuesOnConditionCheckFailure", i, itemString(r.Item))
			}
		}
		tg.requireStored(t, table, k("cancel-new"), nil)
		tg.requireStored(t, table, k("cancel-counter"), counter)
		tg.requireStored(t, table, k("cancel-victim"), victim)
		tg.requireStored(t, table, k("cancel-guard"), guard)
	})

	t.Run("reasons are in request order and carry ALL_OLD items", func(t *testing.T) {
		counter, victim, guard := seed(t, "order-")
		acts := []types.TransactWriteItem{
			{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: k("order-guard"), ConditionExpression: aws.String("attribute_exists(pk)")}},
			{Update: &types.Update{TableName: tbl, Key: k("order-counter"), UpdateExpression: aws.String("ADD n :one"),
				ConditionExpression: aws.String("n > :ten"), ExpressionAttributeValues: item{":one": avN("1"), ":ten": avN("10")},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
			{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("order-fresh")}, ConditionExpression: aws.String("attribute_not_exists(pk)"),
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
			{Delete: &types.Delete{TableName: tbl, Key: k("order-victim"), ConditionExpression: aws.String("v = :x"),
				ExpressionAttributeValues: item{":x": avS("other")}, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
			{Put: &types.Put{TableName: aws.String(other), Item: item{"pk": avS("o"), "sk": avN("1")}}},
			{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: k("order-missing"), ConditionExpression: aws.String("attribute_exists(pk)"),
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		}
		_, err := tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: acts})
		tc := requireCanceled(t, err, "None", "ConditionalCheckFailed", "None", "ConditionalCheckFailed", "None", "ConditionalCheckFailed")
		requireItem(t, tc.CancellationReasons[1].Item, counter, "reason 1 Item")
		requireItem(t, tc.CancellationReasons[3].Item, victim, "reason 3 Item")
		requireItem(t, tc.CancellationReasons[5].Item, nil, "reason 5 Item (no such item)")
		for _, i := range []int{0, 2, 4} {
			requireItem(t, tc.CancellationReasons[i].Item, nil, fmt.Sprintf("reason %d Item", i))
		}
		tg.requireStored(t, table, k("order-counter"), counter)
		tg.requireStored(t, table, k("order-victim"), victim)
		tg.requireStored(t, table, k("order-guard"), guard)
		tg.requireStored(t, table, k("order-fresh"), nil)
		tg.requireStored(t, other, item{"pk": avS("o"), "sk": avN("1")}, nil)
	})

	t.Run("Update with a key of the wrong type is a ValidationError reason", func(t *testing.T) {
		_, err := tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("verr-put")}}},
			{Update: &types.Update{TableName: tbl, Key: item{"pk": avN("5")}, UpdateExpression: aws.String("SET a = :v"), ExpressionAttributeValues: item{":v": avS("x")}}},
		}})
		tc := requireCanceled(t, err, "None", "ValidationError")
		if msg := aws.ToString(tc.CancellationReasons[1].Message); msg != "The provided key element does not match the schema" {
			t.Errorf("ValidationError reason message %q", msg)
		}
		tg.requireStored(t, table, k("verr-put"), nil)
	})

	requestErrors := []struct {
		name      string
		items     []types.TransactWriteItem
		fragments []string
		written   []string // keys that must not exist afterwards
	}{
		{
			name: "two actions on one item",
			items: []types.TransactWriteItem{
				{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("twice"), "v": avN("1")}}},
				{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("twice-other")}}},
				{Update: &types.Update{TableName: tbl, Key: k("twice"), UpdateExpression: aws.String("SET w = :v"), ExpressionAttributeValues: item{":v": avN("2")}}},
			},
			fragments: []string{"Transaction request cannot include multiple operations on one item"},
			written:   []string{"twice", "twice-other"},
		},
		{
			name: "ConditionCheck and Put on one item",
			items: []types.TransactWriteItem{
				{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: k("twice-cc"), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
				{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("twice-cc")}}},
			},
			fragments: []string{"Transaction request cannot include multiple operations on one item"},
			written:   []string{"twice-cc"},
		},
		{
			name: "empty string key",
			items: []types.TransactWriteItem{
				{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("empty-key-bystander")}}},
				{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("")}}},
			},
			fragments: []string{"The AttributeValue for a key attribute cannot contain an empty string value"},
			written:   []string{"empty-key-bystander"},
		},
		{
			name: "oversized Put",
			items: []types.TransactWriteItem{
				{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("huge-bystander")}}},
				{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("huge"), "p": avS(string(make([]byte, 410*1024)))}}},
			},
			fragments: []string{"Item size has exceeded the maximum allowed size"},
			written:   []string{"huge-bystander", "huge"},
		},
		{
			name: "action with two operations",
			items: []types.TransactWriteItem{{
				Put:    &types.Put{TableName: tbl, Item: item{"pk": avS("two-ops")}},
				Delete: &types.Delete{TableName: tbl, Key: k("two-ops-b")},
			}},
			written: []string{"two-ops"},
		},
		{
			name:  "no actions",
			items: []types.TransactWriteItem{},
		},
	}
	var big []types.TransactWriteItem
	var bigKeys []string
	for i := range 11 { // 11 x 390,000 bytes is over the 4 MB transaction limit
		pk := fmt.Sprintf("big-%02d", i)
		big = append(big, types.TransactWriteItem{Put: &types.Put{TableName: tbl, Item: item{"pk": avS(pk), "p": avS(strings.Repeat("x", 390000))}}})
		bigKeys = append(bigKeys, pk)
	}
	requestErrors = append(requestErrors, struct {
		name      string
		items     []types.TransactWriteItem
		fragments []string
		written   []string
	}{name: "over 4 MB in total", items: big, written: bigKeys})
	var over []types.TransactWriteItem
	var overKeys []string
	for i := range 101 {
		pk := fmt.Sprintf("over-%03d", i)
		over = append(over, types.TransactWriteItem{Put: &types.Put{TableName: tbl, Item: item{"pk": avS(pk)}}})
		overKeys = append(overKeys, pk)
	}
	requestErrors = append(requestErrors, struct {
		name      string
		items     []types.TransactWriteItem
		fragments []string
		written   []string
	}{name: "101 actions", items: over, fragments: []string{"Member must have length less than or equal to 100"}, written: overKeys[:3]})
	for _, c := range requestErrors {
		t.Run("request error/"+c.name, func(t *testing.T) {
			_, err := tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: c.items})
			requireValidation(t, err, c.fragments...)
			for _, pk := range c.written {
				tg.requireStored(t, table, k(pk), nil)
			}
		})
	}

	t.Run("100 actions", func(t *testing.T) {
		var acts []types.TransactWriteItem
		for i := range 100 {
			acts = append(acts, types.TransactWriteItem{Put: &types.Put{TableName: tbl, Item: item{"pk": avS(fmt.Sprintf("hundred-%03d", i))}}})
		}
		_, err := tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: acts})
		requireNoErr(t, err, "TransactWriteItems of 100 actions")
		tg.requireStored(t, table, k("hundred-000"), k("hundred-000"))
		tg.requireStored(t, table, k("hundred-099"), k("hundred-099"))
	})

	t.Run("missing table", func(t *testing.T) {
		_, err := tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("nf-bystander")}}},
			{Put: &types.Put{TableName: aws.String(uniqueTableName()), Item: item{"pk": avS("x")}}},
		}})
		requireNotFound(t, err)
		tg.requireStored(t, table, k("nf-bystander"), nil)
	})

	t.Run("ClientRequestToken idempotency", func(t *testing.T) {
		tg.put(t, table, item{"pk": avS("idem-counter"), "n": avN("0")})
		input := func(inc string) *dynamodb.TransactWriteItemsInput {
			return &dynamodb.TransactWriteItemsInput{
				ClientRequestToken: aws.String("conformance-token-" + table),
				TransactItems: []types.TransactWriteItem{
					{Update: &types.Update{TableName: tbl, Key: k("idem-counter"), UpdateExpression: aws.String("ADD n :inc"), ExpressionAttributeValues: item{":inc": avN(inc)}}},
					{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("idem-put")}}},
				},
			}
		}
		_, err := tg.client.TransactWriteItems(t.Context(), input("1"))
		requireNoErr(t, err, "first TransactWriteItems")
		tg.requireStored(t, table, k("idem-counter"), item{"pk": avS("idem-counter"), "n": avN("1")})
		// Someone else deletes the put item; a replay must not recreate it.
		_, err = tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: tbl, Key: k("idem-put")})
		requireNoErr(t, err, "DeleteItem")

		_, err = tg.client.TransactWriteItems(t.Context(), input("1"))
		requireNoErr(t, err, "replay with the same token and input")
		tg.requireStored(t, table, k("idem-counter"), item{"pk": avS("idem-counter"), "n": avN("1")})
		tg.requireStored(t, table, k("idem-put"), nil)

		_, err = tg.client.TransactWriteItems(t.Context(), input("2"))
		requireAPIError(t, err, "IdempotentParameterMismatchException")
		var ipm *types.IdempotentParameterMismatchException
		if !errors.As(err, &ipm) {
			t.Fatalf("error %T is not *types.IdempotentParameterMismatchException", err)
		}
		tg.requireStored(t, table, k("idem-counter"), item{"pk": avS("idem-counter"), "n": avN("1")})

		// Without a token the same input applies again.
		in := input("1")
		in.ClientRequestToken = nil
		_, err = tg.client.TransactWriteItems(t.Context(), in)
		requireNoErr(t, err, "TransactWriteItems without a token")
		tg.requireStored(t, table, k("idem-counter"), item{"pk": avS("idem-counter"), "n": avN("2")})
	})

	t.Run("TransactGetItems", func(t *testing.T) {
		a := item{"pk": avS("get-a"), "v": avN("1"), "m": avM(item{"x": avS("y"), "z": avS("w")})}
		b := item{"pk": avS("get-b"), "v": avN("2")}
		o := item{"pk": avS("get-o"), "sk": avN("7"), "v": avS("other table")}
		tg.put(t, table, a)
		tg.put(t, table, b)
		tg.put(t, other, o)

		out, err := tg.client.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
			{Get: &types.Get{TableName: tbl, Key: k("get-b")}},
			{Get: &types.Get{TableName: tbl, Key: k("get-missing")}},
			{Get: &types.Get{TableName: aws.String(other), Key: item{"pk": avS("get-o"), "sk": avN("7")}}},
			{Get: &types.Get{TableName: tbl, Key: k("get-a"), ProjectionExpression: aws.String("#m.x"), ExpressionAttributeNames: map[string]string{"#m": "m"}}},
		}})
		requireNoErr(t, err, "TransactGetItems")
		if len(out.Responses) != 4 {
			t.Fatalf("%d responses, want 4 (one per Get, in order)", len(out.Responses))
		}
		requireItem(t, out.Responses[0].Item, b, "response 0")
		requireItem(t, out.Responses[1].Item, nil, "response 1 (missing item)")
		requireItem(t, out.Responses[2].Item, o, "response 2")
		requireItem(t, out.Responses[3].Item, item{"m": avM(item{"x": avS("y")})}, "response 3 (projected)")

		t.Run("two Gets of one item", func(t *testing.T) {
			_, err := tg.client.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
				{Get: &types.Get{TableName: tbl, Key: k("get-a")}}, {Get: &types.Get{TableName: tbl, Key: k("get-a")}},
			}})
			requireValidation(t, err)
		})
		t.Run("101 Gets", func(t *testing.T) {
			var gets []types.TransactGetItem
			for i := range 101 {
				gets = append(gets, types.TransactGetItem{Get: &types.Get{TableName: tbl, Key: k(fmt.Sprintf("g%03d", i))}})
			}
			_, err := tg.client.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: gets})
			requireValidation(t, err, "Member must have length less than or equal to 100")
		})
		t.Run("missing table", func(t *testing.T) {
			_, err := tg.client.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
				{Get: &types.Get{TableName: aws.String(uniqueTableName()), Key: k("x")}},
			}})
			requireNotFound(t, err)
		})
		t.Run("key not matching the schema", func(t *testing.T) {
			_, err := tg.client.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
				{Get: &types.Get{TableName: tbl, Key: item{"pk": avN("1")}}},
			}})
			if err == nil {
				t.Fatal("TransactGetItems with a wrong key type succeeded")
			}
			// DynamoDB reports this either as a ValidationException or as a
			// cancellation with a ValidationError reason.
			var tc *types.TransactionCanceledException
			if errors.As(err, &tc) {
				requireCanceled(t, err, "ValidationError")
				return
			}
			requireValidation(t, err, "The provided key element does not match the schema")
		})
	})
}
