package expr

import (
	"strings"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// maxPlaceholderLen bounds the length of a placeholder key ("#name" or
// ":value") in ExpressionAttributeNames/Values, counting the prefix.
const maxPlaceholderLen = 255

// Params holds one request's ExpressionAttributeNames and
// ExpressionAttributeValues and records which of them the request's
// expressions use. Parse every expression of a request with the same Params,
// then call CheckUnused. A Params is not safe for concurrent use.
type Params struct {
	names  map[string]string
	values map[string]attr.Value

	// usedNames and usedValues list the placeholders resolved so far, with
	// repetitions. Requests have few placeholders, so slices beat maps.
	usedNames  []string
	usedValues []string

	checked bool
	verr    error

	// unbounded lifts the limits DynamoDB sets on what clients write; see
	// Unbounded.
	unbounded bool
}

// NewParams returns the placeholders of one request. A nil map means the
// request did not carry that parameter; an empty non-nil map means it carried
// an empty one, which DynamoDB rejects (see Validate).
func NewParams(names map[string]string, values map[string]attr.Value) *Params {
	return &Params{names: names, values: values}
}

// Unbounded lifts the expression size, operator count and IN operand
// limits for every expression parsed with p. The engine uses it for
// expressions it generates from the legacy parameters (Expected,
// AttributeUpdates, QueryFilter, ScanFilter), which DynamoDB does not bound
// that way: a client may send a few hundred conditions there.
func (p *Params) Unbounded() { p.unbounded = true }

func (p *Params) isUnbounded() bool { return p != nil && p.unbounded }

// Validate checks the maps themselves, before any expression is looked at,
// with DynamoDB's messages: a map given but empty ("ExpressionAttributeNames
// must not be empty"), and keys that are not a '#' (names) or ':' (values)
// followed by letters, digits and underscores, or are longer than 255 bytes.
// Every Parse function calls it first, so a caller need not; calling it again
// is free.
func (p *Params) Validate() error {
	if p == nil {
		return nil
	}
	if !p.checked {
		p.checked = true
		p.verr = p.validate()
	}
	return p.verr
}

func (p *Params) validate() error {
	if p.names != nil && len(p.names) == 0 {
		return validation("ExpressionAttributeNames must not be empty")
	}
	if err := checkNames(p.names, false); err != nil {
		// Walk again in key order so that the error does not depend on map
		// iteration order.
		return checkNames(p.names, true)
	}
	if p.values != nil && len(p.values) == 0 {
		return validation("ExpressionAttributeValues must not be empty")
	}
	for k := range p.values {
		if checkPlaceholderKey("ExpressionAttributeValues", k, ':') != nil {
			for _, k := range attr.SortedKeys(p.values) {
				if err := checkPlaceholderKey("ExpressionAttributeValues", k, ':'); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func checkNames(names map[string]string, sorted bool) error {
	check := func(k string) error {
		if err := checkPlaceholderKey("ExpressionAttributeNames", k, '#'); err != nil {
			return err
		}
		if names[k] == "" {
			return validation("ExpressionAttributeNames contains invalid value: Empty attribute name for key " + k)
		}
		return nil
	}
	if sorted {
		for _, k := range attr.SortedKeys(names) {
			if err := check(k); err != nil {
				return err
			}
		}
		return nil
	}
	for k := range names {
		if err := check(k); err != nil {
			return err
		}
	}
	return nil
}

func checkPlaceholderKey(param, k string, prefix byte) error {
	ok := len(k) >= 2 && k[0] == prefix
	for i := 1; ok && i < len(k); i++ {
		ok = isWord(k[i])
	}
	if !ok {
		return validation(param + " contains invalid key: Syntax error; key: \"" + k + "\"")
	}
	if len(k) > maxPlaceholderLen {
		return validation(param + " contains invalid key: The key exceeds the maximum length of 255 bytes; key: \"" + k + "\"")
	}
	return nil
}

// name resolves a "#name" placeholder and marks it used.
func (p *Params) name(ph string) (string, bool) {
	if p == nil {
		return "", false
	}
	return lookupUsed(p.names, &p.usedNames, ph)
}

// value resolves a ":value" placeholder and marks it used.
func (p *Params) value(ph string) (attr.Value, bool) {
	if p == nil {
		return attr.Value{}, false
	}
	return lookupUsed(p.values, &p.usedValues, ph)
}

// lookupUsed looks ph up in m and, when it is there, records it in used
// (sized for all of m on first use).
func lookupUsed[V any](m map[string]V, used *[]string, ph string) (V, bool) {
	v, ok := m[ph]
	if ok {
		if *used == nil {
			*used = make([]string, 0, len(m))
		}
		*used = append(*used, ph)
	}
	return v, ok
}

// CheckUnused reports, after all expressions of a request were parsed with
// p, the placeholders none of them used: "Value provided in
// ExpressionAttributeNames unused in expressions: keys: {#a, #b}" (names are
// checked before values; keys are listed sorted). It first reports any
// Validate error.
func (p *Params) CheckUnused() error {
	if p == nil {
		return nil
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if unused := unusedKeys(p.names, p.usedNames); unused != nil {
		return validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
	}
	if unused := unusedKeys(p.values, p.usedValues); unused != nil {
		return validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
	}
	return nil
}

// unusedKeys returns the keys of m missing from used, sorted, or nil.
func unusedKeys[V any](m map[string]V, used []string) []string {
	if len(m) == 0 {
		return nil
	}
	// used only holds keys of m, so all are used when it has len(m)
	// distinct entries.
	seen := make(map[string]struct{}, len(used))
	for _, k := range used {
		seen[k] = struct{}{}
	}
	if len(seen) == len(m) {
		return nil
	}
	var unused []string
	for _, k := range attr.SortedKeys(m) {
		if _, ok := seen[k]; !ok {
			unused = append(unused, k)
		}
	}
	return unused
}
