package ddblocal_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestConformanceBatch covers BatchGetItem and BatchWriteItem.
func TestConformanceBatch(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	hashT := tg.createTable(t, tableDef{hash: keyS("pk")})
	compT := tg.createTable(t, tableDef{hash: keyS("pk"), rng: rangeKey(keyN("sk"))})

	var seeded []item
	for i := range 100 {
		seeded = append(seeded, item{"pk": avS(fmt.Sprintf("k%03d", i)), "v": avN(fmt.Sprint(i)), "other": avS("o"), "m": avM(item{"x": avN(fmt.Sprint(i))})})
	}
	tg.batchPut(t, hashT, seeded)
	tg.put(t, compT, item{"pk": avS("c"), "sk": avN("1"), "v": avS("one")})
	tg.put(t, compT, item{"pk": avS("c"), "sk": avN("2"), "v": avS("two")})

	key := func(i int) item { return item{"pk": avS(fmt.Sprintf("k%03d", i))} }

	t.Run("BatchGetItem", func(t *testing.T) {
		t.Run("found, missing, and UnprocessedKeys", func(t *testing.T) {
			out, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				hashT: {Keys: []item{key(3), key(1), {"pk": avS("missing")}, key(2)}, ConsistentRead: aws.Bool(true)},
				compT: {Keys: []item{{"pk": avS("c"), "sk": avN("2")}}, ConsistentRead: aws.Bool(true)},
			}})
			requireNoErr(t, err, "BatchGetItem")
			if out.UnprocessedKeys == nil || len(out.UnprocessedKeys) != 0 {
				t.Fatalf("UnprocessedKeys = %v, want an empty map", out.UnprocessedKeys)
			}
			got := out.Responses[hashT]
			if len(got) != 3 {
				t.Fatalf("%d items from %s, want 3", len(got), hashT)
			}
			sort.Slice(got, func(i, j int) bool { return avString(got[i]["pk"]) < avString(got[j]["pk"]) })
			for i, it := range got {
				requireItem(t, it, seeded[i+1], "BatchGetItem item")
			}
			if c := out.Responses[compT]; len(c) != 1 || !avEqual(c[0]["v"], avS("two")) {
				t.Fatalf("composite table response %v, want the sk=2 item", c)
			}
		})
		t.Run("100 keys", func(t *testing.T) {
			var keys []item
			for i := range 100 {
				keys = append(keys, key(i))
			}
			seen := map[string]int{}
			pending := map[string]types.KeysAndAttributes{hashT: {Keys: keys, ConsistentRead: aws.Bool(true)}}
			for attempt := 0; len(pending) > 0; attempt++ {
				if attempt > 20 {
					t.Fatal("keys still unprocessed after 20 attempts")
				}
				out, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: pending})
				requireNoErr(t, err, "BatchGetItem of 100 keys")
				for _, it := range out.Responses[hashT] {
					seen[it["pk"].(*types.AttributeValueMemberS).Value]++
				}
				pending = out.UnprocessedKeys
			}
			if len(seen) != 100 {
				t.Fatalf("got %d distinct items, want 100", len(seen))
			}
			for k, n := range seen {
				if n != 1 {
					t.Fatalf("item %s returned %d times", k, n)
				}
			}
		})
		t.Run("more than 100 keys", func(t *testing.T) {
			var keys []item
			for i := range 101 {
				keys = append(keys, item{"pk": avS(fmt.Sprintf("x%03d", i))})
			}
			_, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{hashT: {Keys: keys}}})
			requireValidation(t, err, "Member must have length less than or equal to 100")
		})
		t.Run("more than 100 keys across tables", func(t *testing.T) {
			var a, b []item
			for i := range 60 {
				a = append(a, item{"pk": avS(fmt.Sprintf("x%03d", i))})
			}
			for i := range 41 {
				b = append(b, item{"pk": avS("c"), "sk": avN(fmt.Sprint(i))})
			}
			_, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{hashT: {Keys: a}, compT: {Keys: b}}})
			requireValidation(t, err)
		})
		t.Run("duplicate keys", func(t *testing.T) {
			_, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				hashT: {Keys: []item{key(1), key(2), key(1)}},
			}})
			requireValidation(t, err, "Provided list of item keys contains duplicates")
		})
		t.Run("ProjectionExpression", func(t *testing.T) {
			out, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				hashT: {Keys: []item{key(5), key(6)}, ProjectionExpression: aws.String("#v, m.x"), ExpressionAttributeNames: map[string]string{"#v": "v"}},
			}})
			requireNoErr(t, err, "BatchGetItem")
			got := out.Responses[hashT]
			if len(got) != 2 {
				t.Fatalf("%d items, want 2", len(got))
			}
			for _, it := range got {
				requireKeys(t, it, "projected item", "v", "m")
				if _, ok := it["m"].(*types.AttributeValueMemberM).Value["x"]; !ok {
					t.Fatalf("projected m lacks x: %s", itemString(it))
				}
			}
		})
		t.Run("missing table", func(t *testing.T) {
			_, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				uniqueTableName(): {Keys: []item{{"pk": avS("a")}}},
			}})
			requireNotFound(t, err)
		})
		t.Run("key not matching the schema", func(t *testing.T) {
			_, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				hashT: {Keys: []item{key(1), {"pk": avN("1")}}},
			}})
			requireValidation(t, err, "The provided key element does not match the schema")
		})
		t.Run("empty RequestItems", func(t *testing.T) {
			_, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{}})
			requireValidation(t, err)
		})
	})

	t.Run("BatchWriteItem", func(t *testing.T) {
		puts := func(prefix string, n int) []types.WriteRequest {
			var reqs []types.WriteRequest
			for i := range n {
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": avS(fmt.Sprintf("%s%02d", prefix, i)), "v": avN(fmt.Sprint(i))}}})
			}
			return reqs
		}
		requireAbsent := func(t *testing.T, prefix string, n int) {
			t.Helper()
			for i := range n {
				tg.requireStored(t, hashT, item{"pk": avS(fmt.Sprintf("%s%02d", prefix, i))}, nil)
			}
		}

		t.Run("25 puts", func(t *testing.T) {
			out, err := tg.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{hashT: puts("w25-", 25)}})
			requireNoErr(t, err, "BatchWriteItem")
			if out.UnprocessedItems == nil || len(out.UnprocessedItems) != 0 {
				t.Fatalf("UnprocessedItems = %v, want an empty map", out.UnprocessedItems)
			}
			for i := range 25 {
				k := item{"pk": avS(fmt.Sprintf("w25-%02d", i))}
				tg.requireStored(t, hashT, k, copyItem(k, item{"v": avN(fmt.Sprint(i))}))
			}
		})
		t.Run("more than 25 requests", func(t *testing.T) {
			_, err := tg.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{hashT: puts("w26-", 26)}})
			requireValidation(t, err, "Member must have length less than or equal to 25")
			requireAbsent(t, "w26-", 26)
		})
		t.Run("puts and deletes across tables", func(t *testing.T) {
			_, err := tg.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				hashT: {
					{PutRequest: &types.PutRequest{Item: item{"pk": avS("mixed-new"), "v": avS("new")}}},
					{PutRequest: &types.PutRequest{Item: item{"pk": avS("k010"), "v": avS("replaced")}}},
					{DeleteRequest: &types.DeleteRequest{Key: key(11)}},
					{DeleteRequest: &types.DeleteRequest{Key: item{"pk": avS("never-existed")}}},
				},
				compT: {{DeleteRequest: &types.DeleteRequest{Key: item{"pk": avS("c"), "sk": avN("1")}}}},
			}})
			requireNoErr(t, err, "BatchWriteItem")
			tg.requireStored(t, hashT, item{"pk": avS("mixed-new")}, item{"pk": avS("mixed-new"), "v": avS("new")})
			tg.requireStored(t, hashT, key(10), item{"pk": avS("k010"), "v": avS("replaced")})
			tg.requireStored(t, hashT, key(11), nil)
			tg.requireStored(t, compT, item{"pk": avS("c"), "sk": avN("1")}, nil)
			tg.requireStored(t, compT, item{"pk": avS("c"), "sk": avN("2")}, item{"pk": avS("c"), "sk": avN("2"), "v": avS("two")})
		})
		dupCases := []struct {
			name string
			reqs []types.WriteRequest
		}{
			{"two puts of one key", []types.WriteRequest{
				{PutRequest: &types.PutRequest{Item: item{"pk": avS("dup-a"), "v": avN("1")}}},
				{PutRequest: &types.PutRequest{Item: item{"pk": avS("dup-a"), "v": avN("2")}}},
			}},
			{"put and delete of one key", []types.WriteRequest{
				{PutRequest: &types.PutRequest{Item: item{"pk": avS("dup-a"), "v": avN("1")}}},
				{DeleteRequest: &types.DeleteRequest{Key: item{"pk": avS("dup-a")}}},
			}},
			{"two deletes of one key", []types.WriteRequest{
				{DeleteRequest: &types.DeleteRequest{Key: key(20)}},
				{DeleteRequest: &types.DeleteRequest{Key: key(20)}},
			}},
		}
		for _, c := range dupCases {
			t.Run("duplicates/"+c.name, func(t *testing.T) {
				reqs := append([]types.WriteRequest{{PutRequest: &types.PutRequest{Item: item{"pk": avS("dup-bystander")}}}}, c.reqs...)
				_, err := tg.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{hashT: reqs}})
				requireValidation(t, err, "Provided list of item keys contains duplicates")
				tg.requireStored(t, hashT, item{"pk": avS("dup-bystander")}, nil)
				tg.requireStored(t, hashT, item{"pk": avS("dup-a")}, nil)
				tg.requireStored(t, hashT, key(20), seeded[20])
			})
		}
		invalid := []struct {
			name      string
			bad       types.WriteRequest
			fragments []string
		}{
			{"put with a wrong key type", types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": avN("1")}}}, []string{"The provided key element does not match the schema"}},
			{"put without the key", types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"v": avN("1")}}}, []string{"The provided key element does not match the schema"}},
			{"delete with an extra key attribute", types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: item{"pk": avS("k030"), "x": avS("x")}}}, []string{"The provided key element does not match the schema"}},
			{"put with an empty string key", types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": avS("")}}}, []string{"The AttributeValue for a key attribute cannot contain an empty string value"}},
			{"put of an oversized item", types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": avS("huge"), "p": avS(strings.Repeat("x", 410*1024))}}}, []string{"Item size has exceeded the maximum allowed size"}},
			{"put with an empty set", types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": avS("emptyset"), "s": avSS()}}}, nil},
		}
		for _, c := range invalid {
			t.Run("whole batch rejected/"+c.name, func(t *testing.T) {
				reqs := puts("rej-", 4)
				reqs = append(reqs[:2], append([]types.WriteRequest{c.bad}, reqs[2:]...)...)
				reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(30)}})
				_, err := tg.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{hashT: reqs}})
				requireValidation(t, err, c.fragments...)
				requireAbsent(t, "rej-", 4)
				tg.requireStored(t, hashT, key(30), seeded[30])
			})
		}
		t.Run("missing table", func(t *testing.T) {
			_, err := tg.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				hashT:             puts("nf-", 2),
				uniqueTableName(): puts("nf-", 1),
			}})
			requireNotFound(t, err)
			requireAbsent(t, "nf-", 2)
		})
		t.Run("a request with both put and delete", func(t *testing.T) {
			_, err := tg.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{hashT: {{
				PutRequest:    &types.PutRequest{Item: item{"pk": avS("both")}},
				DeleteRequest: &types.DeleteRequest{Key: item{"pk": avS("both")}},
			}}}})
			requireValidation(t, err)
			tg.requireStored(t, hashT, item{"pk": avS("both")}, nil)
		})
		t.Run("empty RequestItems", func(t *testing.T) {
			_, err := tg.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{}})
			requireValidation(t, err)
		})
	})
}
