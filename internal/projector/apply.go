package projector

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
	"github.com/hubstream/hubstream/internal/projections"
	"github.com/hubstream/hubstream/internal/table"
)

// markerSK is the sort key of an aggregate's projection marker (see
// table.MarkerKey), in the aggregate's own partition: the applier's
// exactly-once bookkeeping, which rebuild and verify also read. No access
// pattern's key range includes it.
const markerSK = table.TypeMarker

// maxTxItems is DynamoDB's TransactWriteItems limit.
const maxTxItems = 100

// Applier applies appends (the events of one head record) to the read model
// exactly once.
type Applier struct {
	db    *dynamodb.Client
	table string
	codec *events.Codec
	onGap func(context.Context, Gap) // see WithGapHandler
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

// Deletes: purges, tombstones and guards.
//
// Most projections are pure functions of one event onto a handful of known
// keys. Deleting a repository is not: everything that hangs off it — its
// read item, stars in users' partitions, fork links, issues, pull requests,
// comments, reactions — must disappear from every query, and a pure
// projection cannot query for them. So a projection may return a purge
// step, projections.Write{Purge: &projections.PurgeSpec{…}}, describing what to delete (single
// keys and key ranges, with the counter adjustments that go with each
// deleted item), and the applier carries it out:
//
//  1. An event whose projection purges starts a new step: the events
//     before it are committed first (with their marker), so the purge sees
//     everything they wrote.
//  2. Before the purge, the marker is read (consistently): if it is at or
//     past the step, the step is a duplicate and nothing runs; if it is
//     behind, the gap is repaired first.
//  3. The purge puts its tombstone, then deletes each item in its own
//     small transaction with its counter adjustments, conditioned on the
//     item existing (and matching, e.g. the repository life it belongs to).
//     What the deleted entity owns outright is found by key (whole
//     partitions, key ranges), not through an index, so it is found even
//     where only other aggregates' counters have been projected so far.
//     A purge interrupted or redelivered simply runs again: what is gone is
//     not found or fails its condition, so nothing is counted twice.
//  4. Then the step's transaction commits its writes and the marker, as for
//     any event.
//
// Purging alone does not stop resurrection: an event of another aggregate
// (a star, an issue, a comment) written before the delete may be projected
// after the purge, and would write its items and counters back. Such
// projections therefore guard their writes (projections.Write.Guard) with the
// tombstone of the repository life they belong to: the transaction
// carries a condition check that the tombstone does not exist, and when it
// fails the applier drops the guarded writes and commits the rest (often
// just the marker). Tombstones are permanent, so the outcome does not
// depend on how late the event comes, or on the order in which a rebuild
// replays aggregates; because the purge puts the tombstone before it
// deletes, a guarded write either committed before the tombstone (and the
// purge deletes it) or is dropped.
//
// Dropped must look like applied-then-purged: where a purge uncounts
// rather than deletes (a user's starredCount, on an account item that
// stays), the projection adds an unguarded ADD 0 next to the guarded
// change, so the counter exists, at 0, whichever came first (see
// starCounters).
//
// Repository lives.
//
// A repository's name may be reused after a delete (entities.Repository,
// Life). Each life has its own tombstone, and relation items (stars, fork
// links) record the life they belong to, so a purge of one life never
// deletes what another wrote under other keys. Issue and pull-request
// numbers continue across lives, so their partitions belong to one life
// each.
//
// One item is shared by the lives: the repository's read item, which the
// repository's own projection writes and on which stars, forks, issues and
// pull requests of other aggregates keep counters. Every write to it is
// life-aware (projections.Write.Life): it carries the condition "no life yet, or life
// = L" and stamps the life on the item (a counter written before the
// repository's creation is projected makes a counter-only item, which the
// creation then completes). When the condition fails the applier looks at
// the life it found (ALL_OLD):
//
//   - a later life: the write's life is over (its delete is committed;
//     the later life proves it), and in commit order its effect on the
//     item would have been purged with it. The write is dropped, like a
//     guarded write; the rest of the append commits.
//   - an earlier life: that life is over for the same reason, its delete
//     just has not been projected yet (the repository's shard lags). Its
//     item is deleted now (conditioned on that life, so idempotent), and
//     the transaction is retried: the write starts the item of its own
//     life. The earlier life's purge, when it comes, matches its life and
//     finds nothing of it there.
//
// Nothing waits for another aggregate, and the item ends up with exactly
// the counters of its current life whichever aggregate is projected first:
// the read model does not depend on the order in which aggregates are
// projected, live or in a rebuild (projections.Rebuild applies aggregates
// in parallel, in any order). The same holds for the other ordering
// hazard, issues and pull requests projected after their repository's
// delete: the purge deletes their partitions by number, not by finding
// their items (see repositoryPurge), so counters and reactions that were
// projected onto a not yet projected issue go too, and the issue's own
// projection is then dropped by the guard.

// Apply applies a, exactly once. A duplicate (already applied) is a no-op;
// a gap between the read model and a is repaired from the event log first,
// and reported to the gap handler (WithGapHandler) once repaired.
func (ap *Applier) Apply(ctx context.Context, a Append) error {
	gap, err := ap.apply(ctx, a)
	if err == nil && gap != nil && ap.onGap != nil {
		ap.onGap(ctx, *gap)
	}
	return err
}

// Gap is a head record whose events do not follow the aggregate's
// projection marker: the versions in between were never delivered (their
// stream records were lost), and were repaired from the log.
type Gap struct {
	ID     entities.ID
	Marker int64 // the version the read model was at
	First  int64 // the first version the record carried
}

// String describes the gap.
func (g Gap) String() string {
	return fmt.Sprintf("%v jumped from v%d to v%d: v%d..%d never arrived and were repaired from the event log", g.ID, g.Marker, g.First, g.Marker+1, g.First-1)
}

// WithGapHandler returns a copy of ap that calls f after it repaired a
// gap (see Gap): a sign of lost stream records, which may have carried
// other aggregates' appends too — something to log, count and answer
// with an anti-entropy sweep (the Runner does all three).
func (ap *Applier) WithGapHandler(f func(context.Context, Gap)) *Applier {
	c := *ap
	c.onGap = f
	return &c
}

// apply is Apply that returns the gap it repaired, if any.
func (ap *Applier) apply(ctx context.Context, a Append) (*Gap, error) {
	if len(a.Events) == 0 {
		return nil, nil
	}
	first := a.Events[0].Version
	if first != a.BeforeVersion+1 {
		// The record does not carry the state its events start from (an
		// image was lost); the log has it.
		return ap.repairAppend(ctx, a)
	}
	err := ap.applyEvents(ctx, a.ID, a.Before, a.Events)
	var behind errBehind
	if errors.As(err, &behind) {
		return ap.repairAppend(ctx, a)
	}
	return nil, err
}

// repairAppend brings a's aggregate up to a's last version from the log;
// it returns the gap it closed when the marker was behind a's first
// version.
func (ap *Applier) repairAppend(ctx context.Context, a Append) (*Gap, error) {
	first, last := a.Events[0].Version, a.Events[len(a.Events)-1].Version
	applied, err := ap.repair(ctx, a.ID, last)
	if err != nil || applied >= first-1 {
		return nil, err
	}
	return &Gap{ID: a.ID, Marker: applied, First: first}, nil
}

// errBehind reports that an aggregate's marker is behind the events being
// applied (a gap): the caller repairs from the log.
type errBehind struct{ applied int64 }

func (e errBehind) Error() string {
	return fmt.Sprintf("projections: read model at version %d is behind", e.applied)
}

// step is a run of consecutive events of one aggregate committed in one
// transaction, after the purges of its first event (if any).
type step struct {
	events []events.Envelope
	writes []projections.Write
	purges []*projections.PurgeSpec
}

// plan projects envs, starting from state, and cuts them into steps: an
// event whose projection purges starts a new step.
func (ap *Applier) plan(state entities.State, envs []events.Envelope) ([]step, error) {
	var steps []step
	for _, env := range envs {
		ev, err := ap.codec.Decode(env)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPoison, err)
		}
		after, err := entities.Evolve(state, ev, env.At)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPoison, err)
		}
		ws, err := projections.Project(projections.Event{Env: env, Event: ev, Before: state, After: after})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPoison, err)
		}
		var writes []projections.Write
		var purges []*projections.PurgeSpec
		for _, w := range ws {
			if w.Purge != nil {
				purges = append(purges, w.Purge)
			} else {
				writes = append(writes, w)
			}
		}
		if len(steps) == 0 || len(purges) > 0 {
			steps = append(steps, step{})
		}
		s := &steps[len(steps)-1]
		s.events = append(s.events, env)
		s.writes = append(s.writes, writes...)
		s.purges = append(s.purges, purges...)
		state = after
	}
	return steps, nil
}

