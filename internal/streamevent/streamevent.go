// Package streamevent turns the DynamoDB stream records AWS Lambda delivers
// (github.com/aws/aws-lambda-go/events.DynamoDBEvent) into the records the
// DynamoDB Streams API returns (service/dynamodbstreams/types.Record), so
// that a Lambda consumer hands the projector exactly what the stream
// runner reads with GetRecords, and into the Lambda response that reports
// which records to deliver again.
//
// The two shapes carry the same data: Lambda reads the stream with
// GetRecords and wraps each record with its event source ARN. Nothing is
// dropped except that ARN.
package streamevent

import (
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// ErrBadRecord is matched (errors.Is) by every conversion failure.
var ErrBadRecord = errors.New("streamevent: malformed stream record")

// maxDepth is DynamoDB's nesting limit for attribute values.
const maxDepth = 32

// Records converts every record of ev, in order. It fails, naming the
// record, if one holds an attribute value of no DynamoDB type (which the
// Lambda runtime never delivers; a hand-made event might).
func Records(ev events.DynamoDBEvent) ([]streams.Record, error) {
	out := make([]streams.Record, len(ev.Records))
	for i, r := range ev.Records {
		rec, err := Record(r)
		if err != nil {
			return nil, fmt.Errorf("record %d (%s): %w", i, r.Change.SequenceNumber, err)
		}
		out[i] = rec
	}
	return out, nil
}

// Record converts one Lambda stream record.
func Record(r events.DynamoDBEventRecord) (streams.Record, error) {
	c := r.Change
	sr := &streams.StreamRecord{
		SequenceNumber: aws.String(c.SequenceNumber),
		SizeBytes:      aws.Int64(c.SizeBytes),
		StreamViewType: streams.StreamViewType(c.StreamViewType),
	}
	if !c.ApproximateCreationDateTime.IsZero() {
		t := c.ApproximateCreationDateTime.Time
		sr.ApproximateCreationDateTime = &t
	}
	var err error
	if sr.Keys, err = Item(c.Keys); err != nil {
		return streams.Record{}, fmt.Errorf("Keys: %w", err)
	}
	if sr.NewImage, err = Item(c.NewImage); err != nil {
		return streams.Record{}, fmt.Errorf("NewImage: %w", err)
	}
	if sr.OldImage, err = Item(c.OldImage); err != nil {
		return streams.Record{}, fmt.Errorf("OldImage: %w", err)
	}
	rec := streams.Record{
		AwsRegion:    aws.String(r.AWSRegion),
		Dynamodb:     sr,
		EventID:      aws.String(r.EventID),
		EventName:    streams.OperationType(r.EventName),
		EventSource:  aws.String(r.EventSource),
		EventVersion: aws.String(r.EventVersion),
	}
	if u := r.UserIdentity; u != nil {
		rec.UserIdentity = &streams.Identity{PrincipalId: aws.String(u.PrincipalID), Type: aws.String(u.Type)}
	}
	return rec, nil
}

// Item converts an image or key map; nil stays nil.
func Item(m map[string]events.DynamoDBAttributeValue) (map[string]streams.AttributeValue, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]streams.AttributeValue, len(m))
	for k, v := range m {
		av, err := Value(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

// Value converts one attribute value.
func Value(v events.DynamoDBAttributeValue) (streams.AttributeValue, error) {
	return value(v, 0)
}

func value(v events.DynamoDBAttributeValue, depth int) (av streams.AttributeValue, err error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d levels", ErrBadRecord, maxDepth)
	}
	// The library's accessors panic on a value that does not hold its
	// type, which only a zero DynamoDBAttributeValue (built by hand, not
	// decoded) can be.
	defer func() {
		if p := recover(); p != nil {
			av, err = nil, fmt.Errorf("%w: %v", ErrBadRecord, p)
		}
	}()
	switch v.DataType() {
	case events.DataTypeString:
		return &streams.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &streams.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		b := v.Binary()
		if b == nil {
			b = []byte{}
		}
		return &streams.AttributeValueMemberB{Value: b}, nil
	case events.DataTypeBoolean:
		return &streams.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &streams.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &streams.AttributeValueMemberSS{Value: append([]string(nil), v.StringSet()...)}, nil
	case events.DataTypeNumberSet:
		return &streams.AttributeValueMemberNS{Value: append([]string(nil), v.NumberSet()...)}, nil
	case events.DataTypeBinarySet:
		return &streams.AttributeValueMemberBS{Value: append([][]byte(nil), v.BinarySet()...)}, nil
	case events.DataTypeList:
		l := v.List()
		out := make([]streams.AttributeValue, len(l))
		for i, e := range l {
			if out[i], err = value(e, depth+1); err != nil {
				return nil, err
			}
		}
		return &streams.AttributeValueMemberL{Value: out}, nil
	case events.DataTypeMap:
		m := v.Map()
		out := make(map[string]streams.AttributeValue, len(m))
		for k, e := range m {
			if out[k], err = value(e, depth+1); err != nil {
				return nil, err
			}
		}
		return &streams.AttributeValueMemberM{Value: out}, nil
	}
	return nil, fmt.Errorf("%w: attribute value of unknown type %d", ErrBadRecord, v.DataType())
}

// Response reports records[from:] as failed (from == len(records): none)
// in the shape the event source mapping reads with ReportBatchItemFailures:
// the first record that was not handled and every record after it, by
// sequence number. Lambda resumes the shard at the lowest one reported;
// naming the later ones too keeps the meaning plain to a reader of the
// response and to any mapping that bisects.
func Response(records []events.DynamoDBEventRecord, from int) events.DynamoDBEventResponse {
	resp := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	for _, r := range records[min(max(from, 0), len(records)):] {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
	}
	return resp
}
