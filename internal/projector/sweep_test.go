package projector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// TestSweepDue: when a worker starts (or resumes) a pass.
func TestSweepDue(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	started := now.Add(-time.Hour)
	const interval, grace = 6 * time.Hour, time.Minute
	cases := []struct {
		name     string
		s        SweepState
		interval time.Duration
		want     bool
	}{
		{"another worker sweeps", SweepState{Owner: "b", Expiry: now.Add(time.Second), Running: now.Add(-time.Minute)}, interval, false},
		{"a pass left unfinished", SweepState{Owner: "b", Expiry: now.Add(-time.Second), Running: now.Add(-time.Minute)}, interval, true},
		{"a loss within the grace", SweepState{Requested: now.Add(-30 * time.Second), LastStart: now.Add(-time.Hour)}, interval, false},
		{"a loss past the grace", SweepState{Requested: now.Add(-2 * time.Minute), LastStart: now.Add(-time.Hour)}, interval, true},
		{"a loss the last pass covered", SweepState{Requested: now.Add(-2 * time.Hour), LastStart: now.Add(-time.Hour), Cutoff: now.Add(-61 * time.Minute)}, interval, false},
		{"interval not over", SweepState{LastStart: now.Add(-time.Hour)}, interval, false},
		{"interval over", SweepState{LastStart: now.Add(-7 * time.Hour)}, interval, true},
		{"never swept, worker young", SweepState{}, interval, false},
		{"never swept, worker old", SweepState{}, 30 * time.Minute, true},
		{"scheduled passes off", SweepState{LastStart: now.Add(-100 * time.Hour)}, -1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.s.due(now, c.interval, grace, started); got != c.want {
				t.Errorf("due = %v, want %v", got, c.want)
			}
		})
	}
}

// TestSweepResumes: a pass interrupted after it saved its position
// resumes from there — it does not compare again what it compared — and
// the two halves together repair everything behind; the resumed pass
// reports the whole pass, not only its second half (finding 4 of the
// review of issue 18).
func TestSweepResumes(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{})
	ctx := context.Background()
	m := newMutator(e, 5)
	for i := range 80 {
		if err := m.create(ctx, "res-"+string(rune('a'+i/26))+string(rune('a'+i%26))); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing is projected: every aggregate is behind.
	heads, behind := e.progress()
	if behind != len(heads) {
		t.Fatalf("%d of %d behind before the sweep", behind, len(heads))
	}
	ap := NewApplier(e.db, e.table, e.codec)
	var saved []sweepCursor
	var savedStats SweepSummary
	pctx, cancel := context.WithCancel(ctx)
	first, err := Sweep(pctx, SweepOptions{DB: e.db, Table: e.table, Applier: ap, Segments: 2, PageSize: 5, ReadRate: 4,
		save: func(cs []sweepCursor, st SweepStats) error {
			saved, savedStats = cs, summary(st)
			cancel()
			return nil
		}})
	if !errors.Is(err, context.Canceled) || saved == nil {
		t.Fatalf("first half: %v (saved %v)", err, saved)
	}
	if savedStats.Aggregates == 0 || savedStats.Repaired == 0 || savedStats.Scanned == 0 {
		t.Fatalf("the saved position carries no progress: %+v", savedStats)
	}
	progress := &RebuildProgress{}
	second, err := Sweep(ctx, SweepOptions{DB: e.db, Table: e.table, Applier: ap, Segments: 2, PageSize: 5, ReadRate: -1, Progress: progress,
		resume: saved, resumed: savedStats})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first half compared %d aggregates (%d saved), the resumed run %d", first.Aggregates, savedStats.Aggregates, progress.Aggregates.Load())
	if n := progress.Aggregates.Load(); n >= int64(len(heads)) || n == 0 {
		t.Errorf("the resumed run compared %d of %d aggregates: it started over", n, len(heads))
	}
	// Each aggregate is counted once over the pass, in the half that
	// evaluated it after the position was saved or before.
	if second.Aggregates != int64(len(heads)) {
		t.Errorf("the resumed pass reports %d aggregates compared, want the whole pass's %d", second.Aggregates, len(heads))
	}
	if second.Repaired < savedStats.Repaired || second.Scanned <= savedStats.Scanned || second.ReadUnits <= savedStats.ReadUnits || second.resumed != savedStats {
		t.Errorf("the resumed pass's stats %+v do not carry on from the saved %+v", second, savedStats)
	}
	if _, behind := e.progress(); behind != 0 {
		t.Errorf("%d aggregates still behind after both halves", behind)
	}
	// A marker without a head (a purged aggregate's leftovers) is not an
	// aggregate.
	if _, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: map[string]ddbtypes.AttributeValue{
		"PK": sv("ACCOUNT#ghost"), "SK": sv(markerSK), "_et": sv(table.TypeMarker), "_v": nv(3)}}); err != nil {
		t.Fatal(err)
	}
	third, err := Sweep(ctx, SweepOptions{DB: e.db, Table: e.table, Applier: ap, ReadRate: -1})
	if err != nil || third.Aggregates != int64(len(heads)) || third.Behind != 0 {
		t.Errorf("third pass: %+v, %v", third, err)
	}
}

