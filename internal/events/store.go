package events

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// maxBatchGet is DynamoDB's BatchGetItem key limit.
const maxBatchGet = 100

// Store reads and appends aggregates' events in the hubstream table.
type Store struct {
	db    *dynamodb.Client
	table string
	codec *Codec
}

// NewStore returns a store over the named table. A nil codec means one
// without upcasters.
func NewStore(db *dynamodb.Client, tableName string, codec *Codec) *Store {
	if codec == nil {
		codec = NewCodec()
	}
	return &Store{db: db, table: tableName, codec: codec}
}

// Codec returns the store's event codec.
func (st *Store) Codec() *Codec { return st.codec }

// LoadHeads reads the heads of ids with strongly consistent reads, in as
// few BatchGetItem calls as the 100-key limit allows, retrying unprocessed
// keys with backoff. Missing aggregates get an empty snapshot.
func (st *Store) LoadHeads(ctx context.Context, ids []entities.ID) (map[entities.ID]Head, error) {
	heads, _, err := st.loadHeads(ctx, ids, nil)
	return heads, err
}

// loadHeads is LoadHeads that also reads the item at extra (when set) in
// the same consistent BatchGetItem — the Executor's idempotency item — and
// returns it (nil when absent).
func (st *Store) loadHeads(ctx context.Context, ids []entities.ID, extra *table.Key) (map[entities.ID]Head, map[string]types.AttributeValue, error) {
	out := make(map[entities.ID]Head, len(ids))
	byKey := make(map[table.Key]entities.ID, len(ids))
	var keys []map[string]types.AttributeValue
	if extra != nil {
		keys = append(keys, extra.AV())
	}
	for _, id := range ids {
		if _, dup := out[id]; dup {
			continue
		}
		p, err := Partition(id)
		if err != nil {
			return nil, nil, err
		}
		k := table.HeadKey(p)
		byKey[k] = id
		keys = append(keys, k.AV())
		out[id] = Head{Snapshot: entities.Snapshot{ID: id}}
	}
	var extraItem map[string]types.AttributeValue
	for start := 0; start < len(keys); start += maxBatchGet {
		req := map[string]types.KeysAndAttributes{st.table: {Keys: keys[start:min(start+maxBatchGet, len(keys))], ConsistentRead: aws.Bool(true)}}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 0 {
				if err := backoff(ctx, attempt); err != nil {
					return nil, nil, err
				}
			}
			res, err := st.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, nil, fmt.Errorf("events: loading heads: %w", err)
			}
			for _, it := range res.Responses[st.table] {
				pk, _ := getS(it, table.AttrPK)
				sk, _ := getS(it, table.AttrSK)
				if extra != nil && pk == extra.PK && sk == extra.SK {
					extraItem = it
					continue
				}
				id := byKey[table.Key{PK: pk, SK: sk}]
				if id == nil {
					continue
				}
				h, err := DecodeHead(id, it)
				if err != nil {
					return nil, nil, err
				}
				out[id] = h
			}
			req = res.UnprocessedKeys
		}
	}
	return out, extraItem, nil
}

// backoff waits before retry attempt (≥ 1) of a read or an append:
// about 3 ms, doubling up to 500 ms, jittered. It returns the context's
// error if ctx is done first.
func backoff(ctx context.Context, attempt int) error {
	return table.Backoff{Base: 3 * time.Millisecond, Max: 500 * time.Millisecond}.Sleep(ctx, attempt-1)
}

// HistoryPage is one page of an aggregate's events.
type HistoryPage struct {
	Events []Envelope
	// Next resumes after the last event; 0 when there are no more.
	Next int64
}

// History returns up to limit events of id, newest first, starting below
// version before (0: from the newest). It is one Query of the aggregate's
// partition.
func (st *Store) History(ctx context.Context, id entities.ID, before int64, limit int32) (HistoryPage, error) {
	p, err := Partition(id)
	if err != nil {
		return HistoryPage{}, err
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(st.table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :ev)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(string(p)), ":ev": s(table.EventSKPrefix)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(limit + 1),
	}
	if before > 0 {
		in.KeyConditionExpression = aws.String("PK = :pk AND SK BETWEEN :ev AND :before")
		in.ExpressionAttributeValues[":before"] = s(table.EventKey(p, before-1).SK)
	}
	res, err := st.db.Query(ctx, in)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("events: history: %w", err)
	}
	var page HistoryPage
	for i, it := range res.Items {
		if int32(i) == limit {
			page.Next = page.Events[len(page.Events)-1].Version
			break
		}
		env, err := DecodeEventItem(it)
		if err != nil {
			return HistoryPage{}, err
		}
		page.Events = append(page.Events, env)
	}
	return page, nil
}
