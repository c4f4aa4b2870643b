package ddblocal

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
	"github.com/hubstream/hubstream/internal/ddblocal/expr"
)

// DynamoDB's transaction limits.
const (
	maxTransactItems   = 100
	maxTransactBytes   = 4 << 20
	clientTokenTTL     = 10 * time.Minute
	maxClientTokenSize = 36
)

type txCommon struct {
	TableName                           string  `json:"TableName"`
	ConditionExpression                 *string `json:"ConditionExpression"`
	ReturnValuesOnConditionCheckFailure string  `json:"ReturnValuesOnConditionCheckFailure"`
	exprInput
}

// txKeyAction is a ConditionCheck or Delete entry: the common members and
// the item's key.
type txKeyAction struct {
	txCommon
	Key attr.Item `json:"Key"`
}

type txPutAction struct {
	txCommon
	Item attr.Item `json:"Item"`
}

type txUpdateAction struct {
	txCommon
	Key              attr.Item `json:"Key"`
	UpdateExpression *string   `json:"UpdateExpression"`
}

type txItem struct {
	ConditionCheck *txKeyAction    `json:"ConditionCheck,omitempty"`
	Put            *txPutAction    `json:"Put,omitempty"`
	Delete         *txKeyAction    `json:"Delete,omitempty"`
	Update         *txUpdateAction `json:"Update,omitempty"`
}

type transactWriteInput struct {
	TransactItems      []txItem `json:"TransactItems"`
	ClientRequestToken *string  `json:"ClientRequestToken"`
	capacityInput
}

type cancellationReason struct {
	Code    string    `json:"Code"`
	Message string    `json:"Message,omitempty"`
	Item    attr.Item `json:"Item,omitempty"`
}

// txCanceled is a TransactionCanceledException.
type txCanceled struct {
	reasons []cancellationReason
}

func (t *txCanceled) Error() string { return "TransactionCanceledException: " + t.message() }

func (t *txCanceled) message() string {
	codes := make([]string, len(t.reasons))
	for i, r := range t.reasons {
		codes[i] = r.Code
	}
	return "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"
}

// txAction is one validated action of a transaction.
type txAction struct {
	t         *table
	m         *tableMeta
	key       attr.Item
	storeKey  []byte
	exprs     *exprSet
	put       attr.Item
	delete    bool
	update    bool
	returnOld string
}

