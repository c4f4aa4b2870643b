package projector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// Poison events (DESIGN.md §5).
//
// When an append cannot be applied (ErrPoison, or a non-transient failure
// that persists through the retries) its aggregate is blocked: a block item
// (SK HALT#{partition}) in the projector's partition records the aggregate,
// the first version that failed, the error and how many records were held
// since. Later records of a blocked aggregate are held, not applied, so that
// the aggregate's order is preserved; every other aggregate continues. The
// shard's checkpoint moves on: nothing is lost, since the event log holds
// every held event and a retry replays them from there.
//
//   - By default (halt) only the block item is written; the aggregate shows
//     in `projector status`, `projector dlq list` and the
//     halted_aggregates metric, which should page someone.
//   - With Park, every failing or held record is also stored as a DLQ item
//     (table.ParkedEventKey) with its events and the error, so the payload
//     can be inspected without the log.
//
// `projector dlq retry` repairs each blocked aggregate up to its head with
// Applier.Repair (so order holds), deletes its DLQ items and finally the
// block item, conditioned on the held counter being unchanged: a record
// held concurrently makes the delete fail and the retry repeats. A runner
// holding a record does so with a write conditioned on the block item
// still existing; if it was lifted, the record is applied normally. Either
// order leaves no record behind.

const (
	blockSKPrefix = table.HaltSKPrefix

	blkPartition = "pk"
	blkAgg       = "agg"
	blkKind      = "kind"
	blkMode      = "mode"
	blkFirst     = "first"
	blkLast      = "last"
	blkMaxSeen   = "maxSeen"
	blkHeld      = "held"
	blkError     = "error"
	blkAt        = "at"
	blkShard     = "shard"
	blkSeq       = "seq"
	blkWorker    = "worker"
	blkEvents    = "events"
	blkBefore    = "before"
	blkCause     = "cause"

	// ModeHalt and ModePark are the block modes.
	ModeHalt = "halt"
	ModePark = "park"
)

func blockKey(name string, p string) table.Key {
	pk, _, _ := table.ProjectorPartition(name)
	return table.Key{PK: pk, SK: blockSKPrefix + p}
}

// Blocked is a blocked (halted or parking) aggregate.
type Blocked struct {
	Partition string
	Kind      string
	Aggregate string // entities.ID.String()
	Mode      string // ModeHalt or ModePark
	First     int64  // first version that failed
	MaxSeen   int64  // newest version held
	Held      int64  // records held (including the failing one)
	Error     string
	Since     time.Time
	Shard     string
	Worker    string
}

// ParkedEvent is a DLQ item: one record's events that could not be applied
// (Cause "poison") or were held behind an earlier poison event ("blocked").
type ParkedEvent struct {
	Partition string
	Kind      string
	Aggregate string
	First     int64
	Last      int64
	Events    []events.Envelope
	Error     string
	Cause     string
	ParkedAt  time.Time
	Shard     string
	Seq       string
}

func decodeBlocked(it map[string]ddb.AttributeValue) Blocked {
	b := Blocked{
		Partition: attrStr(it, blkPartition), Kind: attrStr(it, blkKind), Aggregate: attrStr(it, blkAgg),
		Mode: attrStr(it, blkMode), First: attrInt(it, blkFirst), MaxSeen: attrInt(it, blkMaxSeen),
		Held: attrInt(it, blkHeld), Error: attrStr(it, blkError), Shard: attrStr(it, blkShard), Worker: attrStr(it, blkWorker),
	}
	b.Since, _ = time.Parse(time.RFC3339Nano, attrStr(it, blkAt))
	return b
}

func decodeParked(it map[string]ddb.AttributeValue) ParkedEvent {
	pe := ParkedEvent{
		Partition: attrStr(it, blkPartition), Kind: attrStr(it, blkKind), Aggregate: attrStr(it, blkAgg),
		First: attrInt(it, blkFirst), Last: attrInt(it, blkLast), Error: attrStr(it, blkError),
		Cause: attrStr(it, blkCause), Shard: attrStr(it, blkShard), Seq: attrStr(it, blkSeq),
	}
	pe.ParkedAt, _ = time.Parse(time.RFC3339Nano, attrStr(it, blkAt))
	_ = json.Unmarshal([]byte(attrStr(it, blkEvents)), &pe.Events)
	return pe
}

// blocker is the runner's side of poison handling: it blocks aggregates,
// holds their later records and caches which aggregates are blocked.
type blocker struct {
	db     *dynamodb.Client
	table  string
	name   string
	worker string
	park   bool
	now    func() time.Time

	mu  sync.Mutex
	set map[string]bool // partition → blocked (a cache; the block item decides)
}

