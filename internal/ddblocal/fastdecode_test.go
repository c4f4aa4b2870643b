package ddblocal

import (
	"reflect"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// checkFastDecode holds a fast decoder to decodeRequest on body: whatever
// the fast decoder accepts, the general one accepts with the same result.
// It reports whether the fast decoder accepted body.
func checkFastDecode[T any](t *testing.T, body []byte, fast func([]byte) (T, bool)) bool {
	t.Helper()
	got, ok := fast(body)
	if !ok {
		return false
	}
	var want T
	if err := decodeRequest(body, &want); err != nil {
		t.Fatalf("fast decoder accepted %q; general decoder: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoders differ on %q\nfast:    %+v\ngeneral: %+v", body, got, want)
	}
	return true
}

// testFastDecoder runs checkFastDecode over seeds as named subtests and
// requires the fast decoder to take at least minAccepted of them, so that
// the common shapes really use it.
func testFastDecoder[T any](t *testing.T, seeds []string, minAccepted int, fast func([]byte) (T, bool)) {
	accepted := 0
	for _, body := range seeds {
		t.Run(body, func(t *testing.T) {
			if checkFastDecode(t, []byte(body), fast) {
				accepted++
			}
		})
	}
	if accepted < minAccepted {
		t.Errorf("fast decoder accepted %d of the seeds, want at least %d", accepted, minAccepted)
	}
}

var batchGetDecodeSeeds = []string{
	`{"RequestItems":{"bench":{"Keys":[{"pk":{"S":"p001"},"sk":{"S":"item#0001"}},{"pk":{"S":"p002"},"sk":{"S":"item#0002"}}]}}}`,
	`{"RequestItems":{"a":{"Keys":[{"h":{"N":"1"}}],"ConsistentRead":true},"b":{"Keys":[{"h":{"B":"AAE="}}],"ProjectionExpression":"#x, y","ExpressionAttributeNames":{"#x":"x"}}},"ReturnConsumedCapacity":"TOTAL"}`,
	` { "RequestItems" : { "t" : { "Keys" : [ { "h" : { "S" : "x" } , "h" : { "S" : "y" } } ] } } } `,
	`{"RequestItems":{"t":{"Keys":[]}}}`,
	`{"RequestItems":{"t":{"Keys":[{}]}}}`,
	`{"RequestItems":{}}`,
	`{"RequestItems":{"t":{"Keys":[{"h":{"S":"x","N":"1"}}]}}}`,
	`{"RequestItems":{"t":{"Keys":[{"h":{"S":"x"}}],"Keys":[]}}}`,
	`{"RequestItems":{"t":{"Keys":[{"h":{"S":"x"}}]}},"RequestItems":{}}`,
	`{"RequestItems":{"t":{"Keys":[{"h":{"S":"\u0078"}}]}}}`,
	`{"RequestItems":{"t":{"Keys":[{"h":{"NULL":true}}],"AttributesToGet":["a"]}}}`,
	`{"RequestItems":{"t":{"Keys":null}}}`,
	`{"requestitems":{"t":{"Keys":[{"h":{"S":"x"}}]}}}`,
	`{"RequestItems":{"t":{"Keys":[{"h":{"S":"x"}}]}}} x`,
	`{"RequestItems":{"t":{"Keys":[{"h":{"L":[{"M":{"a":{"SS":["1","1"]}}}]}}]}}}`,
	`{"RequestItems":{"t":{"Keys":[{"h":{"S":"x"}}],"ConsistentRead":null}}}`,
	`{`, `[]`, `null`, ``, `{"RequestItems":5}`,
}

var putItemDecodeSeeds = []string{
	`{"TableName":"bench","Item":{"pk":{"S":"w001"},"sk":{"S":"item#0001"},"gsk":{"N":"1"},"active":{"BOOL":true}},"ConditionExpression":"attribute_not_exists(pk) OR #c = :c","ExpressionAttributeNames":{"#c":"count"},"ExpressionAttributeValues":{":c":{"N":"42"}}}`,
	`{"TableName":"t","Item":{"pk":{"S":"a"},"m":{"M":{"l":{"L":[{"NULL":true},{"SS":["x","y"]},{"B":"AAE="}]}}}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL","ReturnItemCollectionMetrics":"NONE","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`,
	`{"TableName":"t","Item":{}}`,
	`{"TableName":"t","Item":{"pk":{"S":"a"}},"ExpressionAttributeValues":{":v":{"N":"01.50"}}}`,
	`{"TableName":"t","Item":{"pk":{"S":"a"}},"ExpressionAttributeValues":{":v":{"S":""}}}`,
	`{"TableName":"t","Item":{"pk":{"S":"a"}},"Expected":{"pk":{"Exists":false}}}`,
	`{"TableName":"t","Item":{"pk":{"N":"x"}}}`,
	`{"TableName":"t","Item":{"pk":{"S":"a"},"pk":{"S":"b"}}}`,
	`{"TableName":"t","Item":null}`,
	`{"TableName":"t\u0041","Item":{"pk":{"S":"a"}}}`,
	`{"TableName":"t","Item":{"pk":{"S":"a"}},"ExpressionAttributeNames":{"#a":"a","#a":"b"}}`,
	`{"TableName":"t","Item":{"pk":{"S":"a"}}`,
}

var transactWriteDecodeSeeds = []string{
	`{"TransactItems":[{"Put":{"TableName":"bench","Item":{"pk":{"S":"t0001"},"sk":{"S":"item#0001"}}}},{"Put":{"TableName":"bench","Item":{"pk":{"S":"t0001"},"sk":{"S":"item#0002"}}}}],"ClientRequestToken":"5e1c4bd3-4c4f-4f8c-9a0e-2d3f1b9b7c11"}`,
	`{"TransactItems":[{"ConditionCheck":{"TableName":"t","Key":{"pk":{"S":"a"}},"ConditionExpression":"attribute_exists(pk)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}},{"Delete":{"TableName":"t","Key":{"pk":{"S":"b"}},"ConditionExpression":"#v = :v","ExpressionAttributeNames":{"#v":"v"},"ExpressionAttributeValues":{":v":{"N":"1"}}}},{"Update":{"TableName":"t","Key":{"pk":{"S":"c"}},"UpdateExpression":"SET n = n + :o","ExpressionAttributeValues":{":o":{"N":"1"}}}}],"ReturnConsumedCapacity":"INDEXES","ReturnItemCollectionMetrics":"SIZE"}`,
	`{"TransactItems":[]}`,
	`{"TransactItems":[{}]}`,
	`{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"}}},"Delete":{"TableName":"t","Key":{"pk":{"S":"a"}}}}]}`,
	`{"TransactItems":[{"Put":{"TableName":"t","Key":{"pk":{"S":"a"}}}}]}`,
	`{"TransactItems":[{"Update":{"TableName":"t","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET a = :a","ExpressionAttributeValues":{":a":{"NS":["1","1"]}}}}]}`,
	`{"TransactItems":[{"Get":{"TableName":"t","Key":{"pk":{"S":"a"}}}}]}`,
	`{"TransactItems":null}`,
	`{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"}}}}],"ClientRequestToken":""}`,
}

var queryDecodeSeeds = []string{
	`{"TableName":"bench","Limit":10,"KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p001"}}}`,
	`{"TableName":"bench","IndexName":"gsi","Limit":10,"ScanIndexForward":false,"KeyConditionExpression":"gpk = :p AND gsk >= :z","ExpressionAttributeValues":{":p":{"S":"g#p001"},":z":{"N":"0"}}}`,
	`{"TableName":"t","KeyConditionExpression":"#h = :h","FilterExpression":"size(#l) > :n","ProjectionExpression":"#h, a.b[0]","ExpressionAttributeNames":{"#h":"h","#l":"l"},"ExpressionAttributeValues":{":h":{"N":"1"},":n":{"N":"2"}},"Select":"SPECIFIC_ATTRIBUTES","ConsistentRead":true,"ExclusiveStartKey":{"h":{"N":"1"},"r":{"S":"x"}},"ReturnConsumedCapacity":"TOTAL"}`,
	`{"TableName":"t","Limit":-0}`,
	`{"TableName":"t","Limit":0}`,
	`{"TableName":"t","Limit":-5}`,
	`{"TableName":"t","Limit":007}`,
	`{"TableName":"t","Limit":1.0}`,
	`{"TableName":"t","Limit":1e2}`,
	`{"TableName":"t","Limit":99999999999999999999}`,
	`{"TableName":"t","Limit":"10"}`,
	`{"TableName":"t","ScanIndexForward":null}`,
	`{"TableName":"t","KeyConditions":{}}`,
	`{"TableName":"t","AttributesToGet":["a"]}`,
	`{"TableName":"t","ExclusiveStartKey":{}}`,
}

func TestFastDecodersMatchGeneral(t *testing.T) {
	t.Run("Query", func(t *testing.T) { testFastDecoder(t, queryDecodeSeeds, 6, decodeQueryFast) })
	t.Run("BatchGetItem", func(t *testing.T) { testFastDecoder(t, batchGetDecodeSeeds, 6, decodeBatchGetFresh) })
	t.Run("PutItem", func(t *testing.T) { testFastDecoder(t, putItemDecodeSeeds, 4, decodePutItemFast) })
	t.Run("TransactWriteItems", func(t *testing.T) {
		testFastDecoder(t, transactWriteDecodeSeeds, 5, decodeTransactWriteFast)
	})
}

// The fuzz targets hold each fast decoder to decodeRequest:
//
//	go test ./internal/ddblocal -run '^$' -fuzz FuzzBatchGetDecode -fuzztime 60s

func FuzzBatchGetDecode(f *testing.F) {
	for _, s := range batchGetDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkFastDecode(t, body, decodeBatchGetFresh) })
}

func FuzzPutItemDecode(f *testing.F) {
	for _, s := range putItemDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkFastDecode(t, body, decodePutItemFast) })
}

func FuzzTransactWriteDecode(f *testing.F) {
	for _, s := range transactWriteDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkFastDecode(t, body, decodeTransactWriteFast) })
}

func FuzzQueryDecode(f *testing.F) {
	for _, s := range queryDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkFastDecode(t, body, decodeQueryFast) })
}

// decodeBatchGetFresh is decodeBatchGetFast with a pair buffer that has
// stale pairs beyond its length, as a pooled one could.
func decodeBatchGetFresh(body []byte) (batchGetInput, bool) {
	stale := make([]attr.NamedValue, 3, 8)
	stale[0].Name = "stale"
	in, _, ok := decodeBatchGetFast(body, stale[:0])
	return in, ok
}
