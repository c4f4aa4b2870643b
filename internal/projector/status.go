package projector

import (
	"context"
	"fmt"
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
	// projector notes and sweeps when it reads the shard.
	Trimmed bool
	// TrimNoted: the trim was noted (see Status.Losses) by the worker
	// that holds the shard, which reads on from the trim horizon and
	// checkpoints past it at the next record. Only a trim not noted yet
	// is among Status.Unnoted.
	TrimNoted bool
	// Vanished: the shard left the stream before the projector finished
	// it (its lease is not done); its unread records are lost.
	Vanished bool
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
	// Unnoted are the losses status sees in the leases and the stream
	// that no note records yet — a projector notes them, and a sweep
	// repairs what they lost, when it reads the shards (or when none
	// runs, `projector verify --repair` repairs it): shards trimmed after
	// their checkpoint or from their start, leases of shards that left
	// the stream unfinished, and parents that left it without ever being
	// leased while their children wait. Detected is the time of status.
	Unnoted []Loss
	Sweep   SweepState
}

// GetStatus reads a projector's leases, workers, blocked aggregates,
// parked events, loss notes and sweep, measures each unfinished shard's
// backlog by reading it (GetRecords) from the checkpoint, and derives the
// losses no note records yet (Status.Unnoted). It only reads; it fails
// when the table, its stream or a read fails.
func GetStatus(ctx context.Context, opts StatusOptions) (Status, error) {
	if opts.Name == "" {
		opts.Name = "main"
	}
	orDefault(&opts.MaxCount, 10000)
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
	if st.Losses, err = listLosses(ctx, opts.DB, opts.Table, opts.Name); err != nil {
		return st, err
	}
	alive := map[string]bool{}
	for _, w := range st.Workers {
		alive[w.ID] = w.Alive(st.At)
	}
	noted := map[string]Loss{}
	for _, l := range st.Losses {
		noted[l.Kind+"#"+l.Where] = l
	}
	unnoted := func(kind, where, detail string) {
		if _, ok := noted[kind+"#"+where]; !ok || kind == LossTrimmed {
			st.Unnoted = append(st.Unnoted, Loss{Kind: kind, Where: where, Detail: detail, First: st.At, Last: st.At})
		}
	}
	listed := map[string]bool{}
	for _, sh := range shards {
		listed[sh.ID] = true
	}
	for _, sh := range shards {
		ss := ShardStatus{Shard: sh, InStream: true}
		ss.Lease, ss.HasLease = leaseMap[sh.ID]
		if !ss.Lease.Done {
			if err := backlog(ctx, opts, arn, &ss); err != nil {
				return st, err
			}
		}
		ss.CaughtUp = ss.Lease.Done || (ss.InStream && ss.Pending == 0 && !ss.Capped)
		ss.Vanished = !ss.InStream && !ss.Lease.Done
		if ss.Trimmed {
			// The holder noted this trim if its note is later than the
			// lease's last checkpoint (or acquisition): it reads on from
			// the horizon and checkpoints at the next record. Without a
			// live holder, records written since may have been trimmed
			// too: a projector notes it again when it starts.
			l, ok := noted[LossTrimmed+"#"+sh.ID]
			held := ss.Lease.Owner != "" && alive[ss.Lease.Owner] && ss.Lease.Expiry.After(st.At)
			ss.TrimNoted = ok && held && !l.Last.Before(ss.Lease.UpdatedAt)
			if !ss.TrimNoted {
				from := "after checkpoint " + ss.Lease.Checkpoint
				if ss.Lease.Checkpoint == "" {
					from = "from the shard's start " + sh.Start
				}
				unnoted(LossTrimmed, sh.ID, fmt.Sprintf("records %s were trimmed before they were read", from))
			}
		}
		if ss.Vanished {
			unnoted(LossVanished, sh.ID, fmt.Sprintf("shard left the stream before it was finished (checkpoint %s): its unread records were trimmed", seqOrStart(ss.Lease.Checkpoint)))
		}
		if p := sh.Parent; p != "" && !listed[p] && !ss.HasLease {
			if _, leased := leaseMap[p]; !leased {
				// The runner notes this when it leases the child.
				unnoted(LossVanished, p, fmt.Sprintf("shard %s, parent of %s, left the stream before this projector finished it: its records were trimmed unread", p, sh.ID))
			}
		}
		st.Shards = append(st.Shards, ss)
	}
	for id, l := range leaseMap {
		if !listed[id] {
			ss := ShardStatus{Shard: Shard{ID: id, Parent: l.Parent}, Lease: l, HasLease: true, Vanished: !l.Done, CaughtUp: l.Done}
			if ss.Vanished {
				unnoted(LossVanished, id, fmt.Sprintf("shard left the stream before it was finished (checkpoint %s): its unread records were trimmed", seqOrStart(l.Checkpoint)))
			}
			st.Shards = append(st.Shards, ss)
		}
	}
	sort.Slice(st.Shards, func(i, j int) bool { return st.Shards[i].Shard.ID < st.Shards[j].Shard.ID })
	sort.Slice(st.Unnoted, func(i, j int) bool { return st.Unnoted[i].Where < st.Unnoted[j].Where })
	q := NewDLQ(opts.DB, opts.Table, opts.Name, nil)
	blocked, parked, err := q.List(ctx)
	if err != nil {
		return st, err
	}
	st.Blocked, st.Parked = blocked, len(parked)
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