func (b *blocker) blocked(p string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.set[p]
}

func (b *blocker) mark(p string, on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if on {
		b.set[p] = true
	} else {
		delete(b.set, p)
	}
}

// refresh reloads the blocked set; it returns the number of halted and
// parking aggregates and of DLQ items.
func (b *blocker) refresh(ctx context.Context) (halted, parking, parked int, err error) {
	pk, _, dlqPrefix := table.ProjectorPartition(b.name)
	items, err := queryPrefix(ctx, b.db, b.table, pk, blockSKPrefix)
	if err != nil {
		return 0, 0, 0, err
	}
	set := make(map[string]bool, len(items))
	for _, it := range items {
		bl := decodeBlocked(it)
		set[bl.Partition] = true
		if bl.Mode == ModePark {
			parking++
		} else {
			halted++
		}
	}
	b.mu.Lock()
	b.set = set
	b.mu.Unlock()
	n, err := countPrefix(ctx, b.db, b.table, pk, dlqPrefix)
	return halted, parking, n, err
}

func countPrefix(ctx context.Context, db *dynamodb.Client, tbl, pk, prefix string) (int, error) {
	pager := dynamodb.NewQueryPaginator(db, &dynamodb.QueryInput{
		TableName:                 aws.String(tbl),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":pk": sv(pk), ":p": sv(prefix)},
		Select:                    ddb.SelectCount,
	})
	n := 0
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return n, err
		}
		n += int(page.Count)
	}
	return n, nil
}

// parkedItem renders rec as a DLQ item.
func (b *blocker) parkedItem(rec *headRecord, cause string, errText, shard string) map[string]ddb.AttributeValue {
	item := table.ParkedEventKey(b.name, table.Partition(rec.partition), rec.first()).AV()
	item[table.AttrType] = sv(table.TypeParkedEvent)
	item[blkPartition] = sv(rec.partition)
	item[blkKind] = sv(rec.kind)
	item[blkAgg] = sv(rec.agg)
	item[blkFirst] = nv(rec.first())
	item[blkLast] = nv(rec.last())
	item[blkBefore] = nv(rec.app.BeforeVersion)
	raw, _ := json.Marshal(rec.app.Events)
	if rec.app.Events == nil {
		raw = []byte(rec.raw)
	}
	item[blkEvents] = sv(string(raw))
	item[blkError] = sv(truncate(errText, 4000))
	item[blkCause] = sv(cause)
	item[blkAt] = sv(b.now().UTC().Format(time.RFC3339Nano))
	item[blkShard] = sv(shard)
	item[blkSeq] = sv(rec.seq)
	item[blkWorker] = sv(b.worker)
	return item
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// block blocks rec's aggregate because of cause. If it is blocked already
// (by another worker, say), rec is held instead.
func (b *blocker) block(ctx context.Context, rec *headRecord, cause error, shard string) error {
	mode := ModeHalt
	if b.park {
		mode = ModePark
	}
	item := blockKey(b.name, rec.partition).AV()
	item[table.AttrType] = sv(table.TypeProjectorRun)
	item[blkPartition] = sv(rec.partition)
	item[blkKind] = sv(rec.kind)
	item[blkAgg] = sv(rec.agg)
	item[blkMode] = sv(mode)
	item[blkFirst] = nv(rec.first())
	item[blkMaxSeen] = nv(rec.last())
	item[blkHeld] = nv(1)
	item[blkError] = sv(truncate(cause.Error(), 4000))
	item[blkAt] = sv(b.now().UTC().Format(time.RFC3339Nano))
	item[blkShard] = sv(shard)
	item[blkSeq] = sv(rec.seq)
	item[blkWorker] = sv(b.worker)
	for {
		put := &ddb.Put{TableName: aws.String(b.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}
		var err error
		if b.park {
			_, err = b.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddb.TransactWriteItem{
				{Put: put},
				{Put: &ddb.Put{TableName: aws.String(b.table), Item: b.parkedItem(rec, "poison", cause.Error(), shard)}},
			}})
			if c, ok := table.AsCancellation(err); ok && len(c.Reasons) > 0 && c.Reasons[0] == table.ReasonConditionFailed {
				err = errBlockExists
			}
		} else {
			_, err = b.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(b.table), Item: put.Item, ConditionExpression: put.ConditionExpression})
			if table.IsConditionFailed(err) {
				err = errBlockExists
			}
		}
		if err == nil {
			b.mark(rec.partition, true)
			return nil
		}
		if !errors.Is(err, errBlockExists) {
			return err
		}
		lifted, err := b.hold(ctx, rec, shard)
		if err != nil || !lifted {
			return err
		}
		// Lifted between our two writes: block anew.
	}
}

