package projector

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Source is the live table (event log and read model).
	SourceDB    *dynamodb.Client
	SourceTable string
	// Scratch is an empty table the log is replayed into — typically in an
	// in-memory embedded engine, so that the replay stays in memory.
	ScratchDB    *dynamodb.Client
	ScratchTable string
	Codec        *events.Codec
	Segments     int
	Workers      int
	Progress     *RebuildProgress
	// Logger receives operational records. Default: discarded.
	Logger *slog.Logger
}

// Drift kinds.
const (
	DriftMissing   = "missing"   // replay has it, the live read model does not
	DriftExtra     = "extra"     // the live read model has it, replay does not
	DriftDifferent = "different" // both have it, with different attributes
)

// Drift is one read item on which the live read model and the replay of
// the log disagree.
type Drift struct {
	Key   table.Key
	Kind  string
	Attrs []string // the differing attributes (DriftDifferent)
	Want  map[string]ddb.AttributeValue
	Got   map[string]ddb.AttributeValue
}

// VerifyReport is Verify's result.
type VerifyReport struct {
	Replay      RebuildStats
	LiveItems   int
	ReplayItems int
	Drift       []Drift // sorted by key
}

// Verify replays the source's event log into the scratch table with the
// real Applier and compares the resulting read model (read items and
// projection markers) with the live one, item by item and attribute by
// attribute. Event, head and idempotency items and the projector's
// bookkeeping are not compared.
//
// Verify is a point-in-time comparison: items that change while it runs
// may show up as drift; run it when the projector has caught up, or
// verify twice and keep what persists.
func Verify(ctx context.Context, opts VerifyOptions) (VerifyReport, error) {
	orDefault(&opts.Segments, 8)
	st, err := Rebuild(ctx, RebuildOptions{
		SourceDB: opts.SourceDB, SourceTable: opts.SourceTable, TargetDB: opts.ScratchDB, TargetTable: opts.ScratchTable,
		Codec: opts.Codec, Segments: opts.Segments, Workers: opts.Workers, Progress: opts.Progress, Logger: opts.Logger,
	})
	rep := VerifyReport{Replay: st}
	if err != nil {
		return rep, err
	}
	want := map[table.Key]map[string]ddb.AttributeValue{}
	var mu sync.Mutex
	err = parallelScan(ctx, opts.ScratchDB, opts.ScratchTable, opts.Segments, &dynamodb.ScanInput{}, func(items []map[string]ddb.AttributeValue, _ int32) error {
		mu.Lock()
		defer mu.Unlock()
		for _, it := range items {
			if IsReadModelItem(it) {
				want[itemKey(it)] = it
			}
		}
		return nil
	}, nil)
	if err != nil {
		return rep, err
	}
	rep.ReplayItems = len(want)
	seen := map[table.Key]bool{}
	err = parallelScan(ctx, opts.SourceDB, opts.SourceTable, opts.Segments, &dynamodb.ScanInput{}, func(items []map[string]ddb.AttributeValue, _ int32) error {
		mu.Lock()
		defer mu.Unlock()
		for _, it := range items {
			if !IsReadModelItem(it) {
				continue
			}
			rep.LiveItems++
			k := itemKey(it)
			seen[k] = true
			w, ok := want[k]
			if !ok {
				rep.Drift = append(rep.Drift, Drift{Key: k, Kind: DriftExtra, Got: it})
				continue
			}
			if attrs := diffAttrs(w, it); len(attrs) > 0 {
				rep.Drift = append(rep.Drift, Drift{Key: k, Kind: DriftDifferent, Attrs: attrs, Want: w, Got: it})
			}
		}
		return nil
	}, nil)
	if err != nil {
		return rep, err
	}
	for k, w := range want {
		if !seen[k] {
			rep.Drift = append(rep.Drift, Drift{Key: k, Kind: DriftMissing, Want: w})
		}
	}
	sort.Slice(rep.Drift, func(i, j int) bool {
		a, b := rep.Drift[i].Key, rep.Drift[j].Key
		if a.PK != b.PK {
			return a.PK < b.PK
		}
		return a.SK < b.SK
	})
	return rep, nil
}

func itemKey(it map[string]ddb.AttributeValue) table.Key {
	return table.Key{PK: attrStr(it, table.AttrPK), SK: attrStr(it, table.AttrSK)}
}

