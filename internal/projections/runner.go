package projections

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// RunnerOptions configure a Runner. Zero fields take the documented
// defaults.
type RunnerOptions struct {
	// Name identifies the projector's checkpoints. Default "main".
	Name string
	// PollInterval is the pause after an empty GetRecords. Default 10 ms:
	// the embedded engine answers an empty poll in microseconds, and the
	// pause bounds projection lag.
	PollInterval time.Duration
	// DiscoverInterval is how often the shard list is refreshed. Default 1 s.
	DiscoverInterval time.Duration
	// Logf receives operational messages. Default: discarded.
	Logf func(format string, args ...any)
}

// Runner tails the table's stream and applies head records to the read
// model. Shards are processed parents first; each shard's position is
// checkpointed in the table.
type Runner struct {
	db      *dynamodb.Client
	streams *dynamodbstreams.Client
	table   string
	applier *Applier
	opts    RunnerOptions

	mu      sync.Mutex
	done    map[string]bool // shards finished to their end
	running map[string]bool
}

// NewRunner returns a Runner for tableName.
func NewRunner(db *dynamodb.Client, st *dynamodbstreams.Client, tableName string, applier *Applier, opts RunnerOptions) *Runner {
	if opts.Name == "" {
		opts.Name = "main"
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 10 * time.Millisecond
	}
	if opts.DiscoverInterval <= 0 {
		opts.DiscoverInterval = time.Second
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	return &Runner{db: db, streams: st, table: tableName, applier: applier, opts: opts, done: map[string]bool{}, running: map[string]bool{}}
}

// Run tails the stream until ctx is cancelled; it returns ctx's error, or
// an error if the stream cannot be found.
func (r *Runner) Run(ctx context.Context) error {
	desc, err := r.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(r.table)})
	if err != nil {
		return fmt.Errorf("projections: describing %s: %w", r.table, err)
	}
	arn := aws.ToString(desc.Table.LatestStreamArn)
	if arn == "" {
		return fmt.Errorf("projections: table %s has no stream", r.table)
	}
	if err := r.loadCheckpoints(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		shards, err := r.listShards(ctx, arn)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.opts.Logf("projections: listing shards: %v", err)
		}
		known := map[string]bool{}
		for _, sh := range shards {
			known[aws.ToString(sh.ShardId)] = true
		}
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			parent := aws.ToString(sh.ParentShardId)
			r.mu.Lock()
			ready := !r.done[id] && !r.running[id] && (parent == "" || !known[parent] || r.done[parent])
			if ready {
				r.running[id] = true
			}
			r.mu.Unlock()
			if ready {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r.runShard(ctx, arn, id)
				}()
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(r.opts.DiscoverInterval):
		}
	}
}

func (r *Runner) listShards(ctx context.Context, arn string) ([]streams.Shard, error) {
	var out []streams.Shard
	var start *string
	for {
		res, err := r.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), ExclusiveStartShardId: start})
		if err != nil {
			return out, err
		}
		out = append(out, res.StreamDescription.Shards...)
		start = res.StreamDescription.LastEvaluatedShardId
		if start == nil {
			return out, nil
		}
	}
}

// checkpoint is a shard's progress.
type checkpoint struct {
	seq  string
	done bool
}

func (r *Runner) loadCheckpoints(ctx context.Context) error {
	pk, prefix, _ := table.ProjectorPartition(r.opts.Name)
	pager := dynamodb.NewQueryPaginator(r.db, &dynamodb.QueryInput{
		TableName:                 aws.String(r.table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":pk": sv(pk), ":p": sv(prefix)},
		ConsistentRead:            aws.Bool(true),
	})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("projections: loading checkpoints: %w", err)
		}
		for _, it := range page.Items {
			sk, _ := it[table.AttrSK].(*ddb.AttributeValueMemberS)
			done, _ := it["done"].(*ddb.AttributeValueMemberBOOL)
			if sk != nil && done != nil && done.Value {
				r.mu.Lock()
				r.done[sk.Value[len(prefix):]] = true
				r.mu.Unlock()
			}
		}
	}
	return nil
}

func (r *Runner) readCheckpoint(ctx context.Context, shardID string) (checkpoint, error) {
	res, err := r.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(r.table), Key: table.ShardLeaseKey(r.opts.Name, shardID).AV(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return checkpoint{}, err
	}
	var cp checkpoint
	if s, ok := res.Item["seq"].(*ddb.AttributeValueMemberS); ok {
		cp.seq = s.Value
	}
	if d, ok := res.Item["done"].(*ddb.AttributeValueMemberBOOL); ok {
		cp.done = d.Value
	}
	return cp, nil
}

func (r *Runner) writeCheckpoint(ctx context.Context, shardID string, cp checkpoint) error {
	item := table.ShardLeaseKey(r.opts.Name, shardID).AV()
	item[table.AttrType] = sv(table.TypeShardLease)
	item["done"] = bv(cp.done)
	item["updatedAt"] = sv(formatTime(time.Now()))
	if cp.seq != "" {
		item["seq"] = sv(cp.seq)
	}
	_, err := r.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(r.table), Item: item})
	return err
}

