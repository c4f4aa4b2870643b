package testkit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// Item is one DynamoDB item.
type Item = map[string]types.AttributeValue

// MarkerSK is the sort key of an aggregate's projection marker (the
// applier's exactly-once bookkeeping in the aggregate's own partition). It
// mirrors the unexported projector.markerSK; the replay tests fail if the
// two drift apart, since no marker would then be found.
const MarkerSK = "PROJECTION"

// Scan returns every item of tbl (consistent, all pages). Tests only: the
// request path never scans.
func Scan(ctx context.Context, db *dynamodb.Client, tbl string) ([]Item, error) {
	var out []Item
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(tbl), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", tbl, err)
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

// S returns the string attribute name of it, or "".
func S(it Item, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// N returns the number attribute name of it as text, or "".
func N(it Item, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}

// IsReadModel reports whether it belongs to the read model that a rebuild
// must reproduce: read items and projection markers. Excluded are the
// write side (event, head and idempotency items) and the projector's
// bookkeeping (shard leases and checkpoints, parked events), whose content
// depends on the stream, not on the event log.
//
// Markers are included on purpose: a marker's version is what makes the
// next apply exactly-once, so a rebuild that produced the right read items
// but a wrong marker would corrupt the read model later.
func IsReadModel(it Item) bool {
	if IsMarker(it) {
		return true
	}
	switch S(it, table.AttrType) {
	case table.TypeEvent, table.TypeHead, table.TypeIdempotency, table.TypeShardLease, table.TypeParkedEvent, table.TypeProjectorRun:
		return false
	}
	return !strings.HasPrefix(S(it, table.AttrPK), "PROJECTOR#")
}

// IsMarker reports whether it is a projection marker.
func IsMarker(it Item) bool { return S(it, table.AttrSK) == MarkerSK }

// ReadModel returns the read model of tbl (see IsReadModel), sorted by PK
// then SK.
func ReadModel(ctx context.Context, db *dynamodb.Client, tbl string) ([]Item, error) {
	all, err := Scan(ctx, db, tbl)
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, it := range all {
		if IsReadModel(it) {
			out = append(out, it)
		}
	}
	SortItems(out)
	return out, nil
}

// SortItems sorts items by PK, then SK.
func SortItems(items []Item) {
	sort.Slice(items, func(i, j int) bool {
		pi, pj := S(items[i], table.AttrPK), S(items[j], table.AttrPK)
		if pi != pj {
			return pi < pj
		}
		return S(items[i], table.AttrSK) < S(items[j], table.AttrSK)
	})
}

// EventLog reads every event item of tbl and returns the envelopes grouped
// per aggregate (keyed by partition), each group in version order. It fails
// if a group has a hole or a duplicate.
func EventLog(ctx context.Context, db *dynamodb.Client, tbl string) (map[string][]events.Envelope, error) {
	all, err := Scan(ctx, db, tbl)
	if err != nil {
		return nil, err
	}
	var envs []events.Envelope
	for _, it := range all {
		if S(it, table.AttrType) != table.TypeEvent {
			continue
		}
		env, err := events.DecodeEventItem(it)
		if err != nil {
			return nil, fmt.Errorf("event %s/%s: %w", S(it, table.AttrPK), S(it, table.AttrSK), err)
		}
		envs = append(envs, env)
	}
	return GroupLog(envs)
}

// partitionOf returns the partition of env's aggregate.
func partitionOf(env events.Envelope) (table.Partition, error) {
	id, err := events.ParseID(env.Kind, env.Aggregate)
	if err != nil {
		return "", err
	}
	return events.Partition(id)
}

// ReadEnvelopes reads a JSON array of event envelopes (a fixture such as
// test/testdata/accounts.events.json), strictly: an unknown field fails
// the test, as does an empty file.
func ReadEnvelopes(tb testing.TB, path string) []events.Envelope {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var envs []events.Envelope
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&envs); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	if len(envs) == 0 {
		tb.Fatalf("%s is empty", path)
	}
	return envs
}

// GroupLog groups envelopes per aggregate partition and sorts each group by
// version, checking that versions run 1..n.
func GroupLog(envs []events.Envelope) (map[string][]events.Envelope, error) {
	out := map[string][]events.Envelope{}
	for _, env := range envs {
		p, err := partitionOf(env)
		if err != nil {
			return nil, err
		}
		out[string(p)] = append(out[string(p)], env)
	}
	for p, g := range out {
		sort.SliceStable(g, func(i, j int) bool { return g[i].Version < g[j].Version })
		for i, env := range g {
			if env.Version != int64(i+1) {
				return nil, fmt.Errorf("event log of %s: version %d at position %d", p, env.Version, i+1)
			}
		}
	}
	return out, nil
}

// Rebuild replays a grouped event log into tbl with a fresh Applier,
// aggregate by aggregate (in partition order, so runs are repeatable).
func Rebuild(ctx context.Context, db *dynamodb.Client, tbl string, log map[string][]events.Envelope) error {
	return RebuildGroups(ctx, db, tbl, log, func(string) int { return 0 })
}

// Progress compares every head of tbl with its projection marker. It
// returns the number of aggregates and how many of them the read model
// does not reflect completely (marker version ≠ head version).
func Progress(ctx context.Context, db *dynamodb.Client, tbl string) (aggregates, behind int, err error) {
	all, err := Scan(ctx, db, tbl)
	if err != nil {
		return 0, 0, err
	}
	heads := map[string]string{}
	markers := map[string]string{}
	for _, it := range all {
		pk := S(it, table.AttrPK)
		switch {
		case S(it, table.AttrType) == table.TypeHead:
			heads[pk] = N(it, "v")
		case IsMarker(it):
			markers[pk] = N(it, table.AttrVersion)
		}
	}
	for pk, v := range heads {
		if markers[pk] != v {
			behind++
		}
	}
	return len(heads), behind, nil
}

// FoldState folds envelopes (one aggregate, in order) into its state.
func FoldState(envs []events.Envelope) (entities.State, error) {
	codec := events.NewCodec()
	var st entities.State
	for _, env := range envs {
		ev, err := codec.Decode(env)
		if err != nil {
			return nil, err
		}
		if st, err = entities.Evolve(st, ev, env.At); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// JSONValue renders an attribute value in DynamoDB JSON ({"S": "…"}), with
// set members sorted so that the rendering is deterministic.
func JSONValue(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(v.Value)}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *types.AttributeValueMemberSS:
		ss := append([]string(nil), v.Value...)
		sort.Strings(ss)
		return map[string]any{"SS": ss}
	case *types.AttributeValueMemberNS:
		ns := append([]string(nil), v.Value...)
		sort.Strings(ns)
		return map[string]any{"NS": ns}
	case *types.AttributeValueMemberBS:
		bs := make([]string, len(v.Value))
		for i, b := range v.Value {
			bs[i] = base64.StdEncoding.EncodeToString(b)
		}
		sort.Strings(bs)
		return map[string]any{"BS": bs}
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = JSONValue(e)
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": JSONItem(v.Value)}
	}
	return map[string]any{"?": fmt.Sprintf("%T", v)}
}

// JSONItem renders an item in DynamoDB JSON.
func JSONItem(it Item) map[string]any {
	out := make(map[string]any, len(it))
	for k, v := range it {
		out[k] = JSONValue(v)
	}
	return out
}

// MarshalItems renders items (already sorted) as DynamoDB JSON, one
// attribute per line with attribute names sorted: a stable, diffable
// golden-file format that is also valid JSON.
func MarshalItems(items []Item) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("[")
	for i, it := range items {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		names := make([]string, 0, len(it))
		for n := range it {
			names = append(names, n)
		}
		sort.Strings(names)
		for j, n := range names {
			k, err := json.Marshal(n)
			if err != nil {
				return nil, err
			}
			v, err := json.Marshal(JSONValue(it[n]))
			if err != nil {
				return nil, err
			}
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "\n    %s: %s", k, v)
		}
		b.WriteString("\n  }")
	}
	b.WriteString("\n]\n")
	return b.Bytes(), nil
}

