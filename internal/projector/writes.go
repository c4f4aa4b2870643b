package projector

// Writes become transaction items: the writes of one append to the same
// key are merged, then each is encoded as a Put, Update or Delete with the
// conditions of guards and lives.

import (
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/projections"
	"github.com/hubstream/hubstream/internal/table"
)

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
	for _, n := range slices.Sorted(maps.Keys(w.Set)) {
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
	for i, n := range slices.Sorted(maps.Keys(w.Add)) {
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
