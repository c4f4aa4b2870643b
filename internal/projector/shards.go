package projector

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/hubstream/hubstream/internal/table"
)

// Shard is one stream shard as DescribeStream lists it.
type Shard struct {
	ID     string
	Parent string
	Start  string // starting sequence number
	End    string // ending sequence number; "" while the shard is open
}

// Closed reports whether the shard no longer receives records.
func (s Shard) Closed() bool { return s.End != "" }

// streamArn returns the table's latest stream ARN.
func streamArn(ctx context.Context, db *dynamodb.Client, tbl string) (string, error) {
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tbl)})
	if err != nil {
		return "", fmt.Errorf("projector: describing %s: %w", tbl, err)
	}
	arn := aws.ToString(desc.Table.LatestStreamArn)
	if arn == "" {
		return "", fmt.Errorf("projector: table %s has no stream", tbl)
	}
	return arn, nil
}

// listShards pages through DescribeStream and returns every shard, sorted
// by id (DynamoDB's shard ids begin with their creation time, so parents
// sort before their children).
func listShards(ctx context.Context, st *dynamodbstreams.Client, arn string) ([]Shard, error) {
	var out []Shard
	var start *string
	for {
		res, err := st.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), ExclusiveStartShardId: start})
		if err != nil {
			return nil, fmt.Errorf("projector: describing stream: %w", err)
		}
		for _, sh := range res.StreamDescription.Shards {
			s := Shard{ID: aws.ToString(sh.ShardId), Parent: aws.ToString(sh.ParentShardId)}
			if r := sh.SequenceNumberRange; r != nil {
				s.Start, s.End = aws.ToString(r.StartingSequenceNumber), aws.ToString(r.EndingSequenceNumber)
			}
			out = append(out, s)
		}
		start = res.StreamDescription.LastEvaluatedShardId
		if start == nil {
			break
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// readyShards returns the shards that may be processed now: not done, and
// whose parent is done or gone from the stream. Parents therefore finish
// strictly before their children start.
func readyShards(shards []Shard, ls map[string]Lease) []Shard {
	listed := make(map[string]bool, len(shards))
	for _, s := range shards {
		listed[s.ID] = true
	}
	var out []Shard
	for _, s := range shards {
		if ls[s.ID].Done {
			continue
		}
		if s.Parent != "" && listed[s.Parent] && !ls[s.Parent].Done {
			continue
		}
		out = append(out, s)
	}
	return out
}

// iterator returns an iterator reading shard after seq, or, with seq "",
// from the shard's first record. trimmed reports that the position to
// read from is gone (trimmed by retention): the iterator then starts at
// TRIM_HORIZON, and the records in between were never read.
//
// "From the first record" is asked as AT_SEQUENCE_NUMBER of the shard's
// starting sequence number rather than TRIM_HORIZON: TRIM_HORIZON
// silently starts wherever retention left the shard, so a consumer
// without a checkpoint would never learn that records it never saw were
// trimmed. (Without a known start, TRIM_HORIZON is all there is.)
func iterator(ctx context.Context, st *dynamodbstreams.Client, arn string, shard Shard, seq string) (it *string, trimmed bool, err error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shard.ID), ShardIteratorType: streams.ShardIteratorTypeTrimHorizon}
	switch {
	case seq != "":
		in.ShardIteratorType = streams.ShardIteratorTypeAfterSequenceNumber
		in.SequenceNumber = aws.String(seq)
	case shard.Start != "":
		in.ShardIteratorType = streams.ShardIteratorTypeAtSequenceNumber
		in.SequenceNumber = aws.String(shard.Start)
	}
	res, err := st.GetShardIterator(ctx, in)
	var tde *streams.TrimmedDataAccessException
	if errors.As(err, &tde) && in.SequenceNumber != nil {
		it, _, err := iterator(ctx, st, arn, Shard{ID: shard.ID}, "")
		return it, true, err
	}
	if err != nil {
		return nil, false, err
	}
	return res.ShardIterator, false, nil
}

// Error classes of stream and table calls.

func isExpiredIterator(err error) bool {
	var e *streams.ExpiredIteratorException
	return errors.As(err, &e)
}

func isTrimmed(err error) bool {
	var e *streams.TrimmedDataAccessException
	return errors.As(err, &e)
}

func isShardGone(err error) bool {
	var e *streams.ResourceNotFoundException
	return errors.As(err, &e)
}

func isThrottled(err error) bool {
	var le *streams.LimitExceededException
	if errors.As(err, &le) {
		return true
	}
	return table.Classify(err) == table.ReasonThrottled
}
