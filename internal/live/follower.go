package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/hubstream/hubstream/internal/table"
)

// Notifier wakes the follower's shard readers when their shard may have new
// records, so that they need not poll. ddblocal.Engine implements it; a
// remote endpoint has none. It has the contract of
// projector.StreamNotifier.
type Notifier interface {
	StreamActivity(streamArn, shardID string) (<-chan struct{}, error)
}

// FollowerOptions tune a Follower. Zero fields take the documented
// defaults.
type FollowerOptions struct {
	// Notifier, when set, wakes idle shard readers on commits (the embedded
	// engine). Nil: adaptive polling by PollInterval and MaxPollInterval.
	Notifier Notifier
	// PollInterval is, without a Notifier, the shortest time between two
	// GetRecords calls of one shard. Default 200 ms (the projector's).
	PollInterval time.Duration
	// MaxPollInterval bounds the back-off of an idle shard without a
	// Notifier: each empty read doubles the pause up to it. Default 1 s.
	MaxPollInterval time.Duration
	// ListInterval is how often the shard list is refreshed to find new
	// shards (a closed shard's children are looked for at once). Default
	// 30 s.
	ListInterval time.Duration
	// Logger receives stream read problems. Default slog.Default().
	Logger *slog.Logger
}

func (o FollowerOptions) withDefaults() FollowerOptions {
	if o.PollInterval <= 0 {
		o.PollInterval = 200 * time.Millisecond
	}
	if o.MaxPollInterval <= 0 {
		o.MaxPollInterval = time.Second
	}
	o.MaxPollInterval = max(o.MaxPollInterval, o.PollInterval)
	if o.ListInterval <= 0 {
		o.ListInterval = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// minRelist is the shortest time between two shard listings.
const minRelist = 100 * time.Millisecond

// Follower reads a table's stream from the moment it starts (LATEST) and
// hands every record to a callback, shard by shard in order.
type Follower struct {
	db      *dynamodb.Client
	streams *dynamodbstreams.Client
	table   string
	opts    FollowerOptions
}

// NewFollower returns a follower of tableName's stream. It makes no call
// until Run.
func NewFollower(db *dynamodb.Client, st *dynamodbstreams.Client, tableName string, opts FollowerOptions) *Follower {
	return &Follower{db: db, streams: st, table: tableName, opts: opts.withDefaults()}
}

// shardInfo is one shard as DescribeStream lists it.
type shardInfo struct {
	id, parent string
	closed     bool
}

// Run reads the stream until ctx ends, calling handle with each GetRecords
// page of a shard (never concurrently for one shard; pages of different
// shards may be handled concurrently). Shards open when Run starts are read
// from LATEST; shards that appear later are read from their first record,
// after their parent (if it was read) is finished. ready, when non-nil, is
// closed once every initial shard has its LATEST iterator: records
// committed after that are delivered. Run returns ctx's error, or an error
// when the table has no stream.
func (f *Follower) Run(ctx context.Context, handle func([]streams.Record), ready chan<- struct{}) error {
	desc, err := f.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(f.table)})
	if err != nil {
		return fmt.Errorf("live: describing %s: %w", f.table, err)
	}
	arn := aws.ToString(desc.Table.LatestStreamArn)
	if arn == "" {
		return fmt.Errorf("live: table %s has no stream", f.table)
	}
	var (
		mu      sync.Mutex
		known   = map[string]bool{} // shards seen in a listing
		initial = map[string]bool{} // shards open when Run started
		done    = map[string]bool{} // shards read to their end
		started = map[string]bool{}
		wg      sync.WaitGroup
	)
	relist := make(chan struct{}, 1)
	poke := func() {
		select {
		case relist <- struct{}{}:
		default:
		}
	}
	start := func(id string, it *string) {
		started[id] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.readShard(ctx, arn, id, it, handle)
			mu.Lock()
			done[id] = true
			mu.Unlock()
			poke()
		}()
	}
	first := true
	for {
		retrySoon := false
		shards, err := f.list(ctx, arn)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			f.opts.Logger.Warn("subscriptions: listing stream shards failed; retrying", slog.Any("error", err))
			retrySoon = true
		}
		mu.Lock()
		for _, s := range shards {
			known[s.id] = true
			if started[s.id] || done[s.id] {
				continue
			}
			if first && s.closed {
				done[s.id] = true // history: nothing after LATEST in it
				continue
			}
			if first {
				initial[s.id] = true
			}
			if initial[s.id] {
				// Open when Run started: from LATEST, also when the first
				// try failed (its older records are history).
				it, err := f.iterator(ctx, arn, s.id, streams.ShardIteratorTypeLatest)
				if err != nil {
					f.opts.Logger.Warn("subscriptions: no LATEST iterator; trying again in a second", slog.String("shard", s.id), slog.Any("error", err))
					retrySoon = true
					continue
				}
				start(s.id, it)
				continue
			}
			// A shard that appeared after Run started: read it whole, after
			// its parent when the parent is one of ours.
			if s.parent != "" && (started[s.parent] || known[s.parent]) && !done[s.parent] {
				continue
			}
			start(s.id, nil)
		}
		mu.Unlock()
		if first && err == nil {
			// Until a listing succeeds, every shard is one open at start.
			first = false
			if ready != nil {
				close(ready)
			}
		}
		wait := f.opts.ListInterval
		if retrySoon {
			wait = min(wait, time.Second)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-relist:
			// A finished shard: its children are listed soon, but at most
			// every minRelist, since a listing pages through every shard
			// the stream retains (thousands when shards roll over fast).
			select {
			case <-ctx.Done():
			case <-time.After(minRelist):
			}
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			break
		}
	}
	wg.Wait()
	return ctx.Err()
}

