package projector

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/table"
)

// Lease protocol (DESIGN.md §5).
//
// Every stream shard has one lease item, table.ShardLeaseKey(name, shard),
// holding the owner (a worker id), the expiry (unix milliseconds, by the
// writer's clock), a fencing counter, the checkpoint (the sequence number
// of the last record fully handled) and a done flag (the shard was closed
// and read to its end).
//
//   - Acquiring a free (no owner), expired or never-leased shard is one
//     conditional write that also increments the fence: a new lease is put
//     with attribute_not_exists(PK) and fence 1; an existing one is updated
//     only if its fence is still the one read and it is free or expired.
//     Two workers racing for a shard cannot both win.
//   - Every later write of the owner — renewal, checkpoint, done, release —
//     is conditioned on owner = me AND fence = my fence. A worker whose
//     lease was taken over (fence incremented) can therefore never move the
//     checkpoint again, whatever its clock says: that is what makes a
//     paused, partitioned or slow worker harmless. Its late applies are
//     harmless too, since the Applier is exactly-once per aggregate.
//   - Clocks only decide liveness (when an expired lease may be taken), so
//     skew between workers costs at most duplicate reading, never
//     correctness; keep skew well under the lease timeout.
//
// Workers announce themselves with heartbeat items (SK WORKER#{id}) so that
// each knows how many are alive and takes at most ceil(shards / workers).

// Attribute names of lease and heartbeat items.
const (
	leaseOwner     = "owner"
	leaseExpiry    = "expiry" // unix ms
	leaseFence     = "fence"
	leaseSeq       = "seq"
	leaseDone      = "done"
	leaseParent    = "parent"
	leaseCPAt      = "cpAt" // creation time of the checkpointed record
	leaseUpdatedAt = "updatedAt"
	workerSKPrefix = table.WorkerSKPrefix
	workerStarted  = "started"
	workerHost     = "host"
	workerMetrics  = "metrics"
)

// ErrLeaseLost means a lease write failed its owner/fence condition: the
// shard belongs to another worker (or was released) and this worker must
// stop processing it without writing anything more.
var ErrLeaseLost = errors.New("projector: shard lease lost")

// Lease is the state of one shard's lease item.
type Lease struct {
	Shard      string
	Parent     string
	Owner      string
	Expiry     time.Time
	Fence      int64
	Checkpoint string    // sequence number of the last handled record; "" for none
	CheckAt    time.Time // approximate creation time of that record
	Done       bool
	UpdatedAt  time.Time
	exists     bool
}

// Free reports whether another worker may take the lease at now.
func (l Lease) Free(now time.Time) bool {
	return !l.Done && (l.Owner == "" || !l.Expiry.After(now))
}

// Worker is a live (or recently live) projector worker.
type Worker struct {
	ID      string
	Host    string
	Started time.Time
	Expiry  time.Time
	Metrics string // the address it serves its metrics on ("" unknown)
}

// Alive reports whether the worker's heartbeat is still valid at now: a
// worker whose heartbeat expired is dead (or cut off) and its leases are
// up for takeover.
func (w Worker) Alive(now time.Time) bool { return w.Expiry.After(now) }

// leases reads and writes a projector's lease and heartbeat items.
type leases struct {
	db          *dynamodb.Client
	table       string
	name        string
	timeout     time.Duration
	now         func() time.Time
	metricsAddr string // announced in the heartbeat
}

func (s *leases) pk() string {
	pk, _, _ := table.ProjectorPartition(s.name)
	return pk
}

// msAV renders t as unix milliseconds.
func msAV(t time.Time) ddb.AttributeValue { return nv(t.UnixMilli()) }

