package projector

// The transaction of one apply: it commits an append's writes with the
// marker update and, when a condition fails, drops the guarded writes of
// deleted repositories and the writes of earlier repository lives (see
// apply.go, "Deletes" and "Repository lives") and tries again.

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/projections"
	"github.com/hubstream/hubstream/internal/table"
)

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
			return nil, fmt.Errorf("projector: applying %s: %w", what, err)
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
					return nil, fmt.Errorf("projector: applying %s: %v keeps returning to life %d", what, w.Key, found)
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
			return nil, fmt.Errorf("projector: applying %s: %w", what, err)
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
		return fmt.Errorf("projector: deleting %v of earlier life %d: %w", k, life, err)
	}
	return nil
}

// lifeOf returns an item's life attribute (0 when it has none).
func lifeOf(it map[string]types.AttributeValue) int64 {
	return attrInt(it, table.ReadLife)
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
	return attrInt(it, table.AttrVersion)
}
