package ddblocal_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestConformanceItems covers PutItem, GetItem and DeleteItem: attribute
// types, number canonicalisation and limits, key validation, size limits,
// sets, nesting, ProjectionExpression, ReturnValues and
// ReturnValuesOnConditionCheckFailure.
func TestConformanceItems(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	hashT := tg.createTable(t, tableDef{hash: keyS("pk")})
	compT := tg.createTable(t, tableDef{hash: keyS("pk"), rng: rangeKey(keyN("sk"))})
	strRangeT := tg.createTable(t, tableDef{hash: keyS("pk"), rng: rangeKey(keyS("sk"))})

	t.Run("round trip/every attribute type", func(t *testing.T) {
		bin := make([]byte, 256)
		for i := range bin {
			bin[i] = byte(i)
		}
		it := item{
			"pk":                   avS("roundtrip"),
			"s":                    avS("héllo wörld ✓ 😀 \x00 \"quoted\" \\ \n"),
			"emptyS":               avS(""),
			"n":                    avN("42"),
			"neg":                  avN("-3.25"),
			"b":                    avB(bin),
			"emptyB":               avB([]byte{}),
			"t":                    avBool(true),
			"f":                    avBool(false),
			"null":                 avNull(),
			"l":                    avL(avS("a"), avN("1"), avBool(false), avNull(), avL(), avM(nil), avSS("x")),
			"emptyL":               avL(),
			"emptyM":               avM(nil),
			"m":                    avM(item{"nested": avM(item{"deep": avL(avB([]byte{0xff}))}), "x": avS(""), "n": avNS("7")}),
			"ss":                   avSS("b", "a", "ç"),
			"ns":                   avNS("3", "1", "-2.5"),
			"bs":                   avBS([]byte{1}, []byte{0}, []byte{0xff, 0xfe}),
			"name with spaces.and": avS("x"),
			"ünïcödé":              avS("y"),
			"#:[]":                 avS("z"),
		}
		tg.put(t, hashT, it)
		tg.requireStored(t, hashT, item{"pk": avS("roundtrip")}, it)
	})

	t.Run("round trip/empty string member in a string set", func(t *testing.T) {
		it := item{"pk": avS("ss-empty-member"), "ss": avSS("", "a")}
		tg.put(t, hashT, it)
		tg.requireStored(t, hashT, item{"pk": avS("ss-empty-member")}, it)
	})

	t.Run("GetItem/missing item has no Item", func(t *testing.T) {
		out, err := tg.client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(hashT), Key: item{"pk": avS("never-written")}})
		requireNoErr(t, err, "GetItem")
		if out.Item != nil {
			t.Fatalf("GetItem of a missing item returned Item %s, want none", itemString(out.Item))
		}
	})

	t.Run("numbers are returned canonical", func(t *testing.T) {
		cases := []struct{ in, want string }{
			{"1.5E2", "150"},
			{"-0", "0"},
			{"0100", "100"},
			{"1.50", "1.5"},
			{"100.0", "100"},
			{"0.00100", "0.001"},
			{"-1.5e1", "-15"},
			{"1E+2", "100"},
			{"5E-1", "0.5"},
			{"0.0", "0"},
			{"-0.0E5", "0"},
			{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
			{"1" + strings.Repeat("0", 40), "1" + strings.Repeat("0", 40)},
		}
		it := item{"pk": avS("numbers")}
		for i, c := range cases {
			it[fmt.Sprintf("n%d", i)] = avN(c.in)
		}
		it["set"] = avNS("1.0E1", "2", "-0.50")
		it["nested"] = avM(item{"l": avL(avN("007"), avM(item{"x": avN("3.000")}))})
		tg.put(t, hashT, it)
		got := tg.get(t, hashT, item{"pk": avS("numbers")})
		for i, c := range cases {
			t.Run(c.in, func(t *testing.T) {
				v, ok := got[fmt.Sprintf("n%d", i)].(*types.AttributeValueMemberN)
				if !ok {
					t.Fatalf("attribute missing or not N: %s", itemString(got))
				}
				if v.Value != c.want {
					t.Fatalf("stored %q, read back %q, want %q", c.in, v.Value, c.want)
				}
			})
		}
		t.Run("number set", func(t *testing.T) {
			if !avEqual(got["set"], avNS("10", "2", "-0.5")) {
				t.Fatalf("NS read back %s, want {10, 2, -0.5}", avString(got["set"]))
			}
		})
		t.Run("nested", func(t *testing.T) {
			want := avM(item{"l": avL(avN("7"), avM(item{"x": avN("3")}))})
			if !avEqual(got["nested"], want) {
				t.Fatalf("nested read back %s, want %s", avString(got["nested"]), avString(want))
			}
		})
	})

	t.Run("number limits", func(t *testing.T) {
		cases := []struct {
			name, n  string
			fragment string // "" means accepted
		}{
			{"38 significant digits", "1234567890123456789012345678901234567.8", ""},
			{"39 significant digits", "123456789012345678901234567890123456789", "significant digits"},
			{"largest magnitude", "9.9999999999999999999999999999999999999E+125", ""},
			{"overflow", "1E+126", "Number overflow"},
			{"smallest magnitude", "1E-130", ""},
			{"underflow", "1E-131", "Number underflow"},
			{"NaN", "NaN", "cannot be converted"},
			{"Infinity", "Infinity", "cannot be converted"},
			{"letters", "12abc", "cannot be converted"},
			{"empty", "", "cannot be converted"},
			{"two points", "1.2.3", "cannot be converted"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				key := item{"pk": avS("numlimit-" + c.name)}
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{
					TableName: aws.String(hashT), Item: copyItem(key, item{"n": avN(c.n)}),
				})
				if c.fragment == "" {
					requireNoErr(t, err, "PutItem "+c.n)
					if tg.get(t, hashT, key)["n"] == nil {
						t.Fatalf("number %s not stored", c.n)
					}
					return
				}
				requireValidation(t, err, c.fragment)
				tg.requireStored(t, hashT, key, nil)
			})
		}
		t.Run("in a number set", func(t *testing.T) {
			_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{
				TableName: aws.String(hashT), Item: item{"pk": avS("numlimit-set"), "ns": avNS("1", "NaN")},
			})
			requireValidation(t, err, "cannot be converted")
		})
	})

	t.Run("key validation", func(t *testing.T) {
		const mismatch = "The provided key element does not match the schema"
		const emptyKey = "The AttributeValue for a key attribute cannot contain an empty string value"
		keys := []struct {
			name     string
			key      item
			fragment string
		}{
			{"wrong hash type", item{"pk": avN("1"), "sk": avN("1")}, mismatch},
			{"wrong range type", item{"pk": avS("a"), "sk": avS("1")}, mismatch},
			{"list as hash key", item{"pk": avL(avS("a")), "sk": avN("1")}, mismatch},
			{"missing range key", item{"pk": avS("a")}, mismatch},
			{"missing hash key", item{"sk": avN("1")}, mismatch},
			{"extra attribute", item{"pk": avS("a"), "sk": avN("1"), "x": avS("x")}, mismatch},
			{"empty key", item{}, mismatch},
			{"empty string hash key", item{"pk": avS(""), "sk": avN("1")}, emptyKey},
		}
		ops := []struct {
			name string
			call func(t *testing.T, key item) error
		}{
			{"GetItem", func(t *testing.T, key item) error {
				_, err := tg.client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(compT), Key: key})
				return err
			}},
			{"DeleteItem", func(t *testing.T, key item) error {
				_, err := tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(compT), Key: key})
				return err
			}},
			{"UpdateItem", func(t *testing.T, key item) error {
				_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
					TableName: aws.String(compT), Key: key,
					UpdateExpression: aws.String("SET a = :v"), ExpressionAttributeValues: item{":v": avS("v")},
				})
				return err
			}},
		}
		for _, op := range ops {
			for _, k := range keys {
				t.Run(op.name+"/"+k.name, func(t *testing.T) {
					requireValidation(t, op.call(t, k.key), k.fragment)
				})
			}
		}

		putCases := []struct {
			name      string
			it        item
			fragments []string
		}{
			{"missing hash key", item{"sk": avN("1"), "a": avS("x")}, []string{"Missing the key pk in the item"}},
			{"missing range key", item{"pk": avS("a"), "a": avS("x")}, []string{"Missing the key sk in the item"}},
			{"wrong hash type", item{"pk": avN("1"), "sk": avN("1")}, []string{"Type mismatch for key pk expected: S actual: N"}},
			{"wrong range type", item{"pk": avS("a"), "sk": avS("1")}, []string{"Type mismatch for key sk expected: N actual: S"}},
			{"list as hash key", item{"pk": avL(avS("a")), "sk": avN("1")}, []string{"Type mismatch for key pk expected: S actual: L"}},
			{"empty string hash key", item{"pk": avS(""), "sk": avN("1")}, []string{emptyKey}},
		}
		for _, c := range putCases {
			t.Run("PutItem/"+c.name, func(t *testing.T) {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(compT), Item: c.it})
				requireValidation(t, err, c.fragments...)
			})
		}
		t.Run("nothing was written", func(t *testing.T) {
			out, err := tg.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(compT), ConsistentRead: aws.Bool(true)})
			requireNoErr(t, err, "Scan")
			if len(out.Items) != 0 {
				t.Fatalf("invalid writes stored %d items: %s", len(out.Items), itemString(out.Items[0]))
			}
		})
	})

	t.Run("key size limits", func(t *testing.T) {
		cases := []struct {
			name     string
			pk, sk   string
			fragment string // "" means accepted
		}{
			{"hash key 2048 bytes", strings.Repeat("h", 2048), "s", ""},
			{"hash key 2049 bytes", strings.Repeat("h", 2049), "s", "Size of hashkey has exceeded the maximum size limit of2048 bytes"},
			{"hash key 1024 two-byte runes", strings.Repeat("é", 1024), "s", ""},
			{"hash key 1025 two-byte runes", strings.Repeat("é", 1025), "s", "Size of hashkey has exceeded the maximum size limit of2048 bytes"},
			{"range key 1024 bytes", "p", strings.Repeat("r", 1024), ""},
			{"range key 1025 bytes", "p", strings.Repeat("r", 1025), "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"},
			{"range key 342 three-byte runes", "p", strings.Repeat("€", 342), "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				key := item{"pk": avS(c.pk), "sk": avS(c.sk)}
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(strRangeT), Item: copyItem(key, item{"v": avN("1")})})
				if c.fragment == "" {
					requireNoErr(t, err, "PutItem")
					tg.requireStored(t, strRangeT, key, copyItem(key, item{"v": avN("1")}))
					return
				}
				requireValidation(t, err, c.fragment)
				_, err = tg.client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(strRangeT), Key: key})
				requireValidation(t, err, c.fragment)
			})
		}
	})

	t.Run("item size limit", func(t *testing.T) {
		// An item's size is the UTF-8 length of its attribute names plus its
		// values; 400 KB (409,600 bytes) is allowed, one byte more is not.
		const limit = 400 * 1024
		sized := func(pk, name string, total int) item {
			n := total - len("pk") - len(pk) - len(name)
			return item{"pk": avS(pk), name: avS(strings.Repeat("x", n))}
		}
		t.Run("exactly 400 KB", func(t *testing.T) {
			it := sized("big-at", "p", limit)
			tg.put(t, hashT, it)
			tg.requireStored(t, hashT, item{"pk": avS("big-at")}, it)
		})
		t.Run("one byte over", func(t *testing.T) {
			_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(hashT), Item: sized("big-over", "p", limit+1)})
			requireValidation(t, err, "Item size has exceeded the maximum allowed size")
			tg.requireStored(t, hashT, item{"pk": avS("big-over")}, nil)
		})
		long := strings.Repeat("n", 1000)
		t.Run("attribute names count: exactly 400 KB", func(t *testing.T) {
			it := sized("big-name-at", long, limit)
			tg.put(t, hashT, it)
			tg.requireStored(t, hashT, item{"pk": avS("big-name-at")}, it)
		})
		t.Run("attribute names count: one byte over", func(t *testing.T) {
			_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(hashT), Item: sized("big-name-over", long, limit+1)})
			requireValidation(t, err, "Item size has exceeded the maximum allowed size")
		})
		t.Run("UpdateItem growing past the limit", func(t *testing.T) {
			base := item{"pk": avS("big-upd"), "p": avS(strings.Repeat("x", 300000))}
			tg.put(t, hashT, base)
			_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
				TableName: aws.String(hashT), Key: item{"pk": avS("big-upd")},
				UpdateExpression:          aws.String("SET q = :q"),
				ExpressionAttributeValues: item{":q": avS(strings.Repeat("y", 200000))},
			})
			requireValidation(t, err, "has exceeded the maximum allowed size")
			tg.requireStored(t, hashT, item{"pk": avS("big-upd")}, base)
		})
	})

	t.Run("sets", func(t *testing.T) {
		cases := []struct {
			name     string
			v        types.AttributeValue
			fragment string
		}{
			{"empty string set", avSS(), "An string set  may not be empty"},
			{"empty number set", avNS(), "An number set  may not be empty"},
			{"empty binary set", avBS(), "Binary sets should not be empty"},
			{"empty set nested in a map", avM(item{"x": avSS()}), "An string set  may not be empty"},
			{"empty set nested in a list", avL(avNS()), "An number set  may not be empty"},
			{"duplicate strings", avSS("a", "b", "a"), "contains duplicates"},
			{"duplicate numbers", avNS("1", "2", "1"), "contains duplicates"},
			{"duplicate binaries", avBS([]byte{1}, []byte{1}), "contains duplicates"},
		}
		for _, c := range cases {
			t.Run("PutItem/"+c.name, func(t *testing.T) {
				key := item{"pk": avS("set-" + c.name)}
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(hashT), Item: copyItem(key, item{"v": c.v})})
				requireValidation(t, err, c.fragment)
				tg.requireStored(t, hashT, key, nil)
			})
		}
		t.Run("UpdateItem/empty set value", func(t *testing.T) {
			_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
				TableName: aws.String(hashT), Key: item{"pk": avS("set-update")},
				UpdateExpression:          aws.String("SET v = :v"),
				ExpressionAttributeValues: item{":v": avSS()},
			})
			requireValidation(t, err, "An string set  may not be empty")
			tg.requireStored(t, hashT, item{"pk": avS("set-update")}, nil)
		})
	})

	t.Run("NULL false is rejected", func(t *testing.T) {
		_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{
			TableName: aws.String(hashT), Item: item{"pk": avS("null-false"), "v": &types.AttributeValueMemberNULL{Value: false}},
		})
		requireValidation(t, err, "Null attribute value types must have the value of true")
	})

	t.Run("nesting depth", func(t *testing.T) {
		deep := func(depth int) types.AttributeValue {
			v := avS("leaf")
			for range depth {
				v = avM(item{"n": v})
			}
			return v
		}
		deepList := func(depth int) types.AttributeValue {
			v := avS("leaf")
			for range depth {
				v = avL(v)
			}
			return v
		}
		ok := item{"pk": avS("nest-31"), "m": deep(31), "l": deepList(31)}
		tg.put(t, hashT, ok)
		tg.requireStored(t, hashT, item{"pk": avS("nest-31")}, ok)
		for name, v := range map[string]types.AttributeValue{"map": deep(32), "list": deepList(32)} {
			t.Run("33 levels of "+name, func(t *testing.T) {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{
					TableName: aws.String(hashT), Item: item{"pk": avS("nest-32-" + name), "v": v},
				})
				requireValidation(t, err, "Nesting Levels have exceeded supported limits")
			})
		}
	})

	t.Run("PutItem replaces the whole item", func(t *testing.T) {
		key := item{"pk": avS("replace")}
		tg.put(t, hashT, copyItem(key, item{"a": avS("1"), "b": avS("2")}))
		tg.put(t, hashT, copyItem(key, item{"c": avS("3")}))
		tg.requireStored(t, hashT, key, copyItem(key, item{"c": avS("3")}))
	})

	t.Run("DeleteItem", func(t *testing.T) {
		key := item{"pk": avS("delete-me")}
		tg.put(t, hashT, copyItem(key, item{"a": avN("1")}))
		_, err := tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(hashT), Key: key})
		requireNoErr(t, err, "DeleteItem")
		tg.requireStored(t, hashT, key, nil)
		_, err = tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(hashT), Key: key})
		requireNoErr(t, err, "DeleteItem of a missing item")
	})

	t.Run("ConditionExpression on Put and Delete", func(t *testing.T) {
		key := item{"pk": avS("cond-put")}
		orig := copyItem(key, item{"a": avN("1")})
		_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{
			TableName: aws.String(hashT), Item: orig, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		})
		requireNoErr(t, err, "conditional PutItem of a new item")
		_, err = tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{
			TableName: aws.String(hashT), Item: copyItem(key, item{"a": avN("2")}), ConditionExpression: aws.String("attribute_not_exists(pk)"),
		})
		requireConditionalFailed(t, err)
		tg.requireStored(t, hashT, key, orig)

		_, err = tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
			TableName: aws.String(hashT), Key: key,
			ConditionExpression: aws.String("a = :two"), ExpressionAttributeValues: item{":two": avN("2")},
		})
		requireConditionalFailed(t, err)
		tg.requireStored(t, hashT, key, orig)
		_, err = tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
			TableName: aws.String(hashT), Key: key,
			ConditionExpression: aws.String("a = :one"), ExpressionAttributeValues: item{":one": avN("1")},
		})
		requireNoErr(t, err, "conditional DeleteItem")
		tg.requireStored(t, hashT, key, nil)
		_, err = tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
			TableName: aws.String(hashT), Key: key, ConditionExpression: aws.String("attribute_exists(pk)"),
		})
		requireConditionalFailed(t, err)
	})

	t.Run("ReturnValuesOnConditionCheckFailure", func(t *testing.T) {
		key := item{"pk": avS("rvccf")}
		stored := copyItem(key, item{"a": avN("1"), "m": avM(item{"x": avS("y")})})
		tg.put(t, hashT, stored)
		cond := aws.String("a = :two")
		vals := item{":two": avN("2")}
		ops := []struct {
			name string
			call func(t *testing.T, rv types.ReturnValuesOnConditionCheckFailure, key item) error
		}{
			{"PutItem", func(t *testing.T, rv types.ReturnValuesOnConditionCheckFailure, key item) error {
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{
					TableName: aws.String(hashT), Item: copyItem(key, item{"a": avN("9")}), ConditionExpression: cond,
					ExpressionAttributeValues: vals, ReturnValuesOnConditionCheckFailure: rv,
				})
				return err
			}},
			{"UpdateItem", func(t *testing.T, rv types.ReturnValuesOnConditionCheckFailure, key item) error {
				_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
					TableName: aws.String(hashT), Key: key, UpdateExpression: aws.String("SET b = :two"),
					ConditionExpression: cond, ExpressionAttributeValues: vals, ReturnValuesOnConditionCheckFailure: rv,
				})
				return err
			}},
			{"DeleteItem", func(t *testing.T, rv types.ReturnValuesOnConditionCheckFailure, key item) error {
				_, err := tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
					TableName: aws.String(hashT), Key: key, ConditionExpression: cond,
					ExpressionAttributeValues: vals, ReturnValuesOnConditionCheckFailure: rv,
				})
				return err
			}},
		}
		for _, op := range ops {
			t.Run(op.name+"/ALL_OLD returns the item", func(t *testing.T) {
				ccf := requireConditionalFailed(t, op.call(t, types.ReturnValuesOnConditionCheckFailureAllOld, key))
				requireItem(t, ccf.Item, stored, "ConditionalCheckFailedException.Item")
			})
			t.Run(op.name+"/NONE returns no item", func(t *testing.T) {
				ccf := requireConditionalFailed(t, op.call(t, types.ReturnValuesOnConditionCheckFailureNone, key))
				requireItem(t, ccf.Item, nil, "ConditionalCheckFailedException.Item")
			})
			t.Run(op.name+"/ALL_OLD on a missing item returns no item", func(t *testing.T) {
				ccf := requireConditionalFailed(t, op.call(t, types.ReturnValuesOnConditionCheckFailureAllOld, item{"pk": avS("rvccf-missing")}))
				requireItem(t, ccf.Item, nil, "ConditionalCheckFailedException.Item")
			})
		}
		tg.requireStored(t, hashT, key, stored)
	})

	t.Run("ProjectionExpression", func(t *testing.T) {
		key := item{"pk": avS("proj")}
		stored := copyItem(key, item{
			"a":      avM(item{"b": avL(avM(item{"c": avN("1"), "d": avN("2")}), avM(item{"c": avN("3")})), "e": avS("x")}),
			"f":      avL(avN("1"), avN("2"), avN("3")),
			"g":      avS("y"),
			"h-h":    avS("dash"),
			"status": avS("reserved"),
		})
		tg.put(t, hashT, stored)
		cases := []struct {
			name  string
			proj  string
			names map[string]string
			want  item
		}{
			{"top-level attribute", "g", nil, item{"g": avS("y")}},
			{"nested paths", "a.b[0].c, f[2], g", nil, item{
				"a": avM(item{"b": avL(avM(item{"c": avN("1")}))}), "f": avL(avN("3")), "g": avS("y"),
			}},
			{"list elements keep their order", "a.b[1].c, a.b[0].d", nil, item{
				"a": avM(item{"b": avL(avM(item{"d": avN("2")}), avM(item{"c": avN("3")}))}),
			}},
			{"missing paths are omitted", "a.e, a.b[5], nope, f[9]", nil, item{"a": avM(item{"e": avS("x")})}},
			{"several list elements", "pk, f[0], f[1]", nil, item{"pk": avS("proj"), "f": avL(avN("1"), avN("2"))}},
			{"name placeholders", "#h, #s, #a.#e", map[string]string{"#h": "h-h", "#s": "status", "#a": "a", "#e": "e"}, item{
				"h-h": avS("dash"), "status": avS("reserved"), "a": avM(item{"e": avS("x")}),
			}},
			{"nothing matches", "nope", nil, item{}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := &dynamodb.GetItemInput{TableName: aws.String(hashT), Key: key, ProjectionExpression: aws.String(c.proj), ConsistentRead: aws.Bool(true)}
				if c.names != nil {
					in.ExpressionAttributeNames = c.names
				}
				out, err := tg.client.GetItem(t.Context(), in)
				requireNoErr(t, err, "GetItem")
				requireItem(t, out.Item, c.want, "projected item")
				if len(c.want) == 0 && out.Item == nil {
					t.Fatalf("GetItem of an existing item whose projection matches nothing returned no Item, want an empty Item")
				}
			})
		}
		errCases := []struct {
			name      string
			proj      string
			names     map[string]string
			fragments []string
		}{
			{"overlapping paths", "a, a.b", nil, []string{"Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"}},
			{"duplicate path", "g, g", nil, []string{"Two document paths overlap with each other"}},
			{"undefined name", "#missing", nil, []string{"An expression attribute name used in the document path is not defined; attribute name: #missing"}},
			{"unused name", "g", map[string]string{"#x": "x"}, []string{"Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}"}},
			{"reserved word", "status", nil, []string{"Attribute name is a reserved keyword; reserved keyword: status"}},
			{"syntax error", "a..b", nil, []string{"Invalid ProjectionExpression", "Syntax error"}},
		}
		for _, c := range errCases {
			t.Run(c.name, func(t *testing.T) {
				in := &dynamodb.GetItemInput{TableName: aws.String(hashT), Key: key, ProjectionExpression: aws.String(c.proj)}
				if c.names != nil {
					in.ExpressionAttributeNames = c.names
				}
				_, err := tg.client.GetItem(t.Context(), in)
				requireValidation(t, err, c.fragments...)
			})
		}
	})

	t.Run("ReturnValues", func(t *testing.T) {
		t.Run("PutItem", func(t *testing.T) {
			key := item{"pk": avS("rv-put")}
			v1 := copyItem(key, item{"a": avN("1")})
			out, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(hashT), Item: v1, ReturnValues: types.ReturnValueAllOld})
			requireNoErr(t, err, "PutItem")
			requireItem(t, out.Attributes, nil, "ALL_OLD of a new item")
			out, err = tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(hashT), Item: copyItem(key, item{"b": avN("2")}), ReturnValues: types.ReturnValueAllOld})
			requireNoErr(t, err, "PutItem")
			requireItem(t, out.Attributes, v1, "ALL_OLD of a replaced item")
			out, err = tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(hashT), Item: v1, ReturnValues: types.ReturnValueNone})
			requireNoErr(t, err, "PutItem")
			requireItem(t, out.Attributes, nil, "NONE")
			for _, rv := range []types.ReturnValue{types.ReturnValueAllNew, types.ReturnValueUpdatedOld, types.ReturnValueUpdatedNew} {
				_, err = tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(hashT), Item: v1, ReturnValues: rv})
				requireValidation(t, err)
			}
		})
		t.Run("DeleteItem", func(t *testing.T) {
			key := item{"pk": avS("rv-del")}
			v1 := copyItem(key, item{"a": avN("1")})
			tg.put(t, hashT, v1)
			out, err := tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(hashT), Key: key, ReturnValues: types.ReturnValueAllOld})
			requireNoErr(t, err, "DeleteItem")
			requireItem(t, out.Attributes, v1, "ALL_OLD")
			out, err = tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(hashT), Key: key, ReturnValues: types.ReturnValueAllOld})
			requireNoErr(t, err, "DeleteItem")
			requireItem(t, out.Attributes, nil, "ALL_OLD of a missing item")
			_, err = tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(hashT), Key: key, ReturnValues: types.ReturnValueAllNew})
			requireValidation(t, err)
		})
		t.Run("UpdateItem", func(t *testing.T) {
			base := item{"a": avN("1"), "b": avN("2"), "c": avN("3"), "m": avM(item{"x": avN("1"), "y": avN("2")})}
			cases := []struct {
				name   string
				rv     types.ReturnValue
				expr   string
				vals   item
				upsert bool
				want   item // nil: no Attributes
			}{
				{"NONE", types.ReturnValueNone, "SET a = :v", item{":v": avS("v")}, false, nil},
				{"ALL_OLD", types.ReturnValueAllOld, "SET a = :v", item{":v": avS("v")}, false, base},
				{"ALL_NEW", types.ReturnValueAllNew, "SET a = :v REMOVE c", item{":v": avS("v")}, false,
					item{"a": avS("v"), "b": avN("2"), "m": base["m"]}},
				{"UPDATED_OLD includes removed attributes, not new ones", types.ReturnValueUpdatedOld, "SET a = :v, d = :w REMOVE c",
					item{":v": avS("v"), ":w": avS("w")}, false, item{"a": avN("1"), "c": avN("3")}},
				{"UPDATED_NEW includes new attributes, not removed ones", types.ReturnValueUpdatedNew, "SET a = :v, d = :w REMOVE c",
					item{":v": avS("v"), ":w": avS("w")}, false, item{"a": avS("v"), "d": avS("w")}},
				{"UPDATED_NEW of a nested SET is the changed fragment", types.ReturnValueUpdatedNew, "SET m.x = :v",
					item{":v": avS("v")}, false, item{"m": avM(item{"x": avS("v")})}},
				{"UPDATED_OLD of a nested SET is the changed fragment", types.ReturnValueUpdatedOld, "SET m.x = :v",
					item{":v": avS("v")}, false, item{"m": avM(item{"x": avN("1")})}},
				{"UPDATED_NEW of a REMOVE-only update is empty", types.ReturnValueUpdatedNew, "REMOVE b", nil, false, nil},
				{"UPDATED_OLD of a REMOVE", types.ReturnValueUpdatedOld, "REMOVE b", nil, false, item{"b": avN("2")}},
				{"UPDATED_NEW of ADD", types.ReturnValueUpdatedNew, "ADD a :one", item{":one": avN("1")}, false, item{"a": avN("2")}},
				{"UPDATED_OLD of a new attribute is empty", types.ReturnValueUpdatedOld, "SET z = :v", item{":v": avS("v")}, false, nil},
				{"ALL_OLD on upsert is empty", types.ReturnValueAllOld, "SET a = :v", item{":v": avS("v")}, true, nil},
				{"ALL_NEW on upsert includes the key", types.ReturnValueAllNew, "SET a = :v", item{":v": avS("v")}, true, item{"a": avS("v")}},
				{"UPDATED_NEW on upsert is only the updated attributes", types.ReturnValueUpdatedNew, "SET a = :v", item{":v": avS("v")}, true, item{"a": avS("v")}},
				{"UPDATED_OLD on upsert is empty", types.ReturnValueUpdatedOld, "SET a = :v", item{":v": avS("v")}, true, nil},
			}
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					key := item{"pk": avS(fmt.Sprintf("rv-upd-%d", i))}
					if !c.upsert {
						tg.put(t, hashT, copyItem(key, base))
					}
					in := &dynamodb.UpdateItemInput{TableName: aws.String(hashT), Key: key, UpdateExpression: aws.String(c.expr), ReturnValues: c.rv}
					if c.vals != nil {
						in.ExpressionAttributeValues = c.vals
					}
					out, err := tg.client.UpdateItem(t.Context(), in)
					requireNoErr(t, err, "UpdateItem")
					want := c.want
					if want != nil && (c.rv == types.ReturnValueAllNew || c.rv == types.ReturnValueAllOld) {
						want = copyItem(key, want)
					}
					requireItem(t, out.Attributes, want, string(c.rv))
				})
			}
		})
	})
}
