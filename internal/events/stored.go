package events

import (
	"bytes"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
)

// What is written must fit DynamoDB's limits, whatever a client sent
// within the documented input limits.

// marshalStored is json.Marshal without HTML escaping. Event data, head
// snapshots and idempotency results are never embedded in HTML, and the
// escaping would make '<', '>' and '&' six bytes each: a body of 65,536
// '<' would then take 384 KiB per copy and could not be stored. Without
// it JSON at most doubles a text (a quote or a line break becomes two
// bytes; U+2028 and U+2029, always escaped, six instead of three), which
// is what entities.MaxBodyBytes is computed from. Decoding is unchanged:
// both forms are the same JSON.
func marshalStored(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// MaxItemBytes is DynamoDB's item size limit (400 KB).
const MaxItemBytes = 400 << 10

// fitsItemLimit returns BAD_USER_INPUT if an item of write is larger than
// MaxItemBytes. The documented input limits keep every command under it
// (TestLargestInputsAreStored); this turns a limit that a future field
// forgets into a client error before the write instead of the engine's
// ValidationException after it.
func fitsItemLimit(write *dynamodb.TransactWriteItemsInput) error {
	for _, ti := range write.TransactItems {
		if ti.Put == nil {
			continue
		}
		if itemSize(ti.Put.Item) > MaxItemBytes {
			return entities.BadInput("", "the change is too large to store: shorten the text fields")
		}
	}
	return nil
}

// itemSize is DynamoDB's size of an item, as its documentation counts it:
// the UTF-8 length of every attribute name plus its value's size (strings
// and binaries their length, numbers about one byte per two digits plus
// one). It is an upper bound for the types events writes (S, N, B).
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(v.Value)
		case *types.AttributeValueMemberB:
			n += len(v.Value)
		case *types.AttributeValueMemberN:
			n += len(v.Value)/2 + 2
		default:
			n += 64 // no other type is written here; counted generously
		}
	}
	return n
}