// applyEvents applies consecutive events of id, the first of which follows
// state, step by step. A step the marker already covers is skipped; a
// marker behind the first event is errBehind.
func (ap *Applier) applyEvents(ctx context.Context, id entities.ID, state entities.State, envs []events.Envelope) error {
	p, err := events.Partition(id)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPoison, err)
	}
	steps, err := ap.plan(state, envs)
	if err != nil {
		return err
	}
	for _, s := range steps {
		first, last := s.events[0].Version, s.events[len(s.events)-1].Version
		if len(s.purges) > 0 {
			applied, err := ap.markerOf(ctx, p)
			if err != nil {
				return err
			}
			if applied >= last {
				continue
			}
			if applied != first-1 {
				return errBehind{applied}
			}
			for _, spec := range s.purges {
				if err := ap.purge(ctx, spec); err != nil {
					return err
				}
			}
		}
		if err := ap.commit(ctx, id, p, first, last, s.writes); err != nil {
			return err
		}
	}
	return nil
}

// batchable returns the transaction actions that apply id's whole log
// envs (versions 1..n) at once — the marker's creation and the merged
// writes — and the keys they touch, for a rebuild to pack several
// aggregates into one transaction. ok is false when that would bypass
// the applier's rules: purges, guarded or life-aware writes, or more
// than fits one transaction; such logs take ApplyLog.
func (ap *Applier) batchable(id entities.ID, envs []events.Envelope) (items []types.TransactWriteItem, keys []table.Key, ok bool) {
	p, err := events.Partition(id)
	if err != nil {
		return nil, nil, false
	}
	steps, err := ap.plan(nil, envs)
	if err != nil || len(steps) != 1 || len(steps[0].purges) > 0 {
		return nil, nil, false
	}
	marker := table.MarkerKey(p)
	for _, w := range steps[0].writes {
		// Checked before merging: a merged write no longer carries its
		// guard.
		if w.Guard != nil || w.Life > 0 || w.Key == marker {
			return nil, nil, false
		}
	}
	writes := mergeWrites(steps[0].writes)
	if len(writes)+1 > maxTxItems {
		return nil, nil, false
	}
	items = append(items, types.TransactWriteItem{Update: ap.markerUpdate(p, 1, envs[len(envs)-1].Version)})
	keys = append(keys, marker)
	for _, w := range writes {
		items = append(items, ap.writeItem(w))
		keys = append(keys, w.Key)
	}
	return items, keys, true
}

