package ddblocal

import "github.com/hubstream/hubstream/internal/ddblocal/attr"

// decodeBatchGetFast is the fast decoder (see fastdecode.go) for
// BatchGetItem: tables with Keys and optionally ConsistentRead,
// ProjectionExpression and ExpressionAttributeNames, plus the capacity
// parameters. All request keys are appended to pairs, which is returned
// (grown, perhaps moved) whatever the outcome, so the caller can reuse it.
func decodeBatchGetFast(body []byte, pairs []attr.NamedValue) (batchGetInput, []attr.NamedValue, bool) {
	var in batchGetInput
	ok := decodeFast(body, func(r *attr.Reader, name string) error {
		if name == "RequestItems" {
			var err error
			in.RequestItems, pairs, err = readBatchGetTables(r, pairs)
			return err
		}
		if known, err := readCapacityInput(r, name, &in.capacityInput); known {
			return err
		}
		return errFallback{}
	})
	if !ok {
		return batchGetInput{}, pairs, false
	}
	return in, pairs, true
}

func readBatchGetTables(r *attr.Reader, pairs []attr.NamedValue) (map[string]*keysAndAttributes, []attr.NamedValue, error) {
	tables := make(map[string]*keysAndAttributes, 1)
	err := readMap(r, func(table string) error {
		if _, dup := tables[table]; dup {
			return errFallback{}
		}
		ka := &keysAndAttributes{}
		tables[table] = ka
		return readStruct(r, func(name string) error {
			switch name {
			case "Keys":
				var err error
				ka.Keys, pairs, err = readKeys(r, pairs)
				return err
			case "ConsistentRead":
				var err error
				ka.ConsistentRead, err = r.Bool()
				return err
			case "ProjectionExpression":
				return readStringPtr(r, &ka.ProjectionExpression)
			case "ExpressionAttributeNames":
				var err error
				ka.ExpressionAttributeNames, err = readStringMap(r)
				return err
			}
			return errFallback{}
		})
	})
	return tables, pairs, err
}

// readKeys reads a Keys array. Each key's pairs are appended to pairs
// and sliced from it with their capacity capped, so that no key can grow
// into its neighbour.
func readKeys(r *attr.Reader, pairs []attr.NamedValue) ([]keyPairs, []attr.NamedValue, error) {
	keys := make([]keyPairs, 0, 32)
	if pairs == nil {
		// Most tables have a hash and a range key.
		pairs = make([]attr.NamedValue, 0, 2*cap(keys))
	}
	err := readArray(r, func() error {
		start := len(pairs)
		var err error
		if pairs, err = r.Attrs(pairs); err != nil {
			return err
		}
		keys = append(keys, keyPairs(pairs[start:len(pairs):len(pairs)]))
		return nil
	})
	return keys, pairs, err
}
