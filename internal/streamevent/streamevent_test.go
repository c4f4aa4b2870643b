package streamevent_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/streamevent"
	"github.com/hubstream/hubstream/internal/streamevent/streameventtest"
	"github.com/hubstream/hubstream/internal/table"
)

// TestRecordsEqualGetRecords writes items holding every attribute type,
// modifies and deletes them, reads the engine's stream, and requires each
// record, delivered as Lambda delivers it and converted back, to equal
// the record the SDK decoded from the same GetRecords response.
func TestRecordsEqualGetRecords(t *testing.T) {
	ctx := context.Background()
	eng, err := ddblocal.New(ddblocal.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	cp := streameventtest.NewCapture(eng.HTTPClient())
	c, err := table.NewClients(ctx, table.ClientConfig{Endpoint: "http://ddblocal.test", HTTPClient: cp, StaticCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := table.EnsureTable(ctx, c.DB, "conv", time.Minute); err != nil {
		t.Fatal(err)
	}
	s := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberS{Value: v} }
	item := map[string]ddb.AttributeValue{
		"PK": s("P#1"), "SK": s("S#1"), "s": s("héllo"), "empty": s(""), "n": &ddb.AttributeValueMemberN{Value: "-12.5"},
		"b": &ddb.AttributeValueMemberB{Value: []byte{0, 1, 2, 255}}, "eb": &ddb.AttributeValueMemberB{Value: []byte{}},
		"t": &ddb.AttributeValueMemberBOOL{Value: true}, "f": &ddb.AttributeValueMemberBOOL{Value: false},
		"null": &ddb.AttributeValueMemberNULL{Value: true},
		"ss":   &ddb.AttributeValueMemberSS{Value: []string{"a", "b"}}, "ns": &ddb.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs": &ddb.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"l":  &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{s("x"), &ddb.AttributeValueMemberL{}, &ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{"deep": s("y")}}}},
		"m":  &ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{"k": &ddb.AttributeValueMemberN{Value: "7"}, "e": &ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{}}}},
	}
	if _, err := c.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("conv"), Item: item}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("conv"), Key: map[string]ddb.AttributeValue{"PK": s("P#1"), "SK": s("S#1")},
		UpdateExpression: aws.String("SET s = :v REMOVE ns"), ExpressionAttributeValues: map[string]ddb.AttributeValue{":v": s("changed")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("conv"), Key: map[string]ddb.AttributeValue{"PK": s("P#1"), "SK": s("S#1")}}); err != nil {
		t.Fatal(err)
	}

	arn, shards, err := streameventtest.ReadStream(ctx, c.DB, c.Streams, cp, "conv")
	if err != nil {
		t.Fatal(err)
	}
	var names []streams.OperationType
	for _, sh := range shards {
		for i, raw := range sh.Lambda {
			var rec events.DynamoDBEventRecord
			if err := json.Unmarshal(raw, &rec); err != nil {
				t.Fatalf("aws-lambda-go cannot decode the record: %v\n%s", err, raw)
			}
			if rec.EventSourceArn != arn {
				t.Errorf("eventSourceARN %q, want %q", rec.EventSourceArn, arn)
			}
			got, err := streamevent.Record(rec)
			if err != nil {
				t.Fatal(err)
			}
			want := sh.Records[i]
			normalize(&got)
			normalize(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("record %s:\n got %#v\nwant %#v", aws.ToString(want.Dynamodb.SequenceNumber), got.Dynamodb, want.Dynamodb)
			}
			names = append(names, got.EventName)
		}
	}
	if want := []streams.OperationType{"INSERT", "MODIFY", "REMOVE"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("event names %v, want %v", names, want)
	}
}

// normalize puts the creation time in UTC at millisecond precision: the
// SDK and aws-lambda-go parse the same epoch-seconds number through
// different float arithmetic.
func normalize(r *streams.Record) {
	if t := r.Dynamodb.ApproximateCreationDateTime; t != nil {
		u := t.UTC().Round(time.Millisecond)
		r.Dynamodb.ApproximateCreationDateTime = &u
	}
}

func TestBadValues(t *testing.T) {
	deep := events.NewStringAttribute("x")
	for range 40 {
		deep = events.NewListAttribute([]events.DynamoDBAttributeValue{deep})
	}
	tests := []struct {
		name string
		v    events.DynamoDBAttributeValue
	}{
		{"zero value", events.DynamoDBAttributeValue{}},
		{"zero value in a map", events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"a": {}})},
		{"nested too deep", deep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := streamevent.Value(tt.v)
			if !errors.Is(err, streamevent.ErrBadRecord) {
				t.Fatalf("got %v, want ErrBadRecord", err)
			}
			_, err = streamevent.Records(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
				{Change: events.DynamoDBStreamRecord{SequenceNumber: "100", NewImage: map[string]events.DynamoDBAttributeValue{"v": tt.v}}},
			}})
			if !errors.Is(err, streamevent.ErrBadRecord) {
				t.Fatalf("Records: got %v, want ErrBadRecord", err)
			}
		})
	}
}

func TestResponse(t *testing.T) {
	recs := []events.DynamoDBEventRecord{
		{Change: events.DynamoDBStreamRecord{SequenceNumber: "100"}},
		{Change: events.DynamoDBStreamRecord{SequenceNumber: "200"}},
		{Change: events.DynamoDBStreamRecord{SequenceNumber: "300"}},
	}
	tests := []struct {
		name string
		from int
		want string
	}{
		{"all handled", 3, `{"batchItemFailures":[]}`},
		{"first failed", 0, `{"batchItemFailures":[{"itemIdentifier":"100"},{"itemIdentifier":"200"},{"itemIdentifier":"300"}]}`},
		{"second failed", 1, `{"batchItemFailures":[{"itemIdentifier":"200"},{"itemIdentifier":"300"}]}`},
		{"out of range", 7, `{"batchItemFailures":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(streamevent.Response(recs, tt.from))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("got %s, want %s", b, tt.want)
			}
		})
	}
}

// FuzzRecords: whatever JSON aws-lambda-go accepts as a DynamoDB event,
// conversion returns records or an error, never a panic.
func FuzzRecords(f *testing.F) {
	f.Add([]byte(`{"Records":[{"eventName":"INSERT","dynamodb":{"SequenceNumber":"1","NewImage":{"a":{"S":"x"},"b":{"L":[{"N":"1"},{"M":{"c":{"NULL":true}}}]}}}}]}`))
	f.Add([]byte(`{"Records":[{"dynamodb":{"Keys":{"k":{"B":"AAE="}},"OldImage":{"s":{"SS":["a"]},"n":{"NS":["1"]},"bs":{"BS":["AQ=="]}}}}]}`))
	f.Add([]byte(`{"Records":[{"dynamodb":{"ApproximateCreationDateTime":1.5e9,"NewImage":{"x":{"BOOL":true}}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev events.DynamoDBEvent
		if json.Unmarshal(data, &ev) != nil {
			return
		}
		recs, err := streamevent.Records(ev)
		if err == nil && len(recs) != len(ev.Records) {
			t.Fatalf("%d records, want %d", len(recs), len(ev.Records))
		}
	})
}