// markerOf reads the version of partition p's projection marker.
func (ap *Applier) markerOf(ctx context.Context, p table.Partition) (int64, error) {
	mk, err := ap.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(ap.table), Key: table.MarkerKey(p).AV(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, fmt.Errorf("projections: reading marker of %s: %w", p, err)
	}
	return markerVersion(mk.Item), nil
}

// commit writes one step in one transaction: the marker update (from
// first-1 to last) and the step's writes, under the guard and life rules
// (see transact). It returns nil for a duplicate and errBehind when the
// marker is behind.
func (ap *Applier) commit(ctx context.Context, id entities.ID, p table.Partition, first, last int64, writes []projections.Write) error {
	marker := ap.markerUpdate(p, first, last)
	what := fmt.Sprintf("%v v%d..%d", id, first, last)
	cancel, err := ap.transact(ctx, types.TransactWriteItem{Update: marker}, writes, what)
	if err != nil || cancel == nil {
		return err
	}
	applied := markerVersion(cancel.Items[0])
	if applied >= last {
		return nil // duplicate delivery
	}
	return errBehind{applied}
}

// markerUpdate moves p's marker from first-1 to last, on that condition.
func (ap *Applier) markerUpdate(p table.Partition, first, last int64) *types.Update {
	marker := &types.Update{
		TableName:                           aws.String(ap.table),
		Key:                                 table.MarkerKey(p).AV(),
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
	return marker
}

// maxEvictions bounds how often one transaction deletes an earlier life's
// item and retries; it is only exceeded if that life keeps writing the
// item back, which its own purge ends.
const maxEvictions = 8

// transact commits lead — the action whose condition the caller
// interprets: a marker update, a purge's delete — together with writes,
// under two rules for the writes alone:
//
//   - guards: a write whose guard (a tombstone) exists is dropped; the
//     transaction carries a condition check per guard.
//   - lives: a life-aware write (projections.Write.Life) applies only to an item of its
//     life or of none; one that finds a later life is dropped, one that
//     finds an earlier life deletes that item first (see "Repository
//     lives" above).
//
// A failed rule changes the writes and the transaction is retried;
// tombstones never go away and lives only grow, so this converges. When
// lead's condition fails, transact returns the cancellation (Items[0] is
// what lead saw) and no error; it returns nil, nil when the transaction
// committed.
func (ap *Applier) transact(ctx context.Context, lead types.TransactWriteItem, writes []projections.Write, what string) (*table.Cancellation, error) {
	var d drops
	evictions := 0
	for {
		merged, guards := d.survivors(writes)
		if n := len(merged) + len(guards) + 1; n > maxTxItems {
			return nil, fmt.Errorf("%w: %s needs %d writes", ErrPoison, what, n)
		}
		items := []types.TransactWriteItem{lead}
		for _, w := range merged {
			items = append(items, ap.writeItem(w))
		}
		items = append(items, ap.guardChecks(guards)...)
		_, err := ap.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil, nil
		}
		cancel, ok := table.AsCancellation(err)
		if !ok || len(cancel.Reasons) != len(items) {
			return nil, fmt.Errorf("projections: applying %s: %w", what, err)
		}
		if cancel.Reasons[0] == table.ReasonConditionFailed {
			return &cancel, nil
		}
		progress := false
		for i, w := range merged {
			j := 1 + i
			if cancel.Reasons[j] != table.ReasonConditionFailed || w.Life <= 0 {
				continue
			}
			found := lifeOf(cancel.Items[j])
			switch {
			case found > int64(w.Life):
				d.stale(w.Key)
				progress = true
			case found > 0 && found < int64(w.Life):
				if evictions++; evictions > maxEvictions {
					return nil, fmt.Errorf("projections: applying %s: %v keeps returning to life %d", what, w.Key, found)
				}
				if err := ap.evict(ctx, w.Key, found); err != nil {
					return nil, err
				}
				progress = true
			}
		}
		for i, g := range guards {
			if cancel.Reasons[1+len(merged)+i] == table.ReasonConditionFailed {
				d.guard(g)
				progress = true
			}
		}
		if !progress {
			return nil, fmt.Errorf("projections: applying %s: %w", what, err)
		}
	}
}

