package projector

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// RunnerOptions configure a Runner. Zero fields take the documented
// defaults.
type RunnerOptions struct {
	// Name identifies the projector: its leases, checkpoints, workers and
	// DLQ live under PROJECTOR#{Name}. Default "main".
	Name string
	// WorkerID identifies this worker in leases. Default: host name,
	// process id and a random suffix. A stable id lets a restarted worker
	// take its own leases back at once instead of waiting for them to
	// expire (a graceful stop releases them anyway).
	WorkerID string
	// LeaseTimeout is how long a lease (and a heartbeat) stays valid
	// without renewal: a dead worker's shards are taken over after about
	// this long. Leases are renewed every LeaseTimeout/3. Default 10 s.
	LeaseTimeout time.Duration
	// Notifier, when set, tells shard readers when records arrive, so
	// that an idle reader makes no calls and a commit is read at once (see
	// wait.go). The embedded engine is one; internal/app wires it. Default
	// nil: adaptive polling, by PollInterval and MaxPollInterval.
	Notifier StreamNotifier
	// PollInterval is, without a Notifier, the shortest time between two
	// GetRecords calls on one shard (while records flow a shard is read
	// again as soon as it has passed), and the first pause of a shard
	// that went idle. Default 200 ms: 5 calls per second per shard,
	// DynamoDB's limit.
	PollInterval time.Duration
	// MaxPollInterval bounds the back-off of an idle shard without a
	// Notifier: each further empty read doubles the pause from
	// PollInterval up to it. It is the worst lag of the first append after
	// a quiet spell, and an idle shard costs one GetRecords per
	// MaxPollInterval. Default 1 s (at least PollInterval).
	MaxPollInterval time.Duration
	// DiscoverInterval is how often the shard list is refreshed. Leases
	// are rebalanced more often, every min(DiscoverInterval,
	// LeaseTimeout/4). A shard read to its end lists the shards at once
	// (its children start without waiting), so the listing only finds
	// shards nobody here finished: another worker's children, a new
	// stream's shards. Default 10 s (it was 1 s: listing shards and
	// leases every second was about a fifth of an idle server's CPU;
	// docs/projector.md).
	DiscoverInterval time.Duration
	// BatchSize is GetRecords' Limit. Default 1000.
	BatchSize int
	// Concurrency bounds how many aggregates of one batch are applied at
	// once (each aggregate's records stay in order). Default 8.
	Concurrency int
	// Park moves poison events to the DLQ (with their payload and error)
	// instead of only halting their aggregate. Either way the aggregate's
	// later records are held and every other aggregate continues.
	Park bool
	// MaxAttempts is how many times an append that fails with a
	// non-transient error is tried before it is treated as poison.
	// Transient errors (throttling, network, 5xx) and outages (access
	// denied, KMS, missing table, credentials: isOutage) are retried
	// without limit. Default 5.
	MaxAttempts int
	// PoisonAttempts is how many times an append failing with ErrPoison is
	// tried. Default 2.
	PoisonAttempts int
	// RetryBase is the first retry pause; pauses double up to 5 s.
	// Default 100 ms.
	RetryBase time.Duration
	// SweepInterval is how long after the start of the last anti-entropy
	// pass the next one starts (one worker of the projector runs it; see
	// sweep.go). A loss detected by the runner starts one sooner, after
	// SweepGrace. Default 6 h; negative: only passes that losses request.
	SweepInterval time.Duration
	// SweepReadRate bounds a pass's reads in read capacity units per
	// second. Default 200; negative: unlimited.
	SweepReadRate float64
	// SweepGrace: a pass leaves heads committed in the last SweepGrace
	// before it started to the live projector (in flight, not lost).
	// Default 1 min.
	SweepGrace time.Duration
	// SweepSegments is the number of parallel Scan segments of a pass.
	// Default 4.
	SweepSegments int
	// MetricsAddr is where this worker serves its metrics, shown by
	// `projector status` beside the worker (informational). Default "".
	MetricsAddr string
	// Metrics receives the runner's metrics. Default: NewMetrics(nil).
	Metrics *Metrics
	// OnApplied, when set, is called after each head record's events were
	// applied (for tests and benchmarks; it must be fast).
	OnApplied func(Applied)
	// Logger receives operational records (with attributes such as
	// shard, worker and error). Default: discarded.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Applied describes one applied head record.
type Applied struct {
	Shard       string
	ID          entities.ID
	First, Last int64
	Created     time.Time // the append's commit time (the head's, to the millisecond)
}

// maxCoalesce bounds how many events of consecutive records of one
// aggregate are applied in one transaction.
const maxCoalesce = 16

// Runner tails the table's stream and applies head records to the read
// model. Several runners (processes) with the same Name share the stream:
// each holds leases on some shards (see lease.go), parents are finished
// before their children, and a dead runner's shards are taken over.
type Runner struct {
	db      *dynamodb.Client
	streams *dynamodbstreams.Client
	table   string
	applier *Applier
	opts    RunnerOptions
	leases  *leases
	blk     *blocker
	m       *Metrics
	host    string

	mu        sync.Mutex
	owned     map[string]*shardRun
	wake      chan struct{}
	sweepWake chan struct{}

	lossLogged map[string]time.Time // under mu: when a loss was last logged, by kind and place
}

// NewRunner returns a Runner for tableName.
// retry is the runner's pause schedule between retries of a failing
// call: from RetryBase, doubling up to 5 s.
func (o RunnerOptions) retry() table.Backoff {
	return table.Backoff{Base: o.RetryBase, Max: 5 * time.Second}
}
func NewRunner(db *dynamodb.Client, st *dynamodbstreams.Client, tableName string, applier *Applier, opts RunnerOptions) *Runner {
	if opts.Name == "" {
		opts.Name = "main"
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "unknown"
	}
	if opts.WorkerID == "" {
		var b [4]byte
		_, _ = crand.Read(b[:])
		opts.WorkerID = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	orDefault(&opts.LeaseTimeout, 10*time.Second)
	orDefault(&opts.PollInterval, 200*time.Millisecond)
	orDefault(&opts.MaxPollInterval, time.Second)
	opts.MaxPollInterval = max(opts.MaxPollInterval, opts.PollInterval)
	orDefault(&opts.DiscoverInterval, 10*time.Second)
	if opts.BatchSize <= 0 || opts.BatchSize > 1000 {
		opts.BatchSize = 1000
	}
	orDefault(&opts.Concurrency, 8)
	orDefault(&opts.MaxAttempts, 5)
	orDefault(&opts.PoisonAttempts, 2)
	orDefault(&opts.RetryBase, 100*time.Millisecond)
	if opts.SweepInterval == 0 {
		opts.SweepInterval = 6 * time.Hour
	}
	if opts.SweepReadRate == 0 {
		opts.SweepReadRate = 200
	}
	orDefault(&opts.SweepGrace, time.Minute)
	orDefault(&opts.SweepSegments, 4)
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(nil)
	}
	if opts.Logger == nil {
		opts.Logger = discardLogger()
	}
	opts.Logger = opts.Logger.With(slog.String("worker", opts.WorkerID), slog.String("table", tableName))
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Runner{
		db: db, streams: st, table: tableName, opts: opts, m: opts.Metrics, host: host,
		owned: map[string]*shardRun{}, wake: make(chan struct{}, 1), sweepWake: make(chan struct{}, 1),
	}
	r.applier = applier
	r.leases = &leases{db: db, table: tableName, name: opts.Name, timeout: opts.LeaseTimeout, now: opts.Now, metricsAddr: opts.MetricsAddr}
	r.blk = &blocker{db: db, table: tableName, name: opts.Name, worker: opts.WorkerID, park: opts.Park, now: opts.Now, set: map[string]bool{}}
	return r
}

// Metrics returns the runner's metrics.
func (r *Runner) Metrics() *Metrics { return r.m }

// WorkerID returns the id this runner holds leases under.
func (r *Runner) WorkerID() string { return r.opts.WorkerID }

// Owned returns the shards this runner currently processes, sorted.
func (r *Runner) Owned() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.owned))
	for id := range r.owned {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
func (r *Runner) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run tails the stream until ctx is cancelled; it returns ctx's error, or
// an error if the stream cannot be found. On return it has stopped every
// shard processor and released its leases (best effort).
func (r *Runner) Run(ctx context.Context) error {
	arn, err := streamArn(ctx, r.db, r.table)
	if err != nil {
		return err
	}
	started := r.opts.Now()
	if err := r.leases.heartbeat(ctx, r.opts.WorkerID, r.host, started); err != nil && ctx.Err() == nil {
		r.opts.Logger.Warn("heartbeat failed", slog.Any("error", err))
	}
	r.refreshBlocked(ctx)
	var wg sync.WaitGroup
	defer func() {
		runs := r.ownedRuns()
		for _, s := range runs {
			s.cancel()
		}
		wg.Wait()
		// ctx is done by now; leaving the worker table still gets 2 s.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = r.leases.leave(lctx, r.opts.WorkerID)
		r.m.ShardsOwned.Set(0)
	}()

	wg.Add(1)
	go func() {
		defer wg.Done()
		r.sweepLoop(ctx, started)
	}()

	// Leases are renewed by their own loop, so that slow discovery or
	// balancing never delays a renewal past the lease's local deadline.
	wg.Add(1)
	go func() {
		defer wg.Done()
		every(ctx, r.renewEvery()/2, func() bool { r.renewLeases(ctx); return true })
	}()

	tick := min(r.opts.DiscoverInterval, r.opts.LeaseTimeout/4)
	var shards []Shard
	var lastDiscover, lastHeartbeat, lastRefresh time.Time
	lastHeartbeat, lastRefresh = started, started
	for {
		now := r.opts.Now()
		if now.Sub(lastHeartbeat) >= r.renewEvery() {
			hctx, cancel := context.WithTimeout(ctx, r.renewEvery())
			if err := r.leases.heartbeat(hctx, r.opts.WorkerID, r.host, started); err != nil && ctx.Err() == nil {
				r.opts.Logger.Warn("heartbeat failed", slog.Any("error", err))
			} else {
				lastHeartbeat = now
			}
			cancel()
		}
		if now.Sub(lastRefresh) >= r.renewEvery() {
			r.refreshBlocked(ctx)
			lastRefresh = now
		}
		discovered := false
		if shards == nil || now.Sub(lastDiscover) >= r.opts.DiscoverInterval {
			if s, err := listShards(ctx, r.streams, arn); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				r.opts.Logger.Warn("listing the stream's shards failed", slog.Any("error", err))
			} else {
				shards, lastDiscover, discovered = s, now, true
			}
		}
		if shards != nil {
			if err := r.balance(ctx, arn, shards, discovered, &wg); err != nil && ctx.Err() == nil {
				r.opts.Logger.Warn("balancing shards failed", slog.Any("error", err))
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.wake:
			// A shard finished or was released: its children or its next
			// owner need not wait for the tick. Rediscover too, so that a
			// rollover is seen at once.
			lastDiscover = time.Time{}
		case <-time.After(tick):
		}
	}
}

// balance takes or gives up leases so that this worker holds at most
// ceil(ready shards / live workers), taking free or expired leases of
// ready shards (parents done) first.
func (r *Runner) balance(ctx context.Context, arn string, shards []Shard, fullListing bool, wg *sync.WaitGroup) error {
	ls, err := r.leases.list(ctx)
	if err != nil {
		return err
	}
	workers, err := r.leases.workers(ctx, false)
	if err != nil {
		return err
	}
	live := len(workers)
	self := false
	for _, w := range workers {
		self = self || w.ID == r.opts.WorkerID
	}
	if !self {
		live++
	}
	r.m.LiveWorkers.Set(float64(live))
	ready := readyShards(shards, ls)
	target := (len(ready) + live - 1) / live

	r.mu.Lock()
	var mine []*shardRun
	for _, s := range r.owned {
		if !s.stopping {
			mine = append(mine, s)
		}
	}
	r.mu.Unlock()
	r.m.ShardsOwned.Set(float64(len(mine)))

	if len(mine) > target {
		// Give the newest shards back; their processors finish the batch
		// in hand, checkpoint and release.
		sort.Slice(mine, func(i, j int) bool { return mine[i].shard.ID > mine[j].shard.ID })
		for _, s := range mine[:len(mine)-target] {
			s.mu.Lock()
			if !s.stopping {
				s.stopping = true
				close(s.stop)
			}
			s.mu.Unlock()
			r.opts.Logger.Info("releasing shard for balance", slog.String("shard", s.shard.ID), slog.Int("live_workers", live), slog.Int("ready_shards", len(ready)))
		}
		return nil
	}
	now := r.opts.Now()
	var candidates []Shard
	r.mu.Lock()
	for _, sh := range ready {
		if _, ok := r.owned[sh.ID]; ok {
			continue
		}
		l, ok := ls[sh.ID]
		if !ok || l.Free(now) || l.Owner == r.opts.WorkerID {
			candidates = append(candidates, sh)
		}
	}
	r.mu.Unlock()
	// Workers racing for free shards start at different places.
	rand.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	// But parents (older shards) first among them.
	sort.SliceStable(candidates, func(i, j int) bool { return candidates[i].Closed() && !candidates[j].Closed() })
	for _, sh := range candidates {
		if len(mine) >= target {
			break
		}
		seen, ok := ls[sh.ID]
		if !ok {
			seen = Lease{Shard: sh.ID}
		}
		l, err := r.leases.acquire(ctx, seen, sh.Parent, r.opts.WorkerID)
		if errors.Is(err, ErrLeaseLost) {
			continue
		}
		if err != nil {
			return err
		}
		r.m.LeaseEvents.WithLabelValues("acquired").Inc()
		if seen.Owner != "" && seen.Owner != r.opts.WorkerID {
			r.opts.Logger.Info("took over shard", slog.String("shard", sh.ID), slog.String("from", seen.Owner), slog.Int64("fence", l.Fence))
		}
		if _, parentLease := ls[sh.Parent]; !ok && sh.Parent != "" && !parentLease && !listedShard(shards, sh.Parent) {
			// This worker created the lease, so it alone reports this: the
			// parent left the stream without ever being read to its end
			// (its lease would still be here, as the child's parent).
			r.lossDetected(ctx, Loss{Kind: LossVanished, Where: sh.Parent, Detail: fmt.Sprintf("shard %s, parent of %s, left the stream before this projector finished it: its records were trimmed unread", sh.Parent, sh.ID)}, true)
		}
		s := r.start(ctx, arn, sh, l, wg)
		mine = append(mine, s)
	}
	r.m.ShardsOwned.Set(float64(len(mine)))

	if fullListing {
		listed := make(map[string]bool, len(shards))
		parents := map[string]bool{}
		for _, sh := range shards {
			listed[sh.ID] = true
			parents[sh.Parent] = true
		}
		for id, l := range ls {
			// A finished lease is kept while a listed shard names it as
			// its parent: that is how a child tells a parent it finished
			// from one that vanished before it was ever read.
			if listed[id] || (l.Done && parents[id]) || !(l.Done || l.Free(now)) {
				continue
			}
			gone, err := r.leases.forget(ctx, l)
			if err != nil {
				return err
			}
			if gone && !l.Done {
				r.lossDetected(ctx, Loss{Kind: LossVanished, Where: id, Detail: fmt.Sprintf("shard %s left the stream before it was finished (checkpoint %s): its unread records were trimmed", id, seqOrStart(l.Checkpoint))}, true)
			}
		}
	}
	return nil
}
func listedShard(shards []Shard, id string) bool {
	for _, sh := range shards {
		if sh.ID == id {
			return true
		}
	}
	return false
}

// start launches the processor of a shard just leased.
func (r *Runner) start(ctx context.Context, arn string, sh Shard, l Lease, wg *sync.WaitGroup) *shardRun {
	sctx, cancel := context.WithCancel(ctx)
	s := &shardRun{shard: sh, cancel: cancel, stop: make(chan struct{}), done: make(chan struct{}), lease: l}
	s.renewed(r.opts.Now(), r.opts.LeaseTimeout)
	r.mu.Lock()
	r.owned[sh.ID] = s
	r.mu.Unlock()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(s.done)
		defer cancel()
		r.process(sctx, arn, s)
		r.mu.Lock()
		delete(r.owned, sh.ID)
		r.mu.Unlock()
		r.m.forgetShard(sh.ID)
		r.poke()
	}()
	return s
}

// orDefault sets an option to def when it is unset (zero; or negative,
// which no option means).
func orDefault[T cmp.Ordered](v *T, def T) {
	var zero T
	if *v <= zero {
		*v = def
	}
}

// every calls f every d until ctx ends or f returns false.
func every(ctx context.Context, d time.Duration, f func() bool) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if !f() {
				return
			}
		}
	}
}