// list returns the stream's shards, parents before children.
func (f *Follower) list(ctx context.Context, arn string) ([]shardInfo, error) {
	var out []shardInfo
	var from *string
	for {
		res, err := f.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), ExclusiveStartShardId: from})
		if err != nil {
			return nil, fmt.Errorf("live: describing stream: %w", err)
		}
		for _, sh := range res.StreamDescription.Shards {
			s := shardInfo{id: aws.ToString(sh.ShardId), parent: aws.ToString(sh.ParentShardId)}
			if r := sh.SequenceNumberRange; r != nil {
				s.closed = aws.ToString(r.EndingSequenceNumber) != ""
			}
			out = append(out, s)
		}
		from = res.StreamDescription.LastEvaluatedShardId
		if from == nil {
			break
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// iterator returns a shard iterator of type typ (TRIM_HORIZON for a nil
// sequence's "from the start").
func (f *Follower) iterator(ctx context.Context, arn, shard string, typ streams.ShardIteratorType) (*string, error) {
	res, err := f.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shard), ShardIteratorType: typ})
	if err != nil {
		return nil, err
	}
	return res.ShardIterator, nil
}

// readShard reads one shard until it ends or ctx does. it is the starting
// iterator; nil starts at TRIM_HORIZON.
func (f *Follower) readShard(ctx context.Context, arn, shard string, it *string, handle func([]streams.Record)) {
	var last string // sequence number of the last record handled
	pace := pacer{min: f.opts.PollInterval, max: f.opts.MaxPollInterval}
	failures := 0
	for ctx.Err() == nil {
		if it == nil {
			in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shard), ShardIteratorType: streams.ShardIteratorTypeTrimHorizon}
			if last != "" {
				in.ShardIteratorType, in.SequenceNumber = streams.ShardIteratorTypeAfterSequenceNumber, aws.String(last)
			}
			res, err := f.streams.GetShardIterator(ctx, in)
			if err != nil {
				if isGone(err) {
					return
				}
				failures++
				f.retryWait(ctx, shard, failures, err)
				continue
			}
			it = res.ShardIterator
		}
		var woke <-chan struct{}
		if f.opts.Notifier != nil {
			if c, err := f.opts.Notifier.StreamActivity(arn, shard); err == nil {
				woke = c
			}
		}
		began := time.Now()
		res, err := f.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(1000)})
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return
			case isGone(err):
				return
			case isExpired(err) || isTrimmed(err):
				// Re-read after the last record handled (or from the
				// horizon when it was trimmed away).
				if isTrimmed(err) {
					last = ""
				}
				it = nil
				continue
			}
			failures++
			f.retryWait(ctx, shard, failures, err)
			continue
		}
		failures = 0
		if n := len(res.Records); n > 0 {
			last = aws.ToString(res.Records[n-1].Dynamodb.SequenceNumber)
			handle(res.Records)
		}
		it = res.NextShardIterator
		if it == nil {
			return // the shard is closed and read to its end
		}
		if err := waitNext(ctx, woke, &pace, began, len(res.Records)); err != nil {
			return
		}
	}
}

// retryWait logs a failed stream call and waits before the next try:
// 100 ms doubling up to 5 s.
func (f *Follower) retryWait(ctx context.Context, shard string, failures int, err error) {
	if failures == 1 || failures%20 == 0 {
		f.opts.Logger.Warn("subscriptions: stream read failed; retrying", slog.String("shard", shard), slog.Int("failures", failures), slog.Any("error", err))
	}
	_ = table.Backoff{Base: 100 * time.Millisecond, Max: 5 * time.Second}.Sleep(ctx, failures-1)
}

// waitNext waits after a read that returned n records until the next read
// is due: at once after records with a notifier, until woken (at most a
// minute, which also keeps the iterator fresh) when idle with one, else as
// the pacer says.
func waitNext(ctx context.Context, woke <-chan struct{}, p *pacer, began time.Time, n int) error {
	var d time.Duration
	switch {
	case woke != nil && n > 0:
		return nil
	case woke != nil:
		d = time.Minute
	default:
		d = p.next(n > 0) - time.Since(began)
		if d <= 0 {
			return nil
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-woke:
	case <-t.C:
	}
	return nil
}

// pacer spaces one shard's reads without a notifier: min while records
// flow, doubling to max while the shard is idle.
type pacer struct {
	min, max time.Duration
	idle     int
}

func (p *pacer) next(records bool) time.Duration {
	if records {
		p.idle = 0
		return p.min
	}
	p.idle++
	d := p.min
	for i := 1; i < p.idle && d < p.max; i++ {
		d *= 2
	}
	return min(d, p.max)
}

func isExpired(err error) bool {
	var e *streams.ExpiredIteratorException
	return errors.As(err, &e)
}

func isTrimmed(err error) bool {
	var e *streams.TrimmedDataAccessException
	return errors.As(err, &e)
}

func isGone(err error) bool {
	var e *streams.ResourceNotFoundException
	return errors.As(err, &e)
}