// runShard processes one shard to its end (closed shards) or until ctx is
// done, retrying transient failures with backoff.
func (r *Runner) runShard(ctx context.Context, arn, shardID string) {
	defer func() {
		r.mu.Lock()
		delete(r.running, shardID)
		r.mu.Unlock()
	}()
	for attempt := 0; ctx.Err() == nil; attempt++ {
		finished, err := r.processShard(ctx, arn, shardID)
		if finished {
			r.mu.Lock()
			r.done[shardID] = true
			r.mu.Unlock()
			return
		}
		if err != nil && ctx.Err() == nil {
			r.opts.Logf("projections: shard %s: %v (retrying)", shardID, err)
			if sleep(ctx, retryDelay(attempt)) != nil {
				return
			}
		}
	}
}

func retryDelay(attempt int) time.Duration {
	d := 50 * time.Millisecond << min(attempt, 6)
	return min(d, 5*time.Second)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// processShard reads the shard from its checkpoint. It returns finished
// when a closed shard was read to its end.
func (r *Runner) processShard(ctx context.Context, arn, shardID string) (finished bool, err error) {
	cp, err := r.readCheckpoint(ctx, shardID)
	if err != nil {
		return false, err
	}
	if cp.done {
		return true, nil
	}
	iter, err := r.iterator(ctx, arn, shardID, cp.seq)
	if err != nil {
		return false, err
	}
	for {
		res, err := r.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
		var expired *streams.ExpiredIteratorException
		var trimmed *streams.TrimmedDataAccessException
		switch {
		case errors.As(err, &expired):
			if iter, err = r.iterator(ctx, arn, shardID, cp.seq); err != nil {
				return false, err
			}
			continue
		case errors.As(err, &trimmed):
			// Records we never read are gone; start from the oldest one
			// left. Appends we missed are repaired from the event log when
			// a later record of the same aggregate arrives.
			r.opts.Logf("projections: shard %s trimmed past checkpoint; continuing from TRIM_HORIZON", shardID)
			cp.seq = ""
			if iter, err = r.iterator(ctx, arn, shardID, ""); err != nil {
				return false, err
			}
			continue
		case err != nil:
			return false, err
		}
		applied := 0
		for _, rec := range res.Records {
			ok, err := r.applyRecord(ctx, rec)
			if err != nil {
				return false, err
			}
			if ok {
				applied++
			}
			cp.seq = aws.ToString(rec.Dynamodb.SequenceNumber)
		}
		if res.NextShardIterator == nil {
			cp.done = true
			return true, r.writeCheckpoint(ctx, shardID, cp)
		}
		// Checkpoint only after applying head records. The projector's own
		// writes (read items, markers, checkpoints) come back through the
		// stream; checkpointing after those would feed itself forever.
		// Skipped bookkeeping records are cheap to re-read after a restart.
		if applied > 0 {
			if err := r.writeCheckpoint(ctx, shardID, cp); err != nil {
				return false, err
			}
		}
		if len(res.Records) == 0 {
			if err := sleep(ctx, r.opts.PollInterval); err != nil {
				return false, err
			}
		}
		iter = res.NextShardIterator
	}
}

func (r *Runner) iterator(ctx context.Context, arn, shardID, afterSeq string) (*string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shardID), ShardIteratorType: streams.ShardIteratorTypeTrimHorizon}
	if afterSeq != "" {
		in.ShardIteratorType = streams.ShardIteratorTypeAfterSequenceNumber
		in.SequenceNumber = aws.String(afterSeq)
	}
	res, err := r.streams.GetShardIterator(ctx, in)
	var trimmed *streams.TrimmedDataAccessException
	if errors.As(err, &trimmed) && afterSeq != "" {
		return r.iterator(ctx, arn, shardID, "")
	}
	if err != nil {
		return nil, err
	}
	return res.ShardIterator, nil
}

// applyRecord applies a head record's appended events and reports whether
// it was one; other records (event items, read items, bookkeeping) are
// ignored.
func (r *Runner) applyRecord(ctx context.Context, rec streams.Record) (bool, error) {
	if rec.Dynamodb == nil || rec.Dynamodb.NewImage == nil {
		return false, nil
	}
	img := FromStreamItem(rec.Dynamodb.NewImage)
	if et, ok := img[table.AttrType].(*ddb.AttributeValueMemberS); !ok || et.Value != table.TypeHead {
		return false, nil
	}
	head, err := events.DecodeHead(nil, img)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrPoison, err)
	}
	if len(head.New) == 0 {
		return false, nil
	}
	a := Append{ID: head.Snapshot.ID, Events: head.New}
	if old := FromStreamItem(rec.Dynamodb.OldImage); old != nil {
		before, err := events.DecodeHead(head.Snapshot.ID, old)
		if err != nil {
			return false, fmt.Errorf("%w: %v", ErrPoison, err)
		}
		a.Before, a.BeforeVersion = before.Snapshot.State, before.Snapshot.Version
	}
	return true, r.applier.Apply(ctx, a)
}
