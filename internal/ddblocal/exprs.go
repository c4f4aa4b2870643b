package ddblocal

import (
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
	// user reports whether the client wrote any expression (translated
	// legacy parameters do not count).
	user bool
}

// exprSources names the expression strings a request carries; nil means
// absent.
type exprSources struct {
	condition, filter, update, projection *string
}

func (s exprSources) any() bool {
	return s.condition != nil || s.filter != nil || s.update != nil || s.projection != nil
}

// parseExprs parses a request's expressions against its placeholders and
// enforces DynamoDB's request-level rules about unused or useless
// placeholders.
func parseExprs(in exprInput, src exprSources) (*exprSet, error) {
	ke, err := parseExprsWithKey(in, src, nil, nil)
	if err != nil {
		return nil, err
	}
	return ke.set, nil
}

// keyedExprs is parseExprs plus an optional key condition.
type keyedExprs struct {
	set    *exprSet
	filter *expr.Condition
	key    *expr.KeyCondition
}

// parseExprsWithKey parses every expression of a request — the key
// condition (Query only), condition, filter, update and projection — with
// one set of placeholders, so that unused ones are found across all of
// them. leg, when not nil, contributes the translations of the request's
// legacy parameters and their generated placeholders.
func parseExprsWithKey(in exprInput, src exprSources, keyCond *string, leg *legacyExprs) (*keyedExprs, error) {
	user := keyCond != nil || src.any()
	names, values := in.ExpressionAttributeNames, in.ExpressionAttributeValues
	if leg != nil {
		names = mergePlaceholders(names, leg.names)
		values = mergePlaceholders(values, leg.values)
		for _, p := range []struct{ dst, src **string }{
			{&src.condition, &leg.condition}, {&src.filter, &leg.filter}, {&src.update, &leg.update},
		} {
			if *p.src != nil {
				*p.dst = *p.src
			}
		}
	}
	s := &exprSet{params: expr.NewParams(names, values), user: user}
	if leg != nil && leg.unbounded {
		s.params.Unbounded()
	}
	out := &keyedExprs{set: s}
	var err error
	if keyCond != nil {
		if out.key, err = expr.ParseKeyCondition(*keyCond, s.params); err != nil {
			return nil, err
		}
	}
	if src.condition != nil {
		if s.condition, err = expr.ParseCondition(expr.ConditionExpr, *src.condition, s.params); err != nil {
			return nil, err
		}
	}
	if src.filter != nil {
		if s.filter, err = expr.ParseCondition(expr.FilterExpr, *src.filter, s.params); err != nil {
			return nil, err
		}
		out.filter = s.filter
	}
	if src.update != nil {
		if s.update, err = expr.ParseUpdate(*src.update, s.params); err != nil {
			return nil, err
		}
	}
	if src.projection != nil {
		if s.projection, err = expr.ParseProjection(*src.projection, s.params); err != nil {
			return nil, err
		}
	}
	if err := s.checkPlaceholders(in); err != nil {
		return nil, err
	}
	return out, nil
}

// mergePlaceholders adds generated placeholders to the client's, keeping
// the client's map as it was (nil or empty) when nothing was generated, so
// that DynamoDB's rules about those maps still see what the client sent.
func mergePlaceholders[V any](user, gen map[string]V) map[string]V {
	if len(gen) == 0 || (user != nil && len(user) == 0) {
		return user
	}
	if user == nil {
		return gen
	}
	out := make(map[string]V, len(user)+len(gen))
	for k, v := range user {
		out[k] = v
	}
	for k, v := range gen {
		out[k] = v
	}
	return out
}

// checkPlaceholders applies the rules that need the whole request: maps given
// without any expression, empty maps, and unused entries.
func (s *exprSet) checkPlaceholders(in exprInput) error {
	if !s.user {
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

// readProjector parses the ProjectionExpression (with the request's
// placeholders in in) or AttributesToGet of a read, into projector's
// function.
func readProjector(in exprInput, projection *string, attributesToGet []string) (func(attr.Item) attr.Item, error) {
	exprs, err := parseExprs(in, exprSources{projection: projection})
	if err != nil {
		return nil, err
	}
	return projector(exprs, attributesToGet)
}

// projector turns a ProjectionExpression or AttributesToGet into a function
// over items; nil means "everything".
func projector(s *exprSet, attributesToGet []string) (func(attr.Item) attr.Item, error) {
	if err := checkMixing(present(nil, "AttributesToGet", attributesToGet != nil), present(nil, "ProjectionExpression", s.projection != nil)); err != nil {
		return nil, err
	}
	if s.projection != nil {
		return s.projection.Apply, nil
	}
	if attributesToGet != nil {
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
