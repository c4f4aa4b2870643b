package ddblocal_test

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"
)

// eventually retries check until it returns "" (success) or tg.maxWait has
// passed. Global secondary indexes are eventually consistent in DynamoDB, so
// index reads are retried rather than asserted once.
func (tg *target) eventually(t *testing.T, check func() string) {
	t.Helper()
	deadline := time.Now().Add(tg.maxWait)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(msg)
		case <-time.After(tg.poll):
		}
	}
}

// attrValues renders attribute name of each item (N and S as their text, B
// as hex) in order.
func attrValues(items []item, name string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		switch v := it[name].(type) {
		case *types.AttributeValueMemberN:
			out[i] = v.Value
		case *types.AttributeValueMemberS:
			out[i] = v.Value
		case *types.AttributeValueMemberB:
			out[i] = fmt.Sprintf("%x", v.Value)
		default:
			out[i] = avString(v)
		}
	}
	return out
}

// queryAll runs a Query to completion with the SDK paginator.
func (tg *target) queryAll(t *testing.T, in *dynamodb.QueryInput) (items []item, pages []*dynamodb.QueryOutput) {
	t.Helper()
	p := dynamodb.NewQueryPaginator(tg.client, in)
	for p.HasMorePages() {
		if len(pages) > 1000 {
			t.Fatal("Query paginator did not terminate")
		}
		out, err := p.NextPage(t.Context())
		requireNoErr(t, err, "Query page")
		pages = append(pages, out)
		items = append(items, out.Items...)
	}
	return items, pages
}

