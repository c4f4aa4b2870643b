package projector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/table"
)

// The runner's sweeper. One worker at a time runs a pass: the sweep item
// (table.SweepKey) is a lease like a shard's — owner, expiry and a fence,
// every write of the holder conditioned on owner and fence — and it keeps
// the running pass's position, so a pass interrupted by a crash or a
// takeover resumes where it was. A pass is due when a loss was noted
// after the last pass's cutoff (plus the grace, so that the pass covers
// it), when the interval since the last pass's start has passed, or when
// a pass was left unfinished.
//
// Loss requests keep the oldest detection no pass has covered yet
// (requested) and the newest (latestLoss). The pass is due a grace after
// the oldest, so that detections arriving more often than the grace never
// postpone it. A completed pass with cutoff C settles them: when no
// detection is later than C, the request is removed; when one is, the
// request becomes the newest detection, which asks for the following pass
// (a little late — the oldest detection after C is not kept — but never
// more than the pass's duration plus the grace).

// Attribute names of the sweep item.
const (
	swRequested  = "requested"  // unix ms of the oldest loss no pass has covered yet
	swLatest     = "latestLoss" // unix ms of the newest loss that asked for a pass
	swPassStart  = "passStart"  // unix ms; present while a pass runs
	swCursor     = "cursor"     // JSON []sweepCursor of the running pass
	swLastStart  = "lastStart"  // the last completed pass
	swLastEnd    = "lastEnd"
	swLastCover  = "lastCutoff"
	swLastResult = "lastResult" // JSON SweepSummary
)

// SweepSummary is what a completed pass found.
type SweepSummary struct {
	Aggregates, Behind, Repaired, InFlight, Blocked, Failed int64
	Scanned                                                 int64
	ReadUnits                                               float64
	Events                                                  int64 // events applied by repairs
}

// SweepState is the sweep item as status shows it.
type SweepState struct {
	Owner     string
	Expiry    time.Time
	Requested time.Time // the oldest loss not yet covered by a pass: a pass is due a grace after it
	Latest    time.Time // the newest loss that asked for a pass
	Running   time.Time // start of the pass in progress (zero: none)
	Progress  SweepSummary
	LastStart time.Time // the last completed pass
	LastEnd   time.Time
	Cutoff    time.Time // heads committed before it were covered by the last pass
	Last      SweepSummary
	fence     int64
	cursors   []sweepCursor
	exists    bool
}

// Pending reports whether a noted loss still waits for a pass. A pass
// covers the losses detected up to its cutoff: the records they lost were
// committed before they were detected.
func (s SweepState) Pending() bool { return !s.Requested.IsZero() && s.Requested.After(s.Cutoff) }

func decodeSweep(it map[string]ddb.AttributeValue) SweepState {
	s := SweepState{
		Owner: attrStr(it, leaseOwner), Expiry: fromMS(it, leaseExpiry), fence: attrInt(it, leaseFence),
		Requested: fromMS(it, swRequested), Latest: fromMS(it, swLatest), Running: fromMS(it, swPassStart),
		LastStart: fromMS(it, swLastStart), LastEnd: fromMS(it, swLastEnd), Cutoff: fromMS(it, swLastCover),
		exists: it != nil,
	}
	_ = json.Unmarshal([]byte(attrStr(it, swLastResult)), &s.Last)
	var c struct {
		Cursors  []sweepCursor
		Progress SweepSummary
	}
	if json.Unmarshal([]byte(attrStr(it, swCursor)), &c) == nil {
		s.cursors, s.Progress = c.Cursors, c.Progress
	}
	return s
}

func summary(st SweepStats) SweepSummary {
	return SweepSummary{Aggregates: st.Aggregates, Behind: st.Behind, Repaired: st.Repaired, InFlight: st.InFlight,
		Blocked: st.Blocked, Failed: st.Failed, Scanned: st.Scanned, ReadUnits: st.ReadUnits, Events: st.Events}
}

