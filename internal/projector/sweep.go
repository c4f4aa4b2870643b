package projector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/time/rate"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// Anti-entropy (docs/projector.md, "The sweep").
//
// A sweep pass reads every aggregate's head version and projection marker
// — a parallel, eventually consistent Scan filtered to those two item
// types, with only the attributes it needs — and repairs from the event
// log every aggregate whose marker is behind its head. It finds what no
// stream record will ever bring again: an aggregate whose records were
// lost and that is never written again.
//
// It is rate-limited by the read capacity the Scan consumes (the
// ConsumedCapacity each page reports), so its cost and its load are
// bounded and predictable: one pass reads the whole table once, i.e.
// (table size / 4 KB) × 0.5 read units. Eventually consistent reads are
// enough: a stale head only defers an aggregate to the next pass, a stale
// marker costs a repair that finds nothing to do (Repair reads the marker
// consistently).
//
// Heads committed after the pass's cutoff (its start minus a grace) are
// left to the live projector: they are in flight, not lost. A loss
// detected at time T (whose records were committed before T) is therefore
// covered by the first pass whose cutoff is T or later: the sweep request
// is settled then (sweep_state.go), and the note is marked repaired by the
// first such pass whose cutoff is after T.

// SweepOptions configure one anti-entropy pass.
type SweepOptions struct {
	DB    *dynamodb.Client
	Table string
	// Applier repairs the aggregates found behind. Required.
	Applier *Applier
	// Segments is the number of parallel Scan segments. Default 4.
	Segments int
	// ReadRate bounds the pass's reads, in read capacity units per second
	// (as DynamoDB reports them for the Scan). Default 200; negative:
	// unlimited.
	ReadRate float64
	// PageSize is the Scan page's Limit (items evaluated). Default 1000.
	PageSize int
	// Grace: heads committed later than the pass's start minus Grace are
	// in flight and left to the live projector. Default 0 (everything
	// committed before the pass started is considered).
	Grace time.Duration
	// Blocked reports aggregates that are halted or parking (a poison
	// event): they wait for `projector dlq retry`, not for a sweep.
	// Default: none.
	Blocked func(partition string) bool
	// Progress, when set, counts the pass's work as it goes (Scanned:
	// items read; Aggregates: heads compared; Events: events repaired;
	// Failed: aggregates that could not be repaired).
	Progress *RebuildProgress
	// Logger receives operational records (with attributes such as
	// shard, worker and error). Default: discarded.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time

	// resume, resumed and save make a pass resumable (the runner's
	// sweeper): resume is the saved position, resumed what the pass had
	// done up to it, counted in the resumed pass's stats.
	resume  []sweepCursor
	resumed SweepSummary
	save    func(cursors []sweepCursor, st SweepStats) error
}

// SweepStats summarise a pass.
type SweepStats struct {
	Started   time.Time
	Cutoff    time.Time // heads committed after it were not considered
	Finished  time.Time
	Scanned   int64   // items read (heads and markers pass the filter; every item is read)
	ReadUnits float64 // read capacity consumed, as reported by the endpoint
	// Aggregates counts the heads compared, Behind those whose marker was
	// behind, Repaired those brought up to date, InFlight those left to
	// the live projector, Blocked those halted or parking, Failed those
	// that could not be repaired.
	Aggregates, Behind, Repaired, InFlight, Blocked, Failed int64
	Events                                                  int64 // events applied by repairs
	Failures                                                []AggregateFailure
	// resumed is the part of the stats done before the pass resumed (zero
	// when it did not): the runner's metrics count only the rest.
	resumed SweepSummary
}

// sweepCursor is one scan segment's position in a pass: the last key
// evaluated and the partition being read at that point (its head and
// marker may straddle a page).
type sweepCursor struct {
	Done   bool   `json:"d,omitempty"`
	PK     string `json:"pk,omitempty"` // ExclusiveStartKey
	SK     string `json:"sk,omitempty"`
	Part   string `json:"p,omitempty"` // the partition being read
	HeadV  int64  `json:"hv,omitempty"`
	HeadAt int64  `json:"ha,omitempty"` // unix ms
	Marker int64  `json:"mv,omitempty"`
	Kind   string `json:"k,omitempty"`
	Agg    string `json:"a,omitempty"`
}

