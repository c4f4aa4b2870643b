package projections

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
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
// the two halves together repair everything behind.
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
	pctx, cancel := context.WithCancel(ctx)
	first, err := Sweep(pctx, SweepOptions{DB: e.db, Table: e.table, Applier: ap, Segments: 2, PageSize: 5, ReadRate: 4,
		save: func(cs []sweepCursor, _ SweepStats) error {
			saved = cs
			cancel()
			return nil
		}})
	if !errors.Is(err, context.Canceled) || saved == nil {
		t.Fatalf("first half: %v (saved %v)", err, saved)
	}
	second, err := Sweep(ctx, SweepOptions{DB: e.db, Table: e.table, Applier: ap, Segments: 2, PageSize: 5, ReadRate: -1, resume: saved})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first half compared %d aggregates, the resumed one %d", first.Aggregates, second.Aggregates)
	if second.Aggregates >= int64(len(heads)) || first.Aggregates == 0 {
		t.Errorf("the resumed pass compared %d of %d aggregates (the first %d): it started over", second.Aggregates, len(heads), first.Aggregates)
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
