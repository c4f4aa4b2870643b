package ddblocal

import (
	"context"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
	"github.com/hubstream/hubstream/internal/ddblocal/expr"
)

// conditionalFailed is a ConditionalCheckFailedException, optionally
// carrying the item as it was (ReturnValuesOnConditionCheckFailure=ALL_OLD).
type conditionalFailed struct {
	item attr.Item
}

func (c *conditionalFailed) Error() string {
	return "ConditionalCheckFailedException: The conditional request failed"
}

func checkReturnValues(rv string, allowed ...string) error {
	if rv == "" {
		return nil
	}
	for _, a := range allowed {
		if rv == a {
			return nil
		}
	}
	return ddberr.Validationf("Return values set to invalid value")
}

func checkReturnOnFailure(rv string) error {
	switch rv {
	case "", "NONE", "ALL_OLD":
		return nil
	}
	return constraintError(rv, "returnValuesOnConditionCheckFailure", "Member must satisfy enum value set: [ALL_OLD, NONE]")
}

// validateNewItem enforces the rules every written item must satisfy.
func validateNewItem(m *tableMeta, item attr.Item, update bool) error {
	if attr.ItemSize(item) > attr.MaxItemSize {
		if update {
			return ddberr.Validationf("Item size to update has exceeded the maximum allowed size")
		}
		return ddberr.Validationf("Item size has exceeded the maximum allowed size")
	}
	return m.checkIndexKeys(item)
}

// evalCondition evaluates cond against old, returning a conditionalFailed
// error when it does not hold.
func evalCondition(cond *expr.Condition, old attr.Item, returnOld string) error {
	if cond == nil {
		return nil
	}
	ok, err := cond.Eval(old)
	if err != nil {
		return err
	}
	if !ok {
		cf := &conditionalFailed{}
		if returnOld == "ALL_OLD" && old != nil {
			cf.item = old
		}
		return cf
	}
	return nil
}

// writeOne runs a single-item write: under the commit lock it reads the
// current item, lets decide compute the new one (nil to delete), commits,
// and then waits for durability outside the lock.
func (e *Engine) writeOne(ctx context.Context, tableName string, key func(m *tableMeta) (attr.Item, error),
	decide func(m *tableMeta, old attr.Item) (attr.Item, error)) (m *tableMeta, old, new attr.Item, err error) {
	e.commitMu.Lock()
	t, m, err := e.lookupData(tableName)
	if err != nil {
		e.commitMu.Unlock()
		return nil, nil, nil, err
	}
	k, err := key(m)
	if err != nil {
		e.commitMu.Unlock()
		return nil, nil, nil, err
	}
	mu := &mutation{t: t, m: m, key: itemKey(m, k)}
	snap := e.store.Snapshot()
	mu.old, mu.oldSize, err = readItemSized(snap, mu.key)
	_ = snap.Close()
	if err == nil {
		mu.new, err = decide(m, mu.old)
	}
	if err == nil {
		err = e.commit(ctx, []*mutation{mu})
	}
	e.commitMu.Unlock()
	if err != nil {
		return m, mu.old, nil, err
	}
	if err := e.syncApplied(ctx); err != nil {
		return m, mu.old, nil, err
	}
	return m, mu.old, mu.new, nil
}

// writeCommon is what PutItem, DeleteItem and UpdateItem requests share.
type writeCommon struct {
	table       string
	subject     attr.Item // Item (PutItem) or Key
	member      string    // "item" or "key", for the null message
	returnVals  string
	allowed     []string
	returnOnCCF string
	legacy      legacyInput
	capacity    capacityInput
	exprs       exprInput
	condition   *string
	update      *string
	isUpdate    bool
}