// Sweep runs one anti-entropy pass over the whole table and returns what
// it found and repaired. Aggregates that cannot be repaired are counted
// and listed (at most 100), not fatal; it returns an error only when the
// pass could not run (the scan failed, or ctx ended).
func Sweep(ctx context.Context, opts SweepOptions) (SweepStats, error) {
	if opts.Applier == nil {
		return SweepStats{}, errors.New("projector: a sweep needs an Applier")
	}
	orDefault(&opts.Segments, 4)
	if opts.ReadRate == 0 {
		opts.ReadRate = 200
	}
	orDefault(&opts.PageSize, 1000)
	if opts.Blocked == nil {
		opts.Blocked = func(string) bool { return false }
	}
	if opts.Progress == nil {
		opts.Progress = &RebuildProgress{}
	}
	if opts.Logger == nil {
		opts.Logger = discardLogger()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	sw := &sweeper{opts: opts, cursors: make([]sweepCursor, opts.Segments)}
	if len(opts.resume) == opts.Segments {
		// Resumed where it was: the stats carry on from what was saved
		// with the position (a pass that starts over starts from zero).
		copy(sw.cursors, opts.resume)
		sw.total = countsOf(opts.resumed)
		sw.st.resumed = opts.resumed
	}
	sw.st.Started = opts.Now()
	sw.st.Cutoff = sw.st.Started.Add(-opts.Grace)
	if opts.ReadRate > 0 {
		// A burst of one second's worth; a page costing more (a 1 MB
		// page is 128 units) waits for its units in burst-sized chunks.
		sw.lim = rate.NewLimiter(rate.Limit(opts.ReadRate), max(1, int(opts.ReadRate)))
	}
	err := sw.run(ctx)
	st := sw.stats()
	st.Finished = opts.Now()
	return st, err
}

type sweeper struct {
	opts SweepOptions
	lim  *rate.Limiter

	mu sync.Mutex
	// cursors and total change together, a page at a time, so that a
	// saved position and the stats saved with it agree: a resumed pass
	// counts every partition once.
	cursors  []sweepCursor
	total    sweepCounts
	st       SweepStats
	failures []AggregateFailure
}

// sweepCounts are a pass's counters (see SweepStats).
type sweepCounts struct {
	scanned, aggregates, behind, repaired, inFlight, blocked, failed, events int64
	units                                                                    float64
}

func (c *sweepCounts) add(o sweepCounts) {
	c.scanned += o.scanned
	c.aggregates += o.aggregates
	c.behind += o.behind
	c.repaired += o.repaired
	c.inFlight += o.inFlight
	c.blocked += o.blocked
	c.failed += o.failed
	c.events += o.events
	c.units += o.units
}

func countsOf(s SweepSummary) sweepCounts {
	return sweepCounts{scanned: s.Scanned, aggregates: s.Aggregates, behind: s.Behind, repaired: s.Repaired, inFlight: s.InFlight,
		blocked: s.Blocked, failed: s.Failed, events: s.Events, units: s.ReadUnits}
}

func (sw *sweeper) stats() SweepStats {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.statsLocked()
}

func (sw *sweeper) statsLocked() SweepStats {
	st, c := sw.st, sw.total
	st.Scanned, st.ReadUnits = c.scanned, c.units
	st.Aggregates, st.Behind, st.Repaired = c.aggregates, c.behind, c.repaired
	st.InFlight, st.Blocked, st.Failed, st.Events = c.inFlight, c.blocked, c.failed, c.events
	st.Failures = append([]AggregateFailure(nil), sw.failures...)
	sort.Slice(st.Failures, func(i, j int) bool { return st.Failures[i].Partition < st.Failures[j].Partition })
	return st
}

func (sw *sweeper) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	fail := func(err error) { once.Do(func() { first = err; cancel() }) }
	for seg := range sw.opts.Segments {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sw.segment(ctx, seg); err != nil {
				fail(err)
			}
		}()
	}
	saved := make(chan struct{})
	if sw.opts.save != nil {
		// The position is saved (and the sweep's lease renewed) on its own
		// clock, so that a slow repair never lets the lease lapse.
		go func() {
			defer close(saved)
			every(ctx, time.Second, func() bool {
				if err := sw.save(ctx); err != nil {
					fail(err)
					return false
				}
				return true
			})
		}()
	} else {
		close(saved)
	}
	wg.Wait()
	cancel()
	<-saved
	if first != nil {
		return first
	}
	return nil
}

func (sw *sweeper) save(ctx context.Context) error {
	sw.mu.Lock()
	cs := append([]sweepCursor(nil), sw.cursors...)
	st := sw.statsLocked()
	sw.mu.Unlock()
	return sw.opts.save(cs, st)
}

