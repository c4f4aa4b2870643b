package ddblocal

import (
	"reflect"
	"testing"
)

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

// TestBatchGetDecodeFastMatchesGeneral checks the fast BatchGetItem
// decoder against the general one on hand-picked requests, including ones
// it must leave to the general decoder.
func TestBatchGetDecodeFastMatchesGeneral(t *testing.T) {
	accepted := 0
	for _, body := range batchGetDecodeSeeds {
		t.Run(body, func(t *testing.T) {
			if checkBatchGetDecode(t, []byte(body)) {
				accepted++
			}
		})
	}
	// The common shapes must take the fast path, or it is dead code.
	if accepted < 6 {
		t.Errorf("fast decoder accepted %d of the seeds, want at least 6", accepted)
	}
}

// FuzzBatchGetDecode holds decodeBatchGetFast to decodeRequest: whatever
// the fast decoder accepts, the general one accepts with the same result.
//
//	go test ./internal/ddblocal -run '^$' -fuzz FuzzBatchGetDecode -fuzztime 60s
func FuzzBatchGetDecode(f *testing.F) {
	for _, s := range batchGetDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkBatchGetDecode(t, body) })
}

func checkBatchGetDecode(t *testing.T, body []byte) (accepted bool) {
	t.Helper()
	fast, ok := decodeBatchGetFast(body)
	if !ok {
		return false
	}
	var general batchGetInput
	if err := decodeRequest(body, &general); err != nil {
		t.Fatalf("fast decoder accepted %q; general decoder: %v", body, err)
	}
	if !reflect.DeepEqual(fast, general) {
		t.Fatalf("decoders differ on %q\nfast:    %#v\ngeneral: %#v", body, fast, general)
	}
	return true
}
