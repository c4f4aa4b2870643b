package projector

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/table"
)

// Losses (docs/projector.md, "Losses").
//
// The stream is not the source of truth — the event log is, and it is
// never trimmed — but the stream is how the projector learns that an
// aggregate changed. A record it never reads is an aggregate it never
// updates, unless that aggregate changes again. So every way a record can
// be missed is detected, and each detection is logged, counted
// (losses_detected_total{kind}), noted in the table (a LOSS# item that
// `projector status` shows) and answered with a request for an
// anti-entropy sweep (sweep.go), which repairs every aggregate whose
// projection marker is behind its head from the log. A note is marked
// repaired when a sweep pass that started after it completes.
//
// The kinds:
//   - trimmed: a shard's first readable record is later than where this
//     projector last was — after its checkpoint, or, with no checkpoint,
//     after the shard's starting sequence number (GetShardIterator at that
//     position says TrimmedDataAccessException).
//   - vanished: a shard left the stream before it was finished — its lease
//     was not done, or it was never leased although its child is listed.
//   - gap: a head record's versions jump past the aggregate's marker (the
//     Applier repairs that aggregate at once; the others lost with it are
//     the sweep's).
//   - stale: a sweep found aggregates behind their head that no live
//     record explains (committed before the pass began, minus the sweep's
//     grace), i.e. a loss nothing else detected.

// Loss kinds.
const (
	LossTrimmed  = "trimmed"
	LossVanished = "vanished"
	LossGap      = "gap"
	LossStale    = "stale"
)

// Attribute names of loss notes.
const (
	lossKind     = "kind"
	lossWhere    = "where"
	lossDetail   = "detail"
	lossFirst    = "first"    // unix ms of the first detection
	lossLast     = "last"     // unix ms of the latest detection
	lossCount    = "count"    // detections
	lossWorker   = "worker"   // who detected it last
	lossRepaired = "repaired" // unix ms when a sweep that covered it completed
	lossTTLAfter = 7 * 24 * time.Hour
)

// Loss is a noted stream loss.
type Loss struct {
	Kind   string
	Where  string // shard id ("sweep" for stale aggregates found by a sweep)
	Detail string
	First  time.Time
	Last   time.Time
	Count  int64
	Worker string
	// Repaired is when a sweep pass that started after the last detection
	// completed (zero: a repair is still due).
	Repaired time.Time
}

// noteLoss records a detection of a loss. The note is one item per kind
// and shard, so a storm of detections stays one item with a count; a new
// detection clears an earlier "repaired" mark, since it needs a new
// sweep.
func noteLoss(ctx context.Context, db *dynamodb.Client, tbl, name string, l Loss, now time.Time) error {
	k := table.LossKey(name, l.Kind, l.Where)
	values := map[string]ddb.AttributeValue{
		":et": sv(table.TypeProjectorRun), ":k": sv(l.Kind), ":w": sv(l.Where), ":d": sv(truncate(l.Detail, 1000)),
		":now": msAV(now), ":wk": sv(l.Worker), ":one": nv(1),
	}
	expr := "SET #et = :et, #k = :k, #w = :w, #d = :d, #f = if_not_exists(#f, :now), #l = :now, #wk = :wk ADD #n :one REMOVE #r, #ttl"
	if !l.Repaired.IsZero() {
		// Found and repaired in one go (a sweep's own finding).
		expr = "SET #et = :et, #k = :k, #w = :w, #d = :d, #f = if_not_exists(#f, :now), #l = :now, #wk = :wk, #r = :rep, #ttl = :ttl ADD #n :one"
		values[":rep"], values[":ttl"] = msAV(l.Repaired), nv(l.Repaired.Add(lossTTLAfter).Unix())
	}
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(tbl),
		Key:              k.AV(),
		UpdateExpression: aws.String(expr),
		ExpressionAttributeNames: map[string]string{
			"#et": table.AttrType, "#k": lossKind, "#w": lossWhere, "#d": lossDetail, "#f": lossFirst, "#l": lossLast,
			"#wk": lossWorker, "#n": lossCount, "#r": lossRepaired, "#ttl": table.AttrTTL,
		},
		ExpressionAttributeValues: values,
	})
	if err != nil {
		return fmt.Errorf("projector: noting a %s loss on %s: %w", l.Kind, l.Where, err)
	}
	return nil
}

// listLosses returns a projector's loss notes, newest detection first.
func listLosses(ctx context.Context, db *dynamodb.Client, tbl, name string) ([]Loss, error) {
	pk, _, _ := table.ProjectorPartition(name)
	items, err := queryPrefix(ctx, db, tbl, pk, table.LossSKPrefix)
	if err != nil {
		return nil, fmt.Errorf("projector: reading loss notes: %w", err)
	}
	out := make([]Loss, 0, len(items))
	for _, it := range items {
		out = append(out, Loss{
			Kind: attrStr(it, lossKind), Where: attrStr(it, lossWhere), Detail: attrStr(it, lossDetail),
			First: fromMS(it, lossFirst), Last: fromMS(it, lossLast), Count: attrInt(it, lossCount),
			Worker: attrStr(it, lossWorker), Repaired: fromMS(it, lossRepaired),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Last.After(out[j].Last) })
	return out, nil
}

// markLossesRepaired marks every unrepaired note whose last detection is
// before covered as repaired at now: a sweep pass that considered every
// head committed before covered completed without failures. Repaired
// notes expire (TTL) a week later. The update is conditioned on the
// detection time read, so a note detected again meanwhile stays due.
func markLossesRepaired(ctx context.Context, db *dynamodb.Client, tbl, name string, covered, now time.Time) (int, error) {
	losses, err := listLosses(ctx, db, tbl, name)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, l := range losses {
		if !l.Repaired.IsZero() || !l.Last.Before(covered) {
			continue
		}
		_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(tbl),
			Key:                       table.LossKey(name, l.Kind, l.Where).AV(),
			UpdateExpression:          aws.String("SET #r = :now, #ttl = :ttl"),
			ConditionExpression:       aws.String("#l = :last"),
			ExpressionAttributeNames:  map[string]string{"#r": lossRepaired, "#ttl": table.AttrTTL, "#l": lossLast},
			ExpressionAttributeValues: map[string]ddb.AttributeValue{":now": msAV(now), ":ttl": nv(now.Add(lossTTLAfter).Unix()), ":last": msAV(l.Last)},
		})
		if table.IsConditionFailed(err) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("projector: marking a loss note repaired: %w", err)
		}
		n++
	}
	return n, nil
}

// describeLoss renders a loss for logs and status.
func describeLoss(l Loss) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s: %s", strings.ToUpper(l.Kind), l.Where, l.Detail)
	return b.String()
}
