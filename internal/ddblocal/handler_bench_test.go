package ddblocal_test

// BenchmarkHandler measures the engine's own work per request — the
// handler alone, no client, no socket — for the operations of the
// throughput goal, with allocations. Allocations do not depend on what
// else the machine is doing, so comparing them across builds tells a
// regression from noise even on a busy machine:
//
//	go test ./internal/ddblocal -run '^$' -bench Handler -benchmem -count 5

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

func BenchmarkHandler(b *testing.B) {
	e, err := ddblocal.New(ddblocal.Options{Logf: func(string, ...any) {}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Close() })
	call := func(op, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	if rec := call("CreateTable", `{"TableName":"bench","BillingMode":"PAY_PER_REQUEST",
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
		"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"gpk","AttributeType":"S"},{"AttributeName":"gsk","AttributeType":"N"}],
		"GlobalSecondaryIndexes":[{"IndexName":"byG","KeySchema":[{"AttributeName":"gpk","KeyType":"HASH"},{"AttributeName":"gsk","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`); rec.Code != http.StatusOK {
		b.Fatalf("CreateTable: %d %s", rec.Code, rec.Body)
	}
	item := func(pk string, sk int) string {
		return fmt.Sprintf(`{"pk":{"S":%q},"sk":{"S":"item#%04d"},"gpk":{"S":"g#%s"},"gsk":{"N":"%d"},"title":{"S":"a reasonably sized title for an item"},"count":{"N":"42"},"active":{"BOOL":true}}`, pk, sk, pk, sk)
	}
	for i := range 25 {
		if rec := call("PutItem", `{"TableName":"bench","Item":`+item("p", i)+`}`); rec.Code != http.StatusOK {
			b.Fatalf("PutItem: %d %s", rec.Code, rec.Body)
		}
	}
	keys := ""
	for i := range 25 {
		if i > 0 {
			keys += ","
		}
		keys += fmt.Sprintf(`{"pk":{"S":"p"},"sk":{"S":"item#%04d"}}`, i)
	}
	cases := []struct{ name, op, body string }{
		{"PutItemCond", "PutItem", `{"TableName":"bench","Item":` + item("w", 1) + `,"ConditionExpression":"attribute_not_exists(#c) OR #c < :n","ExpressionAttributeNames":{"#c":"count"},"ExpressionAttributeValues":{":n":{"N":"100"}}}`},
		{"GetItem", "GetItem", `{"TableName":"bench","Key":{"pk":{"S":"p"},"sk":{"S":"item#0003"}}}`},
		{"Query10", "Query", `{"TableName":"bench","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"Limit":10}`},
		{"QueryGSI10", "Query", `{"TableName":"bench","IndexName":"byG","KeyConditionExpression":"gpk = :p","ExpressionAttributeValues":{":p":{"S":"g#p"}},"Limit":10,"ScanIndexForward":false}`},
		{"BatchGet25", "BatchGetItem", `{"RequestItems":{"bench":{"Keys":[` + keys + `]}}}`},
		{"TransactWrite2", "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"bench","Item":` + item("t", 1) + `}},{"Put":{"TableName":"bench","Item":` + item("t", 2) + `}}]}`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if rec := call(c.op, c.body); rec.Code != http.StatusOK {
				b.Fatalf("%s: %d %s", c.op, rec.Code, rec.Body)
			}
			body := []byte(c.body)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
				req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+c.op)
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", c.op, rec.Code, rec.Body)
				}
			}
		})
	}
}
