package ddblocal

import (
	"math"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
	"github.com/hubstream/hubstream/internal/ddblocal/expr"
)

// exprSet is the parsed expressions of one request.
type exprSet struct {
	params     *expr.Params
	condition  *expr.Condition
	filter     *expr.Condition
	update     *expr.Update
	projection *expr.Projection
	any        bool
}

// exprSources names the expression strings a request carries; nil means
// absent.
type exprSources struct {
	condition, filter, update, projection *string
}

// parseExprs parses a request's expressions against its placeholders and
// enforces DynamoDB's request-level rules about unused or useless
// placeholders.
func parseExprs(in exprInput, src exprSources) (*exprSet, error) {
	ke, err := parseExprsWithKey(in, src, nil)
	if err != nil {
		return nil, err
	}
	return ke.set, nil
}

// checkPlaceholders applies the rules that need the whole request: maps given
// without any expression, empty maps, and unused entries.
func (s *exprSet) checkPlaceholders(in exprInput) error {
	if !s.any {
		if in.ExpressionAttributeNames != nil {
			return ddberr.Validationf("ExpressionAttributeNames can only be specified when using expressions")
		}
		if in.ExpressionAttributeValues != nil {
			return ddberr.Validationf("ExpressionAttributeValues can only be specified when using expressions")
		}
		return nil
	}
	if in.ExpressionAttributeNames != nil && len(in.ExpressionAttributeNames) == 0 {
		return ddberr.Validationf("ExpressionAttributeNames must not be empty")
	}
	if in.ExpressionAttributeValues != nil && len(in.ExpressionAttributeValues) == 0 {
		return ddberr.Validationf("ExpressionAttributeValues must not be empty")
	}
	return s.params.CheckUnused()
}

// checkLegacy rejects the pre-expression parameters, which this engine does
// not implement, with an error naming the one to replace.
func checkLegacy(l legacyInput) error {
	switch {
	case l.Expected != nil:
		return ddberr.Validationf("The legacy parameter Expected is not supported by this engine; use ConditionExpression")
	case l.ConditionalOperator != "":
		return ddberr.Validationf("The legacy parameter ConditionalOperator is not supported by this engine; use ConditionExpression or FilterExpression")
	case l.AttributeUpdates != nil:
		return ddberr.Validationf("The legacy parameter AttributeUpdates is not supported by this engine; use UpdateExpression")
	case l.KeyConditions != nil:
		return ddberr.Validationf("The legacy parameter KeyConditions is not supported by this engine; use KeyConditionExpression")
	case l.QueryFilter != nil:
		return ddberr.Validationf("The legacy parameter QueryFilter is not supported by this engine; use FilterExpression")
	case l.ScanFilter != nil:
		return ddberr.Validationf("The legacy parameter ScanFilter is not supported by this engine; use FilterExpression")
	}
	return nil
}

// projector turns a ProjectionExpression or AttributesToGet into a function
// over items; nil means "everything".
func projector(s *exprSet, attributesToGet []string) (func(attr.Item) attr.Item, error) {
	if s.projection != nil && attributesToGet != nil {
		return nil, ddberr.Validationf("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	}
	if s.projection != nil {
		return s.projection.Apply, nil
	}
	if attributesToGet != nil {
		if len(attributesToGet) == 0 {
			return nil, constraintError("[]", "attributesToGet", "Member must have length greater than or equal to 1")
		}
		names := append([]string(nil), attributesToGet...)
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				return nil, ddberr.Validationf("One or more parameter values were invalid: Duplicate value in attribute name: %s", n)
			}
			seen[n] = true
		}
		return func(it attr.Item) attr.Item {
			out := attr.Item{}
			for _, n := range names {
				if v, ok := it[n]; ok {
					out[n] = v
				}
			}
			return out
		}, nil
	}
	return nil, nil
}

// Capacity accounting: a write unit covers 1 KB, a read unit 4 KB (halved
// for eventually consistent reads), transactions cost double.
func writeUnits(size int) float64 {
	return math.Max(1, math.Ceil(float64(size)/1024))
}

func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// wantsCapacity reports whether a ReturnConsumedCapacity mode asks for
// consumed capacity, so that callers skip computing item sizes otherwise.
func wantsCapacity(mode string) bool { return mode == "TOTAL" || mode == "INDEXES" }

func capacity(mode, table string, units float64) *consumedCapacity {
	switch mode {
	case "TOTAL":
		return &consumedCapacity{TableName: table, CapacityUnits: units}
	case "INDEXES":
		c := &consumedCapacity{TableName: table, CapacityUnits: units}
		c.Table = &struct {
			CapacityUnits float64 `json:"CapacityUnits"`
		}{units}
		return c
	}
	return nil
}

func validateCapacityMode(c capacityInput) error {
	switch c.ReturnConsumedCapacity {
	case "", "NONE", "TOTAL", "INDEXES":
	default:
		return constraintError(c.ReturnConsumedCapacity, "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")
	}
	switch c.ReturnItemCollectionMetrics {
	case "", "NONE", "SIZE":
	default:
		return constraintError(c.ReturnItemCollectionMetrics, "returnItemCollectionMetrics", "Member must satisfy enum value set: [SIZE, NONE]")
	}
	return nil
}
