// Package streameventtest reads a table's DynamoDB stream the way the AWS
// Lambda event source mapping does — every shard from its trim horizon,
// parents before children, with GetRecords — and hands back the records in
// the JSON shape Lambda invokes a function with. Tests feed them to a
// Lambda handler; the records are the engine's own GetRecords output, not
// hand-made.
package streameventtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Capture is an aws.HTTPClient that keeps the body of every GetRecords
// response it passes on.
type Capture struct {
	next aws.HTTPClient

	mu     sync.Mutex
	bodies [][]byte
}

// NewCapture wraps next.
func NewCapture(next aws.HTTPClient) *Capture { return &Capture{next: next} }

// Do sends req and keeps a GetRecords response's body.
func (c *Capture) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if err != nil || !strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".GetRecords") || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	c.mu.Lock()
	c.bodies = append(c.bodies, body)
	c.mu.Unlock()
	return resp, nil
}

func (c *Capture) last() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bodies) == 0 {
		return nil
	}
	return c.bodies[len(c.bodies)-1]
}

// Shard is one shard's records: as the SDK decoded them and as Lambda
// would deliver them (one JSON object per record, eventSourceARN added).
type Shard struct {
	ID, Parent string
	Records    []streams.Record
	Lambda     []json.RawMessage
}

// ReadStream reads every record of table's stream, shard by shard with
// parents first, through st, whose HTTP client must be cp. It stops at
// the end of a closed shard and at the first empty page of an open one.
func ReadStream(ctx context.Context, db *dynamodb.Client, st *dynamodbstreams.Client, cp *Capture, table string) (arn string, shards []Shard, err error) {
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return "", nil, err
	}
	arn = aws.ToString(desc.Table.LatestStreamArn)
	var all []streams.Shard
	var start *string
	for {
		res, err := st.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), ExclusiveStartShardId: start})
		if err != nil {
			return "", nil, err
		}
		all = append(all, res.StreamDescription.Shards...)
		if start = res.StreamDescription.LastEvaluatedShardId; start == nil {
			break
		}
	}
	for _, sh := range parentsFirst(all) {
		s := Shard{ID: aws.ToString(sh.ShardId), Parent: aws.ToString(sh.ParentShardId)}
		it, err := st.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: sh.ShardId, ShardIteratorType: streams.ShardIteratorTypeTrimHorizon})
		if err != nil {
			return "", nil, err
		}
		iter := it.ShardIterator
		for iter != nil {
			res, err := st.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				return "", nil, err
			}
			raw, err := LambdaRecords(cp.last(), arn)
			if err != nil {
				return "", nil, err
			}
			if len(raw) != len(res.Records) {
				return "", nil, fmt.Errorf("streameventtest: captured %d records, the SDK decoded %d", len(raw), len(res.Records))
			}
			s.Records = append(s.Records, res.Records...)
			s.Lambda = append(s.Lambda, raw...)
			if len(res.Records) == 0 {
				break
			}
			iter = res.NextShardIterator
		}
		shards = append(shards, s)
	}
	return arn, shards, nil
}

// parentsFirst orders shards so that every parent comes before its
// children (a parent trimmed away counts as done).
func parentsFirst(all []streams.Shard) []streams.Shard {
	byID := map[string]bool{}
	for _, s := range all {
		byID[aws.ToString(s.ShardId)] = true
	}
	done := map[string]bool{}
	var out []streams.Shard
	for len(out) < len(all) {
		for _, s := range all {
			id, parent := aws.ToString(s.ShardId), aws.ToString(s.ParentShardId)
			if done[id] || (parent != "" && byID[parent] && !done[parent]) {
				continue
			}
			done[id] = true
			out = append(out, s)
		}
	}
	return out
}

// LambdaRecords turns a GetRecords response body into the records of a
// Lambda DynamoDB event: each record as the stream returned it, with the
// stream's ARN as eventSourceARN.
func LambdaRecords(getRecordsBody []byte, streamARN string) ([]json.RawMessage, error) {
	var page struct {
		Records []map[string]json.RawMessage
	}
	if err := json.Unmarshal(getRecordsBody, &page); err != nil {
		return nil, fmt.Errorf("streameventtest: GetRecords body: %w", err)
	}
	arn, _ := json.Marshal(streamARN)
	out := make([]json.RawMessage, len(page.Records))
	for i, r := range page.Records {
		r["eventSourceARN"] = arn
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// Event is the payload Lambda invokes a function with for records.
func Event(records []json.RawMessage) []byte {
	if records == nil {
		records = []json.RawMessage{}
	}
	b, _ := json.Marshal(map[string][]json.RawMessage{"Records": records})
	return b
}
