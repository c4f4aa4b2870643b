package projector

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
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
	// Transient errors (throttling, network, 5xx) are retried without
	// limit. Default 5.
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
	// Logf receives operational messages. Default: discarded.
	Logf func(format string, args ...any)
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

// shardRun is a shard this worker holds and processes.
type shardRun struct {
	shard  Shard
	cancel context.CancelFunc
	stop   chan struct{} // closed: finish the current batch, checkpoint and release
	done   chan struct{} // closed when the processor returned

	mu        sync.Mutex
	lease     Lease
	validTill time.Time // local deadline of the lease (self-fencing)
	lastWrite time.Time // last successful renewal or checkpoint
	stopping  bool
	lost      bool
	// read is the last record the processor handled (and readAt its
	// creation time); stored the checkpoint in the lease. A renewal
	// stores read when it is ahead (see renewLeases).
	read, stored string
	readAt       time.Time

	// writeMu serialises the lease writes of the processor and of the
	// renewal loop, so that each writes the latest position handled and
	// the checkpoint never moves backwards.
	writeMu sync.Mutex
}

func (s *shardRun) valid(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.lost && now.Before(s.validTill)
}

func (s *shardRun) renewed(start time.Time, timeout time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastWrite = start
	s.validTill = start.Add(timeout - timeout/10)
}

func (s *shardRun) getLease() Lease {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lease
}

// handled publishes seq (created at at) as the last record handled.
func (s *shardRun) handled(seq string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read, s.readAt = seq, at
}

// position returns the last record handled, its creation time, and
// whether it is ahead of the checkpoint stored.
func (s *shardRun) position() (seq string, at time.Time, ahead bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.read, s.readAt, s.read != "" && s.read != s.stored
}

