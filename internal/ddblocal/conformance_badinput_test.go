package ddblocal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// TestConformanceBadInput covers unknown tables, hostile and malformed
// expressions, and the expression limits.
func TestConformanceBadInput(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	table := tg.createTable(t, tableDef{hash: keyS("pk")})
	tbl := aws.String(table)

	t.Run("unknown table", func(t *testing.T) {
		missing := aws.String(uniqueTableName())
		key := item{"pk": avS("a")}
		ops := map[string]func(ctx context.Context) error{
			"GetItem": func(ctx context.Context) error {
				_, err := tg.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: missing, Key: key})
				return err
			},
			"PutItem": func(ctx context.Context) error {
				_, err := tg.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: missing, Item: key})
				return err
			},
			"UpdateItem": func(ctx context.Context) error {
				_, err := tg.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: missing, Key: key, UpdateExpression: aws.String("SET a = :v"), ExpressionAttributeValues: item{":v": avS("x")}})
				return err
			},
			"DeleteItem": func(ctx context.Context) error {
				_, err := tg.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: missing, Key: key})
				return err
			},
			"Query": func(ctx context.Context) error {
				_, err := tg.client.Query(ctx, &dynamodb.QueryInput{TableName: missing, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": avS("a")}})
				return err
			},
			"Scan": func(ctx context.Context) error {
				_, err := tg.client.Scan(ctx, &dynamodb.ScanInput{TableName: missing})
				return err
			},
			"DescribeTable": func(ctx context.Context) error {
				_, err := tg.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: missing})
				return err
			},
			"DeleteTable": func(ctx context.Context) error {
				_, err := tg.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: missing})
				return err
			},
			"DescribeTimeToLive": func(ctx context.Context) error {
				_, err := tg.client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: missing})
				return err
			},
			"UpdateTimeToLive": func(ctx context.Context) error {
				_, err := tg.client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: missing,
					TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(true)}})
				return err
			},
			"BatchGetItem": func(ctx context.Context) error {
				_, err := tg.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{*missing: {Keys: []item{key}}}})
				return err
			},
			"BatchWriteItem": func(ctx context.Context) error {
				_, err := tg.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{*missing: {{PutRequest: &types.PutRequest{Item: key}}}}})
				return err
			},
			"TransactWriteItems": func(ctx context.Context) error {
				_, err := tg.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: missing, Item: key}}}})
				return err
			},
			"TransactGetItems": func(ctx context.Context) error {
				_, err := tg.client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{{Get: &types.Get{TableName: missing, Key: key}}}})
				return err
			},
		}
		for _, name := range sortedNames(ops) {
			t.Run(name, func(t *testing.T) { requireNotFound(t, ops[name](t.Context())) })
		}
	})

	// putCond runs a conditional PutItem of a fresh item with the given
	// expression, bounded by a deadline so a runaway parser fails the test.
	putCond := func(t *testing.T, cond string, names map[string]string, vals item) (error, time.Duration) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		start := time.Now()
		_, err := tg.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: tbl, Item: item{"pk": avS("hostile")}, ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
		})
		if ctx.Err() != nil {
			t.Fatalf("request did not finish within 20 s: %v", err)
		}
		return err, time.Since(start)
	}
	const fast = 5 * time.Second
	// Each hostile input must be answered promptly by a ValidationException
	// or, where DynamoDB accepts the input, by a normal outcome; never by a
	// 500, a hang or a dropped connection.
	rejectOrAccept := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			return
		}
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "ValidationException" || ae.ErrorCode() == "ConditionalCheckFailedException") {
			return
		}
		t.Fatalf("want success, ConditionalCheckFailed or ValidationException, got %v", err)
	}

	t.Run("hostile expressions", func(t *testing.T) {
		v := item{":v": avS("x")}
		cases := []struct {
			name   string
			cond   string
			vals   item
			reject bool // must be a ValidationException (else: rejected or accepted)
			frag   string
		}{
			{name: "10000 nested parentheses", cond: strings.Repeat("(", 10000) + "a = :v" + strings.Repeat(")", 10000), vals: v, reject: true},
			{name: "2000 nested parentheses within 4 KB", cond: strings.Repeat("(", 2000) + "a = :v" + strings.Repeat(")", 2000), vals: v, reject: true},
			{name: "10000 unbalanced open parentheses", cond: strings.Repeat("(", 10000) + "a = :v", vals: v, reject: true},
			{name: "1000 nested NOTs", cond: strings.Repeat("NOT ", 1000) + "a = :v", vals: v},
			{name: "deep document path", cond: "attribute_exists(" + strings.Repeat("a.", 1500) + "a)"},
			{name: "deep list index path", cond: "attribute_exists(a" + strings.Repeat("[0]", 1000) + ")"},
			{name: "huge list index", cond: "attribute_exists(a[99999999999999999999999])"},
			{name: "5 KB expression", cond: conditionOfBytes(5000), reject: true, frag: "Expression size has exceeded the maximum allowed size"},
			{name: "deeply nested functions", cond: strings.Repeat("size(", 500) + "a" + strings.Repeat(")", 500) + " = :v", vals: v, reject: true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				err, took := putCond(t, c.cond, nil, c.vals)
				if c.reject {
					requireValidation(t, err, c.frag)
				} else {
					rejectOrAccept(t, err)
				}
				if took > fast {
					t.Fatalf("answered in %v, want under %v", took, fast)
				}
			})
		}
	})

	t.Run("IN operand limit", func(t *testing.T) {
		in := func(n int) (string, item) {
			vals := item{}
			var ph []string
			for i := range n {
				p := fmt.Sprintf(":v%d", i)
				ph = append(ph, p)
				vals[p] = avN(strconv.Itoa(i))
			}
			return "a IN (" + strings.Join(ph, ", ") + ")", vals
		}
		cond, vals := in(100)
		err, _ := putCond(t, cond, nil, vals)
		requireConditionalFailed(t, err) // a is missing, so IN is false
		cond, vals = in(101)
		err, took := putCond(t, cond, nil, vals)
		requireValidation(t, err)
		if took > fast {
			t.Fatalf("answered in %v, want under %v", took, fast)
		}
	})

	t.Run("4 KB expression limit", func(t *testing.T) {
		err, _ := putCond(t, conditionOfBytes(4096), nil, nil)
		requireNoErr(t, err, "4096-byte condition")
		_, err = tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: tbl, Key: item{"pk": avS("hostile")}})
		requireNoErr(t, err, "DeleteItem")
		err, _ = putCond(t, conditionOfBytes(4097), nil, nil)
		requireValidation(t, err, "Expression size has exceeded the maximum allowed size")
		tg.requireStored(t, table, item{"pk": avS("hostile")}, nil)
	})

	t.Run("placeholder length", func(t *testing.T) {
		long := "#" + strings.Repeat("n", 300)
		err, _ := putCond(t, "attribute_not_exists("+long+")", map[string]string{long: "x"}, nil)
		requireValidation(t, err)
		ok := "#" + strings.Repeat("n", 200)
		err, _ = putCond(t, "attribute_not_exists("+ok+")", map[string]string{ok: "x"}, nil)
		requireNoErr(t, err, "200-byte placeholder")
		_, err = tg.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: tbl, Key: item{"pk": avS("hostile")}})
		requireNoErr(t, err, "DeleteItem")
	})

	t.Run("malformed expressions", func(t *testing.T) {
		for _, cond := range []string{
			")", "(", "a =", "= :v", "a = :v AND", "a = :v OR OR a = :v", "attribute_exists(", "a BETWEEN :v", "a BETWEEN :v AND",
			"#", ":", "a.", "a[", "a[x]", "a[-1] = :v", "a = :v :v", "a = :v;", "a == :v", "a != :v", "a = \"x\"", "a = 'x'", "a = 1",
			"\x00", "a = :v\x00", "attribute_exists()", "size(a, a) = :v", "a IN :v", "a IN (:v,)", "contains(a)", "AND", "NOT",
			"attribute_exists(a) attribute_exists(b)", "a <> :v <> :v",
		} {
			t.Run(strconv.Quote(cond), func(t *testing.T) {
				vals := item{":v": avS("x")}
				if !strings.Contains(cond, ":v") {
					vals = nil
				}
				err, took := putCond(t, cond, nil, vals)
				requireValidation(t, err)
				if took > fast {
					t.Fatalf("answered in %v", took)
				}
			})
		}
		tg.requireStored(t, table, item{"pk": avS("hostile")}, nil)
	})
}

