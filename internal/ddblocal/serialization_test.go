package ddblocal_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

// TestSerializationErrors sends members of the wrong JSON type straight to
// the engine's handler (an SDK never would) and checks DynamoDB's
// SerializationException: its __type, the "Message" member and the
// deserializer's wording.
func TestSerializationErrors(t *testing.T) {
	t.Parallel()
	e := openEngine(t, ddblocal.Options{})
	cases := []struct {
		name, op, body, msg string
	}{
		{"number for a string", "GetItem", `{"TableName":1}`, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"},
		{"boolean for a string", "GetItem", `{"TableName":true}`, "class java.lang.Boolean can not be converted to an String"},
		{"object for a string", "DescribeTable", `{"TableName":{}}`, "Start of structure or map found where not expected."},
		{"list for a string", "DescribeTable", `{"TableName":["t"]}`, "Start of list found where not expected"},
		{"string for an integer", "Scan", `{"TableName":"tbl","Limit":"ten"}`, "class java.lang.String can not be converted to an Integer"},
		{"string for a boolean", "GetItem", `{"TableName":"tbl","ConsistentRead":"yes"}`, "'YES' can not be converted to an Boolean"},
		{"scalar for a list", "Scan", `{"TableName":"tbl","AttributesToGet":"a"}`, "Expected list or null"},
		{"scalar for a map", "Query", `{"TableName":"tbl","KeyConditions":5}`, "Expected map or null"},
		{"scalar for a structure", "CreateTable", `{"TableName":"tbl","ProvisionedThroughput":7}`, "Expected null"},
		{"nested member", "Scan", `{"TableName":"tbl","ScanFilter":{"a":{"ComparisonOperator":3}}}`, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"},
		{"attribute value", "PutItem", `{"TableName":"tbl","Item":{"a":{"S":1}}}`, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, got := serveRaw(t, e, c.op, c.body)
			want := map[string]string{"__type": "com.amazon.coral.service#SerializationException", "Message": c.msg}
			if code != http.StatusBadRequest || len(got) != 2 || got["__type"] != want["__type"] || got["Message"] != want["Message"] {
				t.Fatalf("status %d body %v\nwant 400 %v", code, got, want)
			}
		})
	}
}

// TestEmptyLegacyEnums: an SDK never sends an empty enum, but a hand-made
// request may; it breaks the constraint instead of being taken as absent.
func TestEmptyLegacyEnums(t *testing.T) {
	t.Parallel()
	e := openEngine(t, ddblocal.Options{})
	cases := []struct {
		name, op, body, msg string
	}{
		{"ComparisonOperator", "PutItem", `{"TableName":"tbl","Item":{"pk":{"S":"a"}},"Expected":{"a":{"ComparisonOperator":"","AttributeValueList":[{"S":"x"}]}}}`,
			"1 validation error detected: Value '' at 'expected.a.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"},
		{"Action", "UpdateItem", `{"TableName":"tbl","Key":{"pk":{"S":"a"}},"AttributeUpdates":{"a":{"Action":"","Value":{"S":"x"}}}}`,
			"1 validation error detected: Value '' at 'attributeUpdates.a.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"},
		{"ConditionalOperator", "Scan", `{"TableName":"tbl","ConditionalOperator":"","ScanFilter":{"a":{"ComparisonOperator":"NULL"},"b":{"ComparisonOperator":"NULL"}}}`,
			"1 validation error detected: Value '' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"},
		{"missing ComparisonOperator in a filter", "Scan", `{"TableName":"tbl","ScanFilter":{"a":{"AttributeValueList":[{"S":"x"}]}}}`,
			"1 validation error detected: Value null at 'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, got := serveRaw(t, e, c.op, c.body)
			if code != http.StatusBadRequest || got["__type"] != "com.amazon.coral.validate#ValidationException" || got["message"] != c.msg {
				t.Fatalf("status %d body %v\nwant message %q", code, got, c.msg)
			}
		})
	}
}

// serveRaw sends body as the DynamoDB operation op straight to e's handler
// and returns the status and the JSON error body.
func serveRaw(t *testing.T, e *ddblocal.Engine, op, body string) (int, map[string]string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var got map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	return rec.Code, got
}