// checkpointed records that seq is the stored checkpoint.
func (s *shardRun) checkpointed(seq string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq != "" {
		s.stored = seq
	}
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
	if opts.LeaseTimeout <= 0 {
		opts.LeaseTimeout = 10 * time.Second
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 200 * time.Millisecond
	}
	if opts.MaxPollInterval <= 0 {
		opts.MaxPollInterval = time.Second
	}
	opts.MaxPollInterval = max(opts.MaxPollInterval, opts.PollInterval)
	if opts.DiscoverInterval <= 0 {
		opts.DiscoverInterval = 10 * time.Second
	}
	if opts.BatchSize <= 0 || opts.BatchSize > 1000 {
		opts.BatchSize = 1000
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.PoisonAttempts <= 0 {
		opts.PoisonAttempts = 2
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = 100 * time.Millisecond
	}
	if opts.SweepInterval == 0 {
		opts.SweepInterval = 6 * time.Hour
	}
	if opts.SweepReadRate == 0 {
		opts.SweepReadRate = 200
	}
	if opts.SweepGrace <= 0 {
		opts.SweepGrace = time.Minute
	}
	if opts.SweepSegments <= 0 {
		opts.SweepSegments = 4
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(nil)
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
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

func (r *Runner) renewEvery() time.Duration { return r.opts.LeaseTimeout / 3 }

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
		r.opts.Logf("projections: heartbeat: %v", err)
	}
	r.refreshBlocked(ctx)
	var wg sync.WaitGroup
	defer func() {
		r.mu.Lock()
		runs := make([]*shardRun, 0, len(r.owned))
		for _, s := range r.owned {
			runs = append(runs, s)
		}
		r.mu.Unlock()
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
		t := time.NewTicker(r.renewEvery() / 2)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				r.renewLeases(ctx)
			}
		}
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
				r.opts.Logf("projections: heartbeat: %v", err)
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
				r.opts.Logf("projections: %v", err)
			} else {
				shards, lastDiscover, discovered = s, now, true
			}
		}
		if shards != nil {
			if err := r.balance(ctx, arn, shards, discovered, &wg); err != nil && ctx.Err() == nil {
				r.opts.Logf("projections: balancing shards: %v", err)
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
			r.opts.Logf("projections: %s releasing shard %s (%d live workers, %d ready shards)", r.opts.WorkerID, s.shard.ID, live, len(ready))
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
			r.opts.Logf("projections: %s took over shard %s from %s (fence %d)", r.opts.WorkerID, sh.ID, seen.Owner, l.Fence)
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

// renewLeases renews the leases not renewed (or checkpointed) within the
// last LeaseTimeout/3, and stops the processors of leases that were lost.
//
// A renewal of a shard whose processor handled records after the stored
// checkpoint stores it: those are the batches it does not checkpoint
// itself — the projector's own writes (read items, markers, lease and
// heartbeat writes), which come back through the stream, and which would
// feed a loop if each were checkpointed. Without it a shard carrying only
// those keeps an old checkpoint whose successors retention trims: status
// shows it TRIMMED and a restart or failover notes a loss that is none.
// The checkpoint write renews the lease as well, so it costs no write.
func (r *Runner) renewLeases(ctx context.Context) {
	r.mu.Lock()
	runs := make([]*shardRun, 0, len(r.owned))
	for _, s := range r.owned {
		runs = append(runs, s)
	}
	r.mu.Unlock()
	for _, s := range runs {
		s.mu.Lock()
		due := !s.lost && r.opts.Now().Sub(s.lastWrite) >= r.renewEvery()
		l := s.lease
		s.mu.Unlock()
		if !due {
			continue
		}
		start := r.opts.Now()
		rctx, cancel := context.WithTimeout(ctx, r.renewEvery())
		s.writeMu.Lock()
		seq, at, ahead := s.position()
		var err error
		if ahead {
			_, err = r.leases.checkpoint(rctx, l, r.opts.WorkerID, seq, at, false)
		} else {
			_, err = r.leases.renew(rctx, l, r.opts.WorkerID)
		}
		if err == nil && ahead {
			s.checkpointed(seq)
		}
		s.writeMu.Unlock()
		cancel()
		switch {
		case err == nil:
			s.renewed(start, r.opts.LeaseTimeout)
			r.m.LeaseEvents.WithLabelValues("renewed").Inc()
			if ahead {
				r.m.Checkpoints.WithLabelValues(s.shard.ID).Inc()
			}
		case errors.Is(err, ErrLeaseLost):
			r.lost(s, "renewal")
		case ctx.Err() == nil:
			r.opts.Logf("projections: renewing lease of shard %s: %v", s.shard.ID, err)
		}
	}
}

// lost stops the processor of a lease that another worker took.
func (r *Runner) lost(s *shardRun, during string) {
	s.mu.Lock()
	already := s.lost
	s.lost = true
	s.mu.Unlock()
	if !already {
		r.m.LeaseEvents.WithLabelValues("lost").Inc()
		r.opts.Logf("projections: %s lost the lease of shard %s (%s); stopping it", r.opts.WorkerID, s.shard.ID, during)
	}
	s.cancel()
}

func (r *Runner) refreshBlocked(ctx context.Context) {
	halted, parking, parked, err := r.blk.refresh(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.opts.Logf("projections: reading blocked aggregates: %v", err)
		}
		return
	}
	r.m.HaltedAggs.Set(float64(halted))
	r.m.ParkingAggs.Set(float64(parking))
	r.m.ParkedEvents.Set(float64(parked))
}

// errLeaseExpired means this worker could not renew its lease in time and
// stopped writing on its own (self-fencing); the fence protects the
// checkpoint regardless.
var errLeaseExpired = errors.New("projections: lease expired locally")

// process reads one leased shard from its checkpoint until the shard ends,
// the lease is lost or released, or ctx is done.
func (r *Runner) process(ctx context.Context, arn string, s *shardRun) {
	shard := s.shard.ID
	p := &shardProc{r: r, s: s, arn: arn, shard: shard}
	l := s.getLease()
	p.pos, p.posAt = l.Checkpoint, l.CheckAt
	s.handled(l.Checkpoint, l.CheckAt)
	s.checkpointed(l.Checkpoint)
	p.mustCheckpoint = l.Checkpoint == ""
	err := p.loop(ctx)
	s.mu.Lock()
	lost, stopping := s.lost, s.stopping
	s.mu.Unlock()
	switch {
	case errors.Is(err, errShardDone):
		r.opts.Logf("projections: shard %s finished", shard)
		return
	case errors.Is(err, ErrLeaseLost):
		r.lost(s, "checkpoint")
		return
	case lost:
		return
	}
	if errors.Is(err, errLeaseExpired) {
		r.m.LeaseEvents.WithLabelValues("expired").Inc()
		r.opts.Logf("projections: %s could not renew the lease of shard %s in time; stopped", r.opts.WorkerID, shard)
		return
	}
	// Graceful: stopping for balance, or shutting down. Store how far
	// the shard was read (what followed the last checkpoint may be only
	// the projector's own writes: a successor need not read them again,
	// and they must not look lost once retention trims them), then hand
	// the shard over at once instead of letting the lease expire.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if _, _, ahead := s.position(); ahead {
		if cerr := p.checkpoint(rctx, false); cerr != nil {
			r.opts.Logf("projections: shard %s: storing the last position read before releasing: %v", shard, cerr)
		}
	}
	if rerr := r.leases.release(rctx, s.getLease(), r.opts.WorkerID); rerr == nil {
		r.m.LeaseEvents.WithLabelValues("released").Inc()
	}
	if stopping {
		r.opts.Logf("projections: %s released shard %s", r.opts.WorkerID, shard)
	}
}