// DiffItems compares two item sets by key and attribute and describes
// every difference (at most limit of them; 0 means all). Equal sets give
// nil.
func DiffItems(want, got []Item, limit int) []string {
	key := func(it Item) string { return S(it, table.AttrPK) + " | " + S(it, table.AttrSK) }
	index := func(items []Item) (map[string]Item, []string) {
		m := map[string]Item{}
		var dups []string
		for _, it := range items {
			k := key(it)
			if _, ok := m[k]; ok {
				dups = append(dups, k)
			}
			m[k] = it
		}
		return m, dups
	}
	wm, wd := index(want)
	gm, gd := index(got)
	var diffs []string
	add := func(format string, args ...any) {
		if limit <= 0 || len(diffs) < limit {
			diffs = append(diffs, fmt.Sprintf(format, args...))
		}
	}
	for _, k := range wd {
		add("duplicate key in want: %s", k)
	}
	for _, k := range gd {
		add("duplicate key in got: %s", k)
	}
	for _, k := range unionKeys(wm, gm) {
		w, inW := wm[k]
		g, inG := gm[k]
		switch {
		case !inG:
			add("missing item %s: %v", k, JSONItem(w))
		case !inW:
			add("unexpected item %s: %v", k, JSONItem(g))
		default:
			wj, gj := JSONItem(w), JSONItem(g)
			for _, n := range unionKeys(wj, gj) {
				if !reflect.DeepEqual(wj[n], gj[n]) {
					add("item %s attribute %s: want %v, got %v", k, n, wj[n], gj[n])
				}
			}
		}
	}
	return diffs
}