func (e *Engine) transactWriteItems(ctx context.Context, body []byte) (any, error) {
	// Checked before decoding: a 16 MB body is not worth decoding (twice,
	// when the fast decoder hands it on) only to be refused.
	if len(body) > maxTransactBytes+64<<10 {
		return nil, ddberr.Validationf("Transaction request size has exceeded the maximum allowed size of 4 MB")
	}
	in, err := decodeFastOr(body, decodeTransactWriteFast)
	if err != nil {
		return nil, err
	}
	n := len(in.TransactItems)
	var v violations
	v.transaction(in.capacityInput, n)
	if tok := in.ClientRequestToken; tok != nil && len(*tok) < 1 {
		v.add(*tok, "clientRequestToken", "Member must have length greater than or equal to 1")
	} else if tok != nil && len(*tok) > maxClientTokenSize {
		v.add(*tok, "clientRequestToken", "Member must have length less than or equal to 36")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var fingerprint txDigest
	if in.ClientRequestToken != nil {
		fingerprint = txFingerprint(in.TransactItems)
	}
	// Parse everything that does not need table state before taking the
	// lock: request-level errors are plain ValidationExceptions.
	actions := make([]*txAction, n)
	for i := range in.TransactItems {
		a, tableName, err := parseTxItem(&in.TransactItems[i])
		if err != nil {
			return nil, err
		}
		actions[i] = a
		a.m = &tableMeta{Name: tableName}
	}
	e.commitMu.Lock()
	resp, err := e.runTransaction(ctx, in.ClientRequestToken, fingerprint, actions, in.ReturnConsumedCapacity)
	e.commitMu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := e.syncApplied(ctx); err != nil {
		return nil, err
	}
	return resp, nil
}

// parseTxItem validates one TransactItems entry and parses its expressions.
func parseTxItem(it *txItem) (*txAction, string, error) {
	count := 0
	a := &txAction{}
	var common *txCommon
	var update *string
	switch {
	case it.ConditionCheck != nil:
		count++
		common, a.key = &it.ConditionCheck.txCommon, it.ConditionCheck.Key
		if common.ConditionExpression == nil {
			return nil, "", ddberr.Validationf("The ConditionCheck operation requires a ConditionExpression")
		}
	}
	if it.Put != nil {
		count++
		common, a.put = &it.Put.txCommon, it.Put.Item
		if a.put == nil {
			return nil, "", errNull("transactItems.member.put.item")
		}
	}
	if it.Delete != nil {
		count++
		common, a.key, a.delete = &it.Delete.txCommon, it.Delete.Key, true
	}
	if it.Update != nil {
		count++
		common, a.key, a.update, update = &it.Update.txCommon, it.Update.Key, true, it.Update.UpdateExpression
		if update == nil {
			return nil, "", ddberr.Validationf("The Update operation requires an UpdateExpression")
		}
	}
	if count != 1 {
		return nil, "", ddberr.Validationf("TransactItems can only contain one of Check, Put, Update or Delete")
	}
	if err := validateTableName(common.TableName); err != nil {
		return nil, "", err
	}
	if err := checkReturnOnFailure(common.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, "", err
	}
	a.returnOld = common.ReturnValuesOnConditionCheckFailure
	exprs, err := parseExprs(common.exprInput, exprSources{condition: common.ConditionExpression, update: update})
	if err != nil {
		return nil, "", err
	}
	a.exprs = exprs
	return a, common.TableName, nil
}

// runTransaction resolves tables and keys, evaluates every condition
// against one snapshot and commits all writes atomically, or cancels with a
// reason per action in request order. The caller holds the commit lock, so
// nothing can change between evaluation and commit.
func (e *Engine) runTransaction(ctx context.Context, token *string, fingerprint txDigest, actions []*txAction, capMode string) (any, error) {
	if token != nil {
		if prev, ok := e.tokens.get(*token, e.now()); ok {
			if prev != fingerprint {
				return nil, ddberr.New(ddberr.IdempotentParameterMismatch, "The request uses the same client token as a previous, but non-identical request.")
			}
			return struct{}{}, nil
		}
	}
	seen := map[string]bool{}
	// A key that does not fit its table cancels the transaction with a
	// ValidationError reason for that action, as DynamoDB does.
	keyReasons := make([]cancellationReason, len(actions))
	keyFailed := false
	for i, a := range actions {
		t, m, err := e.lookupData(a.m.Name)
		if err != nil {
			return nil, err
		}
		a.t, a.m = t, m
		keyReasons[i].Code = "None"
		keySource := a.key
		if a.put != nil {
			// A put's key is read from its item; a.key stays nil.
			if err := m.checkItemKey(a.put); err != nil {
				return nil, err
			}
			keySource = a.put
			if err := validateNewItem(m, a.put, false); err != nil {
				return nil, err
			}
		} else if a.key, err = m.extractKey(a.key); err == nil {
			keySource = a.key
		} else {
			var de *ddberr.Error
			if !errors.As(err, &de) {
				return nil, err
			}
			keyReasons[i] = cancellationReason{Code: "ValidationError", Message: de.Message}
			keyFailed = true
			continue
		}
		if a.update {
			if err := checkUpdateTouchesKey(m, a.exprs.update); err != nil {
				return nil, err
			}
		}
		a.storeKey = itemKey(m, keySource)
		id := a.m.Name + "\x00" + string(a.storeKey)
		if seen[id] {
			return nil, ddberr.Validationf("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
	}
	if keyFailed {
		return nil, &txCanceled{reasons: keyReasons}
	}
	if err := e.faults.conflict("TransactWriteItems", len(actions)); err != nil {
		return nil, err
	}
	snap := e.store.Snapshot()
	defer snap.Close()
	reasons := make([]cancellationReason, len(actions))
	var muts []*mutation
	failed := false
	var units map[string]*usage
	if wantsCapacity(capMode) {
		units = map[string]*usage{}
	}
	for i, a := range actions {
		reasons[i].Code = "None"
		old, oldSize, err := readItemSized(snap, a.storeKey)
		if err != nil {
			return nil, err
		}
		if err := evalCondition(a.exprs.condition, old, a.returnOld); err != nil {
			var cf *conditionalFailed
			var de *ddberr.Error
			switch {
			case errors.As(err, &cf):
				reasons[i] = cancellationReason{Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: cf.item}
			case errors.As(err, &de):
				reasons[i] = cancellationReason{Code: "ValidationError", Message: de.Message}
			default:
				return nil, err
			}
			failed = true
			continue
		}
		mu := &mutation{t: a.t, m: a.m, key: a.storeKey, old: old, oldSize: oldSize}
		switch {
		case a.put != nil:
			mu.new = a.put
		case a.delete:
		case a.update:
			next, err := applyUpdate(a.m, a.exprs.update, old, a.key)
			if err != nil {
				var de *ddberr.Error
				if errors.As(err, &de) {
					reasons[i] = cancellationReason{Code: "ValidationError", Message: de.Message}
					failed = true
					continue
				}
				return nil, err
			}
			mu.new = next
		default:
			continue // ConditionCheck writes nothing
		}
		muts = append(muts, mu)
		if units != nil {
			u := units[a.m.Name]
			if u == nil {
				u = newUsage(true)
				units[a.m.Name] = u
			}
			u.addWrite(a.m, old, mu.new, 2)
		}
	}
	if failed {
		return nil, &txCanceled{reasons: reasons}
	}
	if err := e.commit(ctx, muts); err != nil {
		return nil, err
	}
	if token != nil {
		e.tokens.put(*token, fingerprint, e.now())
	}
	if len(units) == 0 {
		return rawJSON(`{}`), nil
	}
	var out struct {
		ConsumedCapacity []*consumedCapacity `json:"ConsumedCapacity,omitempty"`
	}
	for _, name := range attr.SortedKeys(units) {
		out.ConsumedCapacity = append(out.ConsumedCapacity, units[name].report(capMode, name))
	}
	return out, nil
}

type transactGetInput struct {
	TransactItems []struct {
		Get *struct {
			TableName            string    `json:"TableName"`
			Key                  attr.Item `json:"Key"`
			ProjectionExpression *string   `json:"ProjectionExpression"`
			exprInput
		} `json:"Get"`
	} `json:"TransactItems"`
	capacityInput
}

type itemResponse struct {
	Item attr.Item `json:"Item,omitempty"`
}

// transactGetItems reads every item from one snapshot, so the result is a
// consistent cut that no concurrent transaction can split.
func (e *Engine) transactGetItems(ctx context.Context, body []byte) (any, error) {
	var in transactGetInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	n := len(in.TransactItems)
	var v violations
	v.transaction(in.capacityInput, n)
	if err := v.err(); err != nil {
		return nil, err
	}
	type getPlan struct {
		key     []byte
		project *expr.Projection
	}
	plans := make([]getPlan, n)
	// Everything that does not need a table is checked first: an invalid
	// request naming a missing table is a ValidationException.
	for i, ti := range in.TransactItems {
		g := ti.Get
		if g == nil {
			return nil, errNull("transactItems." + strconv.Itoa(i+1) + ".member.get")
		}
		if err := validateTableName(g.TableName); err != nil {
			return nil, err
		}
		if g.Key == nil {
			return nil, errNull("transactItems." + strconv.Itoa(i+1) + ".member.get.key")
		}
		exprs, err := parseExprs(g.exprInput, exprSources{projection: g.ProjectionExpression})
		if err != nil {
			return nil, err
		}
		plans[i].project = exprs.projection
	}
	seen := map[string]bool{}
	for i, ti := range in.TransactItems {
		g := ti.Get
		_, m, err := e.lookupData(g.TableName)
		if err != nil {
			return nil, err
		}
		if _, err := m.extractKey(g.Key); err != nil {
			return nil, err
		}
		k := itemKey(m, g.Key)
		if seen[string(k)] {
			return nil, ddberr.Validationf("Transaction request cannot include multiple operations on one item")
		}
		seen[string(k)] = true
		plans[i].key = k
	}
	if err := e.faults.conflict("TransactGetItems", n); err != nil {
		return nil, err
	}
	snap := e.store.Snapshot()
	defer snap.Close()
	out := struct {
		Responses []itemResponse `json:"Responses"`
	}{Responses: make([]itemResponse, n)}
	for i, p := range plans {
		item, err := readItem(snap, p.key)
		if err != nil {
			return nil, err
		}
		if item != nil && p.project != nil {
			item = p.project.Apply(item)
		}
		out.Responses[i].Item = item
	}
	return out, nil
}