func fromMS(it map[string]ddb.AttributeValue, name string) time.Time {
	v := attrInt(it, name)
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

func attrInt(it map[string]ddb.AttributeValue, name string) int64 {
	if v, ok := it[name].(*ddb.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

func attrStr(it map[string]ddb.AttributeValue, name string) string {
	if v, ok := it[name].(*ddb.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func attrBool(it map[string]ddb.AttributeValue, name string) bool {
	v, ok := it[name].(*ddb.AttributeValueMemberBOOL)
	return ok && v.Value
}

func decodeLease(it map[string]ddb.AttributeValue) Lease {
	_, prefix, _ := table.ProjectorPartition("")
	l := Lease{
		Shard:      strings.TrimPrefix(attrStr(it, table.AttrSK), prefix),
		Parent:     attrStr(it, leaseParent),
		Owner:      attrStr(it, leaseOwner),
		Expiry:     fromMS(it, leaseExpiry),
		Fence:      attrInt(it, leaseFence),
		Checkpoint: attrStr(it, leaseSeq),
		Done:       attrBool(it, leaseDone),
		exists:     true,
	}
	if t, err := time.Parse(time.RFC3339Nano, attrStr(it, leaseCPAt)); err == nil {
		l.CheckAt = t
	}
	if t, err := time.Parse(time.RFC3339Nano, attrStr(it, leaseUpdatedAt)); err == nil {
		l.UpdatedAt = t
	}
	return l
}

// list returns every lease of the projector, by shard id.
func (s *leases) list(ctx context.Context) (map[string]Lease, error) {
	_, prefix, _ := table.ProjectorPartition(s.name)
	items, err := queryPrefix(ctx, s.db, s.table, s.pk(), prefix)
	if err != nil {
		return nil, fmt.Errorf("projector: reading leases: %w", err)
	}
	out := make(map[string]Lease, len(items))
	for _, it := range items {
		l := decodeLease(it)
		out[l.Shard] = l
	}
	return out, nil
}

// get reads one lease (consistently); a missing lease has exists = false.
func (s *leases) get(ctx context.Context, shard string) (Lease, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: table.ShardLeaseKey(s.name, shard).AV(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Lease{}, err
	}
	if res.Item == nil {
		return Lease{Shard: shard}, nil
	}
	return decodeLease(res.Item), nil
}

// acquire takes the lease of shard for me, given the lease as last read
// (seen.exists false: never leased). It fails with ErrLeaseLost when
// another worker holds it or won the race.
func (s *leases) acquire(ctx context.Context, seen Lease, parent, me string) (Lease, error) {
	now := s.now()
	exp := now.Add(s.timeout)
	if !seen.exists {
		k := table.ShardLeaseKey(s.name, seen.Shard)
		item := k.AV()
		item[table.AttrType] = sv(table.TypeShardLease)
		item[leaseOwner] = sv(me)
		item[leaseExpiry] = msAV(exp)
		item[leaseFence] = nv(1)
		item[leaseDone] = bv(false)
		item[leaseUpdatedAt] = sv(now.UTC().Format(time.RFC3339Nano))
		if parent != "" {
			item[leaseParent] = sv(parent)
		}
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")})
		if table.IsConditionFailed(err) {
			return Lease{}, ErrLeaseLost
		}
		if err != nil {
			return Lease{}, err
		}
		return Lease{Shard: seen.Shard, Parent: parent, Owner: me, Expiry: exp, Fence: 1, exists: true}, nil
	}
	names := map[string]string{"#o": leaseOwner, "#e": leaseExpiry, "#f": leaseFence, "#d": leaseDone, "#u": leaseUpdatedAt}
	values := map[string]ddb.AttributeValue{
		":me": sv(me), ":exp": msAV(exp), ":nf": nv(seen.Fence + 1), ":now": msAV(now),
		":empty": sv(""), ":true": bv(true), ":u": sv(now.UTC().Format(time.RFC3339Nano)),
	}
	fenceCond := "attribute_not_exists(#f)"
	if seen.Fence > 0 {
		fenceCond = "#f = :of"
		values[":of"] = nv(seen.Fence)
	}
	set := "SET #o = :me, #e = :exp, #f = :nf, #u = :u"
	if parent != "" && seen.Parent == "" {
		set += ", #p = :p"
		names["#p"] = leaseParent
		values[":p"] = sv(parent)
	}
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       table.ShardLeaseKey(s.name, seen.Shard).AV(),
		UpdateExpression:          aws.String(set),
		ConditionExpression:       aws.String(fenceCond + " AND (attribute_not_exists(#d) OR #d <> :true) AND (attribute_not_exists(#o) OR #o = :empty OR #o = :me OR attribute_not_exists(#e) OR #e < :now)"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              ddb.ReturnValueAllNew,
	})
	if table.IsConditionFailed(err) {
		return Lease{}, ErrLeaseLost
	}
	if err != nil {
		return Lease{}, err
	}
	return decodeLease(res.Attributes), nil
}

// ownerCond is the fencing condition of every write by a lease's owner.
func ownerCond(l Lease, me string, names map[string]string, values map[string]ddb.AttributeValue) string {
	names["#o"] = leaseOwner
	names["#f"] = leaseFence
	values[":me"] = sv(me)
	values[":f"] = nv(l.Fence)
	return "#o = :me AND #f = :f"
}

// renew extends l's expiry. It fails with ErrLeaseLost if l was taken.
func (s *leases) renew(ctx context.Context, l Lease, me string) (time.Time, error) {
	now := s.now()
	exp := now.Add(s.timeout)
	names := map[string]string{"#e": leaseExpiry}
	values := map[string]ddb.AttributeValue{":exp": msAV(exp)}
	if err := s.updateOwned(ctx, l, me, "SET #e = :exp", names, values); err != nil {
		return time.Time{}, err
	}
	return exp, nil
}

// checkpoint stores seq (the last handled record, created at at) as l's
// checkpoint, marks the shard done if done, and renews the lease — all
// only while l is still ours. It returns the new expiry.
func (s *leases) checkpoint(ctx context.Context, l Lease, me, seq string, at time.Time, done bool) (time.Time, error) {
	now := s.now()
	exp := now.Add(s.timeout)
	names := map[string]string{"#e": leaseExpiry, "#u": leaseUpdatedAt}
	values := map[string]ddb.AttributeValue{":exp": msAV(exp), ":u": sv(now.UTC().Format(time.RFC3339Nano))}
	set := []string{"#e = :exp", "#u = :u"}
	if seq != "" {
		names["#s"], values[":s"] = leaseSeq, sv(seq)
		set = append(set, "#s = :s")
		if !at.IsZero() {
			names["#c"], values[":c"] = leaseCPAt, sv(at.UTC().Format(time.RFC3339Nano))
			set = append(set, "#c = :c")
		}
	}
	if done {
		names["#d"], values[":d"] = leaseDone, bv(true)
		set = append(set, "#d = :d")
	}
	if err := s.updateOwned(ctx, l, me, "SET "+strings.Join(set, ", "), names, values); err != nil {
		return time.Time{}, err
	}
	return exp, nil
}

// updateOwned applies update to l's lease item if me still owns it
// (ownerCond adds its condition to names and values): ErrLeaseLost if not.
func (s *leases) updateOwned(ctx context.Context, l Lease, me, update string, names map[string]string, values map[string]ddb.AttributeValue) error {
	cond := ownerCond(l, me, names, values)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: table.ShardLeaseKey(s.name, l.Shard).AV(),
		UpdateExpression: aws.String(update), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	if table.IsConditionFailed(err) {
		return ErrLeaseLost
	}
	return err
}

// release gives l up (owner cleared, expired) so another worker can take
// it at once. The checkpoint is left as it is.
func (s *leases) release(ctx context.Context, l Lease, me string) error {
	names := map[string]string{"#e": leaseExpiry}
	values := map[string]ddb.AttributeValue{":zero": nv(0), ":empty": sv("")}
	return s.updateOwned(ctx, l, me, "SET #o = :empty, #e = :zero", names, values)
}

// forget deletes the lease of a shard that no longer exists in the stream,
// unless someone holds it. gone reports that this call deleted it (so
// that exactly one worker reports what the lease said).
func (s *leases) forget(ctx context.Context, l Lease) (gone bool, err error) {
	res, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: table.ShardLeaseKey(s.name, l.Shard).AV(),
		ConditionExpression:       aws.String("#d = :true OR attribute_not_exists(#e) OR #e < :now OR #o = :empty"),
		ExpressionAttributeNames:  map[string]string{"#d": leaseDone, "#e": leaseExpiry, "#o": leaseOwner},
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":true": bv(true), ":now": msAV(s.now()), ":empty": sv("")},
		ReturnValues:              ddb.ReturnValueAllOld,
	})
	if table.IsConditionFailed(err) {
		return false, nil
	}
	return err == nil && res.Attributes != nil, err
}

func workerKey(name, id string) table.Key {
	pk, _, _ := table.ProjectorPartition(name)
	return table.Key{PK: pk, SK: workerSKPrefix + id}
}

// heartbeat announces me as alive until now + timeout. The item expires
// through the table's TTL an hour after the worker stops.
func (s *leases) heartbeat(ctx context.Context, me, host string, started time.Time) error {
	now := s.now()
	exp := now.Add(s.timeout)
	item := workerKey(s.name, me).AV()
	item[table.AttrType] = sv(table.TypeProjectorRun)
	item[leaseOwner] = sv(me)
	item[leaseExpiry] = msAV(exp)
	item[workerHost] = sv(host)
	item[workerStarted] = sv(started.UTC().Format(time.RFC3339Nano))
	item[table.AttrTTL] = nv(exp.Add(time.Hour).Unix())
	if s.metricsAddr != "" {
		item[workerMetrics] = sv(s.metricsAddr)
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item})
	return err
}

