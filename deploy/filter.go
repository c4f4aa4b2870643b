package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrFilter is matched (errors.Is) by a filter pattern this package
// cannot evaluate.
var ErrFilter = errors.New("deploy: unsupported filter pattern")

// FilterMatches reports whether an event (a stream record as Lambda
// delivers it) matches an event source mapping's filter pattern, with
// Lambda's event-filtering rules: every key of the pattern must match;
// an object matches field by field; an array lists alternatives, each a
// value compared exactly or one of the operators prefix, suffix,
// equals-ignore-case, exists and anything-but; a field that holds an
// array matches when one of its elements does. Other operators are
// ErrFilter rather than a guess.
func FilterMatches(pattern string, event []byte) (bool, error) {
	var p, e any
	if err := json.Unmarshal([]byte(pattern), &p); err != nil {
		return false, fmt.Errorf("%w: pattern: %v", ErrFilter, err)
	}
	if err := json.Unmarshal(event, &e); err != nil {
		return false, fmt.Errorf("deploy: event: %w", err)
	}
	pm, ok := p.(map[string]any)
	if !ok {
		return false, fmt.Errorf("%w: the pattern is not an object", ErrFilter)
	}
	return matchObject(pm, e)
}

func matchObject(p map[string]any, e any) (bool, error) {
	em, _ := e.(map[string]any)
	for k, pv := range p {
		field, present := em[k]
		switch pv := pv.(type) {
		case map[string]any:
			if !present {
				return false, nil
			}
			ok, err := matchObject(pv, field)
			if err != nil || !ok {
				return false, err
			}
		case []any:
			ok, err := matchAlternatives(pv, field, present)
			if err != nil || !ok {
				return false, err
			}
		default:
			return false, fmt.Errorf("%w: %q must be an object or an array", ErrFilter, k)
		}
	}
	return true, nil
}

func matchAlternatives(alts []any, field any, present bool) (bool, error) {
	values := []any{field}
	if arr, ok := field.([]any); ok {
		values = arr
	}
	for _, alt := range alts {
		if op, ok := alt.(map[string]any); ok {
			ok, err := matchOperator(op, values, present)
			if err != nil || ok {
				return ok, err
			}
			continue
		}
		if !present {
			continue
		}
		for _, v := range values {
			if equalScalar(alt, v) {
				return true, nil
			}
		}
	}
	return false, nil
}

func matchOperator(op map[string]any, values []any, present bool) (bool, error) {
	if len(op) != 1 {
		return false, fmt.Errorf("%w: an operator object must have one key", ErrFilter)
	}
	for name, arg := range op {
		switch name {
		case "exists":
			want, ok := arg.(bool)
			if !ok {
				return false, fmt.Errorf("%w: exists wants true or false", ErrFilter)
			}
			return present == want, nil
		case "prefix", "suffix", "equals-ignore-case":
			s, ok := arg.(string)
			if !ok {
				return false, fmt.Errorf("%w: %s wants a string", ErrFilter, name)
			}
			if !present {
				return false, nil
			}
			for _, v := range values {
				vs, ok := v.(string)
				if !ok {
					continue
				}
				if (name == "prefix" && strings.HasPrefix(vs, s)) || (name == "suffix" && strings.HasSuffix(vs, s)) ||
					(name == "equals-ignore-case" && strings.EqualFold(vs, s)) {
					return true, nil
				}
			}
			return false, nil
		case "anything-but":
			if !present {
				return false, nil
			}
			banned, ok := arg.([]any)
			if !ok {
				banned = []any{arg}
			}
			for _, b := range banned {
				if _, isOp := b.(map[string]any); isOp {
					return false, fmt.Errorf("%w: anything-but with an operator", ErrFilter)
				}
			}
			for _, v := range values {
				match := false
				for _, b := range banned {
					match = match || equalScalar(b, v)
				}
				if !match {
					return true, nil
				}
			}
			return false, nil
		default:
			return false, fmt.Errorf("%w: operator %q", ErrFilter, name)
		}
	}
	return false, nil
}

func equalScalar(a, b any) bool {
	switch a := a.(type) {
	case string:
		s, ok := b.(string)
		return ok && s == a
	case float64:
		f, ok := b.(float64)
		return ok && f == a
	case bool:
		v, ok := b.(bool)
		return ok && v == a
	case nil:
		return b == nil
	}
	return false
}