// conditionOfBytes returns a ConditionExpression of exactly n bytes that is
// true for an item lacking the named attributes.
func conditionOfBytes(n int) string {
	var parts []string
	size := 0
	for i := 0; ; i++ {
		c := fmt.Sprintf("attribute_not_exists(%s%d)", strings.Repeat("a", 40), i)
		add := len(c)
		if len(parts) > 0 {
			add += len(" AND ")
		}
		if size+add > n {
			break
		}
		parts = append(parts, c)
		size += add
	}
	// Stretch the last attribute name to land exactly on n bytes.
	last := parts[len(parts)-1]
	short := n - size
	parts[len(parts)-1] = strings.Replace(last, "(", "("+strings.Repeat("b", short), 1)
	out := strings.Join(parts, " AND ")
	if len(out) != n {
		panic(fmt.Sprintf("conditionOfBytes built %d bytes, want %d", len(out), n))
	}
	return out
}

// TestConformanceRawHTTP checks the wire protocol below the SDK: malformed
// bodies, unknown operations, the X-Amz-Crc32 and x-amzn-RequestId headers,
// and that no input yields a 500.
//
// These tests need the engine's http.Handler, so they are the one part of
// the suite skipped when DDBLOCAL_CONFORMANCE_ENDPOINT is set (a remote
// endpoint would also require SigV4-signed requests).
func TestConformanceRawHTTP(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	if tg.engine == nil {
		t.Skip("raw HTTP tests need the in-process engine; skipped against " + conformanceEndpointEnv)
	}
	table := tg.createTable(t, tableDef{hash: keyS("pk")})
	srv := httptest.NewServer(tg.engine)
	t.Cleanup(srv.Close)

	type reply struct {
		status int
		header http.Header
		body   []byte
		typ    string // __type, for errors
		msg    string
	}
	post := func(t *testing.T, target string, body string) reply {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/", strings.NewReader(body))
		requireNoErr(t, err, "NewRequest")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=conformance/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00")
		req.Header.Set("X-Amz-Date", "20240101T000000Z")
		resp, err := srv.Client().Do(req)
		requireNoErr(t, err, "POST")
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		requireNoErr(t, err, "read body")
		r := reply{status: resp.StatusCode, header: resp.Header, body: b}

		if resp.StatusCode >= 500 {
			t.Fatalf("status %d for %s %q: %s", resp.StatusCode, target, truncate(body, 200), truncate(string(b), 500))
		}
		if got := resp.Header.Get("X-Amz-Crc32"); got != strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10) {
			t.Fatalf("X-Amz-Crc32 %q does not match the body (crc %d)", got, crc32.ChecksumIEEE(b))
		}
		if resp.Header.Get("X-Amzn-Requestid") == "" {
			t.Fatalf("no x-amzn-RequestId header")
		}
		if resp.StatusCode != http.StatusOK {
			var e map[string]any
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatalf("error body is not JSON: %q", truncate(string(b), 500))
			}
			r.typ, _ = e["__type"].(string)
			r.msg, _ = e["message"].(string)
			if r.msg == "" {
				r.msg, _ = e["Message"].(string)
			}
			if r.typ == "" || r.msg == "" {
				t.Fatalf("error body lacks __type or message: %s", truncate(string(b), 500))
			}
		}
		return r
	}
	requireErrorReply := func(t *testing.T, r reply, name string, fragments ...string) {
		t.Helper()
		if r.status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400 (%s: %s)", r.status, r.typ, r.msg)
		}
		if !strings.HasSuffix(r.typ, "#"+name) {
			t.Fatalf("__type %q, want ...#%s (message %q)", r.typ, name, r.msg)
		}
		for _, f := range fragments {
			if !strings.Contains(r.msg, f) {
				t.Fatalf("message %q does not contain %q", r.msg, f)
			}
		}
	}
	const ddb = "DynamoDB_20120810."

	t.Run("success carries checksum and request id", func(t *testing.T) {
		r := post(t, ddb+"DescribeTable", `{"TableName":"`+table+`"}`)
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-amz-json-1.0") {
			t.Errorf("Content-Type %q, want application/x-amz-json-1.0", ct)
		}
		var out map[string]any
		requireNoErr(t, json.Unmarshal(r.body, &out), "decode body")
		tbl, _ := out["Table"].(map[string]any)
		if tbl == nil || tbl["TableName"] != table {
			t.Fatalf("body %s lacks Table.TableName %s", r.body, table)
		}
		if _, ok := tbl["CreationDateTime"].(float64); !ok {
			t.Fatalf("CreationDateTime is %T, want a JSON number", tbl["CreationDateTime"])
		}
	})
	t.Run("malformed JSON", func(t *testing.T) {
		for _, body := range []string{`{"TableName":`, `not json`, "\xff\xfe"} {
			requireErrorReply(t, post(t, ddb+"DescribeTable", body), "SerializationException")
		}
	})
	t.Run("JSON number where a string is expected", func(t *testing.T) {
		requireErrorReply(t, post(t, ddb+"DescribeTable", `{"TableName":123}`), "SerializationException")
	})
	t.Run("unknown operation", func(t *testing.T) {
		requireErrorReply(t, post(t, ddb+"Frobnicate", `{}`), "UnknownOperationException")
		requireErrorReply(t, post(t, "Bogus_20990101.ListTables", `{}`), "UnknownOperationException")
	})
	t.Run("missing X-Amz-Target", func(t *testing.T) {
		r := post(t, "", `{}`)
		if r.status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", r.status)
		}
	})
	t.Run("AttributeValue with two types", func(t *testing.T) {
		r := post(t, ddb+"PutItem", `{"TableName":"`+table+`","Item":{"pk":{"S":"a"},"x":{"S":"a","N":"1"}}}`)
		requireErrorReply(t, r, "ValidationException", "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	})
	t.Run("empty AttributeValue", func(t *testing.T) {
		r := post(t, ddb+"PutItem", `{"TableName":"`+table+`","Item":{"pk":{"S":"a"},"x":{}}}`)
		requireErrorReply(t, r, "ValidationException", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	})
	t.Run("invalid base64", func(t *testing.T) {
		r := post(t, ddb+"PutItem", `{"TableName":"`+table+`","Item":{"pk":{"S":"a"},"x":{"B":"!!!not base64"}}}`)
		requireErrorReply(t, r, "SerializationException")
	})
	t.Run("number where the N string is expected", func(t *testing.T) {
		r := post(t, ddb+"PutItem", `{"TableName":"`+table+`","Item":{"pk":{"S":"a"},"x":{"N":1}}}`)
		requireErrorReply(t, r, "SerializationException")
	})
	t.Run("no input ever yields a 500", func(t *testing.T) {
		ops := []string{"PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
			"TransactWriteItems", "TransactGetItems", "CreateTable", "DescribeTable", "DeleteTable", "UpdateTable", "ListTables",
			"UpdateTimeToLive", "DescribeTimeToLive"}
		tn := `"TableName":"` + table + `"`
		bodies := []string{
			``, `null`, `[]`, `"s"`, `1`, `{}`, `{"TableName":null}`, `{"TableName":[]}`, `{"TableName":{}}`, `{"TableName":true}`,
			`{` + tn + `}`,
			`{` + tn + `,"Key":null}`, `{` + tn + `,"Key":[]}`, `{` + tn + `,"Key":{"pk":null}}`, `{` + tn + `,"Key":{"pk":{"S":null}}}`,
			`{` + tn + `,"Key":{"pk":{"S":1}}}`, `{` + tn + `,"Key":{"pk":{"Q":"a"}}}`, `{` + tn + `,"Key":{"pk":{"L":{}}}}`,
			`{` + tn + `,"Item":{"pk":{"S":"a"},"m":{"M":{"x":{"M":null}}}}}`, `{` + tn + `,"Item":{"pk":{"S":"a"},"l":{"L":[null]}}}`,
			`{` + tn + `,"Item":{"pk":{"S":"a"},"s":{"SS":[null]}}}`, `{` + tn + `,"Item":{"pk":{"S":"a"},"n":{"NS":["1",1]}}}`,
			`{` + tn + `,"Item":{"pk":{"S":"a"},"b":{"BOOL":"yes"}}}`, `{` + tn + `,"Item":{"pk":{"S":"a"},"z":{"NULL":"x"}}}`,
			`{` + tn + `,"Key":{"pk":{"S":"a"}},"UpdateExpression":5}`, `{` + tn + `,"KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":null}}`,
			`{` + tn + `,"Limit":"ten"}`, `{` + tn + `,"Limit":-1}`, `{` + tn + `,"Limit":1e100}`, `{` + tn + `,"Segment":1.5,"TotalSegments":2}`,
			`{"RequestItems":null}`, `{"RequestItems":{"` + table + `":null}}`, `{"RequestItems":{"` + table + `":[{}]}}`, `{"RequestItems":{"` + table + `":{"Keys":[null]}}}`,
			`{"TransactItems":null}`, `{"TransactItems":[null]}`, `{"TransactItems":[{}]}`, `{"TransactItems":[{"Put":null}]}`,
			`{"TableName":"x","KeySchema":null,"AttributeDefinitions":[{}]}`, `{"TableName":"conf_raw","KeySchema":[{"AttributeName":"pk"}],"AttributeDefinitions":[{"AttributeName":"pk"}],"BillingMode":"PAY_PER_REQUEST"}`,
			`{` + tn + `,"TimeToLiveSpecification":null}`, `{` + tn + `,"GlobalSecondaryIndexUpdates":[{}]}`,
			strings.Repeat("[", 100000), `{"a":` + strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat("}", 10001),
			`{` + tn + `,"Item":{"pk":{"S":"` + strings.Repeat("\\u0000", 1000) + `"}}}`, `{` + tn + `,"Item":{"pk":{"S":"\ud800"}}}`,
		}
		for _, op := range ops {
			for i, body := range bodies {
				if op == "DeleteTable" || op == "UpdateTable" {
					// Keep the table under test alive for the other operations.
					body = strings.ReplaceAll(body, table, "conf_raw_missing")
				}
				r := post(t, ddb+op, body)
				if r.status != http.StatusOK && r.status != http.StatusBadRequest {
					t.Errorf("%s body %d: status %d, want 200 or 400", op, i, r.status)
				}
			}
		}
		// The engine is still serving.
		r := post(t, ddb+"DescribeTable", `{"TableName":"`+table+`"}`)
		if r.status != http.StatusOK {
			t.Fatalf("DescribeTable after the barrage: status %d", r.status)
		}
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
