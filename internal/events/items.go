package events

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// Attribute names of event and head items (DESIGN.md §3 "Write side").
const (
	attrKind    = "kind"
	attrAgg     = "agg"
	attrType    = "type"
	attrV       = "v"
	attrAt      = "at"
	attrActor   = "actor"
	attrCmd     = "cmd"
	attrSchema  = "sv"
	attrData    = "data"
	attrSeq     = "seq"
	attrState   = "state"
	attrNew     = "new"
	attrAtMs    = "atMs" // the append's commit time, unix milliseconds (a number, for lag metrics)
	timeLayout  = time.RFC3339Nano
	headVersion = attrV
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// eventItem returns the event item of env in partition p.
func eventItem(p table.Partition, env Envelope) map[string]types.AttributeValue {
	k := table.EventKey(p, env.Version)
	it := map[string]types.AttributeValue{
		table.AttrPK:   s(k.PK),
		table.AttrSK:   s(k.SK),
		table.AttrType: s(table.TypeEvent),
		attrKind:       s(string(env.Kind)),
		attrAgg:        s(env.Aggregate),
		attrType:       s(env.Type),
		attrV:          n(env.Version),
		attrAt:         s(env.At.UTC().Format(timeLayout)),
		attrSchema:     n(int64(env.Schema)),
		attrData:       s(string(env.Data)),
	}
	if env.Actor != "" {
		it[attrActor] = s(env.Actor)
	}
	if env.Command != "" {
		it[attrCmd] = s(env.Command)
	}
	return it
}

// headItem returns the head of an aggregate after an append: its version,
// sequence counter, state snapshot and the appended envelopes inline.
func headItem(p table.Partition, snap entities.Snapshot, appended []Envelope, at time.Time) (map[string]types.AttributeValue, error) {
	state, err := marshalStored(snap.State)
	if err != nil {
		return nil, fmt.Errorf("events: encoding %s state: %w", snap.ID.Kind(), err)
	}
	if appended == nil {
		appended = []Envelope{}
	}
	newEvents, err := marshalStored(appended)
	if err != nil {
		return nil, err
	}
	k := table.HeadKey(p)
	return map[string]types.AttributeValue{
		table.AttrPK:   s(k.PK),
		table.AttrSK:   s(k.SK),
		table.AttrType: s(table.TypeHead),
		attrKind:       s(string(snap.ID.Kind())),
		attrAgg:        s(snap.ID.String()),
		attrV:          n(snap.Version),
		attrSeq:        n(snap.Seq),
		attrState:      s(string(state)),
		attrNew:        s(string(newEvents)),
		attrAt:         s(at.UTC().Format(timeLayout)),
		attrAtMs:       n(at.UnixMilli()),
	}, nil
}

func getS(it map[string]types.AttributeValue, name string) (string, bool) {
	v, ok := it[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return v.Value, true
}

func getN(it map[string]types.AttributeValue, name string) (int64, bool) {
	v, ok := it[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	x, err := strconv.ParseInt(v.Value, 10, 64)
	return x, err == nil
}

// Head is a decoded head item.
type Head struct {
	Snapshot entities.Snapshot
	// New holds the events of the append that wrote this head.
	New []Envelope
	// At is when the append that wrote this head was committed, to the
	// millisecond (zero for heads written before it was recorded). The
	// projector measures its lag from it: a stream record's own creation
	// time has whole-second resolution.
	At time.Time
}

// DecodeHead decodes a head item (from GetItem, Query or a stream image).
// id may be nil; it is then rebuilt from the item.
func DecodeHead(id entities.ID, it map[string]types.AttributeValue) (Head, error) {
	v, ok1 := getN(it, attrV)
	seq, _ := getN(it, attrSeq)
	kind, ok2 := getS(it, attrKind)
	state, ok3 := getS(it, attrState)
	if !ok1 || !ok2 || !ok3 {
		return Head{}, fmt.Errorf("events: malformed head item")
	}
	st, err := entities.DecodeState(entities.Kind(kind), []byte(state))
	if err != nil {
		return Head{}, err
	}
	if id == nil {
		agg, _ := getS(it, attrAgg)
		if id, err = ParseID(entities.Kind(kind), agg); err != nil {
			return Head{}, err
		}
	}
	h := Head{Snapshot: entities.Snapshot{ID: id, Version: v, Seq: seq, State: st}}
	if ms, ok := getN(it, attrAtMs); ok && ms > 0 {
		h.At = time.UnixMilli(ms).UTC()
	}
	if raw, ok := getS(it, attrNew); ok && raw != "" {
		if err := json.Unmarshal([]byte(raw), &h.New); err != nil {
			return Head{}, fmt.Errorf("events: malformed head events: %w", err)
		}
	}
	return h, nil
}

// DecodeEventItem decodes an event item into its envelope.
func DecodeEventItem(it map[string]types.AttributeValue) (Envelope, error) {
	var env Envelope
	kind, ok1 := getS(it, attrKind)
	agg, ok2 := getS(it, attrAgg)
	typ, ok3 := getS(it, attrType)
	v, ok4 := getN(it, attrV)
	at, ok5 := getS(it, attrAt)
	data, ok6 := getS(it, attrData)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return env, fmt.Errorf("events: malformed event item")
	}
	t, err := time.Parse(timeLayout, at)
	if err != nil {
		return env, fmt.Errorf("events: malformed event time %q", at)
	}
	sv, _ := getN(it, attrSchema)
	actor, _ := getS(it, attrActor)
	cmd, _ := getS(it, attrCmd)
	return Envelope{Kind: entities.Kind(kind), Aggregate: agg, Type: typ, Version: v, At: t, Actor: actor, Command: cmd, Schema: int(sv), Data: json.RawMessage(data)}, nil
}

// ParseID rebuilds an aggregate ID from its kind and String form.
func ParseID(kind entities.Kind, s string) (entities.ID, error) { return entities.ParseID(kind, s) }