// diffAttrs returns the names of the attributes on which a and b differ,
// sorted.
func diffAttrs(a, b map[string]ddb.AttributeValue) []string {
	var out []string
	for n, av := range a {
		if bv, ok := b[n]; !ok || !EqualAV(av, bv) {
			out = append(out, n)
		}
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// EqualAV reports whether two attribute values are equal (sets compare as
// sets; numbers as written).
func EqualAV(a, b ddb.AttributeValue) bool {
	switch a := a.(type) {
	case *ddb.AttributeValueMemberS:
		b, ok := b.(*ddb.AttributeValueMemberS)
		return ok && a.Value == b.Value
	case *ddb.AttributeValueMemberN:
		b, ok := b.(*ddb.AttributeValueMemberN)
		return ok && a.Value == b.Value
	case *ddb.AttributeValueMemberB:
		b, ok := b.(*ddb.AttributeValueMemberB)
		return ok && bytes.Equal(a.Value, b.Value)
	case *ddb.AttributeValueMemberBOOL:
		b, ok := b.(*ddb.AttributeValueMemberBOOL)
		return ok && a.Value == b.Value
	case *ddb.AttributeValueMemberNULL:
		b, ok := b.(*ddb.AttributeValueMemberNULL)
		return ok && a.Value == b.Value
	case *ddb.AttributeValueMemberSS:
		b, ok := b.(*ddb.AttributeValueMemberSS)
		return ok && sameSet(a.Value, b.Value)
	case *ddb.AttributeValueMemberNS:
		b, ok := b.(*ddb.AttributeValueMemberNS)
		return ok && sameSet(a.Value, b.Value)
	case *ddb.AttributeValueMemberBS:
		b, ok := b.(*ddb.AttributeValueMemberBS)
		if !ok || len(a.Value) != len(b.Value) {
			return false
		}
		as, bs := make([]string, len(a.Value)), make([]string, len(b.Value))
		for i := range a.Value {
			as[i], bs[i] = string(a.Value[i]), string(b.Value[i])
		}
		return sameSet(as, bs)
	case *ddb.AttributeValueMemberL:
		b, ok := b.(*ddb.AttributeValueMemberL)
		if !ok || len(a.Value) != len(b.Value) {
			return false
		}
		for i := range a.Value {
			if !EqualAV(a.Value[i], b.Value[i]) {
				return false
			}
		}
		return true
	case *ddb.AttributeValueMemberM:
		b, ok := b.(*ddb.AttributeValueMemberM)
		return ok && len(a.Value) == len(b.Value) && len(diffAttrs(a.Value, b.Value)) == 0
	}
	return false
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	as, bs := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(as)
	sort.Strings(bs)
	for i := range as {
		if as[i] != bs[i] {
			return false
		}
	}
	return true
}

// FormatAV renders an attribute value compactly for reports.
func FormatAV(v ddb.AttributeValue) string {
	switch v := v.(type) {
	case nil:
		return "(absent)"
	case *ddb.AttributeValueMemberS:
		return fmt.Sprintf("%q", v.Value)
	case *ddb.AttributeValueMemberN:
		return v.Value
	case *ddb.AttributeValueMemberBOOL:
		return fmt.Sprint(v.Value)
	case *ddb.AttributeValueMemberNULL:
		return "null"
	case *ddb.AttributeValueMemberSS:
		return fmt.Sprintf("SS%q", v.Value)
	case *ddb.AttributeValueMemberNS:
		return fmt.Sprintf("NS%v", v.Value)
	case *ddb.AttributeValueMemberB:
		return fmt.Sprintf("B(%d bytes)", len(v.Value))
	case *ddb.AttributeValueMemberL:
		s := "["
		for i, e := range v.Value {
			if i > 0 {
				s += ", "
			}
			s += FormatAV(e)
		}
		return s + "]"
	case *ddb.AttributeValueMemberM:
		keys := make([]string, 0, len(v.Value))
		for k := range v.Value {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := "{"
		for i, k := range keys {
			if i > 0 {
				s += ", "
			}
			s += k + ": " + FormatAV(v.Value[k])
		}
		return s + "}"
	}
	return fmt.Sprintf("%T", v)
}
