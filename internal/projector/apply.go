package projector

import (
	"context"
	"errors"
	"fmt"

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
var ErrPoison = errors.New("projector: poison event")

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
	return fmt.Sprintf("projector: read model at version %d is behind", e.applied)
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
		return 0, fmt.Errorf("projector: reading marker of %s: %w", p, err)
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