// readSweep reads the sweep item (consistently).
func readSweep(ctx context.Context, db *dynamodb.Client, tbl, name string) (SweepState, error) {
	res, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tbl), Key: table.SweepKey(name).AV(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return SweepState{}, fmt.Errorf("projector: reading the sweep state: %w", err)
	}
	return decodeSweep(res.Item), nil
}

// requestSweep asks for a pass that covers a loss noted at at. A request
// already waiting keeps its (older) time, so that the pass starts a grace
// after the first of a run of detections, however often they come; the
// newest detection is kept too, for the pass that settles the request
// (finishSweep).
func requestSweep(ctx context.Context, db *dynamodb.Client, tbl, name string, at time.Time) error {
	names := map[string]string{"#et": table.AttrType, "#r": swRequested, "#lt": swLatest, "#lc": swLastCover}
	values := map[string]ddb.AttributeValue{":et": sv(table.TypeProjectorRun), ":at": msAV(at)}
	// No request waits (none, or one the last pass covered): this one is
	// the oldest.
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(tbl),
		Key:                       table.SweepKey(name).AV(),
		UpdateExpression:          aws.String("SET #et = :et, #r = :at, #lt = :at"),
		ConditionExpression:       aws.String("attribute_not_exists(#r) OR #r <= #lc"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if table.IsConditionFailed(err) {
		// One waits: only the newest detection moves.
		delete(names, "#r")
		delete(names, "#lc")
		_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(tbl),
			Key:                       table.SweepKey(name).AV(),
			UpdateExpression:          aws.String("SET #et = :et, #lt = :at"),
			ConditionExpression:       aws.String("attribute_not_exists(#lt) OR #lt < :at"),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
		})
	}
	if err != nil && !table.IsConditionFailed(err) {
		return fmt.Errorf("projector: requesting a sweep: %w", err)
	}
	return nil
}

// settleRequests records a completed pass with cutoff :lc (the update
// given, whose condition cond must hold) and settles the loss requests
// with it, atomically: the request is removed when no detection is later
// than the cutoff, becomes the newest detection when one is, and stays
// when it is itself later than the cutoff. (A detection at the cutoff is
// covered: what it lost was committed before it.) It reports false when cond does
// not hold. values must bind :lc.
func settleRequests(ctx context.Context, db *dynamodb.Client, tbl, name, set, remove, cond string, names map[string]string, values map[string]ddb.AttributeValue) (bool, error) {
	names["#r"], names["#lt"] = swRequested, swLatest
	update := func(set, remove string) string {
		if remove == "" {
			return "SET " + set
		}
		return "SET " + set + " REMOVE " + remove
	}
	variants := []struct{ update, cond string }{
		// Nothing after the cutoff: every request is served.
		{update(set, strings.TrimPrefix(remove+", #r", ", ")), "(attribute_not_exists(#lt) OR #lt <= :lc) AND (attribute_not_exists(#r) OR #r <= :lc)"},
		// A detection after the cutoff, none waiting: the following pass.
		{update(set+", #r = #lt", remove), "#lt > :lc AND (attribute_not_exists(#r) OR #r <= :lc)"},
		// A request later than the cutoff already waits.
		{update(set, remove), "#r > :lc"},
	}
	// The three cases cover every state; a detection landing between two
	// attempts can move the item from one to another, hence the rounds.
	for range 3 {
		for i, v := range variants {
			vn := names
			if i == 2 {
				vn = maps.Clone(names)
				delete(vn, "#lt") // DynamoDB refuses names an expression does not use
			}
			_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName:                 aws.String(tbl),
				Key:                       table.SweepKey(name).AV(),
				UpdateExpression:          aws.String(v.update),
				ConditionExpression:       aws.String("(" + cond + ") AND " + v.cond),
				ExpressionAttributeNames:  vn,
				ExpressionAttributeValues: values,
			})
			if err == nil {
				return true, nil
			}
			if !table.IsConditionFailed(err) {
				return false, err
			}
		}
	}
	return false, nil
}