var errBlockExists = errors.New("block exists")

// hold records that rec was held behind its aggregate's block. lifted
// reports that the block no longer exists: rec must then be applied.
//
// A record at or before the block's first version is one delivered again
// (a redelivered Lambda batch, a runner re-reading after a restart): it
// was handled when the block was made, so nothing is written — in
// particular the poison record's DLQ item keeps its error.
func (b *blocker) hold(ctx context.Context, rec *headRecord, shard string) (lifted bool, err error) {
	upd := &ddb.Update{
		TableName:                           aws.String(b.table),
		Key:                                 blockKey(b.name, rec.partition).AV(),
		UpdateExpression:                    aws.String("SET #m = :v ADD #h :one"),
		ConditionExpression:                 aws.String("attribute_exists(PK) AND #f < :f"),
		ExpressionAttributeNames:            map[string]string{"#m": blkMaxSeen, "#h": blkHeld, "#f": blkFirst},
		ExpressionAttributeValues:           map[string]ddb.AttributeValue{":v": nv(rec.last()), ":one": nv(1), ":f": nv(rec.first())},
		ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld,
	}
	// seen: the condition failed on a block that exists (a redelivery);
	// otherwise the block is gone.
	failed := func(seen bool) (bool, error) {
		b.mark(rec.partition, seen)
		return !seen, nil
	}
	if b.park {
		_, err = b.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddb.TransactWriteItem{
			{Update: upd},
			{Put: &ddb.Put{TableName: aws.String(b.table), Item: b.parkedItem(rec, "blocked", "held behind an earlier poison event of the aggregate", shard)}},
		}})
		if c, ok := table.AsCancellation(err); ok && len(c.Reasons) > 0 && c.Reasons[0] == table.ReasonConditionFailed {
			return failed(len(c.Items) > 0 && len(c.Items[0]) > 0)
		}
	} else {
		_, err = b.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: upd.TableName, Key: upd.Key, UpdateExpression: upd.UpdateExpression, ConditionExpression: upd.ConditionExpression,
			ExpressionAttributeNames: upd.ExpressionAttributeNames, ExpressionAttributeValues: upd.ExpressionAttributeValues,
			ReturnValuesOnConditionCheckFailure: upd.ReturnValuesOnConditionCheckFailure,
		})
		var ccf *ddb.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return failed(len(ccf.Item) > 0)
		}
	}
	return false, err
}

// DLQ is the operator's view of blocked aggregates and parked events of
// one projector (`projector dlq list|retry`).
type DLQ struct {
	db      *dynamodb.Client
	table   string
	name    string
	applier *Applier
}

// NewDLQ returns the DLQ of the projector called name (default "main");
// applier repairs aggregates on Retry.
func NewDLQ(db *dynamodb.Client, tableName, name string, applier *Applier) *DLQ {
	if name == "" {
		name = "main"
	}
	return &DLQ{db: db, table: tableName, name: name, applier: applier}
}

// List returns the blocked aggregates and the parked events, both sorted
// by partition (and version).
func (q *DLQ) List(ctx context.Context) ([]Blocked, []ParkedEvent, error) {
	pk, _, dlqPrefix := table.ProjectorPartition(q.name)
	items, err := queryPrefix(ctx, q.db, q.table, pk, blockSKPrefix)
	if err != nil {
		return nil, nil, fmt.Errorf("projector: reading blocked aggregates: %w", err)
	}
	var blocked []Blocked
	for _, it := range items {
		blocked = append(blocked, decodeBlocked(it))
	}
	items, err = queryPrefix(ctx, q.db, q.table, pk, dlqPrefix)
	if err != nil {
		return nil, nil, fmt.Errorf("projector: reading parked events: %w", err)
	}
	var parked []ParkedEvent
	for _, it := range items {
		parked = append(parked, decodeParked(it))
	}
	sort.Slice(blocked, func(i, j int) bool { return blocked[i].Partition < blocked[j].Partition })
	sort.Slice(parked, func(i, j int) bool {
		if parked[i].Partition != parked[j].Partition {
			return parked[i].Partition < parked[j].Partition
		}
		return parked[i].First < parked[j].First
	})
	return blocked, parked, nil
}