// evict deletes k if it still belongs to life (an earlier life of the
// repository than a write's): that life's delete is committed and its
// purge would delete the item anyway.
func (ap *Applier) evict(ctx context.Context, k table.Key, life int64) error {
	_, err := ap.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(ap.table), Key: k.AV(),
		ConditionExpression:       aws.String("#life = :life"),
		ExpressionAttributeNames:  map[string]string{"#life": table.ReadLife},
		ExpressionAttributeValues: map[string]types.AttributeValue{":life": nv(life)},
	})
	if err != nil && !table.IsConditionFailed(err) {
		return fmt.Errorf("projections: deleting %v of earlier life %d: %w", k, life, err)
	}
	return nil
}

// lifeOf returns an item's life attribute (0 when it has none).
func lifeOf(it map[string]types.AttributeValue) int64 {
	if v, ok := it[table.ReadLife].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

// drops records what transact learnt: guards that exist, and keys whose
// life-aware writes belong to a life that is over.
type drops struct {
	guards map[table.Key]bool
	stales map[table.Key]bool
}

func (d *drops) guard(k table.Key) {
	if d.guards == nil {
		d.guards = map[table.Key]bool{}
	}
	d.guards[k] = true
}

func (d *drops) stale(k table.Key) {
	if d.stales == nil {
		d.stales = map[table.Key]bool{}
	}
	d.stales[k] = true
}

// survivors merges the writes not dropped and returns them with their
// distinct guards, sorted.
func (d *drops) survivors(writes []projections.Write) ([]projections.Write, []table.Key) {
	var keep []projections.Write
	seen := map[table.Key]bool{}
	var guards []table.Key
	for _, w := range writes {
		if w.Guard != nil && d.guards[*w.Guard] {
			continue
		}
		if w.Life > 0 && d.stales[w.Key] {
			continue
		}
		if w.Guard != nil && !seen[*w.Guard] {
			seen[*w.Guard] = true
			guards = append(guards, *w.Guard)
		}
		keep = append(keep, w)
	}
	sort.Slice(guards, func(i, j int) bool {
		if guards[i].PK != guards[j].PK {
			return guards[i].PK < guards[j].PK
		}
		return guards[i].SK < guards[j].SK
	})
	return mergeWrites(keep), guards
}

// guardChecks returns a condition check per guard: the guard item must not
// exist.
func (ap *Applier) guardChecks(guards []table.Key) []types.TransactWriteItem {
	out := make([]types.TransactWriteItem, len(guards))
	for i, g := range guards {
		out[i] = types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(ap.table), Key: g.AV(), ConditionExpression: aws.String("attribute_not_exists(PK)"),
		}}
	}
	return out
}