// FuzzDecodeSweep: the sweep item comes from the table, where anything
// may have been written to it; decoding never panics, and a cursor that
// does not parse is no cursor (the pass starts over).
func FuzzDecodeSweep(f *testing.F) {
	f.Add(`{"Cursors":[{"pk":"ACCOUNT#a","sk":"EVENT#HEAD","p":"ACCOUNT#a","hv":3}],"Progress":{"Aggregates":1}}`, `{"Aggregates":2}`, "12")
	f.Add(`[`, `null`, "x")
	f.Fuzz(func(t *testing.T, cursor, last, ms string) {
		it := map[string]ddbtypes.AttributeValue{
			swCursor: sv(cursor), swLastResult: sv(last), swPassStart: &ddbtypes.AttributeValueMemberN{Value: ms},
			leaseOwner: sv("w"), leaseFence: &ddbtypes.AttributeValueMemberN{Value: ms},
		}
		s := decodeSweep(it)
		if len(s.cursors) > 0 && !json.Valid([]byte(cursor)) {
			t.Errorf("cursors %v from invalid JSON %q", s.cursors, cursor)
		}
	})
}

// TestSweepRequests is finding 1 of the review of issue 18: detections
// arriving more often than the grace must not postpone the pass — it
// starts a grace after the first — and detections the pass does not cover
// (after its cutoff) ask for the following one. The sweep item lives in
// the engine and every step goes through the SDK; the clock is explicit.
func TestSweepRequests(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	const grace = time.Minute
	at := func(graces float64) time.Time { return t0.Add(time.Duration(graces * float64(grace))) }
	cases := []struct {
		name        string
		before      []float64 // detections before the pass, in graces after t0
		passAt      float64   // the pass starts then (its cutoff a grace earlier)
		during      []float64 // detections while it runs
		catchUp     bool      // the pass is a catch-up (recordPass), not the sweeper's
		wantPending bool      // a pass is still owed afterwards
		wantDueAt   float64   // and is due then
	}{
		{name: "one detection", before: []float64{0}, passAt: 1},
		{name: "detections every half grace", before: []float64{0, 0.5, 0.9, 1.4}, passAt: 1, wantPending: true, wantDueAt: 2.4},
		{name: "a detection after the cutoff, during the pass", before: []float64{0}, passAt: 1, during: []float64{1.2}, wantPending: true, wantDueAt: 2.2},
		{name: "detections before the cutoff, during the pass", before: []float64{0, 0.5}, passAt: 3, during: []float64{1}},
		{name: "a catch-up covering every detection", before: []float64{0, 0.3}, passAt: 1.5, catchUp: true},
		{name: "a catch-up with a detection after its cutoff", before: []float64{0, 0.8}, passAt: 1.5, catchUp: true, wantPending: true, wantDueAt: 1.8},
	}
	e := newTestEnv(t, ddblocal.StreamOptions{})
	ctx := context.Background()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := fmt.Sprintf("req%d", i)
			for _, d := range c.before {
				if err := requestSweep(ctx, e.db, e.table, name, at(d)); err != nil {
					t.Fatal(err)
				}
			}
			s, err := readSweep(ctx, e.db, e.table, name)
			if err != nil {
				t.Fatal(err)
			}
			first := at(c.before[0])
			if !s.Pending() || !s.Requested.Equal(first) {
				t.Fatalf("after the detections: requested %v (pending %v), want the first, %v", s.Requested, s.Pending(), first)
			}
			if s.due(first.Add(grace-time.Millisecond), -1, grace, t0) || !s.due(first.Add(grace), -1, grace, t0) {
				t.Errorf("the pass is not due exactly a grace after the first detection")
			}
			start := at(c.passAt)
			var held SweepState
			if !c.catchUp {
				if held, err = acquireSweep(ctx, e.db, e.table, name, "w", s, start, time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range c.during {
				if err := requestSweep(ctx, e.db, e.table, name, at(d)); err != nil {
					t.Fatal(err)
				}
			}
			st := SweepStats{Started: start, Cutoff: start.Add(-grace), Finished: start.Add(time.Second)}
			if c.catchUp {
				err = recordPass(ctx, e.db, e.table, name, st)
			} else {
				err = finishSweep(ctx, e.db, e.table, name, "w", held, st, grace)
			}
			if err != nil {
				t.Fatal(err)
			}
			if s, err = readSweep(ctx, e.db, e.table, name); err != nil {
				t.Fatal(err)
			}
			if s.Pending() != c.wantPending {
				t.Fatalf("after the pass: pending %v, want %v (%+v)", s.Pending(), c.wantPending, s)
			}
			if c.wantPending && !s.due(at(c.wantDueAt), -1, grace, t0) {
				t.Errorf("the following pass is not due at %v (requested %v)", at(c.wantDueAt), s.Requested)
			}
			if c.wantPending && s.due(at(c.wantDueAt).Add(-time.Millisecond), -1, grace, t0) {
				t.Errorf("the following pass is due before %v (requested %v)", at(c.wantDueAt), s.Requested)
			}
		})
	}
}

