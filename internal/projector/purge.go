package projector

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/projections"
	"github.com/hubstream/hubstream/internal/table"
)

// TypeTombstone is the item type (`_et`) of tombstones.
const TypeTombstone = "TOMBSTONE"

// keepsOnPurge reports whether an item with sort key sk survives a
// partition purge: write-side items and applier bookkeeping.
func keepsOnPurge(sk string) bool {
	return table.IsEventSK(sk) || table.IsHeadSK(sk) || table.IsMarkerSK(sk) || strings.HasPrefix(sk, table.TombstoneSKPrefix)
}

// purge runs spec: the tombstone first, then items, collections and
// partitions.
func (ap *Applier) purge(ctx context.Context, spec *projections.PurgeSpec) error {
	if spec.Tombstone != nil {
		it := spec.Tombstone.AV()
		it[table.AttrType] = sv(TypeTombstone)
		if _, err := ap.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(ap.table), Item: it}); err != nil {
			return fmt.Errorf("projector: putting tombstone %v: %w", *spec.Tombstone, err)
		}
	}
	for _, it := range spec.Items {
		if err := ap.purgeItem(ctx, it); err != nil {
			return err
		}
	}
	for _, c := range spec.Collections {
		if err := ap.purgeCollection(ctx, c); err != nil {
			return err
		}
	}
	for _, pk := range spec.Partitions {
		if err := ap.purgePartition(ctx, pk); err != nil {
			return err
		}
	}
	return nil
}

// purgeCollection queries c page by page and deletes what it finds.
func (ap *Applier) purgeCollection(ctx context.Context, c projections.PurgeCollection) error {
	pkName, skName := table.AttrPK, table.AttrSK
	if c.Index != "" {
		pkName, skName = c.Index+"PK", c.Index+"SK"
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(ap.table),
		ExpressionAttributeNames:  map[string]string{"#pk": pkName, "#sk": skName},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(c.PK)},
	}
	if c.SKTo != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi")
		in.ExpressionAttributeValues[":lo"], in.ExpressionAttributeValues[":hi"] = sv(c.SKFrom), sv(c.SKTo)
	} else {
		in.KeyConditionExpression = aws.String("#pk = :pk AND begins_with(#sk, :prefix)")
		in.ExpressionAttributeValues[":prefix"] = sv(c.SKPrefix)
	}
	if c.Index != "" {
		in.IndexName = aws.String(c.Index)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	if len(c.Match) > 0 {
		expr := matchExpr(c.Match, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
		in.FilterExpression = aws.String(expr)
	}
	pager := dynamodb.NewQueryPaginator(ap.db, in)
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("projector: purge query %s: %w", c.PK, err)
		}
		for _, found := range page.Items {
			key, ok := purgeKey(found)
			if !ok || keepsOnPurge(key.SK) {
				continue
			}
			item := projections.PurgeItem{Key: key, Match: c.Match}
			if c.Adjust != nil {
				item.Adjust = c.Adjust(found)
			}
			if err := ap.purgeItem(ctx, item); err != nil {
				return err
			}
		}
	}
	return nil
}

// purgePartition deletes the read items of partition pk (what
// keepsOnPurge keeps stays).
func (ap *Applier) purgePartition(ctx context.Context, pk string) error {
	pager := dynamodb.NewQueryPaginator(ap.db, &dynamodb.QueryInput{
		TableName:                 aws.String(ap.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(pk)},
		ProjectionExpression:      aws.String("PK, SK"),
		ConsistentRead:            aws.Bool(true),
	})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("projector: purge partition %s: %w", pk, err)
		}
		for _, found := range page.Items {
			k, ok := purgeKey(found)
			if !ok || keepsOnPurge(k.SK) {
				continue
			}
			if err := ap.purgeItem(ctx, projections.PurgeItem{Key: k}); err != nil {
				return err
			}
		}
	}
	return nil
}

// purgeItem deletes one item if it exists (and matches), together with its
// counter adjustments, which follow the rules of projection writes:
// adjustments whose guard exists are dropped, life-aware ones apply only to
// their life (see transact).
func (ap *Applier) purgeItem(ctx context.Context, it projections.PurgeItem) error {
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	cond := "attribute_exists(PK)"
	if len(it.Match) > 0 {
		cond += " AND " + matchExpr(it.Match, names, values)
	}
	del := &types.Delete{TableName: aws.String(ap.table), Key: it.Key.AV(), ConditionExpression: aws.String(cond)}
	if len(names) > 0 {
		del.ExpressionAttributeNames, del.ExpressionAttributeValues = names, values
	}
	if len(it.Adjust) == 0 {
		_, err := ap.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: del.TableName, Key: del.Key, ConditionExpression: del.ConditionExpression,
			ExpressionAttributeNames: del.ExpressionAttributeNames, ExpressionAttributeValues: del.ExpressionAttributeValues,
		})
		if err != nil && !table.IsConditionFailed(err) {
			return fmt.Errorf("projector: purging %v: %w", it.Key, err)
		}
		return nil
	}
	// A failed condition on the delete means the item is already gone (or
	// not ours): nothing to count.
	_, err := ap.transact(ctx, types.TransactWriteItem{Delete: del}, it.Adjust, fmt.Sprintf("purge of %v", it.Key))
	return err
}

// matchExpr renders attribute equalities as a condition, adding its names
// and values (placeholders #mN, :mN) to the maps.
func matchExpr(match map[string]types.AttributeValue, names map[string]string, values map[string]types.AttributeValue) string {
	attrs := make([]string, 0, len(match))
	for a := range match {
		attrs = append(attrs, a)
	}
	sort.Strings(attrs)
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		n, v := "#m"+strconv.Itoa(i), ":m"+strconv.Itoa(i)
		names[n], values[v] = a, match[a]
		parts[i] = n + " = " + v
	}
	return strings.Join(parts, " AND ")
}

// purgeKey returns an item's primary key.
func purgeKey(it map[string]types.AttributeValue) (table.Key, bool) {
	pk, ok1 := it[table.AttrPK].(*types.AttributeValueMemberS)
	sk, ok2 := it[table.AttrSK].(*types.AttributeValueMemberS)
	if !ok1 || !ok2 {
		return table.Key{}, false
	}
	return table.Key{PK: pk.Value, SK: sk.Value}, true
}