func markerVersion(it map[string]types.AttributeValue) int64 {
	if v, ok := it[table.AttrVersion].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

// mergeWrites combines writes to the same key, keeping first-seen order.
func mergeWrites(ws []projections.Write) []projections.Write {
	idx := map[table.Key]int{}
	var out []projections.Write
	for _, w := range ws {
		i, ok := idx[w.Key]
		if !ok {
			idx[w.Key] = len(out)
			out = append(out, cloneWrite(w))
			continue
		}
		m := &out[i]
		switch {
		case w.Life < m.Life:
			// An item shared by a repository's lives: a write of an
			// earlier life than another in the same step is over (the
			// later life proves its delete), as if it had landed on the
			// earlier life's item and been purged with it.
			continue
		case w.Life > m.Life:
			*m = cloneWrite(w)
			continue
		}
		if w.Delete {
			*m = projections.Write{Key: w.Key, Delete: true, Life: w.Life}
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

func cloneWrite(w projections.Write) projections.Write {
	c := projections.Write{Key: w.Key, Delete: w.Delete, Life: w.Life, Set: map[string]types.AttributeValue{}, Add: map[string]int64{}}
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

// lifeCond is the condition of a life-aware write (projections.Write.Life): the item
// has no life yet, or this one. With ALL_OLD, a failure shows the life
// found.
const lifeCond = "attribute_not_exists(#life) OR #life = :life"

// writeItem renders a merged write as a transaction action. Attribute
// order is sorted so that identical writes produce identical requests.
func (ap *Applier) writeItem(w projections.Write) types.TransactWriteItem {
	if w.Delete {
		del := &types.Delete{TableName: aws.String(ap.table), Key: w.Key.AV()}
		if w.Life > 0 {
			del.ConditionExpression = aws.String(lifeCond)
			del.ExpressionAttributeNames = map[string]string{"#life": table.ReadLife}
			del.ExpressionAttributeValues = map[string]types.AttributeValue{":life": nv(int64(w.Life))}
			del.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
		}
		return types.TransactWriteItem{Delete: del}
	}
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	var set, remove, add []string
	if w.Life > 0 {
		// The condition admits no other life, so this stamps a new
		// (counter-only) item and is a no-op on one of this life.
		names["#life"] = table.ReadLife
		values[":life"] = nv(int64(w.Life))
		if _, ok := w.Set[table.ReadLife]; !ok {
			set = append(set, "#life = :life")
		}
	}
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
	if w.Life > 0 {
		u.ConditionExpression = aws.String(lifeCond)
		u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
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
	_, err := ap.repair(ctx, id, upTo)
	return err
}

// repair is Repair that returns the marker's version it started from.
func (ap *Applier) repair(ctx context.Context, id entities.ID, upTo int64) (int64, error) {
	p, err := events.Partition(id)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrPoison, err)
	}
	mk, err := ap.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(ap.table), Key: table.MarkerKey(p).AV(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, fmt.Errorf("projections: reading marker of %v: %w", id, err)
	}
	applied := markerVersion(mk.Item)
	if applied >= upTo {
		return applied, nil
	}
	log, err := loadLog(ctx, ap.db, ap.table, p, upTo)
	if err != nil {
		return applied, err
	}
	var state entities.State
	for _, env := range log {
		if env.Version > applied {
			break
		}
		ev, err := ap.codec.Decode(env)
		if err != nil {
			return applied, fmt.Errorf("%w: %v", ErrPoison, err)
		}
		if state, err = entities.Evolve(state, ev, env.At); err != nil {
			return applied, fmt.Errorf("%w: %v", ErrPoison, err)
		}
	}
	missing := log[min(int(applied), len(log)):]
	return applied, ap.ApplyLog(ctx, id, state, applied, missing)
}

// ApplyLog applies consecutive events of one aggregate, starting from state
// at version from, in chunks that fit one transaction.
func (ap *Applier) ApplyLog(ctx context.Context, id entities.ID, state entities.State, from int64, envs []events.Envelope) error {
	const chunk = 16
	for len(envs) > 0 {
		n := min(chunk, len(envs))
		err := ap.applyEvents(ctx, id, state, envs[:n])
		var behind errBehind
		if errors.As(err, &behind) {
			return fmt.Errorf("projections: repairing %v: the read model is at version %d, not %d", id, behind.applied, from)
		}
		if err != nil {
			return err
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
