package ddblocal_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

// FuzzRequest feeds arbitrary bodies to every operation of the engine: the
// request decoder, validation and the operations behind them must answer
// with a client error or success — never a panic, never a 500.
//
//	go test ./internal/ddblocal -run '^$' -fuzz FuzzRequest -fuzztime 60s
func FuzzRequest(f *testing.F) {
	ops := []string{"CreateTable", "DescribeTable", "PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan",
		"BatchGetItem", "BatchWriteItem", "TransactWriteItems", "TransactGetItems", "UpdateTable", "UpdateTimeToLive",
		"TagResource", "UntagResource", "ListTagsOfResource", "DescribeLimits", "DescribeEndpoints"}
	seeds := []string{
		`{"TableName":"fz","Item":{"pk":{"S":"a"},"n":{"N":"1"}}}`,
		`{"TableName":"fz","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET n = n + :o","ExpressionAttributeValues":{":o":{"N":"1"}}}`,
		`{"TableName":"fz","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}`,
		`{"RequestItems":{"fz":{"Keys":[{"pk":{"S":"a"}}]}}}`,
		`{"TransactItems":[{"Put":{"TableName":"fz","Item":{"pk":{"S":"b"}}}}]}`,
		`{"TableName":"fz2","KeySchema":[{"AttributeName":"h","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"h","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`,
		`{"TableName":"fz","Item":{"pk":{"S":"a"},"m":{"M":{"x":{"L":[{"NULL":true},{"BS":["AA=="]}]}}}}}`,
		`{"TableName":"fz","Item":{"pk":{"S":"a"}},"Expected":{"n":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"N":"9"}]},"m":{"Exists":false}},"ConditionalOperator":"OR"}`,
		`{"TableName":"fz","Key":{"pk":{"S":"a"}},"AttributeUpdates":{"n":{"Action":"ADD","Value":{"N":"1"}},"l":{"Action":"ADD","Value":{"L":[{"S":"x"}]}},"d":{"Action":"DELETE"}}}`,
		`{"TableName":"fz","KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}},"QueryFilter":{"n":{"ComparisonOperator":"NOT_NULL"}},"AttributesToGet":["n"]}`,
		`{"TableName":"fz","ScanFilter":{"n":{"ComparisonOperator":"IN","AttributeValueList":[{"N":"1"},{"N":"2"}]},"s":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"S":"x"}]}},"ConditionalOperator":"AND"}`,
		`{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/fz","Tags":[{"Key":"k","Value":"v"}],"TagKeys":["k"]}`,
		`{`, `[]`, `null`, `{"TableName":5}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	e, err := ddblocal.New(ddblocal.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = e.Close() })
	create := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(`{"TableName":"fz","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`)))
	create.Header.Set("X-Amz-Target", "DynamoDB_20120810.CreateTable")
	e.ServeHTTP(httptest.NewRecorder(), create)
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+ops[int(op)%len(ops)])
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s answered %d: %s", ops[int(op)%len(ops)], rec.Code, rec.Body.String())
		}
	})
}
