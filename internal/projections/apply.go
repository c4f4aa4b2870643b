package projections

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// markerSK is the sort key of an aggregate's projection marker, in the
// aggregate's own partition. No access pattern's key range includes it.
const markerSK = "PROJECTION"

// maxTxItems is DynamoDB's TransactWriteItems limit.
const maxTxItems = 100

// Applier applies appends (the events of one head record) to the read model
// exactly once.
type Applier struct {
	db    *dynamodb.Client
	table string
	codec *events.Codec
}

// NewApplier returns an Applier writing read items into tableName and
// reading the event log from it for repairs.
func NewApplier(db *dynamodb.Client, tableName string, codec *events.Codec) *Applier {
	if codec == nil {
		codec = events.NewCodec()
	}
	return &Applier{db: db, table: tableName, codec: codec}
}

// ErrPoison marks an event that cannot be decoded or projected; retrying
// will not help.
var ErrPoison = errors.New("projections: poison event")

// Append is one head record's worth of events of one aggregate.
type Append struct {
	ID entities.ID
	// Before is the aggregate's state before the first event (nil for a
	// new aggregate), at version BeforeVersion.
	Before        entities.State
	BeforeVersion int64
	Events        []events.Envelope
}

// Apply applies a, exactly once. A duplicate (already applied) is a no-op;
// a gap between the read model and a is repaired from the event log first.
func (ap *Applier) Apply(ctx context.Context, a Append) error {
	if len(a.Events) == 0 {
		return nil
	}
	first, last := a.Events[0].Version, a.Events[len(a.Events)-1].Version
	if first != a.BeforeVersion+1 {
		// The record does not carry the state its events start from (an
		// image was lost); the log has it.
		return ap.Repair(ctx, a.ID, last)
	}
	tx, err := ap.transaction(a)
	if err != nil {
		return err
	}
	_, err = ap.db.TransactWriteItems(ctx, tx)
	if err == nil {
		return nil
	}
	cancel, ok := table.AsCancellation(err)
	if !ok || len(cancel.Reasons) == 0 || cancel.Reasons[0] != table.ReasonConditionFailed {
		return fmt.Errorf("projections: applying %v v%d..%d: %w", a.ID, first, last, err)
	}
	applied := markerVersion(cancel.Items[0])
	if applied >= last {
		return nil // duplicate delivery
	}
	return ap.Repair(ctx, a.ID, last)
}

// transaction builds the marker update and the merged writes of a.
func (ap *Applier) transaction(a Append) (*dynamodb.TransactWriteItemsInput, error) {
	p, err := events.Partition(a.ID)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPoison, err)
	}
	first, last := a.Events[0].Version, a.Events[len(a.Events)-1].Version
	state := a.Before
	var writes []Write
	for _, env := range a.Events {
		ev, err := ap.codec.Decode(env)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPoison, err)
		}
		after, err := entities.Evolve(state, ev, env.At)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPoison, err)
		}
		ws, err := Project(Event{Env: env, Event: ev, Before: state, After: after})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPoison, err)
		}
		writes = append(writes, ws...)
		state = after
	}
	merged := mergeWrites(writes)
	if len(merged)+1 > maxTxItems {
		return nil, fmt.Errorf("%w: append of %v needs %d writes", ErrPoison, a.ID, len(merged)+1)
	}
	marker := &types.Update{
		TableName:                           aws.String(ap.table),
		Key:                                 table.Key{PK: string(p), SK: markerSK}.AV(),
		UpdateExpression:                    aws.String("SET #v = :last, #et = :et"),
		ExpressionAttributeNames:            map[string]string{"#v": table.AttrVersion, "#et": table.AttrType},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":last": nv(last), ":et": sv(table.TypeMarker)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	if first == 1 {
		marker.ConditionExpression = aws.String("attribute_not_exists(#v)")
	} else {
		marker.ConditionExpression = aws.String("#v = :prev")
		marker.ExpressionAttributeValues[":prev"] = nv(first - 1)
	}
	items := []types.TransactWriteItem{{Update: marker}}
	for _, w := range merged {
		items = append(items, ap.writeItem(w))
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: items}, nil
}