var errShardDone = errors.New("shard done")

// shardProc is the state of one shard's processor.
type shardProc struct {
	r     *Runner
	s     *shardRun
	arn   string
	shard string
	pos   string    // last record handled (in memory; ≥ the checkpoint)
	posAt time.Time // its creation time
	// mustCheckpoint: the next batch read is checkpointed whatever it
	// holds (see loop).
	mustCheckpoint bool
	// horizon: a trim from the shard's start was noted; until a record
	// is read, re-reading from the start means the trim horizon (the
	// same trim is not noted again).
	horizon bool
}

func (p *shardProc) logf(format string, args ...any) {
	p.r.opts.Logf("projections: shard %s: "+format, append([]any{p.shard}, args...)...)
}

func (p *shardProc) loop(ctx context.Context) error {
	r := p.r
	iter, err := p.iterator(ctx)
	if err != nil {
		return err
	}
	failures := 0
	w := &waiter{notifier: r.opts.Notifier, arn: p.arn, shard: p.shard, pace: pacer{min: r.opts.PollInterval, max: r.opts.MaxPollInterval}}
	for {
		select {
		case <-p.s.stop:
			return nil
		default:
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !p.s.valid(r.opts.Now()) {
			return errLeaseExpired
		}
		if err := w.beforeRead(); err != nil && !w.notifyFailed {
			w.notifyFailed = true
			p.logf("stream notifications unavailable (%v); polling", err)
		}
		res, err := r.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(int32(r.opts.BatchSize))})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failures++
			switch {
			case isExpiredIterator(err):
				r.m.StreamErrors.WithLabelValues(p.shard, "expired").Inc()
				p.logf("iterator expired; re-acquiring after %s", seqOrStart(p.pos))
			case isTrimmed(err):
				r.m.StreamErrors.WithLabelValues(p.shard, "trimmed").Inc()
				p.trimmed(ctx)
				p.pos, p.horizon, p.mustCheckpoint = "", true, true
			case isShardGone(err):
				r.m.StreamErrors.WithLabelValues(p.shard, "gone").Inc()
				return p.vanished(ctx)
			case isThrottled(err):
				r.m.StreamErrors.WithLabelValues(p.shard, "throttled").Inc()
				if err := r.opts.retry().Sleep(ctx, failures-1); err != nil {
					return err
				}
				continue // the iterator is still good
			default:
				r.m.StreamErrors.WithLabelValues(p.shard, "other").Inc()
				p.logf("reading: %v (retrying)", err)
				if err := r.opts.retry().Sleep(ctx, failures-1); err != nil {
					return err
				}
			}
			if iter, err = p.iterator(ctx); err != nil {
				return err
			}
			continue
		}
		failures = 0
		now := r.opts.Now()
		if n := len(res.Records); n > 0 {
			r.m.RecordsRead.WithLabelValues(p.shard).Add(float64(n))
			if at := recordTime(res.Records[n-1]); !at.IsZero() {
				r.m.IteratorAge.WithLabelValues(p.shard).Set(max(0, now.Sub(at).Seconds()))
			}
			heads, err := p.batch(ctx, res.Records)
			if err != nil {
				return err // cancelled or lease gone: no checkpoint
			}
			last := res.Records[n-1]
			p.pos = aws.ToString(last.Dynamodb.SequenceNumber)
			if at := recordTime(last); !at.IsZero() {
				p.posAt = at
			}
			p.s.handled(p.pos, p.posAt)
			// Checkpoint after applying head records. A batch of the
			// projector's own writes alone (read items, markers, leases:
			// they come back through the stream) is stored by the next
			// lease renewal instead (renewLeases), which costs no write
			// and feeds no loop. A shard without a checkpoint, or whose
			// trim was just noted, is checkpointed at once: a restart
			// resumes after what was read instead of finding the same
			// trim again.
			if (heads > 0 || p.mustCheckpoint) && res.NextShardIterator != nil {
				if err := p.checkpoint(ctx, false); err != nil {
					return err
				}
				p.mustCheckpoint = false
			}
		} else {
			r.m.IteratorAge.WithLabelValues(p.shard).Set(0)
			r.m.Lag.WithLabelValues(p.shard).Set(0)
		}
		if res.NextShardIterator == nil {
			return p.finish(ctx)
		}
		iter = res.NextShardIterator
		if err := w.afterRead(ctx, p.s.stop, len(res.Records)); err != nil {
			if errors.Is(err, errStopWaiting) {
				return nil
			}
			return err
		}
	}
}

