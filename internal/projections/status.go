package projections

import (
	"context"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
)

// StatusOptions configure GetStatus.
type StatusOptions struct {
	DB      *dynamodb.Client
	Streams *dynamodbstreams.Client
	Table   string
	// Name is the projector. Default "main".
	Name string
	// MaxCount bounds how many records are read per shard to count the
	// backlog. Default 10 000; beyond it the count is a lower bound.
	MaxCount int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// ShardStatus is one shard's progress.
type ShardStatus struct {
	Shard    Shard
	InStream bool // false: the shard was trimmed away; only its lease is left
	Lease    Lease
	HasLease bool
	// Behind counts the stream records after the checkpoint, Pending the
	// head records among them (what still needs projecting); Capped means
	// the count stopped at MaxCount.
	Behind, Pending int
	Capped          bool
	// Lag is the age of the oldest pending head record, from its commit
	// time to the millisecond (0: caught up).
	Lag time.Duration
	// Trimmed: records after the checkpoint (or from the shard's start)
	// were trimmed before the projector read them — a loss, which the
	// projector reports and sweeps when it reads the shard.
	Trimmed bool
	// CaughtUp: nothing in the shard is left to apply — it is finished,
	// or every record after its checkpoint is one the projector does not
	// apply (its own writes, event items, heads without events).
	CaughtUp bool
}

// Status is a projector's state.
type Status struct {
	Name string
	At   time.Time
	// Workers lists every worker with a heartbeat item, live or dead
	// (Worker.Alive): a dead one's item expires an hour after it stopped.
	Workers []Worker
	Shards  []ShardStatus
	Blocked []Blocked
	Parked  int
	// Losses are the noted stream losses, newest first; those not yet
	// Repaired wait for the sweep pass that Sweep describes.
	Losses []Loss
	Sweep  SweepState
}

// GetStatus reads a projector's leases, workers, blocked aggregates and
// parked events, and measures each unfinished shard's backlog by reading
// it (GetRecords) from the checkpoint.
func GetStatus(ctx context.Context, opts StatusOptions) (Status, error) {
	if opts.Name == "" {
		opts.Name = "main"
	}
	if opts.MaxCount <= 0 {
		opts.MaxCount = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	st := Status{Name: opts.Name, At: opts.Now()}
	ls := &leases{db: opts.DB, table: opts.Table, name: opts.Name, now: opts.Now}
	var err error
	if st.Workers, err = ls.workers(ctx, true); err != nil {
		return st, err
	}
	leaseMap, err := ls.list(ctx)
	if err != nil {
		return st, err
	}
	arn, err := streamArn(ctx, opts.DB, opts.Table)
	if err != nil {
		return st, err
	}
	shards, err := listShards(ctx, opts.Streams, arn)
	if err != nil {
		return st, err
	}
	listed := map[string]bool{}
	for _, sh := range shards {
		listed[sh.ID] = true
		ss := ShardStatus{Shard: sh, InStream: true}
		ss.Lease, ss.HasLease = leaseMap[sh.ID]
		if !ss.Lease.Done {
			if err := backlog(ctx, opts, arn, &ss); err != nil {
				return st, err
			}
		}
		ss.CaughtUp = ss.Lease.Done || (ss.InStream && ss.Pending == 0 && !ss.Capped)
		st.Shards = append(st.Shards, ss)
	}
	for id, l := range leaseMap {
		if !listed[id] {
			st.Shards = append(st.Shards, ShardStatus{Shard: Shard{ID: id, Parent: l.Parent}, Lease: l, HasLease: true})
		}
	}
	sort.Slice(st.Shards, func(i, j int) bool { return st.Shards[i].Shard.ID < st.Shards[j].Shard.ID })
	q := NewDLQ(opts.DB, opts.Table, opts.Name, nil)
	blocked, parked, err := q.List(ctx)
	if err != nil {
		return st, err
	}
	st.Blocked, st.Parked = blocked, len(parked)
	if st.Losses, err = listLosses(ctx, opts.DB, opts.Table, opts.Name); err != nil {
		return st, err
	}
	if st.Sweep, err = readSweep(ctx, opts.DB, opts.Table, opts.Name); err != nil {
		return st, err
	}
	return st, nil
}

// backlog counts the records of a shard after its checkpoint.
func backlog(ctx context.Context, opts StatusOptions, arn string, ss *ShardStatus) error {
	iter, trimmed, err := iterator(ctx, opts.Streams, arn, ss.Shard, ss.Lease.Checkpoint)
	if err != nil {
		if isShardGone(err) {
			ss.InStream = false
			return nil
		}
		return err
	}
	ss.Trimmed = trimmed
	var oldest time.Time
	for iter != nil && ss.Behind < opts.MaxCount {
		res, err := opts.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
		if err != nil {
			if isTrimmed(err) || isExpiredIterator(err) {
				break
			}
			return err
		}
		for _, rec := range res.Records {
			ss.Behind++
			// Pending is what the projector will apply; heads without
			// events are read past, not applied.
			if h := decodeRecord(rec); h != nil {
				ss.Pending++
				if oldest.IsZero() {
					oldest = h.created
				}
			}
		}
		if len(res.Records) == 0 {
			break
		}
		iter = res.NextShardIterator
	}
	ss.Capped = ss.Behind >= opts.MaxCount
	if !oldest.IsZero() {
		ss.Lag = max(0, opts.Now().Sub(oldest))
	}
	return nil
}

// Active returns the projector's workers with a live heartbeat and the
// leases held (owned and unexpired) at now: what must be empty before a
// live rebuild purges the read model.
func Active(ctx context.Context, db *dynamodb.Client, tableName, name string) ([]Worker, []Lease, error) {
	if name == "" {
		name = "main"
	}
	ls := &leases{db: db, table: tableName, name: name, now: time.Now}
	workers, err := ls.workers(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	all, err := ls.list(ctx)
	if err != nil {
		return nil, nil, err
	}
	var held []Lease
	now := time.Now()
	for _, l := range all {
		if !l.Done && l.Owner != "" && l.Expiry.After(now) {
			held = append(held, l)
		}
	}
	sort.Slice(held, func(i, j int) bool { return held[i].Shard < held[j].Shard })
	return workers, held, nil
}