func markerVersion(it map[string]types.AttributeValue) int64 {
	if v, ok := it[table.AttrVersion].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

// mergeWrites combines writes to the same key, keeping first-seen order.
func mergeWrites(ws []Write) []Write {
	idx := map[table.Key]int{}
	var out []Write
	for _, w := range ws {
		i, ok := idx[w.Key]
		if !ok {
			idx[w.Key] = len(out)
			out = append(out, cloneWrite(w))
			continue
		}
		m := &out[i]
		if w.Delete {
			*m = Write{Key: w.Key, Delete: true}
			continue
		}
		if m.Delete {
			// Re-created after a delete in the same append.
			*m = cloneWrite(w)
			continue
		}
		for n, v := range w.Set {
			m.Set[n] = v
			m.Remove = without(m.Remove, n)
		}
		for _, n := range w.Remove {
			delete(m.Set, n)
			if !contains(m.Remove, n) {
				m.Remove = append(m.Remove, n)
			}
		}
		for n, d := range w.Add {
			m.Add[n] += d
		}
	}
	return out
}

func cloneWrite(w Write) Write {
	c := Write{Key: w.Key, Delete: w.Delete, Set: map[string]types.AttributeValue{}, Add: map[string]int64{}}
	for n, v := range w.Set {
		c.Set[n] = v
	}
	for n, v := range w.Add {
		c.Add[n] = v
	}
	c.Remove = append(c.Remove, w.Remove...)
	return c
}

func without(ss []string, s string) []string {
	out := ss[:0:0]
	for _, x := range ss {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// writeItem renders a merged write as a transaction action. Attribute
// order is sorted so that identical writes produce identical requests.
func (ap *Applier) writeItem(w Write) types.TransactWriteItem {
	if w.Delete {
		return types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(ap.table), Key: w.Key.AV()}}
	}
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	var set, remove, add []string
	for _, n := range sortedKeys(w.Set) {
		ph := "#s" + strconv.Itoa(len(set))
		names[ph] = n
		values[":s"+strconv.Itoa(len(set))] = w.Set[n]
		set = append(set, ph+" = :s"+strconv.Itoa(len(set)))
	}
	rm := append([]string(nil), w.Remove...)
	sort.Strings(rm)
	for i, n := range rm {
		ph := "#r" + strconv.Itoa(i)
		names[ph] = n
		remove = append(remove, ph)
	}
	for i, n := range sortedKeys(w.Add) {
		ph := "#a" + strconv.Itoa(i)
		names[ph] = n
		values[":a"+strconv.Itoa(i)] = nv(w.Add[n])
		add = append(add, ph+" :a"+strconv.Itoa(i))
	}
	var expr []string
	if len(set) > 0 {
		expr = append(expr, "SET "+strings.Join(set, ", "))
	}
	if len(remove) > 0 {
		expr = append(expr, "REMOVE "+strings.Join(remove, ", "))
	}
	if len(add) > 0 {
		expr = append(expr, "ADD "+strings.Join(add, ", "))
	}
	u := &types.Update{TableName: aws.String(ap.table), Key: w.Key.AV(), UpdateExpression: aws.String(strings.Join(expr, " ")), ExpressionAttributeNames: names}
	if len(values) > 0 {
		u.ExpressionAttributeValues = values
	}
	return types.TransactWriteItem{Update: u}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Repair brings the read model of id up to version upTo from the event log:
// it reads the marker and the log, folds the state up to the marker, and
// applies the missing events in chunks. It is how gaps from lost or trimmed
// stream data are closed.
func (ap *Applier) Repair(ctx context.Context, id entities.ID, upTo int64) error {
	p, err := events.Partition(id)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPoison, err)
	}
	mk, err := ap.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(ap.table), Key: table.Key{PK: string(p), SK: markerSK}.AV(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("projections: reading marker of %v: %w", id, err)
	}
	applied := markerVersion(mk.Item)
	if applied >= upTo {
		return nil
	}
	log, err := loadLog(ctx, ap.db, ap.table, p, upTo)
	if err != nil {
		return err
	}
	var state entities.State
	for _, env := range log {
		if env.Version > applied {
			break
		}
		ev, err := ap.codec.Decode(env)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPoison, err)
		}
		if state, err = entities.Evolve(state, ev, env.At); err != nil {
			return fmt.Errorf("%w: %v", ErrPoison, err)
		}
	}
	missing := log[min(int(applied), len(log)):]
	return ap.ApplyLog(ctx, id, state, applied, missing)
}

// ApplyLog applies consecutive events of one aggregate, starting from state
// at version from, in chunks that fit one transaction.
func (ap *Applier) ApplyLog(ctx context.Context, id entities.ID, state entities.State, from int64, envs []events.Envelope) error {
	const chunk = 16
	for len(envs) > 0 {
		n := min(chunk, len(envs))
		a := Append{ID: id, Before: state, BeforeVersion: from, Events: envs[:n]}
		tx, err := ap.transaction(a)
		if err != nil {
			return err
		}
		if _, err := ap.db.TransactWriteItems(ctx, tx); err != nil {
			cancel, ok := table.AsCancellation(err)
			if !ok || cancel.Reasons[0] != table.ReasonConditionFailed || markerVersion(cancel.Items[0]) < envs[n-1].Version {
				return fmt.Errorf("projections: repairing %v: %w", id, err)
			}
		}
		for _, env := range envs[:n] {
			ev, err := ap.codec.Decode(env)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrPoison, err)
			}
			if state, err = entities.Evolve(state, ev, env.At); err != nil {
				return fmt.Errorf("%w: %v", ErrPoison, err)
			}
		}
		from = envs[n-1].Version
		envs = envs[n:]
	}
	return nil
}

// loadLog reads an aggregate's events up to version upTo, in order.
func loadLog(ctx context.Context, db *dynamodb.Client, tableName string, p table.Partition, upTo int64) ([]events.Envelope, error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(tableName),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": sv(string(p)), ":lo": sv(table.EventKey(p, 1).SK), ":hi": sv(table.EventKey(p, upTo).SK),
		},
		ConsistentRead: aws.Bool(true),
	}
	var out []events.Envelope
	pager := dynamodb.NewQueryPaginator(db, in)
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("projections: reading event log of %s: %w", p, err)
		}
		for _, it := range page.Items {
			env, err := events.DecodeEventItem(it)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrPoison, err)
			}
			out = append(out, env)
		}
	}
	for i, env := range out {
		if env.Version != int64(i+1) {
			return nil, fmt.Errorf("projections: event log of %s has a hole at version %d", p, i+1)
		}
	}
	return out, nil
}