// due reports whether a pass should start (or resume) at now.
func (s SweepState) due(now time.Time, interval, grace time.Duration, since time.Time) bool {
	if s.Owner != "" && s.Expiry.After(now) {
		return false // someone is sweeping
	}
	if !s.Running.IsZero() {
		return true // left unfinished
	}
	if s.Pending() && !now.Before(s.Requested.Add(grace)) {
		return true
	}
	if interval <= 0 {
		return false
	}
	last := s.LastStart
	if last.IsZero() {
		last = since // never swept: the first pass comes an interval after the worker started
	}
	return now.Sub(last) >= interval
}

// errSweepLost means another worker took the sweep over.
var errSweepLost = errors.New("projector: sweep lease lost")

// acquireSweep takes the sweep lease for me, given its state as read. A
// pass in progress keeps its start and position; otherwise a new pass
// starts at now.
func acquireSweep(ctx context.Context, db *dynamodb.Client, tbl, name, me string, seen SweepState, now time.Time, timeout time.Duration) (SweepState, error) {
	names := map[string]string{"#et": table.AttrType, "#o": leaseOwner, "#e": leaseExpiry, "#f": leaseFence, "#ps": swPassStart}
	values := map[string]ddb.AttributeValue{":et": sv(table.TypeProjectorRun), ":me": sv(me), ":exp": msAV(now.Add(timeout)), ":nf": nv(seen.fence + 1), ":now": msAV(now), ":empty": sv("")}
	cond := "attribute_not_exists(#f)"
	if seen.exists && seen.fence > 0 {
		cond = "#f = :of"
		values[":of"] = nv(seen.fence)
	}
	cond += " AND (attribute_not_exists(#o) OR #o = :empty OR #o = :me OR #e < :now)"
	res, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(tbl),
		Key:                       table.SweepKey(name).AV(),
		UpdateExpression:          aws.String("SET #et = :et, #o = :me, #e = :exp, #f = :nf, #ps = if_not_exists(#ps, :now)"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              ddb.ReturnValueAllNew,
	})
	if table.IsConditionFailed(err) {
		return SweepState{}, errSweepLost
	}
	if err != nil {
		return SweepState{}, fmt.Errorf("projector: taking the sweep: %w", err)
	}
	return decodeSweep(res.Attributes), nil
}

// saveSweep stores the running pass's position and renews the lease.
func saveSweep(ctx context.Context, db *dynamodb.Client, tbl, name, me string, held SweepState, cursors []sweepCursor, st SweepStats, now time.Time, timeout time.Duration) error {
	raw, _ := json.Marshal(struct {
		Cursors  []sweepCursor
		Progress SweepSummary
	}{cursors, summary(st)})
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(tbl),
		Key:                       table.SweepKey(name).AV(),
		UpdateExpression:          aws.String("SET #e = :exp, #c = :c"),
		ConditionExpression:       aws.String("#o = :me AND #f = :f"),
		ExpressionAttributeNames:  map[string]string{"#e": leaseExpiry, "#c": swCursor, "#o": leaseOwner, "#f": leaseFence},
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":exp": msAV(now.Add(timeout)), ":c": sv(string(raw)), ":me": sv(me), ":f": nv(held.fence)},
	})
	if table.IsConditionFailed(err) {
		return errSweepLost
	}
	return err
}

// finishSweep records a completed pass, settles the loss requests it
// covered and releases the lease.
func finishSweep(ctx context.Context, db *dynamodb.Client, tbl, name, me string, held SweepState, st SweepStats, grace time.Duration) error {
	raw, _ := json.Marshal(summary(st))
	ok, err := settleRequests(ctx, db, tbl, name,
		"#o = :empty, #e = :zero, #ls = :ls, #le = :le, #lc = :lc, #lr = :lr", "#ps, #c",
		"#o = :me AND #f = :f",
		map[string]string{"#o": leaseOwner, "#e": leaseExpiry, "#ls": swLastStart, "#le": swLastEnd, "#lc": swLastCover,
			"#lr": swLastResult, "#ps": swPassStart, "#c": swCursor, "#f": leaseFence},
		map[string]ddb.AttributeValue{":empty": sv(""), ":zero": nv(0), ":ls": msAV(held.Running), ":le": msAV(st.Finished),
			":lc": msAV(held.Running.Add(-grace)), ":lr": sv(string(raw)), ":me": sv(me), ":f": nv(held.fence)})
	if err != nil {
		return fmt.Errorf("projector: recording the sweep pass: %w", err)
	}
	if !ok {
		return errSweepLost
	}
	return nil
}

