package loaders

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/stackgrow"
	"github.com/hubstream/hubstream/internal/table"
)

// Ordered connections (issues and pull requests, of a repository or of a
// label) list one or more collections merged in one order. Every
// collection holds items whose sort key is the collection's prefix
// followed by the item's order value (table.WorkOrderValue), the same
// value in every collection of the connection, so that one value is a
// position in all of them. That makes the merge of several one-state
// collections page exactly, in both directions, without reading more than
// a page's worth (plus one) of each: a page after a cursor is, per
// collection, one Query starting after the cursor's value, and the first
// n+1 of their union in order.
//
// A cursor is the sealed order value of its item (SealToken, bound to the
// connection's field, arguments and ordering), so a cursor of one
// ordering or filter is refused by another. Each collection's Query starts
// from a start key made from the value (the key an item with that value
// would have in that collection): DynamoDB starts after a start key
// whether or not an item has it.

// Ordered is one ordered connection.
type Ordered struct {
	// Parts are the collections merged: GSI collections (Index, PK and
	// SKPrefix set).
	Parts []Collection
	// Ascending is the connection's order: true lists order values
	// ascending.
	Ascending bool
	// Binding names the field, its arguments and the ordering; cursors
	// are bound to it.
	Binding string
	// ItemKey is the table key of the item numbered n (the start key of a
	// part's Query needs it).
	ItemKey func(n int) table.Key
}

// orderedEntry is an item read by an ordered connection, with its order
// value.
type orderedEntry struct {
	item  map[string]types.AttributeValue
	value string
}

// queryOrdered returns one page of o: as Pager.query, merging o's parts.
func (p *Pager) queryOrdered(ctx context.Context, o Ordered, a PageArgs) (rawPage, error) {
	stackgrow.Grow()
	n, backward, err := checkArgs(a)
	if err != nil {
		return rawPage{}, err
	}
	cursor := a.After
	if backward {
		cursor = a.Before
	}
	from := ""
	if cursor != nil {
		if from, err = p.OpenToken(o.Binding, *cursor); err != nil {
			return rawPage{}, err
		}
		if _, ok := table.WorkOrderNumber(from); !ok {
			return rawPage{}, errBadCursor
		}
	}
	forward := o.Ascending != backward
	seen := map[string]bool{}
	var all []orderedEntry
	for _, part := range o.Parts {
		got, err := p.orderedPart(ctx, o, part, from, forward, n+1)
		if err != nil {
			return rawPage{}, err
		}
		for _, e := range got {
			// An item whose state changed between two parts' Queries
			// may be read in both: it is listed once.
			id := stringAttr(e.item, table.AttrPK) + "\x00" + stringAttr(e.item, table.AttrSK)
			if !seen[id] {
				seen[id] = true
				all = append(all, e)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if forward {
			return all[i].value < all[j].value
		}
		return all[i].value > all[j].value
	})
	more := len(all) > n
	if more {
		all = all[:n]
	}
	if backward {
		for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
			all[i], all[j] = all[j], all[i]
		}
	}
	page := rawPage{backward: backward, Items: make([]map[string]types.AttributeValue, len(all)), Cursors: make([]string, len(all))}
	if backward {
		page.HasPrev, page.HasNext = more, a.Before != nil
	} else {
		page.HasNext, page.HasPrev = more, a.After != nil
	}
	for i, e := range all {
		page.Items[i] = e.item
		if page.Cursors[i], err = p.SealToken(o.Binding, e.value); err != nil {
			return rawPage{}, err
		}
	}
	return page, nil
}

// orderedPart reads up to limit items of one part of o after order value
// from ("" for the start), walking forward (ascending values) or not.
func (p *Pager) orderedPart(ctx context.Context, o Ordered, part Collection, from string, forward bool, limit int) ([]orderedEntry, error) {
	pkName, skName := part.Index+"PK", part.Index+"SK"
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(p.table),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames:  map[string]string{"#pk": pkName, "#sk": skName},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: part.PK}, ":prefix": &types.AttributeValueMemberS{Value: part.SKPrefix}},
		ScanIndexForward:          aws.Bool(forward),
		IndexName:                 aws.String(part.Index),
	}
	if from != "" {
		num, _ := table.WorkOrderNumber(from)
		k := o.ItemKey(num)
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			table.AttrPK: &types.AttributeValueMemberS{Value: k.PK},
			table.AttrSK: &types.AttributeValueMemberS{Value: k.SK},
			pkName:       &types.AttributeValueMemberS{Value: part.PK},
			skName:       &types.AttributeValueMemberS{Value: part.SKPrefix + from},
		}
	}
	var out []orderedEntry
	for len(out) < limit {
		in.Limit = aws.Int32(int32(limit - len(out)))
		res, err := p.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("loaders: query %s: %w", o.Binding, err)
		}
		for _, it := range res.Items {
			sk, ok := it[skName].(*types.AttributeValueMemberS)
			if !ok || len(sk.Value) < len(part.SKPrefix) {
				continue
			}
			out = append(out, orderedEntry{item: it, value: sk.Value[len(part.SKPrefix):]})
		}
		if res.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
	return out, nil
}

// stringAttr returns item's string attribute name, or "".
func stringAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// queryOrderedPage is queryOrdered decoding the page as T items.
func queryOrderedPage[T readmodel.Entity](ctx context.Context, p *Pager, o Ordered, a PageArgs) (Page[T], error) {
	raw, err := p.queryOrdered(ctx, o, a)
	if err != nil {
		return Page[T]{}, err
	}
	return decodePage[T](raw), nil
}
