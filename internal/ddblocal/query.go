package ddblocal

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
	"github.com/hubstream/hubstream/internal/ddblocal/expr"
)

// maxPageBytes is DynamoDB's 1 MB limit on the data a Query or Scan reads
// per call: reading stops after the item that reaches it, which is
// returned.
const maxPageBytes = 1 << 20

type readInput struct {
	TableName            string    `json:"TableName"`
	IndexName            *string   `json:"IndexName"`
	FilterExpression     *string   `json:"FilterExpression"`
	ProjectionExpression *string   `json:"ProjectionExpression"`
	AttributesToGet      []string  `json:"AttributesToGet"`
	Select               string    `json:"Select"`
	Limit                *int64    `json:"Limit"`
	ExclusiveStartKey    attr.Item `json:"ExclusiveStartKey"`
	ConsistentRead       bool      `json:"ConsistentRead"`
	exprInput
	legacyInput
	capacityInput
}

type queryInput struct {
	readInput
	KeyConditionExpression *string `json:"KeyConditionExpression"`
	ScanIndexForward       *bool   `json:"ScanIndexForward"`
}

type scanInput struct {
	readInput
	Segment       *int64 `json:"Segment"`
	TotalSegments *int64 `json:"TotalSegments"`
}

// readPlan is a validated Query or Scan: which keyspace to walk, how, and
// what to return.
type readPlan struct {
	t          *table
	m          *tableMeta
	ix         *index // nil for the table
	lower      []byte
	upper      []byte
	reverse    bool
	filter     *expr.Condition
	project    func(attr.Item) attr.Item
	count      bool  // Select COUNT
	fetch      bool  // LSI with ALL_ATTRIBUTES: read the table item
	limit      int64 // 0 = none
	consistent bool
	// startKey is the store key after which (or before which, reversed)
	// reading resumes.
	startKey     []byte
	capacityMode string
	// legacyFilter is set when the filter is a translated QueryFilter or
	// ScanFilter, for the wording of errors about it.
	legacyFilter bool
}