// recordPass records a pass run outside the sweep lease (a catch-up, or
// `projector verify --repair`) as the last completed one and settles the
// loss requests it covered, unless a later pass is already recorded.
func recordPass(ctx context.Context, db *dynamodb.Client, tbl, name string, st SweepStats) error {
	raw, _ := json.Marshal(summary(st))
	_, err := settleRequests(ctx, db, tbl, name,
		"#et = :et, #ls = :ls, #le = :le, #lc = :lc, #lr = :lr", "",
		"attribute_not_exists(#lc) OR #lc < :lc",
		map[string]string{"#et": table.AttrType, "#ls": swLastStart, "#le": swLastEnd, "#lc": swLastCover, "#lr": swLastResult},
		map[string]ddb.AttributeValue{":et": sv(table.TypeProjectorRun), ":ls": msAV(st.Started), ":le": msAV(st.Finished), ":lc": msAV(st.Cutoff), ":lr": sv(string(raw))})
	if err != nil {
		return fmt.Errorf("projector: recording the sweep pass: %w", err)
	}
	return nil
}

// sweepLoop runs passes when they are due, until ctx ends.
func (r *Runner) sweepLoop(ctx context.Context, started time.Time) {
	tick := min(r.opts.DiscoverInterval, r.opts.LeaseTimeout/4)
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.sweepWake:
		case <-time.After(tick):
		}
		if err := r.sweepIfDue(ctx, started); err != nil && ctx.Err() == nil {
			r.opts.Logger.Warn("sweep failed", slog.Any("error", err))
		}
	}
}

// sweepIfDue runs (or resumes) a pass if one is due and no other worker
// runs it.
func (r *Runner) sweepIfDue(ctx context.Context, started time.Time) error {
	s, err := readSweep(ctx, r.db, r.table, r.opts.Name)
	if err != nil {
		return err
	}
	now := r.opts.Now()
	if !s.due(now, r.opts.SweepInterval, r.opts.SweepGrace, started) {
		return nil
	}
	held, err := acquireSweep(ctx, r.db, r.table, r.opts.Name, r.opts.WorkerID, s, now, r.opts.LeaseTimeout)
	if errors.Is(err, errSweepLost) {
		return nil
	}
	if err != nil {
		return err
	}
	resumed := len(held.cursors) > 0
	r.opts.Logger.Info("sweep: anti-entropy pass", slog.Bool("resumed", resumed), slog.Time("started", held.Running.UTC()), slog.Time("cutoff", held.Running.Add(-r.opts.SweepGrace).UTC()))
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := SweepOptions{
		DB: r.db, Table: r.table, Applier: r.applier, Segments: r.opts.SweepSegments, ReadRate: r.opts.SweepReadRate,
		Grace: r.opts.SweepGrace, Blocked: r.blk.blocked, Logger: r.opts.Logger,
		Now:    func() time.Time { return held.Running }, // the pass's cutoff is fixed by its (first) start
		resume: held.cursors, resumed: held.Progress,
	}
	opts.save = func(cs []sweepCursor, st SweepStats) error {
		return saveSweep(pctx, r.db, r.table, r.opts.Name, r.opts.WorkerID, held, cs, st, r.opts.Now(), r.opts.LeaseTimeout)
	}
	st, err := Sweep(pctx, opts)
	st.Finished = r.opts.Now()
	// The stats are the whole pass's; this worker's metrics count its part.
	r.m.SweepScanned.Add(float64(st.Scanned - st.resumed.Scanned))
	r.m.SweepReadUnits.Add(st.ReadUnits - st.resumed.ReadUnits)
	r.m.SweepRepaired.Add(float64(st.Repaired - st.resumed.Repaired))
	if err != nil {
		if errors.Is(err, errSweepLost) {
			r.opts.Logger.Info("sweep: lost the sweep to another worker; it resumes the pass")
			return nil
		}
		return err
	}
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer fcancel()
	if err := finishSweep(fctx, r.db, r.table, r.opts.Name, r.opts.WorkerID, held, st, r.opts.SweepGrace); err != nil {
		if errors.Is(err, errSweepLost) {
			return nil
		}
		return err
	}
	r.m.SweepPasses.Inc()
	r.m.SweepLastCompleted.Set(float64(st.Finished.UnixMilli()) / 1000)
	r.opts.Logger.Info("sweep: pass done", slog.Duration("took", st.Finished.Sub(held.Running).Round(time.Millisecond)), slog.Int64("aggregates", st.Aggregates),
		slog.Int64("behind", st.Behind), slog.Int64("repaired", st.Repaired), slog.Int64("in_flight", st.InFlight), slog.Int64("blocked", st.Blocked), slog.Int64("failed", st.Failed),
		slog.Int64("items_read", st.Scanned), slog.Float64("read_units", st.ReadUnits))
	cutoff := held.Running.Add(-r.opts.SweepGrace)
	if st.Repaired > 0 && !s.Pending() {
		// Nothing asked for this pass, yet it found aggregates behind that
		// committed before its cutoff: a loss that no other check saw.
		r.lossDetected(ctx, Loss{Kind: LossStale, Where: "sweep", Repaired: st.Finished, Detail: fmt.Sprintf("a scheduled sweep found and repaired %d aggregates behind their head (committed before %s)", st.Repaired, cutoff.UTC().Format(time.RFC3339))}, false)
	}
	if st.Failed == 0 {
		if n, err := markLossesRepaired(fctx, r.db, r.table, r.opts.Name, cutoff, st.Finished); err != nil {
			return err
		} else if n > 0 {
			r.opts.Logger.Info("sweep: loss notes marked repaired", slog.Int("notes", n))
		}
	}
	return nil
}