// leave deletes me's heartbeat.
func (s *leases) leave(ctx context.Context, me string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: workerKey(s.name, me).AV()})
	return err
}

// workers returns the workers whose heartbeat has not expired at now.
func (s *leases) workers(ctx context.Context, all bool) ([]Worker, error) {
	items, err := queryPrefix(ctx, s.db, s.table, s.pk(), workerSKPrefix)
	if err != nil {
		return nil, fmt.Errorf("projector: reading workers: %w", err)
	}
	now := s.now()
	var out []Worker
	for _, it := range items {
		w := Worker{ID: attrStr(it, leaseOwner), Host: attrStr(it, workerHost), Expiry: fromMS(it, leaseExpiry), Metrics: attrStr(it, workerMetrics)}
		w.Started, _ = time.Parse(time.RFC3339Nano, attrStr(it, workerStarted))
		if all || w.Expiry.After(now) {
			out = append(out, w)
		}
	}
	return out, nil
}

// queryPrefix returns every item of partition pk whose sort key begins
// with prefix (consistent reads, all pages).
func queryPrefix(ctx context.Context, db *dynamodb.Client, tbl, pk, prefix string) ([]map[string]ddb.AttributeValue, error) {
	pager := dynamodb.NewQueryPaginator(db, &dynamodb.QueryInput{
		TableName:                 aws.String(tbl),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":pk": sv(pk), ":p": sv(prefix)},
		ConsistentRead:            aws.Bool(true),
	})
	var out []map[string]ddb.AttributeValue
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
	}
	return out, nil
}
