package projector

import (
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// FromStreamItem converts a stream image (dynamodbstreams types) into the
// dynamodb types the rest of hubstream uses. The two SDK packages model the
// same wire values with distinct Go types.
func FromStreamItem(in map[string]streams.AttributeValue) map[string]ddb.AttributeValue {
	if in == nil {
		return nil
	}
	out := make(map[string]ddb.AttributeValue, len(in))
	for k, v := range in {
		out[k] = fromStreamValue(v)
	}
	return out
}

func fromStreamValue(v streams.AttributeValue) ddb.AttributeValue {
	switch v := v.(type) {
	case *streams.AttributeValueMemberS:
		return &ddb.AttributeValueMemberS{Value: v.Value}
	case *streams.AttributeValueMemberN:
		return &ddb.AttributeValueMemberN{Value: v.Value}
	case *streams.AttributeValueMemberB:
		return &ddb.AttributeValueMemberB{Value: v.Value}
	case *streams.AttributeValueMemberBOOL:
		return &ddb.AttributeValueMemberBOOL{Value: v.Value}
	case *streams.AttributeValueMemberNULL:
		return &ddb.AttributeValueMemberNULL{Value: v.Value}
	case *streams.AttributeValueMemberSS:
		return &ddb.AttributeValueMemberSS{Value: v.Value}
	case *streams.AttributeValueMemberNS:
		return &ddb.AttributeValueMemberNS{Value: v.Value}
	case *streams.AttributeValueMemberBS:
		return &ddb.AttributeValueMemberBS{Value: v.Value}
	case *streams.AttributeValueMemberL:
		l := make([]ddb.AttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = fromStreamValue(e)
		}
		return &ddb.AttributeValueMemberL{Value: l}
	case *streams.AttributeValueMemberM:
		return &ddb.AttributeValueMemberM{Value: FromStreamItem(v.Value)}
	}
	return &ddb.AttributeValueMemberNULL{Value: true}
}
