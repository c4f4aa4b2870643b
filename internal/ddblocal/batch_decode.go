package ddblocal

import "github.com/hubstream/hubstream/internal/ddblocal/attr"

// decodeBatchGetFast decodes the BatchGetItem requests SDKs send — tables
// with Keys and optionally ConsistentRead, ProjectionExpression and
// ExpressionAttributeNames, plus ReturnConsumedCapacity — in one pass with
// attr.Reader, into exactly what decodeRequest would produce. All request
// keys share one slice of pairs.
//
// It reports false for anything else: other or repeated members, nulls,
// names or strings with escapes, and every malformed request. The caller
// then decodes with decodeRequest, which is the one place request errors
// come from. FuzzBatchGetDecode holds the two decoders to the same result.
//
// Why: with reflection (goccy/go-json calling keyPairs.UnmarshalJSON once
// per key, each with its own copy of the key's bytes, decoder and pair
// slice) decoding was the largest engine cost of a 25-key BatchGetItem
// over loopback.
func decodeBatchGetFast(body []byte) (batchGetInput, bool) {
	var in batchGetInput
	r := attr.NewReader(body)
	if r.Open('{') != nil || r.Empty('}') {
		return in, false
	}
	var pairs []attr.NamedValue
	seenItems, seenRCC := false, false
	for {
		name, err := r.Name()
		if err != nil {
			return in, false
		}
		switch name {
		case "RequestItems":
			if seenItems {
				return in, false
			}
			seenItems = true
			if in.RequestItems, pairs, err = readBatchGetTables(r, pairs); err != nil {
				return in, false
			}
		case "ReturnConsumedCapacity":
			if seenRCC {
				return in, false
			}
			seenRCC = true
			if in.ReturnConsumedCapacity, err = r.String(); err != nil {
				return in, false
			}
		default:
			return in, false
		}
		more, err := r.More('}')
		if err != nil {
			return in, false
		}
		if !more {
			break
		}
	}
	if r.End() != nil {
		return in, false
	}
	return in, true
}

// errFallback stops the fast decoder; its text is never shown.
type errFallback struct{}

func (errFallback) Error() string { return "fall back to the general decoder" }

func readBatchGetTables(r *attr.Reader, pairs []attr.NamedValue) (map[string]*keysAndAttributes, []attr.NamedValue, error) {
	if err := r.Open('{'); err != nil {
		return nil, pairs, err
	}
	tables := make(map[string]*keysAndAttributes, 1)
	if r.Empty('}') {
		return tables, pairs, nil
	}
	for {
		name, err := r.Name()
		if err != nil {
			return nil, pairs, err
		}
		if _, dup := tables[name]; dup {
			return nil, pairs, errFallback{}
		}
		var ka *keysAndAttributes
		if ka, pairs, err = readKeysAndAttributes(r, pairs); err != nil {
			return nil, pairs, err
		}
		tables[name] = ka
		more, err := r.More('}')
		if err != nil {
			return nil, pairs, err
		}
		if !more {
			return tables, pairs, nil
		}
	}
}

func readKeysAndAttributes(r *attr.Reader, pairs []attr.NamedValue) (*keysAndAttributes, []attr.NamedValue, error) {
	if err := r.Open('{'); err != nil {
		return nil, pairs, err
	}
	ka := &keysAndAttributes{}
	if r.Empty('}') {
		return ka, pairs, nil
	}
	var seenKeys, seenConsistent bool
	for {
		name, err := r.Name()
		if err != nil {
			return nil, pairs, err
		}
		switch name {
		case "Keys":
			if seenKeys {
				return nil, pairs, errFallback{}
			}
			seenKeys = true
			if ka.Keys, pairs, err = readKeys(r, pairs); err != nil {
				return nil, pairs, err
			}
		case "ConsistentRead":
			if seenConsistent {
				return nil, pairs, errFallback{}
			}
			seenConsistent = true
			if ka.ConsistentRead, err = r.Bool(); err != nil {
				return nil, pairs, err
			}
		case "ProjectionExpression":
			if ka.ProjectionExpression != nil {
				return nil, pairs, errFallback{}
			}
			s, err := r.String()
			if err != nil {
				return nil, pairs, err
			}
			ka.ProjectionExpression = &s
		case "ExpressionAttributeNames":
			if ka.ExpressionAttributeNames != nil {
				return nil, pairs, errFallback{}
			}
			if ka.ExpressionAttributeNames, err = readStringMap(r); err != nil {
				return nil, pairs, err
			}
		default:
			return nil, pairs, errFallback{}
		}
		more, err := r.More('}')
		if err != nil {
			return nil, pairs, err
		}
		if !more {
			return ka, pairs, nil
		}
	}
}

// readKeys reads a Keys array. Each key's pairs are appended to pairs
// and sliced from it with their capacity capped, so that no key can grow
// into its neighbour.
func readKeys(r *attr.Reader, pairs []attr.NamedValue) ([]keyPairs, []attr.NamedValue, error) {
	if err := r.Open('['); err != nil {
		return nil, pairs, err
	}
	keys := make([]keyPairs, 0, 32)
	if r.Empty(']') {
		return keys, pairs, nil
	}
	if pairs == nil {
		// Most tables have a hash and a range key.
		pairs = make([]attr.NamedValue, 0, 2*cap(keys))
	}
	for {
		start := len(pairs)
		var err error
		if pairs, err = r.Attrs(pairs); err != nil {
			return nil, pairs, err
		}
		keys = append(keys, keyPairs(pairs[start:len(pairs):len(pairs)]))
		more, err := r.More(']')
		if err != nil {
			return nil, pairs, err
		}
		if !more {
			return keys, pairs, nil
		}
	}
}

func readStringMap(r *attr.Reader) (map[string]string, error) {
	if err := r.Open('{'); err != nil {
		return nil, err
	}
	m := make(map[string]string)
	if r.Empty('}') {
		return m, nil
	}
	for {
		k, err := r.Name()
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, errFallback{}
		}
		if m[k], err = r.String(); err != nil {
			return nil, err
		}
		more, err := r.More('}')
		if err != nil {
			return nil, err
		}
		if !more {
			return m, nil
		}
	}
}