// lossDetected logs, counts and notes a loss and (unless the note is the
// sweep's own) asks for a sweep pass to repair what it lost.
func (r *Runner) lossDetected(ctx context.Context, l Loss, request bool) {
	now := r.opts.Now()
	if !l.Repaired.IsZero() {
		// Found and repaired by a pass that ended then: its note must not
		// say it was detected after it was repaired.
		now = l.Repaired
	}
	l.Worker = r.opts.WorkerID
	r.m.LossesDetected.WithLabelValues(l.Kind).Inc()
	what := "a sweep pass will repair the aggregates it affected from the event log"
	if !request {
		what = "repaired"
	}
	if r.logLoss(l, now) {
		r.opts.Logger.Error("LOSS: stream records were lost before they were read", slog.String("kind", l.Kind), slog.String("where", l.Where), slog.String("loss", describeLoss(l)), slog.String("action", what))
	}
	// The note and the request must not be lost to a cancellation: the
	// detection would not happen again.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for attempt := 0; ; attempt++ {
		err := noteLoss(wctx, r.db, r.table, r.opts.Name, l, now)
		if err == nil && request {
			err = requestSweep(wctx, r.db, r.table, r.opts.Name, now)
		}
		if err == nil {
			break
		}
		if wctx.Err() != nil {
			r.opts.Logger.Error("recording the loss failed", slog.String("kind", l.Kind), slog.String("where", l.Where), slog.Any("error", err))
			return
		}
		if err := r.opts.retry().Sleep(wctx, attempt); err != nil {
			return
		}
	}
	if request {
		select {
		case r.sweepWake <- struct{}{}:
		default:
		}
	}
}

// logLoss rate-limits loss log lines to one a minute per kind and place:
// a trim of thousands of records shows as thousands of gaps, which the
// counter and the note count, and one line tells.
func (r *Runner) logLoss(l Loss, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := l.Kind + "#" + l.Where
	if last, ok := r.lossLogged[k]; ok && now.Sub(last) < time.Minute {
		return false
	}
	if r.lossLogged == nil {
		r.lossLogged = map[string]time.Time{}
	}
	r.lossLogged[k] = now
	return true
}