// prepareRead validates what Query and Scan share, in DynamoDB's order:
// every constraint violation at once, the rules between parameters, the
// expressions (the legacy parameters translated), and only then the table
// and index. q is the Query (nil for a Scan), scan the Scan (nil for a
// Query). For a Query with KeyConditions it also returns their
// translation, which is parsed once the key schema is known.
func (e *Engine) prepareRead(in *readInput, q *queryInput, scan *scanInput) (*readPlan, *keyedExprs, *legacyExprs, error) {
	filterName, filterMember, filterConds := "ScanFilter", "scanFilter", in.ScanFilter
	if q != nil {
		filterName, filterMember, filterConds = "QueryFilter", "queryFilter", in.QueryFilter
	}
	var v violations
	v.name(in.TableName, "tableName", true)
	if in.IndexName != nil {
		v.name(*in.IndexName, "indexName", false)
	}
	v.enum(in.Select, "select", "SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES")
	v.capacity(in.capacityInput)
	if in.Limit != nil && *in.Limit < 1 {
		v.add(*in.Limit, "limit", "Member must have value greater than or equal to 1")
	}
	v.attributesToGet(in.AttributesToGet, "attributesToGet")
	v.legacyConds(filterMember, filterConds, true)
	v.conditionalOperator(in.ConditionalOperator)
	if q != nil {
		v.legacyConds("keyConditions", in.KeyConditions, true)
	}
	if scan != nil {
		if t := scan.TotalSegments; t != nil && *t < 1 {
			v.add(*t, "totalSegments", "Member must have value greater than or equal to 1")
		} else if t != nil && *t > 1000000 {
			v.add(*t, "totalSegments", "Member must have value less than or equal to 1000000")
		}
		if s := scan.Segment; s != nil && *s < 0 {
			v.add(*s, "segment", "Member must have value greater than or equal to 0")
		}
	}
	if err := v.err(); err != nil {
		return nil, nil, nil, err
	}

	// Fixed arrays keep the lists on the stack: they are read only when
	// both sides are present.
	var nonBuf, exprBuf [4]string
	nonExpr, exprs := nonBuf[:0], exprBuf[:0]
	nonExpr = present(nonExpr, "AttributesToGet", in.AttributesToGet != nil)
	nonExpr = present(nonExpr, filterName, filterConds != nil)
	nonExpr = present(nonExpr, "ConditionalOperator", in.ConditionalOperator != nil)
	exprs = present(exprs, "ProjectionExpression", in.ProjectionExpression != nil)
	exprs = present(exprs, "FilterExpression", in.FilterExpression != nil)
	var keyCond *string
	if q != nil {
		keyCond = q.KeyConditionExpression
		// KeyConditions mix with the other expressions; only
		// KeyConditionExpression excludes them.
		nonExpr = present(nonExpr, "KeyConditions", in.KeyConditions != nil && keyCond != nil)
		exprs = present(exprs, "KeyConditionExpression", keyCond != nil)
	}
	if err := checkMixing(nonExpr, exprs); err != nil {
		return nil, nil, nil, err
	}
	if err := checkConditionalOperator(in.ConditionalOperator, len(filterConds)); err != nil {
		return nil, nil, nil, err
	}
	if in.FilterExpression == nil && keyCond == nil {
		if in.ProjectionExpression == nil && in.ExpressionAttributeNames != nil {
			return nil, nil, nil, ddberr.Validationf("ExpressionAttributeNames can only be specified when using expressions")
		}
		valueExprs := []string{"FilterExpression"}
		if q != nil {
			valueExprs = append(valueExprs, "KeyConditionExpression")
		}
		if err := placeholdersWithoutExpressions(exprInput{ExpressionAttributeValues: in.ExpressionAttributeValues}, valueExprs...); err != nil {
			return nil, nil, nil, err
		}
	}
	if err := checkFilterConds(filterConds); err != nil {
		return nil, nil, nil, err
	}
	var legKey *legacyExprs
	if q != nil {
		if in.KeyConditions == nil && keyCond == nil {
			return nil, nil, nil, ddberr.Validationf("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
		}
		if keyCond == nil {
			if err := checkFilterConds(in.KeyConditions); err != nil {
				return nil, nil, nil, err
			}
			if n := len(in.KeyConditions); n != 1 && n != 2 {
				return nil, nil, nil, ddberr.Validationf("Conditions can be of length 1 or 2 only")
			}
			// Key conditions get placeholders of their own: they are
			// parsed apart, once the key schema has been checked.
			legKey = newLegacyExprs(in.exprInput)
			legKey.keyCond = legKey.filterOf(in.KeyConditions, nil)
		}
	}
	if scan != nil && (scan.Segment != nil || scan.TotalSegments != nil) {
		if scan.TotalSegments == nil {
			return nil, nil, nil, ddberr.Validationf("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
		}
		if scan.Segment == nil {
			return nil, nil, nil, ddberr.Validationf("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
		}
		if *scan.Segment >= *scan.TotalSegments {
			return nil, nil, nil, ddberr.Validationf("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", *scan.Segment, *scan.TotalSegments)
		}
	}
	var leg *legacyExprs
	if filterConds != nil {
		leg = newLegacyExprs(in.exprInput)
		leg.filter = leg.filterOf(filterConds, in.ConditionalOperator)
		leg.unbounded = true
	}
	ke, err := parseExprsWithKey(in.exprInput, exprSources{filter: in.FilterExpression, projection: in.ProjectionExpression}, keyCond, leg)
	if err != nil {
		return nil, nil, nil, err
	}
	p := &readPlan{consistent: in.ConsistentRead, capacityMode: in.ReturnConsumedCapacity, legacyFilter: leg != nil}
	if in.Limit != nil {
		p.limit = *in.Limit
	}
	p.filter = ke.filter
	if p.project, err = projector(ke.set, in.AttributesToGet); err != nil {
		return nil, nil, nil, err
	}

	if p.t, p.m, err = e.lookupData(in.TableName); err != nil {
		return nil, nil, nil, err
	}
	if in.IndexName != nil {
		if p.ix, err = p.m.indexByName(*in.IndexName); err != nil {
			return nil, nil, nil, err
		}
		if p.ix.Global && in.ConsistentRead {
			return nil, nil, nil, ddberr.Validationf("Consistent reads are not supported on global secondary indexes")
		}
	}
	if err := p.applySelect(in.Select, p.project != nil); err != nil {
		return nil, nil, nil, err
	}
	// A local index answers from the table for attributes it does not
	// project, as DynamoDB does: the projection or the filter naming one
	// makes the read fetch each item from the table.
	if p.ix != nil && !p.ix.Global && p.ix.Projection != projAll && !p.fetch {
		var names []string
		if ke.set.projection != nil {
			for _, path := range ke.set.projection.Paths() {
				names = append(names, path[0].Name)
			}
		}
		names = append(names, in.AttributesToGet...)
		if p.filter != nil {
			names = append(names, p.filter.TopLevelNames()...)
		}
		for _, n := range names {
			if !p.ix.holds(n, p.m.Key) {
				p.fetch = true
				break
			}
		}
	}
	return p, ke, legKey, nil
}

// applySelect validates Select against the projection and index.
func (p *readPlan) applySelect(sel string, projected bool) error {
	switch sel {
	case "":
		// ALL_ATTRIBUTES for a table, ALL_PROJECTED_ATTRIBUTES for an
		// index: nothing to fetch.
	case "ALL_ATTRIBUTES":
		if projected {
			return ddberr.Validationf("Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES")
		}
		if p.ix != nil && p.ix.Projection != projAll {
			if p.ix.Global {
				return invalidParam("Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", p.ix.Name)
			}
			p.fetch = true
		}
	case "ALL_PROJECTED_ATTRIBUTES":
		if p.ix == nil {
			return invalidParam("Select type ALL_PROJECTED_ATTRIBUTES is only supported when querying an index")
		}
		if projected {
			return ddberr.Validationf("Cannot specify the AttributesToGet when choosing to get ALL_PROJECTED_ATTRIBUTES")
		}
	case "SPECIFIC_ATTRIBUTES":
		if !projected {
			return ddberr.Validationf("Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
		}
	case "COUNT":
		if projected {
			return ddberr.Validationf("Cannot specify the AttributesToGet when choosing to get COUNT")
		}
		p.count = true
	default:
		return constraintError(sel, "select", "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]")
	}
	return nil
}

func (e *Engine) query(ctx context.Context, body []byte) (any, error) {
	in, err := decodeFastOr(body, decodeQueryFast)
	if err != nil {
		return nil, err
	}
	// The key condition is parsed with the other expressions so that
	// placeholders are shared and unused ones are found.
	p, ke, legKey, err := e.prepareRead(&in.readInput, &in, nil)
	if err != nil {
		return nil, err
	}
	schema := p.m.Key
	indexID := uint16(0)
	if p.ix != nil {
		schema = p.ix.Key
		indexID = p.ix.ID
	}
	kc := ke.key
	if legKey != nil {
		if err := checkKeyConditions(schema, in.KeyConditions); err != nil {
			return nil, err
		}
		params := expr.NewParams(legKey.names, legKey.values)
		if kc, err = expr.ParseKeyCondition(*legKey.keyCond, params); err != nil {
			return nil, err
		}
	}
	if err := kc.Bind(schema.Hash.Name, schema.Range.Name); err != nil {
		return nil, err
	}
	if kc.HashValue.Type != schema.Hash.Type {
		return nil, invalidParam("Condition parameter type does not match schema type")
	}
	if kc.RangeName != "" {
		if kc.RangeName != schema.Range.Name {
			return nil, ddberr.Validationf("Query condition missed key schema element: %s", firstNonEmpty(schema.Range.Name, schema.Hash.Name))
		}
		for _, v := range kc.RangeValues {
			if v.Type != schema.Range.Type {
				if kc.RangeOp == expr.RangeBeginsWith {
					return nil, ddberr.Validationf("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: %s", v.Type)
				}
				return nil, invalidParam("Condition parameter type does not match schema type")
			}
		}
		if kc.RangeOp == expr.RangeBeginsWith && schema.Range.Type == attr.TypeN {
			return nil, ddberr.Validationf("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
		}
		if kc.RangeOp == expr.RangeBetween && attr.CompareKeyValues(kc.RangeValues[0], kc.RangeValues[1]) > 0 {
			return nil, ddberr.Validationf("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s:%s}, upper bound operand: AttributeValue: {%s:%s}", kc.RangeValues[0].Type, scalarText(kc.RangeValues[0]), kc.RangeValues[1].Type, scalarText(kc.RangeValues[1]))
		}
	}
	if p.filter != nil {
		for _, n := range p.filter.TopLevelNames() {
			if n == schema.Hash.Name || n == schema.Range.Name {
				if p.legacyFilter {
					return nil, ddberr.Validationf("QueryFilter can only contain non-primary key attributes: Primary key attribute: %s", n)
				}
				return nil, ddberr.Validationf("Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", n)
			}
		}
	}
	if err := checkKeyAttr(attr.Item{schema.Hash.Name: kc.HashValue}, schema.Hash, maxHashKeyBytes); err != nil {
		return nil, err
	}
	part := partitionPrefix(p.m.ID, indexID, kc.HashValue)
	p.lower, p.upper = rangeBounds(part, kc)
	p.reverse = in.ScanIndexForward != nil && !*in.ScanIndexForward
	if in.ExclusiveStartKey != nil {
		sk, err := p.startKeyFor(in.ExclusiveStartKey)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(sk, part) {
			return nil, ddberr.Validationf("The provided starting key is outside query boundaries based on provided conditions")
		}
		if bytes.Compare(sk, p.lower) < 0 || bytes.Compare(sk, p.upper) >= 0 {
			return nil, ddberr.Validationf("The provided starting key does not match the range key predicate")
		}
		p.startKey = sk
	}
	return e.runRead(ctx, p)
}

// checkKeyConditions applies the rules KeyConditions must follow against
// the key schema of the table or index queried, with DynamoDB's messages:
// the partition key takes EQ, the sort key one of the range operators,
// values of the key's type.
func checkKeyConditions(schema keySchema, conds map[string]legacyCond) error {
	if !schema.hasRange() && len(conds) > 1 {
		return ddberr.Validationf("Query key condition not supported")
	}
	for i, k := range []keyAttr{schema.Hash, schema.Range} {
		if k.Name == "" {
			continue
		}
		hash := i == 0
		c, ok := conds[k.Name]
		if !ok {
			if hash || len(conds) > 1 {
				return ddberr.Validationf("Query condition missed key schema element: %s", k.Name)
			}
			continue
		}
		op := *c.ComparisonOperator
		switch op {
		case "NULL", "NOT_NULL", "NE", "CONTAINS", "NOT_CONTAINS", "IN":
			return ddberr.Validationf("Attempted conditional constraint is not an indexable operation")
		}
		for _, v := range c.values() {
			if v.Type != k.Type {
				return invalidParam("Condition parameter type does not match schema type")
			}
		}
		if hash && op != "EQ" {
			return ddberr.Validationf("Query key condition not supported")
		}
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func scalarText(v attr.Value) string {
	if v.Type == attr.TypeB {
		return string(v.B)
	}
	return v.S
}

// rangeBounds turns a key condition into the store key range [lower, upper)
// inside one partition. Encoded sort keys are self-delimiting, so "all keys
// whose sort key is <= v" is everything below prefixEnd(part+enc(v)).
func rangeBounds(part []byte, kc *expr.KeyCondition) ([]byte, []byte) {
	lower, upper := part, prefixEnd(part)
	if kc.RangeName == "" {
		return lower, upper
	}
	at := func(v attr.Value) []byte { return attr.AppendKey(append([]byte(nil), part...), v) }
	switch kc.RangeOp {
	case expr.RangeEQ:
		k := at(kc.RangeValues[0])
		return k, prefixEnd(k)
	case expr.RangeLT:
		return lower, at(kc.RangeValues[0])
	case expr.RangeLE:
		return lower, prefixEnd(at(kc.RangeValues[0]))
	case expr.RangeGT:
		return prefixEnd(at(kc.RangeValues[0])), upper
	case expr.RangeGE:
		return at(kc.RangeValues[0]), upper
	case expr.RangeBetween:
		return at(kc.RangeValues[0]), prefixEnd(at(kc.RangeValues[1]))
	case expr.RangeBeginsWith:
		p := appendKeyPrefix(append([]byte(nil), part...), kc.RangeValues[0])
		return p, prefixEnd(p)
	}
	return lower, upper
}

// startKeyFor validates an ExclusiveStartKey and returns its store key. A
// table read takes the table key; an index read the index and table keys.
func (p *readPlan) startKeyFor(esk attr.Item) ([]byte, error) {
	bad := ddberr.Validationf("The provided starting key is invalid: The provided key element does not match the schema")
	want := map[string]attr.Type{}
	for _, k := range []keyAttr{p.m.Key.Hash, p.m.Key.Range} {
		if k.Name != "" {
			want[k.Name] = k.Type
		}
	}
	if p.ix != nil {
		for _, k := range []keyAttr{p.ix.Key.Hash, p.ix.Key.Range} {
			if k.Name != "" {
				want[k.Name] = k.Type
			}
		}
	}
	if len(esk) != len(want) {
		return nil, bad
	}
	for n, t := range want {
		v, ok := esk[n]
		if !ok || v.Type != t {
			return nil, bad
		}
	}
	if p.ix == nil {
		return itemKey(p.m, esk), nil
	}
	return indexEntryKey(p.m, p.ix, esk), nil
}

// appendLastKey appends the LastEvaluatedKey for the entry raw read by p:
// the table's key attributes and, for an index, the index's.
func (p *readPlan) appendLastKey(out, raw []byte) ([]byte, error) {
	var buf [4]string
	names := appendKeyNames(buf[:0], p.m.Key)
	if p.ix != nil {
		names = appendKeyNames(names, p.ix.Key)
	}
	return attr.AppendJSONFromBinaryOnly(out, raw, names)
}

func appendKeyNames(names []string, k keySchema) []string {
	names = append(names, k.Hash.Name)
	if k.hasRange() {
		names = append(names, k.Range.Name)
	}
	return names
}

func (e *Engine) scan(ctx context.Context, body []byte) (any, error) {
	var in scanInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	p, _, _, err := e.prepareRead(&in.readInput, nil, &in)
	if err != nil {
		return nil, err
	}
	indexID := uint16(0)
	if p.ix != nil {
		indexID = p.ix.ID
	}
	prefix := dataPrefix(p.m.ID, indexID)
	p.lower, p.upper = prefix, prefixEnd(prefix)
	if in.Segment != nil || in.TotalSegments != nil {
		// prepareRead checked both are present and in range.
		total, seg := *in.TotalSegments, *in.Segment
		lo := uint64(seg) << 32 / uint64(total)
		hi := uint64(seg+1) << 32 / uint64(total)
		p.lower = binary.BigEndian.AppendUint32(append([]byte(nil), prefix...), uint32(lo))
		if hi < 1<<32 {
			p.upper = binary.BigEndian.AppendUint32(append([]byte(nil), prefix...), uint32(hi))
		}
	}
	if in.ExclusiveStartKey != nil {
		sk, err := p.startKeyFor(in.ExclusiveStartKey)
		if err != nil {
			return nil, err
		}
		if bytes.Compare(sk, p.lower) < 0 || (p.upper != nil && bytes.Compare(sk, p.upper) >= 0) {
			return nil, ddberr.Validationf("The provided Exclusive start key does not map to the provided Segment: %d and TotalSegments: %d", derefInt(in.Segment), derefInt(in.TotalSegments))
		}
		p.startKey = sk
	}
	return e.runRead(ctx, p)
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// runRead walks the plan's range in one snapshot and encodes the response.
// Limit counts items evaluated before the filter, and reading stops once
// 1 MB has been read, as in DynamoDB.
func (e *Engine) runRead(ctx context.Context, p *readPlan) (any, error) {
	snap := e.store.Snapshot()
	defer snap.Close()
	lower, upper := p.lower, p.upper
	if p.startKey != nil {
		if p.reverse {
			if bytes.Compare(p.startKey, upper) < 0 {
				upper = p.startKey
			}
		} else if next := keyAfter(p.startKey); bytes.Compare(next, lower) > 0 {
			lower = next
		}
	}
	it := snap.Iter(lower, upper, p.reverse)
	var (
		out       = e.respBufs.get()
		count     int64
		scanned   int64
		bytesRead int
		lastRaw   []byte
		more      bool
	)
	// Items returned as stored skip decoding entirely: they are transcoded
	// from their storage bytes to JSON.
	asStored := p.filter == nil && p.project == nil && !p.fetch
	out = append(out, `{"Items":[`...)
	for it.Next() {
		if err := ctx.Err(); err != nil {
			_ = it.Close()
			return nil, err
		}
		raw := it.Value()
		scanned++
		// The page limit counts items as DynamoDB sizes them (names and
		// values), not as they happen to be stored.
		itemSize, err := attr.ItemSizeBinary(raw)
		if err != nil {
			_ = it.Close()
			return nil, fmt.Errorf("ddblocal: corrupt stored item: %w", err)
		}
		bytesRead += itemSize
		lastRaw = raw
		if asStored {
			count++
			if !p.count {
				if count > 1 {
					out = append(out, ',')
				}
				var err error
				if out, err = attr.AppendJSONFromBinary(out, raw); err != nil {
					_ = it.Close()
					return nil, err
				}
			}
		} else {
			item, err := decodeItem(raw)
			if err != nil {
				_ = it.Close()
				return nil, err
			}
			if p.fetch {
				// The table item, before the filter: the filter may name
				// attributes the index does not hold.
				full, err := readItem(snap, itemKey(p.m, item))
				if err != nil {
					_ = it.Close()
					return nil, err
				}
				if full != nil {
					item = full
				}
			}
			ok := true
			if p.filter != nil {
				if ok, err = p.filter.Eval(item); err != nil {
					_ = it.Close()
					return nil, err
				}
			}
			if ok {
				count++
				if !p.count {
					if p.project != nil {
						item = p.project(item)
					}
					if count > 1 {
						out = append(out, ',')
					}
					out = attr.AppendItemJSON(out, item)
				}
			}
		}
		if (p.limit > 0 && scanned >= p.limit) || bytesRead >= maxPageBytes {
			more = true
			// The iterator reuses its buffers; keep the last item.
			lastRaw = append([]byte(nil), lastRaw...)
			break
		}
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	if p.count {
		out = out[:0]
		out = append(out, '{')
	} else {
		out = append(out, "],"...)
	}
	out = append(out, `"Count":`...)
	out = strconv.AppendInt(out, count, 10)
	out = append(out, `,"ScannedCount":`...)
	out = strconv.AppendInt(out, scanned, 10)
	if more && lastRaw != nil {
		out = append(out, `,"LastEvaluatedKey":`...)
		var err error
		if out, err = p.appendLastKey(out, lastRaw); err != nil {
			return nil, err
		}
	}
	if wantsCapacity(p.capacityMode) {
		u := newUsage(false)
		if p.ix != nil {
			u.addIndex(p.ix, readUnits(bytesRead, p.consistent))
		} else {
			u.addTable(readUnits(bytesRead, p.consistent))
		}
		return closeWithCapacity(out, u.report(p.capacityMode, p.m.Name))
	}
	return rawJSON(append(out, '}')), nil
}