// segment reads one scan segment to its end, evaluating each partition
// once its head and marker have been read.
func (sw *sweeper) segment(ctx context.Context, seg int) error {
	sw.mu.Lock()
	cur := sw.cursors[seg]
	sw.mu.Unlock()
	for !cur.Done {
		in := &dynamodb.ScanInput{
			TableName:                 aws.String(sw.opts.Table),
			Segment:                   aws.Int32(int32(seg)),
			TotalSegments:             aws.Int32(int32(sw.opts.Segments)),
			Limit:                     aws.Int32(int32(sw.opts.PageSize)),
			FilterExpression:          aws.String("#et IN (:head, :marker)"),
			ProjectionExpression:      aws.String("PK, SK, #et, #hv, #mv, #k, #a, #at"),
			ExpressionAttributeNames:  map[string]string{"#et": table.AttrType, "#hv": "v", "#mv": table.AttrVersion, "#k": "kind", "#a": "agg", "#at": headAtMsAttr},
			ExpressionAttributeValues: map[string]ddb.AttributeValue{":head": sv(table.TypeHead), ":marker": sv(table.TypeMarker)},
			ReturnConsumedCapacity:    ddb.ReturnConsumedCapacityTotal,
		}
		if cur.PK != "" {
			in.ExclusiveStartKey = table.Key{PK: cur.PK, SK: cur.SK}.AV()
		}
		var page *dynamodb.ScanOutput
		err := withRetry(ctx, func() error {
			var err error
			page, err = sw.opts.DB.Scan(ctx, in)
			return err
		})
		if err != nil {
			return fmt.Errorf("projector: sweep: scanning segment %d: %w", seg, err)
		}
		var pc sweepCounts // this page's, added to the totals with its cursor
		if page.ConsumedCapacity != nil {
			pc.units = aws.ToFloat64(page.ConsumedCapacity.CapacityUnits)
		}
		units := pc.units
		pc.scanned = int64(page.ScannedCount)
		sw.opts.Progress.Scanned.Add(int64(page.ScannedCount))
		for _, it := range page.Items {
			pk := attrStr(it, table.AttrPK)
			if pk != cur.Part {
				if err := sw.evaluate(ctx, cur, &pc); err != nil {
					return err
				}
				cur = sweepCursor{Part: pk, PK: cur.PK, SK: cur.SK}
			}
			if attrStr(it, table.AttrType) == table.TypeMarker {
				cur.Marker = attrInt(it, table.AttrVersion)
			} else {
				cur.HeadV, cur.HeadAt = attrInt(it, "v"), attrInt(it, headAtMsAttr)
				cur.Kind, cur.Agg = attrStr(it, "kind"), attrStr(it, "agg")
			}
		}
		if page.LastEvaluatedKey == nil {
			if err := sw.evaluate(ctx, cur, &pc); err != nil {
				return err
			}
			cur = sweepCursor{Done: true}
		} else {
			cur.PK, cur.SK = attrStr(page.LastEvaluatedKey, table.AttrPK), attrStr(page.LastEvaluatedKey, table.AttrSK)
		}
		sw.mu.Lock()
		sw.cursors[seg] = cur
		sw.total.add(pc)
		sw.mu.Unlock()
		if sw.lim != nil {
			for n := max(1, int(math.Ceil(units))); n > 0; n -= sw.lim.Burst() {
				if err := sw.lim.WaitN(ctx, min(n, sw.lim.Burst())); err != nil {
					return ctx.Err()
				}
			}
		}
	}
	return nil
}

// repairAttempts bounds the attempts to repair one aggregate in a pass.
const repairAttempts = 3

// repair brings id up to version upTo from the log. The live projector
// may apply the same aggregate meanwhile: a repair that read the marker
// before it moved fails its condition, and the next attempt reads the
// marker again (and finds nothing left to do when the live apply reached
// the head). Without this a pass beside a busy projector failed
// aggregates that were fine, and left its loss notes unrepaired.
func (sw *sweeper) repair(ctx context.Context, id entities.ID, upTo int64) error {
	for attempt := 1; ; attempt++ {
		err := withRetry(ctx, func() error { return sw.opts.Applier.Repair(ctx, id, upTo) })
		if err == nil || attempt == repairAttempts || errors.Is(err, ErrPoison) || ctx.Err() != nil {
			return err
		}
	}
}

// evaluate compares one partition's head and marker, and repairs it when
// it is behind; it counts what it did in pc.
func (sw *sweeper) evaluate(ctx context.Context, c sweepCursor, pc *sweepCounts) error {
	if c.Part == "" || c.HeadV == 0 {
		return nil // not an aggregate (or a marker left without its head)
	}
	pc.aggregates++
	sw.opts.Progress.Aggregates.Add(1)
	if c.Marker >= c.HeadV {
		return nil
	}
	pc.behind++
	if c.HeadAt > 0 && time.UnixMilli(c.HeadAt).After(sw.st.Cutoff) {
		pc.inFlight++
		return nil
	}
	if sw.opts.Blocked(c.Part) {
		pc.blocked++
		return nil
	}
	id, err := events.ParseID(entities.Kind(c.Kind), c.Agg)
	if err == nil {
		err = sw.repair(ctx, id, c.HeadV)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		pc.failed++
		sw.opts.Progress.Failed.Add(1)
		sw.opts.Logger.Warn("sweep: repair failed", slog.String("partition", c.Part), slog.Int64("up_to", c.HeadV), slog.Any("error", err))
		sw.mu.Lock()
		if len(sw.failures) < 100 {
			sw.failures = append(sw.failures, AggregateFailure{Partition: c.Part, Err: err})
		}
		sw.mu.Unlock()
		return nil
	}
	pc.repaired++
	pc.events += c.HeadV - c.Marker
	sw.opts.Progress.Events.Add(c.HeadV - c.Marker)
	return nil
}