// scanAll runs a Scan to completion with the SDK paginator.
func (tg *target) scanAll(t *testing.T, in *dynamodb.ScanInput) (items []item, pages []*dynamodb.ScanOutput) {
	t.Helper()
	p := dynamodb.NewScanPaginator(tg.client, in)
	for p.HasMorePages() {
		if len(pages) > 1000 {
			t.Fatal("Scan paginator did not terminate")
		}
		out, err := p.NextPage(t.Context())
		requireNoErr(t, err, "Scan page")
		pages = append(pages, out)
		items = append(items, out.Items...)
	}
	return items, pages
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// TestConformanceQueryScan covers Query and Scan: key conditions, ordering,
// Limit and filters, LastEvaluatedKey, 1 MB pages, paginators, Select,
// secondary indexes (sparse, projections, LSI), parallel Scan and the
// validation errors.
func TestConformanceQueryScan(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)

	numT := tg.createTable(t, tableDef{
		hash: keyS("pk"), rng: rangeKey(keyN("sk")),
		gsis: []indexDef{
			{name: "byG", hash: keyS("gpk"), rng: rangeKey(keyS("gsk"))},
			{name: "byKeys", hash: keyS("gpk"), rng: rangeKey(keyS("gsk")), projection: types.ProjectionTypeKeysOnly},
			{name: "byInc", hash: keyS("gpk"), rng: rangeKey(keyS("gsk")), projection: types.ProjectionTypeInclude, include: []string{"inc"}},
		},
		lsis: []indexDef{
			{name: "byL", hash: keyS("pk"), rng: rangeKey(keyS("lsk"))},
			{name: "byLInc", hash: keyS("pk"), rng: rangeKey(keyS("lsk")), projection: types.ProjectionTypeInclude, include: []string{"inc"}},
		},
	})
	sks := []string{"-10", "-2.5", "0", "2", "10", "100", "1000"}
	stored := map[string]item{} // by sk
	for i, sk := range sks {
		it := item{
			"pk": avS("p"), "sk": avN(sk), "v": avN(strconv.Itoa(i)),
			"f": avS([]string{"even", "odd"}[i%2]), "inc": avS(fmt.Sprintf("inc%d", i)), "other": avS("o"),
		}
		if i < 5 {
			it["lsk"] = avS(string(rune('e' - i))) // e d c b a: the reverse of sk order
		}
		if i%2 == 0 {
			it["gpk"] = avS("g")
			it["gsk"] = avS(fmt.Sprintf("gs%d", i))
		}
		stored[sk] = it
		tg.put(t, numT, it)
	}
	tg.put(t, numT, item{"pk": avS("q"), "sk": avN("1"), "gpk": avS("g2"), "gsk": avS("x"), "lsk": avS("z")})
	tg.put(t, numT, item{"pk": avS("q"), "sk": avN("2")})

	query := func(t *testing.T, in dynamodb.QueryInput) *dynamodb.QueryOutput {
		t.Helper()
		if in.TableName == nil {
			in.TableName = aws.String(numT)
		}
		out, err := tg.client.Query(t.Context(), &in)
		requireNoErr(t, err, "Query")
		return out
	}
	pVals := func(extra item) item { return copyItem(item{":p": avS("p")}, extra) }

	t.Run("key conditions", func(t *testing.T) {
		cases := []struct {
			name, cond string
			vals       item
			want       []string
		}{
			{"hash only: numeric sort order", "pk = :p", nil, sks},
			{"=", "pk = :p AND sk = :v", item{":v": avN("2")}, []string{"2"}},
			{"= with a non-canonical number", "pk = :p AND sk = :v", item{":v": avN("2.000")}, []string{"2"}},
			{"<", "pk = :p AND sk < :v", item{":v": avN("2")}, []string{"-10", "-2.5", "0"}},
			{"<=", "pk = :p AND sk <= :v", item{":v": avN("2")}, []string{"-10", "-2.5", "0", "2"}},
			{">", "pk = :p AND sk > :v", item{":v": avN("2")}, []string{"10", "100", "1000"}},
			{">=", "pk = :p AND sk >= :v", item{":v": avN("2")}, []string{"2", "10", "100", "1000"}},
			{"BETWEEN is inclusive", "pk = :p AND sk BETWEEN :a AND :b", item{":a": avN("-2.5"), ":b": avN("10")}, []string{"-2.5", "0", "2", "10"}},
			{"no match", "pk = :p AND sk > :v", item{":v": avN("5000")}, []string{}},
			{"other partition", "pk = :q", item{":q": avS("q")}, []string{"1", "2"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				vals := copyItem(c.vals)
				if strings.Contains(c.cond, ":p") {
					vals[":p"] = avS("p")
				}
				out := query(t, dynamodb.QueryInput{KeyConditionExpression: aws.String(c.cond), ExpressionAttributeValues: vals, ConsistentRead: aws.Bool(true)})
				if got := attrValues(out.Items, "sk"); strings.Join(got, ",") != strings.Join(c.want, ",") {
					t.Fatalf("sort keys %v, want %v", got, c.want)
				}
				if int(out.Count) != len(c.want) || int(out.ScannedCount) != len(c.want) {
					t.Fatalf("Count %d ScannedCount %d, want %d", out.Count, out.ScannedCount, len(c.want))
				}
				out = query(t, dynamodb.QueryInput{KeyConditionExpression: aws.String(c.cond), ExpressionAttributeValues: vals, ScanIndexForward: aws.Bool(false)})
				if got := attrValues(out.Items, "sk"); strings.Join(got, ",") != strings.Join(reversed(c.want), ",") {
					t.Fatalf("ScanIndexForward=false: sort keys %v, want %v", got, reversed(c.want))
				}
			})
		}
		t.Run("names and full items", func(t *testing.T) {
			out := query(t, dynamodb.QueryInput{
				KeyConditionExpression:    aws.String("#p = :p AND #s = :v"),
				ExpressionAttributeNames:  map[string]string{"#p": "pk", "#s": "sk"},
				ExpressionAttributeValues: pVals(item{":v": avN("-2.5")}),
			})
			if len(out.Items) != 1 {
				t.Fatalf("%d items, want 1", len(out.Items))
			}
			requireItem(t, out.Items[0], stored["-2.5"], "queried item")
		})
	})

	t.Run("string sort keys order by UTF-8 bytes", func(t *testing.T) {
		strT := tg.createTable(t, tableDef{hash: keyS("pk"), rng: rangeKey(keyS("sk"))})
		// UTF-16 order would put the emoji (a surrogate pair, 0xD83D...)
		// before U+FF61; UTF-8 byte order puts it after.
		keys := []string{"a", "ab", "abc", "b", "B", "Z", "é", "\uff61", "😀", "~", " "}
		for _, k := range keys {
			tg.put(t, strT, item{"pk": avS("s"), "sk": avS(k)})
		}
		sorted := append([]string{}, keys...)
		sort.Strings(sorted) // Go compares strings bytewise
		cases := []struct {
			name, cond string
			vals       item
			want       []string
		}{
			{"all", "pk = :p", nil, sorted},
			{"begins_with", "pk = :p AND begins_with(sk, :a)", item{":a": avS("a")}, []string{"a", "ab", "abc"}},
			{"BETWEEN", "pk = :p AND sk BETWEEN :a AND :b", item{":a": avS("a"), ":b": avS("b")}, []string{"a", "ab", "abc", "b"}},
			{"> tilde is the multi-byte keys", "pk = :p AND sk > :t", item{":t": avS("~")}, []string{"é", "\uff61", "😀"}},
			{"< lowercase a", "pk = :p AND sk < :a", item{":a": avS("a")}, []string{" ", "B", "Z"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				vals := copyItem(c.vals, item{":p": avS("s")})
				out := query(t, dynamodb.QueryInput{TableName: aws.String(strT), KeyConditionExpression: aws.String(c.cond), ExpressionAttributeValues: vals, ConsistentRead: aws.Bool(true)})
				if got := attrValues(out.Items, "sk"); strings.Join(got, "|") != strings.Join(c.want, "|") {
					t.Fatalf("sort keys %q, want %q", got, c.want)
				}
			})
		}
	})

	t.Run("binary sort keys order by unsigned bytes", func(t *testing.T) {
		binT := tg.createTable(t, tableDef{hash: keyS("pk"), rng: rangeKey(keyB("sk"))})
		keys := [][]byte{{0x80}, {0xff}, {0x00}, {0x01, 0x00}, {0x7f}, {0x00, 0x00}, {0x01}}
		for _, k := range keys {
			tg.put(t, binT, item{"pk": avS("b"), "sk": avB(k)})
		}
		sorted := append([][]byte{}, keys...)
		sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i], sorted[j]) < 0 })
		hexes := func(bs [][]byte) []string {
			out := make([]string, len(bs))
			for i, b := range bs {
				out[i] = fmt.Sprintf("%x", b)
			}
			return out
		}
		cases := []struct {
			name, cond string
			vals       item
			want       []string
		}{
			{"all", "pk = :p", nil, hexes(sorted)},
			{"> 0x7f", "pk = :p AND sk > :v", item{":v": avB([]byte{0x7f})}, []string{"80", "ff"}},
			{"begins_with 0x01", "pk = :p AND begins_with(sk, :v)", item{":v": avB([]byte{0x01})}, []string{"01", "0100"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				vals := copyItem(c.vals, item{":p": avS("b")})
				out := query(t, dynamodb.QueryInput{TableName: aws.String(binT), KeyConditionExpression: aws.String(c.cond), ExpressionAttributeValues: vals, ConsistentRead: aws.Bool(true)})
				if got := attrValues(out.Items, "sk"); strings.Join(got, ",") != strings.Join(c.want, ",") {
					t.Fatalf("sort keys %v, want %v", got, c.want)
				}
			})
		}
	})

	t.Run("Limit counts items evaluated before the filter", func(t *testing.T) {
		in := dynamodb.QueryInput{
			KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("f = :odd"),
			ExpressionAttributeValues: pVals(item{":odd": avS("odd")}), Limit: aws.Int32(3), ConsistentRead: aws.Bool(true),
		}
		out := query(t, in)
		if out.Count != 1 || out.ScannedCount != 3 {
			t.Fatalf("page 1: Count %d ScannedCount %d, want 1 and 3", out.Count, out.ScannedCount)
		}
		if got := attrValues(out.Items, "sk"); strings.Join(got, ",") != "-2.5" {
			t.Fatalf("page 1 items %v, want [-2.5]", got)
		}
		requireItem(t, out.LastEvaluatedKey, item{"pk": avS("p"), "sk": avN("0")}, "page 1 LastEvaluatedKey")
		in.ExclusiveStartKey = out.LastEvaluatedKey
		out = query(t, in)
		if out.Count != 2 || out.ScannedCount != 3 {
			t.Fatalf("page 2: Count %d ScannedCount %d, want 2 and 3", out.Count, out.ScannedCount)
		}
		if got := attrValues(out.Items, "sk"); strings.Join(got, ",") != "2,100" {
			t.Fatalf("page 2 items %v, want [2 100]", got)
		}

		t.Run("without Limit", func(t *testing.T) {
			out := query(t, dynamodb.QueryInput{
				KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("f = :odd"),
				ExpressionAttributeValues: pVals(item{":odd": avS("odd")}), ConsistentRead: aws.Bool(true),
			})
			if out.Count != 3 || out.ScannedCount != 7 || len(out.Items) != 3 {
				t.Fatalf("Count %d ScannedCount %d items %d, want 3, 7, 3", out.Count, out.ScannedCount, len(out.Items))
			}
			if out.LastEvaluatedKey != nil {
				t.Fatalf("LastEvaluatedKey %s on a complete result, want none", itemString(out.LastEvaluatedKey))
			}
		})
		t.Run("Scan", func(t *testing.T) {
			out, err := tg.client.Scan(t.Context(), &dynamodb.ScanInput{
				TableName: aws.String(numT), FilterExpression: aws.String("f = :odd"),
				ExpressionAttributeValues: item{":odd": avS("odd")}, Limit: aws.Int32(4), ConsistentRead: aws.Bool(true),
			})
			requireNoErr(t, err, "Scan")
			if out.ScannedCount != 4 || int(out.Count) != len(out.Items) || out.Count > 4 {
				t.Fatalf("Scan Limit 4: Count %d ScannedCount %d items %d", out.Count, out.ScannedCount, len(out.Items))
			}
			if out.LastEvaluatedKey == nil {
				t.Fatal("Scan stopped by Limit has no LastEvaluatedKey")
			}
		})
	})

	t.Run("LastEvaluatedKey shape", func(t *testing.T) {
		t.Run("table", func(t *testing.T) {
			out := query(t, dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), Limit: aws.Int32(2), ConsistentRead: aws.Bool(true)})
			requireItem(t, out.LastEvaluatedKey, item{"pk": avS("p"), "sk": avN("-2.5")}, "LastEvaluatedKey")
		})
		t.Run("GSI: index keys and table keys", func(t *testing.T) {
			tg.eventually(t, func() string {
				out := query(t, dynamodb.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("gpk = :g"), ExpressionAttributeValues: item{":g": avS("g")}, Limit: aws.Int32(1)})
				want := item{"gpk": avS("g"), "gsk": avS("gs0"), "pk": avS("p"), "sk": avN("-10")}
				if itemString(out.LastEvaluatedKey) != itemString(want) {
					return fmt.Sprintf("GSI LastEvaluatedKey %s, want %s", itemString(out.LastEvaluatedKey), itemString(want))
				}
				return ""
			})
		})
		t.Run("LSI: index key and table keys", func(t *testing.T) {
			out := query(t, dynamodb.QueryInput{IndexName: aws.String("byL"), KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), Limit: aws.Int32(1), ConsistentRead: aws.Bool(true)})
			requireItem(t, out.LastEvaluatedKey, item{"pk": avS("p"), "lsk": avS("a"), "sk": avN("10")}, "LSI LastEvaluatedKey")
		})
		t.Run("Scan of a GSI", func(t *testing.T) {
			tg.eventually(t, func() string {
				out, err := tg.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(numT), IndexName: aws.String("byKeys"), Limit: aws.Int32(1)})
				requireNoErr(t, err, "Scan")
				if len(out.Items) != 1 {
					return fmt.Sprintf("Scan of GSI returned %d items, want 1", len(out.Items))
				}
				want := sortedNames(out.Items[0]) // KEYS_ONLY: the item is exactly the keys
				if got := sortedNames(out.LastEvaluatedKey); strings.Join(got, ",") != "gpk,gsk,pk,sk" || strings.Join(want, ",") != "gpk,gsk,pk,sk" {
					return fmt.Sprintf("GSI Scan LastEvaluatedKey names %v (item %v), want [gpk gsk pk sk]", got, want)
				}
				return ""
			})
		})
		t.Run("resuming returns the rest", func(t *testing.T) {
			out := query(t, dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), Limit: aws.Int32(5), ConsistentRead: aws.Bool(true)})
			out2 := query(t, dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), ExclusiveStartKey: out.LastEvaluatedKey, ConsistentRead: aws.Bool(true)})
			if got := attrValues(out2.Items, "sk"); strings.Join(got, ",") != "100,1000" {
				t.Fatalf("resumed query returned %v, want [100 1000]", got)
			}
			if out2.LastEvaluatedKey != nil {
				t.Fatalf("final page has LastEvaluatedKey %s", itemString(out2.LastEvaluatedKey))
			}
			out3 := query(t, dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), ExclusiveStartKey: out.LastEvaluatedKey, ScanIndexForward: aws.Bool(false), ConsistentRead: aws.Bool(true)})
			if got := attrValues(out3.Items, "sk"); strings.Join(got, ",") != "2,0,-2.5,-10" {
				t.Fatalf("backwards from the same key returned %v, want [2 0 -2.5 -10]", got)
			}
		})
	})

	t.Run("paginators visit every item exactly once", func(t *testing.T) {
		items, pages := tg.queryAll(t, &dynamodb.QueryInput{
			TableName: aws.String(numT), KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: pVals(nil), Limit: aws.Int32(2), ConsistentRead: aws.Bool(true),
		})
		if got := attrValues(items, "sk"); strings.Join(got, ",") != strings.Join(sks, ",") {
			t.Fatalf("paginated query returned %v, want %v", got, sks)
		}
		if len(pages) != 4 {
			t.Fatalf("7 items with Limit 2 took %d pages, want 4", len(pages))
		}
		for i, p := range pages {
			if len(p.Items) > 2 {
				t.Fatalf("page %d has %d items, Limit was 2", i, len(p.Items))
			}
		}
	})

	t.Run("1 MB pages", func(t *testing.T) {
		bigT := tg.createTable(t, tableDef{hash: keyS("pk"), rng: rangeKey(keyN("sk"))})
		payload := strings.Repeat("x", 100_000)
		var items []item
		for i := range 25 {
			items = append(items, item{"pk": avS("big"), "sk": avN(strconv.Itoa(i)), "payload": avS(payload)})
		}
		tg.batchPut(t, bigT, items)
		var want []string
		for i := range 25 {
			want = append(want, strconv.Itoa(i))
		}
		checkPages := func(t *testing.T, counts []int, lastKeys []bool, got []string) {
			t.Helper()
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("returned sort keys %v, want 0..24 once each", got)
			}
			if len(counts) < 3 {
				t.Fatalf("25 items of 100 KB came back in %d page(s) %v; a page holds at most 1 MB", len(counts), counts)
			}
			for i, c := range counts {
				if c > 11 {
					t.Fatalf("page %d has %d items of 100 KB (over 1 MB); pages %v", i, c, counts)
				}
				if i < len(counts)-1 && !lastKeys[i] {
					t.Fatalf("page %d of %d has no LastEvaluatedKey", i, len(counts))
				}
			}
		}
		t.Run("Query", func(t *testing.T) {
			got, pages := tg.queryAll(t, &dynamodb.QueryInput{
				TableName: aws.String(bigT), KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: item{":p": avS("big")}, ConsistentRead: aws.Bool(true),
			})
			var counts []int
			var lek []bool
			for _, p := range pages {
				counts = append(counts, len(p.Items))
				lek = append(lek, p.LastEvaluatedKey != nil)
			}
			checkPages(t, counts, lek, attrValues(got, "sk"))
		})
		t.Run("Scan", func(t *testing.T) {
			got, pages := tg.scanAll(t, &dynamodb.ScanInput{TableName: aws.String(bigT), ConsistentRead: aws.Bool(true)})
			var counts []int
			var lek []bool
			for _, p := range pages {
				counts = append(counts, len(p.Items))
				lek = append(lek, p.LastEvaluatedKey != nil)
			}
			sks := attrValues(got, "sk")
			sort.Slice(sks, func(i, j int) bool { a, _ := strconv.Atoi(sks[i]); b, _ := strconv.Atoi(sks[j]); return a < b })
			checkPages(t, counts, lek, sks)
		})
		t.Run("filter does not lift the limit", func(t *testing.T) {
			// The 1 MB applies to data read before the filter.
			out := query(t, dynamodb.QueryInput{
				TableName: aws.String(bigT), KeyConditionExpression: aws.String("pk = :p"),
				FilterExpression: aws.String("attribute_not_exists(payload)"), ExpressionAttributeValues: item{":p": avS("big")},
			})
			if out.Count != 0 || out.ScannedCount > 11 || out.ScannedCount == 0 || out.LastEvaluatedKey == nil {
				t.Fatalf("Count %d ScannedCount %d LastEvaluatedKey %v, want 0, 1..11, present", out.Count, out.ScannedCount, out.LastEvaluatedKey != nil)
			}
		})
	})

	t.Run("Select", func(t *testing.T) {
		t.Run("COUNT", func(t *testing.T) {
			out := query(t, dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), Select: types.SelectCount, ConsistentRead: aws.Bool(true)})
			if out.Count != 7 || out.ScannedCount != 7 || len(out.Items) != 0 {
				t.Fatalf("Count %d ScannedCount %d items %d, want 7, 7, 0", out.Count, out.ScannedCount, len(out.Items))
			}
		})
		t.Run("COUNT with a filter", func(t *testing.T) {
			out := query(t, dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("f = :e"),
				ExpressionAttributeValues: pVals(item{":e": avS("even")}), Select: types.SelectCount, ConsistentRead: aws.Bool(true)})
			if out.Count != 4 || out.ScannedCount != 7 || len(out.Items) != 0 {
				t.Fatalf("Count %d ScannedCount %d items %d, want 4, 7, 0", out.Count, out.ScannedCount, len(out.Items))
			}
		})
		t.Run("Scan COUNT", func(t *testing.T) {
			out, err := tg.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(numT), Select: types.SelectCount, ConsistentRead: aws.Bool(true)})
			requireNoErr(t, err, "Scan")
			if out.Count != 9 || len(out.Items) != 0 {
				t.Fatalf("Count %d items %d, want 9 and 0", out.Count, len(out.Items))
			}
		})
		t.Run("SPECIFIC_ATTRIBUTES", func(t *testing.T) {
			out := query(t, dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil),
				Select: types.SelectSpecificAttributes, ProjectionExpression: aws.String("v, #o"), ExpressionAttributeNames: map[string]string{"#o": "other"}, ConsistentRead: aws.Bool(true)})
			if len(out.Items) != 7 {
				t.Fatalf("%d items, want 7", len(out.Items))
			}
			for _, it := range out.Items {
				requireKeys(t, it, "projected item", "v", "other")
			}
		})
		t.Run("ProjectionExpression alone", func(t *testing.T) {
			out := query(t, dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), ProjectionExpression: aws.String("sk"), ConsistentRead: aws.Bool(true)})
			for _, it := range out.Items {
				requireKeys(t, it, "projected item", "sk")
			}
		})
		t.Run("ALL_PROJECTED_ATTRIBUTES of a KEYS_ONLY index", func(t *testing.T) {
			tg.eventually(t, func() string {
				out := query(t, dynamodb.QueryInput{IndexName: aws.String("byKeys"), KeyConditionExpression: aws.String("gpk = :g"),
					ExpressionAttributeValues: item{":g": avS("g")}, Select: types.SelectAllProjectedAttributes})
				if len(out.Items) != 4 {
					return fmt.Sprintf("%d items, want 4", len(out.Items))
				}
				for _, it := range out.Items {
					if strings.Join(sortedNames(it), ",") != "gpk,gsk,pk,sk" {
						return fmt.Sprintf("item %s, want exactly gpk, gsk, pk, sk", itemString(it))
					}
				}
				return ""
			})
		})
		errs := []struct {
			name string
			in   dynamodb.QueryInput
		}{
			{"SPECIFIC_ATTRIBUTES without a projection", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), Select: types.SelectSpecificAttributes}},
			{"COUNT with a projection", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), Select: types.SelectCount, ProjectionExpression: aws.String("v")}},
			{"ALL_PROJECTED_ATTRIBUTES without an index", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), Select: types.SelectAllProjectedAttributes}},
			{"ALL_ATTRIBUTES of a KEYS_ONLY GSI", dynamodb.QueryInput{IndexName: aws.String("byKeys"), KeyConditionExpression: aws.String("gpk = :g"), ExpressionAttributeValues: item{":g": avS("g")}, Select: types.SelectAllAttributes}},
		}
		for _, e := range errs {
			t.Run("error/"+e.name, func(t *testing.T) {
				in := e.in
				in.TableName = aws.String(numT)
				_, err := tg.client.Query(t.Context(), &in)
				requireValidation(t, err)
			})
		}
	})

	t.Run("ConsistentRead on a GSI", func(t *testing.T) {
		_, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(numT), IndexName: aws.String("byG"),
			KeyConditionExpression: aws.String("gpk = :g"), ExpressionAttributeValues: item{":g": avS("g")}, ConsistentRead: aws.Bool(true)})
		requireValidation(t, err, "Consistent reads are not supported on global secondary indexes")
		_, err = tg.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(numT), IndexName: aws.String("byG"), ConsistentRead: aws.Bool(true)})
		requireValidation(t, err, "Consistent reads are not supported on global secondary indexes")
	})

	t.Run("FilterExpression on key attributes", func(t *testing.T) {
		for _, attr := range []string{"pk", "sk"} {
			t.Run("Query table "+attr, func(t *testing.T) {
				_, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(numT),
					KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String(attr + " = :x"),
					ExpressionAttributeValues: pVals(item{":x": avN("1")})})
				requireValidation(t, err, "Filter Expression can only contain non-primary key attributes: Primary key attribute: "+attr)
			})
		}
		t.Run("Query GSI range key", func(t *testing.T) {
			_, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(numT), IndexName: aws.String("byG"),
				KeyConditionExpression: aws.String("gpk = :g"), FilterExpression: aws.String("gsk = :x"),
				ExpressionAttributeValues: item{":g": avS("g"), ":x": avS("gs0")}})
			requireValidation(t, err, "Filter Expression can only contain non-primary key attributes: Primary key attribute: gsk")
		})
		t.Run("Scan may filter on keys", func(t *testing.T) {
			items, _ := tg.scanAll(t, &dynamodb.ScanInput{TableName: aws.String(numT), FilterExpression: aws.String("pk = :p AND sk > :z"),
				ExpressionAttributeValues: item{":p": avS("p"), ":z": avN("0")}, ConsistentRead: aws.Bool(true)})
			got := attrValues(items, "sk")
			sort.Slice(got, func(i, j int) bool {
				a, _ := strconv.ParseFloat(got[i], 64)
				b, _ := strconv.ParseFloat(got[j], 64)
				return a < b
			})
			if strings.Join(got, ",") != "2,10,100,1000" {
				t.Fatalf("Scan filtered on keys returned %v, want [2 10 100 1000]", got)
			}
		})
	})

	t.Run("GSI", func(t *testing.T) {
		t.Run("sparse, ALL projection, ordered by index sort key", func(t *testing.T) {
			tg.eventually(t, func() string {
				out := query(t, dynamodb.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("gpk = :g"), ExpressionAttributeValues: item{":g": avS("g")}})
				if got := attrValues(out.Items, "gsk"); strings.Join(got, ",") != "gs0,gs2,gs4,gs6" {
					return fmt.Sprintf("GSI items by gsk %v, want [gs0 gs2 gs4 gs6]", got)
				}
				for _, it := range out.Items {
					if want := stored[attrValues([]item{it}, "sk")[0]]; itemString(it) != itemString(want) {
						return fmt.Sprintf("ALL-projected item %s, want %s", itemString(it), itemString(want))
					}
				}
				return ""
			})
		})
		t.Run("Scan contains only items with the index keys", func(t *testing.T) {
			tg.eventually(t, func() string {
				items, _ := tg.scanAll(t, &dynamodb.ScanInput{TableName: aws.String(numT), IndexName: aws.String("byG")})
				got := attrValues(items, "gsk")
				sort.Strings(got)
				if strings.Join(got, ",") != "gs0,gs2,gs4,gs6,x" {
					return fmt.Sprintf("GSI Scan gsk values %v, want [gs0 gs2 gs4 gs6 x]", got)
				}
				return ""
			})
		})
		for _, pc := range []struct{ name, index, want string }{
			{"KEYS_ONLY projection", "byKeys", "gpk,gsk,pk,sk"},
			{"INCLUDE projection", "byInc", "gpk,gsk,inc,pk,sk"},
		} {
			t.Run(pc.name, func(t *testing.T) {
				tg.eventually(t, func() string {
					out := query(t, dynamodb.QueryInput{IndexName: aws.String(pc.index), KeyConditionExpression: aws.String("gpk = :g"), ExpressionAttributeValues: item{":g": avS("g")}})
					if len(out.Items) != 4 {
						return fmt.Sprintf("%d items, want 4", len(out.Items))
					}
					for _, it := range out.Items {
						if got := strings.Join(sortedNames(it), ","); got != pc.want {
							return fmt.Sprintf("%s item %s, want exactly the attributes %s", pc.name, itemString(it), pc.want)
						}
					}
					return ""
				})
			})
		}
		t.Run("index key of the wrong type is rejected", func(t *testing.T) {
			_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(numT),
				Item: item{"pk": avS("bad"), "sk": avN("1"), "gpk": avN("1"), "gsk": avS("x")}})
			requireValidation(t, err, "One or more parameter values")
			tg.requireStored(t, numT, item{"pk": avS("bad"), "sk": avN("1")}, nil)
		})
		t.Run("empty string index key is rejected", func(t *testing.T) {
			_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(numT),
				Item: item{"pk": avS("bad"), "sk": avN("2"), "gpk": avS(""), "gsk": avS("x")}})
			requireValidation(t, err, "empty string value")
			tg.requireStored(t, numT, item{"pk": avS("bad"), "sk": avN("2")}, nil)
		})
		t.Run("updates move items in and out of the index", func(t *testing.T) {
			key := item{"pk": avS("mover"), "sk": avN("1")}
			tg.put(t, numT, copyItem(key, item{"gpk": avS("mv"), "gsk": avS("1")}))
			_, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(numT), Key: key,
				UpdateExpression: aws.String("SET gpk = :g2"), ExpressionAttributeValues: item{":g2": avS("mv2")}})
			requireNoErr(t, err, "UpdateItem")
			tg.eventually(t, func() string {
				a := query(t, dynamodb.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("gpk = :g"), ExpressionAttributeValues: item{":g": avS("mv")}})
				b := query(t, dynamodb.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("gpk = :g"), ExpressionAttributeValues: item{":g": avS("mv2")}})
				if len(a.Items) != 0 || len(b.Items) != 1 {
					return fmt.Sprintf("after moving the index key: %d items under the old key, %d under the new, want 0 and 1", len(a.Items), len(b.Items))
				}
				return ""
			})
			_, err = tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(numT), Key: key, UpdateExpression: aws.String("REMOVE gsk")})
			requireNoErr(t, err, "UpdateItem")
			tg.eventually(t, func() string {
				b := query(t, dynamodb.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("gpk = :g"), ExpressionAttributeValues: item{":g": avS("mv2")}})
				if len(b.Items) != 0 {
					return fmt.Sprintf("item without its index sort key still in the GSI: %s", itemString(b.Items[0]))
				}
				return ""
			})
		})
	})

	t.Run("LSI", func(t *testing.T) {
		out := query(t, dynamodb.QueryInput{IndexName: aws.String("byL"), KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), ConsistentRead: aws.Bool(true)})
		if got := attrValues(out.Items, "lsk"); strings.Join(got, ",") != "a,b,c,d,e" {
			t.Fatalf("LSI order %v, want [a b c d e] (items without lsk absent)", got)
		}
		if got := attrValues(out.Items, "sk"); strings.Join(got, ",") != "10,2,0,-2.5,-10" {
			t.Fatalf("LSI items by sk %v, want [10 2 0 -2.5 -10]", got)
		}
		requireItem(t, out.Items[0], stored["10"], "ALL-projected LSI item")
		out = query(t, dynamodb.QueryInput{IndexName: aws.String("byL"), KeyConditionExpression: aws.String("pk = :p AND lsk < :c"),
			ExpressionAttributeValues: pVals(item{":c": avS("c")}), ScanIndexForward: aws.Bool(false)})
		if got := attrValues(out.Items, "lsk"); strings.Join(got, ",") != "b,a" {
			t.Fatalf("LSI lsk < c descending %v, want [b a]", got)
		}
	})

	// A local index that does not project everything answers with what it
	// holds by default, and from the table for attributes it does not
	// hold: named in the projection, in the filter, or with ALL_ATTRIBUTES.
	t.Run("LSI with an INCLUDE projection", func(t *testing.T) {
		q := func(in dynamodb.QueryInput) *dynamodb.QueryOutput {
			in.IndexName, in.KeyConditionExpression = aws.String("byLInc"), aws.String("pk = :p")
			in.ExpressionAttributeValues = pVals(in.ExpressionAttributeValues)
			return query(t, in)
		}
		t.Run("default is the projected attributes", func(t *testing.T) {
			out := q(dynamodb.QueryInput{})
			if len(out.Items) != 5 {
				t.Fatalf("%d items, want 5", len(out.Items))
			}
			for _, it := range out.Items {
				if names := sortedNames(it); strings.Join(names, ",") != "inc,lsk,pk,sk" {
					t.Fatalf("item attributes %v, want [inc lsk pk sk]", names)
				}
			}
		})
		t.Run("a projected-out attribute is fetched", func(t *testing.T) {
			out := q(dynamodb.QueryInput{ProjectionExpression: aws.String("v, inc")})
			if got := attrValues(out.Items, "v"); strings.Join(got, ",") != "4,3,2,1,0" {
				t.Fatalf("v of the items in lsk order %v, want [4 3 2 1 0]", got)
			}
		})
		t.Run("the filter sees the table item", func(t *testing.T) {
			out := q(dynamodb.QueryInput{FilterExpression: aws.String("f = :f"), ExpressionAttributeValues: item{":f": avS("even")}})
			if got := attrValues(out.Items, "sk"); strings.Join(got, ",") != "10,0,-10" || aws.ToInt32(&out.ScannedCount) != 5 {
				t.Fatalf("even items %v of %d scanned, want [10 0 -10] of 5", got, out.ScannedCount)
			}
		})
		t.Run("ALL_ATTRIBUTES fetches the whole item", func(t *testing.T) {
			out := q(dynamodb.QueryInput{Select: types.SelectAllAttributes})
			requireItem(t, out.Items[0], stored["10"], "ALL_ATTRIBUTES from an INCLUDE LSI")
		})
	})

	t.Run("unknown index", func(t *testing.T) {
		_, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(numT), IndexName: aws.String("nope"),
			KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil)})
		requireValidation(t, err, "The table does not have the specified index: nope")
		_, err = tg.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(numT), IndexName: aws.String("nope")})
		requireValidation(t, err, "The table does not have the specified index: nope")
	})

	t.Run("key condition errors", func(t *testing.T) {
		cases := []struct {
			name, cond string
			vals       item
			fragments  []string
		}{
			{"non-key attribute", "pk = :p AND v = :x", item{":x": avN("1")}, nil},
			{"no hash key", "sk = :x", item{":x": avN("1")}, []string{"Query condition missed key schema element"}},
			{"hash key with <", "pk < :p", nil, nil},
			{"OR", "pk = :p OR sk = :x", item{":x": avN("1")}, nil},
			{"two sort key conditions", "pk = :p AND sk > :x AND sk < :y", item{":x": avN("1"), ":y": avN("5")}, nil},
			{"begins_with on a number", "pk = :p AND begins_with(sk, :x)", item{":x": avS("1")}, nil},
			{"NOT", "NOT pk = :p", nil, nil},
			{"<> on the sort key", "pk = :p AND sk <> :x", item{":x": avN("1")}, nil},
			{"IN", "pk IN (:p)", nil, nil},
			{"empty", "", nil, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				vals := copyItem(c.vals)
				if strings.Contains(c.cond, ":p") {
					vals[":p"] = avS("p")
				}
				if len(vals) == 0 {
					vals = nil
				}
				_, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(numT), KeyConditionExpression: aws.String(c.cond), ExpressionAttributeValues: vals})
				requireValidation(t, err, c.fragments...)
			})
		}
		t.Run("Limit 0", func(t *testing.T) {
			_, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(numT), KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: pVals(nil), Limit: aws.Int32(0)})
			requireValidation(t, err)
		})
	})

	t.Run("parallel Scan", func(t *testing.T) {
		scanT := tg.createTable(t, tableDef{hash: keyS("pk")})
		var items []item
		for i := range 100 {
			items = append(items, item{"pk": avS(fmt.Sprintf("item-%03d", i)), "v": avN(strconv.Itoa(i))})
		}
		tg.batchPut(t, scanT, items)

		for _, total := range []int32{1, 4, 7} {
			t.Run(fmt.Sprintf("TotalSegments %d", total), func(t *testing.T) {
				segments := make([][]string, total)
				var g errgroup.Group
				for seg := range total {
					g.Go(func() error {
						p := dynamodb.NewScanPaginator(tg.client, &dynamodb.ScanInput{
							TableName: aws.String(scanT), Segment: aws.Int32(seg), TotalSegments: aws.Int32(total),
							Limit: aws.Int32(7), ConsistentRead: aws.Bool(true),
						})
						for pages := 0; p.HasMorePages(); pages++ {
							if pages > 100 {
								return fmt.Errorf("segment %d: paginator did not terminate", seg)
							}
							out, err := p.NextPage(t.Context())
							if err != nil {
								return fmt.Errorf("segment %d: %w", seg, err)
							}
							segments[seg] = append(segments[seg], attrValues(out.Items, "pk")...)
						}
						return nil
					})
				}
				if err := g.Wait(); err != nil {
					t.Fatal(err)
				}
				seen := map[string]int{}
				for seg, pks := range segments {
					for _, pk := range pks {
						if prev, ok := seen[pk]; ok {
							t.Fatalf("item %s returned by segments %d and %d", pk, prev, seg)
						}
						seen[pk] = seg
					}
				}
				if len(seen) != 100 {
					t.Fatalf("segments together returned %d distinct items, want 100", len(seen))
				}
			})
		}
		errCases := []struct {
			name           string
			segment, total *int32
		}{
			{"Segment equal to TotalSegments", aws.Int32(4), aws.Int32(4)},
			{"Segment without TotalSegments", aws.Int32(0), nil},
			{"TotalSegments without Segment", nil, aws.Int32(4)},
			{"TotalSegments 0", aws.Int32(0), aws.Int32(0)},
			{"TotalSegments over 1000000", aws.Int32(0), aws.Int32(1000001)},
			{"negative Segment", aws.Int32(-1), aws.Int32(4)},
		}
		for _, c := range errCases {
			t.Run("error/"+c.name, func(t *testing.T) {
				_, err := tg.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(scanT), Segment: c.segment, TotalSegments: c.total})
				requireValidation(t, err)
			})
		}
	})
}