// check validates the request-level parameters of a single-item write, in
// DynamoDB's order: every constraint violation at once, then the rules
// between parameters, then the legacy parameters' own rules — all before
// the table is looked up. It returns the translation of the legacy
// parameters, nil when there are none.
func (w writeCommon) check() (*legacyExprs, error) {
	var v violations
	v.name(w.table, "tableName", true)
	if w.subject == nil {
		v.null(w.member)
	}
	v.enum(w.returnVals, "returnValues", "ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW")
	v.enum(w.returnOnCCF, "returnValuesOnConditionCheckFailure", "ALL_OLD", "NONE")
	v.capacity(w.capacity)
	v.legacyConds("expected", w.legacy.Expected, false)
	v.conditionalOperator(w.legacy.ConditionalOperator)
	if w.isUpdate {
		v.legacyUpdates(w.legacy.AttributeUpdates)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	// Fixed arrays keep the lists on the stack: they are read only when
	// both sides are present.
	var nonBuf, exprBuf [3]string
	nonExpr, exprs := nonBuf[:0], exprBuf[:0]
	if w.isUpdate {
		nonExpr = present(nonExpr, "AttributeUpdates", w.legacy.AttributeUpdates != nil)
	}
	nonExpr = present(nonExpr, "Expected", w.legacy.Expected != nil)
	nonExpr = present(nonExpr, "ConditionalOperator", w.legacy.ConditionalOperator != nil)
	exprs = present(exprs, "UpdateExpression", w.update != nil)
	exprs = present(exprs, "ConditionExpression", w.condition != nil)
	if err := checkMixing(nonExpr, exprs); err != nil {
		return nil, err
	}
	if err := checkConditionalOperator(w.legacy.ConditionalOperator, len(w.legacy.Expected)); err != nil {
		return nil, err
	}
	if err := checkReturnValues(w.returnVals, w.allowed...); err != nil {
		return nil, err
	}
	if len(exprs) == 0 {
		valueExprs := []string{"ConditionExpression"}
		if w.isUpdate {
			valueExprs = []string{"UpdateExpression", "ConditionExpression"}
		}
		if err := placeholdersWithoutExpressions(w.exprs, valueExprs...); err != nil {
			return nil, err
		}
	}
	if err := checkExpected(w.legacy.Expected); err != nil {
		return nil, err
	}
	if w.isUpdate {
		if err := checkAttributeUpdates(w.legacy.AttributeUpdates); err != nil {
			return nil, err
		}
	}
	if len(nonExpr) == 0 {
		return nil, nil
	}
	leg := newLegacyExprs(w.exprs)
	leg.condition = leg.expectedOf(w.legacy.Expected, w.legacy.ConditionalOperator)
	if w.isUpdate {
		leg.update = leg.updateOf(w.legacy.AttributeUpdates)
	}
	leg.unbounded = true
	return leg, nil
}

func (e *Engine) putItem(ctx context.Context, body []byte) (any, error) {
	in, err := decodeFastOr(body, decodePutItemFast)
	if err != nil {
		return nil, err
	}
	return e.singleWrite(ctx, &in.singleWriteInput, writeCommon{subject: in.Item, member: "item", allowed: []string{"NONE", "ALL_OLD"}},
		func(m *tableMeta, _ *exprSet) (attr.Item, error) {
			if err := m.checkItemKey(in.Item); err != nil {
				return nil, err
			}
			return in.Item, nil
		},
		func(m *tableMeta, exprs *exprSet, old attr.Item) (attr.Item, error) {
			if err := validateNewItem(m, in.Item, false); err != nil {
				return nil, err
			}
			if err := evalCondition(exprs.condition, old, in.ReturnValuesOnConditionCheckFailure); err != nil {
				return nil, err
			}
			return in.Item, nil
		})
}

func (e *Engine) deleteItem(ctx context.Context, body []byte) (any, error) {
	var in deleteItemInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	return e.singleWrite(ctx, &in.singleWriteInput, writeCommon{subject: in.Key, member: "key", allowed: []string{"NONE", "ALL_OLD"}},
		func(m *tableMeta, _ *exprSet) (attr.Item, error) { return m.extractKey(in.Key) },
		func(m *tableMeta, exprs *exprSet, old attr.Item) (attr.Item, error) {
			if err := evalCondition(exprs.condition, old, in.ReturnValuesOnConditionCheckFailure); err != nil {
				return nil, err
			}
			return nil, nil
		})
}

func (e *Engine) updateItem(ctx context.Context, body []byte) (any, error) {
	var in updateItemInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	return e.singleWrite(ctx, &in.singleWriteInput, writeCommon{subject: in.Key, member: "key", allowed: []string{"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"},
		update: in.UpdateExpression, isUpdate: true},
		func(m *tableMeta, exprs *exprSet) (attr.Item, error) {
			k, err := m.extractKey(in.Key)
			if err != nil {
				return nil, err
			}
			return k, checkUpdateTouchesKey(m, exprs.update)
		},
		func(m *tableMeta, exprs *exprSet, old attr.Item) (attr.Item, error) {
			if err := evalCondition(exprs.condition, old, in.ReturnValuesOnConditionCheckFailure); err != nil {
				return nil, err
			}
			return applyUpdate(m, exprs.update, old, in.Key)
		})
}

// singleWrite runs what PutItem, DeleteItem and UpdateItem share around
// their own key and decide steps: the request-level checks, the
// expressions, writeOne, and the response. w carries the operation's own
// parameters (subject, member, allowed ReturnValues, update); the members
// every single-item write has are filled in from in. The response's
// Attributes follow updateReturnValues, which for PutItem and DeleteItem
// (no update, ReturnValues NONE or ALL_OLD) is the old item or nothing.
func (e *Engine) singleWrite(ctx context.Context, in *singleWriteInput, w writeCommon,
	key func(m *tableMeta, exprs *exprSet) (attr.Item, error),
	decide func(m *tableMeta, exprs *exprSet, old attr.Item) (attr.Item, error)) (any, error) {
	w.table, w.returnVals, w.returnOnCCF = in.TableName, in.ReturnValues, in.ReturnValuesOnConditionCheckFailure
	w.legacy, w.capacity, w.exprs, w.condition = in.legacyInput, in.capacityInput, in.exprInput, in.ConditionExpression
	leg, err := w.check()
	if err != nil {
		return nil, err
	}
	exprs, err := parseWriteExprs(in.exprInput, exprSources{condition: in.ConditionExpression, update: w.update}, leg)
	if err != nil {
		return nil, err
	}
	m, old, newItem, err := e.writeOne(ctx, in.TableName,
		func(m *tableMeta) (attr.Item, error) { return key(m, exprs) },
		func(m *tableMeta, old attr.Item) (attr.Item, error) { return decide(m, exprs, old) })
	if err != nil {
		return nil, err
	}
	var out writeItemOutput
	if wantsCapacity(in.ReturnConsumedCapacity) {
		u := newUsage(true)
		u.addWrite(m, old, newItem, 1)
		out.ConsumedCapacity = u.report(in.ReturnConsumedCapacity, m.Name)
	}
	out.Attributes = updateReturnValues(in.ReturnValues, exprs.update, old, newItem)
	return out.response(), nil
}

// parseWriteExprs parses a single-item write's expressions, or the
// translation of its legacy parameters.
func parseWriteExprs(in exprInput, src exprSources, leg *legacyExprs) (*exprSet, error) {
	ke, err := parseExprsWithKey(in, src, nil, leg)
	if err != nil {
		return nil, err
	}
	return ke.set, nil
}

// applyUpdate computes an UpdateItem result: the update applied to the
// existing item, or to a new item made of the key when there is none.
func applyUpdate(m *tableMeta, u *expr.Update, old, key attr.Item) (attr.Item, error) {
	if u == nil {
		if old != nil {
			return old, nil
		}
		return key.Clone(), nil
	}
	var next attr.Item
	var err error
	if old == nil {
		// DynamoDB ignores REMOVE of paths an absent item cannot have.
		next, err = u.ApplyToMissing(key)
	} else {
		next, err = u.Apply(old)
	}
	if err != nil {
		return nil, err
	}
	if err := validateNewItem(m, next, true); err != nil {
		return nil, err
	}
	return next, nil
}

// checkUpdateTouchesKey rejects updates of key attributes.
func checkUpdateTouchesKey(m *tableMeta, u *expr.Update) error {
	if u == nil {
		return nil
	}
	for _, p := range u.Paths() {
		if len(p) > 0 && m.isKeyAttr(p[0].Name) {
			return ddberr.Validationf("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", p[0].Name)
		}
	}
	return nil
}

// updateReturnValues shapes UpdateItem's Attributes for each ReturnValues.
func updateReturnValues(rv string, u *expr.Update, old, new attr.Item) attr.Item {
	switch rv {
	case "ALL_OLD":
		return old
	case "ALL_NEW":
		return new
	case "UPDATED_OLD", "UPDATED_NEW":
		if u == nil {
			return nil
		}
		src := old
		if rv == "UPDATED_NEW" {
			src = new
		}
		if src == nil {
			return nil
		}
		out := expr.ProjectPaths(src, u.Paths())
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return nil
}

func (e *Engine) getItem(ctx context.Context, body []byte) (any, error) {
	var in getItemInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v violations
	v.name(in.TableName, "tableName", true)
	if in.Key == nil {
		v.null("key")
	}
	v.capacity(in.capacityInput)
	v.attributesToGet(in.AttributesToGet, "attributesToGet")
	if err := v.err(); err != nil {
		return nil, err
	}
	project, err := readProjector(in.exprInput, in.ProjectionExpression, in.AttributesToGet)
	if err != nil {
		return nil, err
	}
	_, m, err := e.lookupData(in.TableName)
	if err != nil {
		return nil, err
	}
	key, err := m.extractKey(in.Key)
	if err != nil {
		return nil, err
	}
	snap := e.store.Snapshot()
	defer snap.Close()
	if project == nil && (in.ReturnConsumedCapacity == "" || in.ReturnConsumedCapacity == "NONE") {
		// The common case: the item as stored, transcoded without decoding.
		raw, found, err := snap.Get(itemKey(m, key))
		if err != nil {
			return nil, err
		}
		if !found {
			return rawJSON("{}"), nil
		}
		out := append(e.respBufs.get(), `{"Item":`...)
		if out, err = attr.AppendJSONFromBinary(out, raw); err != nil {
			return nil, err
		}
		return rawJSON(append(out, '}')), nil
	}
	item, err := readItem(snap, itemKey(m, key))
	if err != nil {
		return nil, err
	}
	var out getItemOutput
	if in.ReturnConsumedCapacity != "" && in.ReturnConsumedCapacity != "NONE" {
		out.ConsumedCapacity = capacity(in.ReturnConsumedCapacity, m.Name, readUnits(attr.ItemSize(item), in.ConsistentRead))
	}
	if item != nil {
		if project != nil {
			item = project(item)
		}
		out.Item = item
		if out.Item == nil {
			out.Item = attr.Item{}
		}
	}
	return getItemOutputJSON(out), nil
}

// getItemOutputJSON makes sure a found item with no projected attributes is
// still sent as "Item":{} (DynamoDB distinguishes that from a miss).
func getItemOutputJSON(out getItemOutput) any {
	if out.Item != nil && len(out.Item) == 0 {
		return struct {
			Item             map[string]attr.Value `json:"Item"`
			ConsumedCapacity *consumedCapacity     `json:"ConsumedCapacity,omitempty"`
		}{map[string]attr.Value{}, out.ConsumedCapacity}
	}
	return out
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