// RetryResult is the outcome of retrying one aggregate.
type RetryResult struct {
	Partition string
	Aggregate string
	UpTo      int64 // version the read model was repaired to
	Removed   int   // DLQ items removed
	Err       error
}

// Retry re-applies every blocked aggregate and every aggregate with parked
// events (only partition's, if not empty) through Applier.Repair, up to the
// aggregate's current head, and removes its DLQ items and block on
// success. Aggregates that still fail keep their items; the error is
// recorded on the block item and returned in the result.
func (q *DLQ) Retry(ctx context.Context, partition string) ([]RetryResult, error) {
	blocked, parked, err := q.List(ctx)
	if err != nil {
		return nil, err
	}
	type agg struct{ kind, id string }
	todo := map[string]agg{}
	for _, b := range blocked {
		todo[b.Partition] = agg{b.Kind, b.Aggregate}
	}
	for _, p := range parked {
		if _, ok := todo[p.Partition]; !ok {
			todo[p.Partition] = agg{p.Kind, p.Aggregate}
		}
	}
	parts := make([]string, 0, len(todo))
	for p := range todo {
		if partition == "" || p == partition {
			parts = append(parts, p)
		}
	}
	sort.Strings(parts)
	var out []RetryResult
	for _, p := range parts {
		a := todo[p]
		res := RetryResult{Partition: p, Aggregate: a.kind + ":" + a.id}
		res.UpTo, res.Removed, res.Err = q.retryOne(ctx, p, a.kind, a.id)
		if res.Err != nil && ctx.Err() != nil {
			return out, ctx.Err()
		}
		out = append(out, res)
	}
	return out, nil
}

func (q *DLQ) retryOne(ctx context.Context, p, kind, agg string) (upTo int64, removed int, err error) {
	id, err := events.ParseID(entities.Kind(kind), agg)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: cannot identify the aggregate of %s: %v", ErrPoison, p, err)
	}
	for attempt := 0; ; attempt++ {
		// The block as it is before the repair: deleting it is conditioned
		// on no record having been held since.
		res, err := q.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(q.table), Key: blockKey(q.name, p).AV(), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return 0, removed, err
		}
		held, hasBlock := int64(0), res.Item != nil
		maxSeen := int64(0)
		if hasBlock {
			held, maxSeen = attrInt(res.Item, blkHeld), attrInt(res.Item, blkMaxSeen)
		}
		head, err := q.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(q.table), Key: table.HeadKey(table.Partition(p)).AV(), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return 0, removed, err
		}
		upTo = max(attrInt(head.Item, "v"), maxSeen)
		if err := q.applier.Repair(ctx, id, upTo); err != nil {
			if hasBlock {
				q.noteError(ctx, p, err)
			}
			return upTo, removed, err
		}
		n, err := q.removeParked(ctx, p, upTo)
		removed += n
		if err != nil {
			return upTo, removed, err
		}
		if !hasBlock {
			return upTo, removed, nil
		}
		_, err = q.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: aws.String(q.table), Key: blockKey(q.name, p).AV(),
			ConditionExpression:       aws.String("#h = :h"),
			ExpressionAttributeNames:  map[string]string{"#h": blkHeld},
			ExpressionAttributeValues: map[string]ddb.AttributeValue{":h": nv(held)},
		})
		if err == nil {
			return upTo, removed, nil
		}
		if !table.IsConditionFailed(err) || attempt >= 20 {
			return upTo, removed, err
		}
		// A runner held another record meanwhile: repair further.
	}
}

func (q *DLQ) noteError(ctx context.Context, p string, cause error) {
	_, _ = q.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(q.table), Key: blockKey(q.name, p).AV(),
		UpdateExpression:          aws.String("SET #e = :e"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#e": blkError},
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":e": sv(truncate("retry: "+cause.Error(), 4000))},
	})
}

// removeParked deletes p's DLQ items whose events are all at or below upTo.
func (q *DLQ) removeParked(ctx context.Context, p string, upTo int64) (int, error) {
	pk, _, dlqPrefix := table.ProjectorPartition(q.name)
	items, err := queryPrefix(ctx, q.db, q.table, pk, dlqPrefix+p+"#")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		if attrStr(it, blkPartition) != p || attrInt(it, blkLast) > upTo || !strings.HasPrefix(attrStr(it, table.AttrSK), dlqPrefix) {
			continue
		}
		_, err := q.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(q.table), Key: table.Key{PK: pk, SK: attrStr(it, table.AttrSK)}.AV()})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