// unionKeys returns the keys of a and b, sorted, each once: the
// diffs walk both sides in one stable order.
func unionKeys[A, B any](a map[string]A, b map[string]B) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// PutEvents writes envelopes as event items in the format of DESIGN.md §3
// (what the Executor appends), so that replay tests can give the Applier an
// event log to repair from.
func PutEvents(ctx context.Context, db *dynamodb.Client, tbl string, envs []events.Envelope) error {
	for _, env := range envs {
		p, err := partitionOf(env)
		if err != nil {
			return err
		}
		k := table.EventKey(p, env.Version)
		it := Item{
			table.AttrPK:   &types.AttributeValueMemberS{Value: k.PK},
			table.AttrSK:   &types.AttributeValueMemberS{Value: k.SK},
			table.AttrType: &types.AttributeValueMemberS{Value: table.TypeEvent},
			"kind":         &types.AttributeValueMemberS{Value: string(env.Kind)},
			"agg":          &types.AttributeValueMemberS{Value: env.Aggregate},
			"type":         &types.AttributeValueMemberS{Value: env.Type},
			"v":            &types.AttributeValueMemberN{Value: fmt.Sprint(env.Version)},
			"at":           &types.AttributeValueMemberS{Value: env.At.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")},
			"sv":           &types.AttributeValueMemberN{Value: fmt.Sprint(env.Schema)},
			"data":         &types.AttributeValueMemberS{Value: string(env.Data)},
		}
		if env.Actor != "" {
			it["actor"] = &types.AttributeValueMemberS{Value: env.Actor}
		}
		if env.Command != "" {
			it["cmd"] = &types.AttributeValueMemberS{Value: env.Command}
		}
		_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: it, ConditionExpression: aws.String("attribute_not_exists(PK)")})
		if err != nil {
			return fmt.Errorf("put event %s/%s: %w", k.PK, k.SK, err)
		}
	}
	return nil
}