// beforeFirstTransact runs hook once, before the first TransactWriteItems
// request goes to the engine.
type beforeFirstTransact struct {
	next aws.HTTPClient
	once sync.Once
	hook func()
}

func (b *beforeFirstTransact) Do(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".TransactWriteItems") {
		b.once.Do(b.hook)
	}
	return b.next.Do(req)
}

// TestSweepRepairRacesLiveApply: the live projector applies an aggregate
// while a pass repairs it — between the repair's read of the marker and
// its write. The repair must read the marker again and finish, not count
// the aggregate failed (a pass with failures leaves its loss notes
// unrepaired; TestKilledLongerThanRetention failed now and then so).
func TestSweepRepairRacesLiveApply(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{})
	ctx := context.Background()
	m := newMutator(e, 9)
	if err := m.create(ctx, "racy"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := m.update(ctx, "racy"); err != nil {
			t.Fatal(err)
		}
	}
	live := NewApplier(e.db, e.table, e.codec)
	id := entities.NewAccountID("racy")
	raced := false
	db, _ := e.clients(func(h aws.HTTPClient) aws.HTTPClient {
		return &beforeFirstTransact{next: h, hook: func() {
			// The live projector gets to v2 first.
			raced = live.Repair(ctx, id, 2) == nil
		}}
	})
	st, err := Sweep(ctx, SweepOptions{DB: db, Table: e.table, Applier: NewApplier(db, e.table, e.codec), ReadRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	if !raced {
		t.Fatal("setup: the live apply did not run")
	}
	if st.Failed != 0 || st.Repaired != 1 {
		t.Errorf("pass: %d failed, %d repaired (%v); want the aggregate repaired", st.Failed, st.Repaired, st.Failures)
	}
	if _, behind := e.progress(); behind != 0 {
		t.Errorf("%d aggregates behind after the pass", behind)
	}
	e.assertEqualsReplay(nil)
}
