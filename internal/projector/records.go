package projector

import (
	"strconv"
	"time"

	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/hubstream/hubstream/internal/table"
)

// isHeadRecord reports whether rec wrote an aggregate's head.
func isHeadRecord(rec streams.Record) bool {
	if rec.Dynamodb == nil || rec.Dynamodb.NewImage == nil {
		return false
	}
	et, ok := rec.Dynamodb.NewImage[table.AttrType].(*streams.AttributeValueMemberS)
	return ok && et.Value == table.TypeHead
}

// headAtMsAttr is the head's commit time in unix milliseconds
// (internal/events, items.go).
const headAtMsAttr = "atMs"

// recordTime returns when rec's write was committed: a head's own commit
// time (milliseconds) when it has one, else the record's
// ApproximateCreationDateTime, which DynamoDB gives in whole seconds — a
// lag measured from it reads "1 s" for 155 ms. Zero when neither is known.
func recordTime(rec streams.Record) time.Time {
	if rec.Dynamodb == nil {
		return time.Time{}
	}
	if isHeadRecord(rec) {
		if v, ok := rec.Dynamodb.NewImage[headAtMsAttr].(*streams.AttributeValueMemberN); ok {
			if ms, err := strconv.ParseInt(v.Value, 10, 64); err == nil && ms > 0 {
				return time.UnixMilli(ms).UTC()
			}
		}
	}
	if rec.Dynamodb.ApproximateCreationDateTime != nil {
		return *rec.Dynamodb.ApproximateCreationDateTime
	}
	return time.Time{}
}