func seqOrStart(seq string) string {
	if seq == "" {
		return "the trim horizon"
	}
	return seq
}

// iterator returns an iterator after p.pos, retrying transient failures.
func (p *shardProc) iterator(ctx context.Context) (*string, error) {
	for attempt := 0; ; attempt++ {
		sh := p.s.shard
		if p.horizon && p.pos == "" {
			sh = Shard{ID: sh.ID}
		}
		it, trimmed, err := iterator(ctx, p.r.streams, p.arn, sh, p.pos)
		if err == nil {
			if trimmed {
				p.r.m.StreamErrors.WithLabelValues(p.shard, "trimmed").Inc()
				p.trimmed(ctx)
				p.pos, p.horizon, p.mustCheckpoint = "", true, true
			}
			return it, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if isShardGone(err) {
			return nil, p.vanished(ctx)
		}
		if !p.s.valid(p.r.opts.Now()) {
			return nil, errLeaseExpired
		}
		p.logf("getting an iterator: %v (retrying)", err)
		if err := p.r.opts.retry().Sleep(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// trimmed reports that records after p.pos (or from the shard's start)
// were trimmed before they were read: the reader continues from the trim
// horizon, and a sweep pass repairs what the lost records carried.
func (p *shardProc) trimmed(ctx context.Context) {
	from := "after " + p.pos
	if p.pos == "" {
		from = "from the shard's start " + p.s.shard.Start
	}
	p.r.lossDetected(ctx, Loss{Kind: LossTrimmed, Where: p.shard, Detail: fmt.Sprintf("records %s were trimmed before they were read; reading on from the trim horizon", from)}, true)
}

// vanished handles a shard that left the stream while this worker read
// it: whatever was unread is lost (noted, and swept), and the shard is
// finished so that its children start.
func (p *shardProc) vanished(ctx context.Context) error {
	p.r.lossDetected(ctx, Loss{Kind: LossVanished, Where: p.shard, Detail: fmt.Sprintf("shard left the stream while it was read (at %s): its unread records were trimmed", seqOrStart(p.pos))}, true)
	return p.finish(ctx)
}

// checkpoint stores p.pos (done: and marks the shard finished).
func (p *shardProc) checkpoint(ctx context.Context, done bool) error {
	r := p.r
	for attempt := 0; ; attempt++ {
		if !p.s.valid(r.opts.Now()) {
			return errLeaseExpired
		}
		start := r.opts.Now()
		p.s.writeMu.Lock()
		_, err := r.leases.checkpoint(ctx, p.s.getLease(), r.opts.WorkerID, p.pos, p.posAt, done)
		if err == nil {
			p.s.checkpointed(p.pos)
		}
		p.s.writeMu.Unlock()
		if err == nil {
			p.s.renewed(start, r.opts.LeaseTimeout)
			r.m.Checkpoints.WithLabelValues(p.shard).Inc()
			return nil
		}
		if errors.Is(err, ErrLeaseLost) || ctx.Err() != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		p.logf("checkpointing: %v (retrying)", err)
		if err := r.opts.retry().Sleep(ctx, attempt); err != nil {
			return err
		}
	}
}

// finish marks a closed (or vanished) shard done after everything in it
// was handled, so that its children may start.
func (p *shardProc) finish(ctx context.Context) error {
	if err := p.checkpoint(ctx, true); err != nil {
		return err
	}
	return errShardDone
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

// batch applies the head records of one GetRecords page: aggregates in
// parallel (bounded), each aggregate's records in order. It returns the
// number of head records handled (applied, held or blocked) and an error
// only when the batch could not be completed (cancellation, lost lease):
// the caller must not checkpoint then.
func (p *shardProc) batch(ctx context.Context, recs []streams.Record) (int, error) {
	start := time.Now()
	var order []string
	groups := map[string][]*headRecord{}
	heads := 0
	for _, rec := range recs {
		if isHeadRecord(rec) {
			// Handled even when it carries no events: the checkpoint must
			// move past it, or status would count it pending for ever.
			heads++
		}
		h := decodeRecord(rec)
		if h == nil {
			continue
		}
		if _, ok := groups[h.partition]; !ok {
			order = append(order, h.partition)
		}
		groups[h.partition] = append(groups[h.partition], h)
	}
	if len(order) == 0 {
		return heads, nil
	}
	var lastCreated time.Time
	for _, g := range groups {
		if c := g[len(g)-1].created; c.After(lastCreated) {
			lastCreated = c
		}
	}
	if len(order) == 1 {
		if err := p.group(ctx, groups[order[0]]); err != nil {
			return 0, err
		}
	} else {
		gctx, cancel := context.WithCancel(ctx)
		defer cancel()
		sem := make(chan struct{}, p.r.opts.Concurrency)
		var wg sync.WaitGroup
		var once sync.Once
		var firstErr error
		for _, key := range order {
			sem <- struct{}{}
			if gctx.Err() != nil {
				<-sem
				break
			}
			wg.Add(1)
			go func(g []*headRecord) {
				defer wg.Done()
				defer func() { <-sem }()
				if err := p.group(gctx, g); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}(groups[key])
		}
		wg.Wait()
		if firstErr != nil {
			return 0, firstErr
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
	}
	now := p.r.opts.Now()
	if !lastCreated.IsZero() {
		p.r.m.Lag.WithLabelValues(p.shard).Set(max(0, now.Sub(lastCreated).Seconds()))
	}
	p.r.m.BatchDuration.Observe(time.Since(start).Seconds())
	return heads, nil
}

// group applies one aggregate's records of a batch in order (applyGroup,
// the path BatchApplier shares).
func (p *shardProc) group(ctx context.Context, recs []*headRecord) error {
	_, err := applyGroup(ctx, p, recs)
	return err
}

func (p *shardProc) applied(recs []*headRecord) {
	n := 0
	now := p.r.opts.Now()
	for _, h := range recs {
		n += len(h.app.Events)
		if !h.created.IsZero() {
			p.r.m.ApplyLag.Observe(max(0, now.Sub(h.created).Seconds()))
		}
		if p.r.opts.OnApplied != nil {
			p.r.opts.OnApplied(Applied{Shard: p.shard, ID: h.id, First: h.first(), Last: h.last(), Created: h.created})
		}
	}
	p.r.m.EventsApplied.WithLabelValues(p.shard).Add(float64(n))
}

// poisonous wraps the final error of an append that will not apply.
type poisonous struct{ err error }

func (e poisonous) Error() string { return e.err.Error() }
func (e poisonous) Unwrap() error { return e.err }

func isPoisonous(err error) bool {
	var p poisonous
	return errors.As(err, &p)
}

// apply applies a, retrying: transient failures without limit (an outage
// must not block aggregates), ErrPoison PoisonAttempts times, other
// failures MaxAttempts times. The final error of an append that will not
// apply is a poisonous; others are cancellation and lease loss.
func (p *shardProc) apply(ctx context.Context, a Append) error {
	r := p.r
	poisonTries, otherTries := 0, 0
	for attempt := 0; ; attempt++ {
		if !p.s.valid(r.opts.Now()) {
			return errLeaseExpired
		}
		gap, err := r.applier.apply(ctx, a)
		if err == nil {
			if gap != nil {
				// The Applier repaired this aggregate from the log; the
				// records that were skipped may have carried other
				// aggregates' appends, which only a sweep finds.
				r.lossDetected(ctx, Loss{Kind: LossGap, Where: p.shard, Detail: gap.String()}, true)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		class := "other"
		switch {
		case errors.Is(err, ErrPoison):
			class = "poison"
			poisonTries++
		case isTransient(err):
			class = "transient"
		default:
			otherTries++
		}
		r.m.ApplyErrors.WithLabelValues(p.shard, class).Inc()
		if poisonTries >= r.opts.PoisonAttempts || otherTries >= r.opts.MaxAttempts {
			return poisonous{err}
		}
		if attempt == 0 || attempt%10 == 0 {
			p.logf("applying %v v%d..%d: %v (retrying)", a.ID, a.Events[0].Version, a.Events[len(a.Events)-1].Version, err)
		}
		if err := r.opts.retry().Sleep(ctx, attempt); err != nil {
			return err
		}
	}
}

// poison blocks h's aggregate (halting it, or parking h) because of cause.
func (p *shardProc) poison(ctx context.Context, h *headRecord, cause error) error {
	mode := ModeHalt
	if p.r.opts.Park {
		mode = ModePark
	}
	var pe poisonous
	if errors.As(cause, &pe) {
		cause = pe.err
	}
	p.logf("POISON: %s v%d..%d (%s) cannot be applied: %v; %s it, other aggregates continue", h.partition, h.first(), h.last(), h.kind, cause, map[string]string{ModeHalt: "halting", ModePark: "parking"}[mode])
	p.r.m.Poison.WithLabelValues(p.shard, mode).Inc()
	return p.retryWrite(ctx, func() error { return p.r.blk.block(ctx, h, cause, p.shard) })
}

// hold records h as held behind its aggregate's block; lifted reports that
// the block is gone and h must be applied.
func (p *shardProc) hold(ctx context.Context, h *headRecord) (lifted bool, err error) {
	err = p.retryWrite(ctx, func() error {
		var e error
		lifted, e = p.r.blk.hold(ctx, h, p.shard)
		return e
	})
	if err == nil && !lifted {
		p.r.m.Held.WithLabelValues(p.shard).Inc()
	}
	return lifted, err
}

// retryWrite runs a bookkeeping write until it succeeds or ctx ends.
func (p *shardProc) retryWrite(ctx context.Context, f func() error) error {
	for attempt := 0; ; attempt++ {
		if !p.s.valid(p.r.opts.Now()) {
			return errLeaseExpired
		}
		err := f()
		if err == nil || ctx.Err() != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return nil
		}
		p.logf("recording a poison event: %v (retrying)", err)
		if err := p.r.opts.retry().Sleep(ctx, attempt); err != nil {
			return err
		}
	}
}
