package projector

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
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

// headRecord is one head stream record: an aggregate's append.
type headRecord struct {
	seq       string
	created   time.Time
	partition string
	kind, agg string
	raw       string // the head's "new" attribute, kept when it cannot be decoded
	id        entities.ID
	app       Append
	err       error // a decoding failure: the record is poison
}

func (h *headRecord) first() int64 {
	if len(h.app.Events) > 0 {
		return h.app.Events[0].Version
	}
	return h.app.BeforeVersion + 1
}
func (h *headRecord) last() int64 {
	if len(h.app.Events) > 0 {
		return h.app.Events[len(h.app.Events)-1].Version
	}
	return h.app.BeforeVersion + 1
}

// decodeRecord returns the append of a head record, or nil for any other
// record (event items, read items, bookkeeping, deletions) and for a head
// written without events (an aggregate whose sequence counter alone moved).
// It is the one definition of what the projector applies: status counts
// pending records with it too.
func decodeRecord(rec streams.Record) *headRecord {
	if !isHeadRecord(rec) {
		return nil
	}
	img := FromStreamItem(rec.Dynamodb.NewImage)
	h := &headRecord{seq: aws.ToString(rec.Dynamodb.SequenceNumber), partition: attrStr(img, table.AttrPK), kind: attrStr(img, "kind"), agg: attrStr(img, "agg")}
	// The head's own commit time is exact to the millisecond; the
	// record's is whole seconds.
	h.created = recordTime(rec)
	head, err := events.DecodeHead(nil, img)
	if err != nil {
		h.err = fmt.Errorf("%w: decoding head of %s: %v", ErrPoison, h.partition, err)
		h.raw = attrStr(img, "new")
		h.app.BeforeVersion = attrInt(img, "v") - 1
		return h
	}
	if len(head.New) == 0 {
		return nil
	}
	h.id = head.Snapshot.ID
	h.app = Append{ID: head.Snapshot.ID, Events: head.New, BeforeVersion: head.New[0].Version - 1}
	if old := FromStreamItem(rec.Dynamodb.OldImage); old != nil {
		if before, err := events.DecodeHead(head.Snapshot.ID, old); err == nil && before.Snapshot.Version == h.app.BeforeVersion {
			h.app.Before = before.Snapshot.State
		} else {
			// Without the state the events start from, the log decides:
			// a version that cannot follow forces a repair.
			h.app.BeforeVersion = -1
		}
	} else if h.app.BeforeVersion != 0 {
		h.app.BeforeVersion = -1
	}
	return h
}
