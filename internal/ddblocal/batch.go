package ddblocal

import (
	"bytes"
	"context"
	"hash/maphash"
	"sort"
	"strconv"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// DynamoDB's batch limits.
const (
	maxBatchGetKeys      = 100
	maxBatchWriteItems   = 25
	maxBatchGetRespBytes = 16 << 20
)

type keysAndAttributes struct {
	Keys                 []keyPairs `json:"Keys"`
	ProjectionExpression *string    `json:"ProjectionExpression"`
	AttributesToGet      []string   `json:"AttributesToGet"`
	ConsistentRead       bool       `json:"ConsistentRead"`
	exprInput
}

type batchGetInput struct {
	RequestItems map[string]*keysAndAttributes `json:"RequestItems"`
	capacityInput
}

func (e *Engine) batchGetItem(ctx context.Context, body []byte) (any, error) {
	pairs := e.pairBufs.get()
	in, pairs, ok := decodeBatchGetFast(body, pairs)
	// Nothing refers to the request keys once the response is built
	// (UnprocessedKeys are encoded before returning).
	defer func() { e.pairBufs.put(pairs) }()
	if !ok {
		in = batchGetInput{}
		if err := decodeRequest(body, &in); err != nil {
			return nil, err
		}
	}
	var v violations
	v.capacity(in.capacityInput)
	if len(in.RequestItems) == 0 {
		v.add("{}", "requestItems", "Member must have length greater than or equal to 1")
	}
	for _, name := range attr.SortedKeys(in.RequestItems) {
		switch r := in.RequestItems[name]; {
		case r == nil || len(r.Keys) == 0:
			v.add("[]", "requestItems."+name+".member.keys", "Member must have length greater than or equal to 1")
		case len(r.Keys) > maxBatchGetKeys:
			v.add("[...]", "requestItems."+name+".member.keys", "Member must have length less than or equal to 100")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	type tableReq struct {
		name    string
		m       *tableMeta
		keys    []keyPairs
		store   [][]byte // store keys, aligned with keys
		req     *keysAndAttributes
		project func(attr.Item) attr.Item
	}
	var reqs []*tableReq
	total := 0
	// Everything that does not need a table is checked first: an invalid
	// request naming a missing table is a ValidationException.
	for name, r := range in.RequestItems {
		total += len(r.Keys)
		if total > maxBatchGetKeys {
			return nil, ddberr.Validationf("Too many items requested for the BatchGetItem call")
		}
		if err := validateTableName(name); err != nil {
			return nil, err
		}
		project, err := readProjector(r.exprInput, r.ProjectionExpression, r.AttributesToGet)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, &tableReq{name: name, keys: r.Keys, req: r, project: project})
	}
	for _, r := range reqs {
		_, m, err := e.lookupData(r.name)
		if err != nil {
			return nil, err
		}
		if r.store, err = storeKeysOf(m, r.keys, e.hashSeed); err != nil {
			return nil, err
		}
		r.m = m
	}
	// Deterministic order makes UnprocessedKeys predictable when the 16 MB
	// response limit cuts a batch.
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].name < reqs[j].name })
	snap := e.store.Snapshot()
	defer snap.Close()
	out := e.respBufs.get()
	out = append(out, `{"Responses":{`...)
	unprocessed := map[string]*keysAndAttributes{}
	skip := e.faults.skipper("BatchGetItem")
	size := 0
	var caps []*consumedCapacity
	for ti, r := range reqs {
		if ti > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendQuote(out, r.name)
		out = append(out, ":["...)
		n := 0
		var units float64
		for ki, sk := range r.store {
			if size >= maxBatchGetRespBytes {
				u := *r.req
				if prev := unprocessed[r.name]; prev != nil {
					u.Keys = append(prev.Keys, r.keys[ki:]...)
				} else {
					u.Keys = r.keys[ki:]
				}
				unprocessed[r.name] = &u
				break
			}
			if skip != nil && skip() {
				// Injected (Faults.Unprocessed): left for the client to
				// retry, unread.
				u := unprocessed[r.name]
				if u == nil {
					c := *r.req
					c.Keys = nil
					u = &c
					unprocessed[r.name] = u
				}
				u.Keys = append(u.Keys, r.keys[ki])
				continue
			}
			if r.project == nil && (in.ReturnConsumedCapacity == "" || in.ReturnConsumedCapacity == "NONE") {
				// The common case: items as stored, transcoded without
				// decoding.
				raw, found, err := snap.Get(sk)
				if err != nil {
					return nil, err
				}
				if !found {
					continue
				}
				if n > 0 {
					out = append(out, ',')
				}
				before := len(out)
				if out, err = attr.AppendJSONFromBinary(out, raw); err != nil {
					return nil, err
				}
				size += len(out) - before
				n++
				continue
			}
			item, err := readItem(snap, sk)
			if err != nil {
				return nil, err
			}
			if in.ReturnConsumedCapacity != "" && in.ReturnConsumedCapacity != "NONE" {
				units += readUnits(attr.ItemSize(item), r.req.ConsistentRead)
			}
			if item == nil {
				continue
			}
			if r.project != nil {
				item = r.project(item)
			}
			if n > 0 {
				out = append(out, ',')
			}
			before := len(out)
			out = attr.AppendItemJSON(out, item)
			size += len(out) - before
			n++
		}
		out = append(out, ']')
		if c := capacity(in.ReturnConsumedCapacity, r.name, units); c != nil {
			caps = append(caps, c)
		}
	}
	out = append(out, `},"UnprocessedKeys":`...)
	if len(unprocessed) == 0 {
		out = append(out, "{}"...)
	} else {
		raw, err := marshalJSON(unprocessed)
		if err != nil {
			return nil, err
		}
		out = append(out, raw...)
	}
	if len(caps) > 0 {
		return closeWithCapacity(out, caps)
	}
	return rawJSON(append(out, '}')), nil
}

// storeKeysOf returns the store keys of keys, in order, all in one buffer,
// and rejects a list that names an item twice.
func storeKeysOf(m *tableMeta, keys []keyPairs, seed maphash.Seed) ([][]byte, error) {
	arena := make([]byte, 0, 48*len(keys))
	ends := make([]int, len(keys))
	for i, k := range keys {
		var err error
		if arena, err = m.appendStoreKey(arena, k); err != nil {
			return nil, err
		}
		ends[i] = len(arena)
	}
	// Slices are cut only now: the arena may have moved while it grew.
	store := make([][]byte, len(keys))
	start := 0
	for i, end := range ends {
		store[i] = arena[start:end:end]
		start = end
	}
	// Duplicates are found by comparing 64-bit hashes of the keys (on the
	// stack; at most 100 keys): a map of 25 keys cost more than the rest
	// of key handling, and sorting them a few microseconds.
	var hashes [maxBatchGetKeys]uint64
	h := hashes[:0]
	for _, k := range store {
		hk := maphash.Bytes(seed, k)
		for j, prev := range h {
			if prev == hk && bytes.Equal(store[j], k) {
				return nil, ddberr.Validationf("Provided list of item keys contains duplicates")
			}
		}
		h = append(h, hk)
	}
	return store, nil
}

type writeRequest struct {
	PutRequest *struct {
		Item attr.Item `json:"Item"`
	} `json:"PutRequest,omitempty"`
	DeleteRequest *struct {
		Key attr.Item `json:"Key"`
	} `json:"DeleteRequest,omitempty"`
}

type batchWriteInput struct {
	RequestItems map[string][]writeRequest `json:"RequestItems"`
	capacityInput
}

type batchWriteOutput struct {
	UnprocessedItems map[string][]writeRequest `json:"UnprocessedItems"`
	ConsumedCapacity []*consumedCapacity       `json:"ConsumedCapacity,omitempty"`
}

// batchWriteItem validates the whole batch first, so a schema error in one
// request rejects the batch with nothing written, then commits every write
// at once. (DynamoDB applies batch writes individually; applying them
// atomically is a stronger guarantee that no client can tell apart.)
func (e *Engine) batchWriteItem(ctx context.Context, body []byte) (any, error) {
	var in batchWriteInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v violations
	v.capacity(in.capacityInput)
	total := 0
	for _, name := range attr.SortedKeys(in.RequestItems) {
		if n := len(in.RequestItems[name]); n == 0 {
			v.add("[]", "requestItems."+name+".member", "Member must have length greater than or equal to 1")
		} else {
			total += n
		}
	}
	switch {
	case len(in.RequestItems) == 0:
		v.add("{}", "requestItems", "Member must have length greater than or equal to 1")
	case total > maxBatchWriteItems:
		v.add("map", "requestItems", "Member must have length less than or equal to 25")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	for name, reqs := range in.RequestItems {
		if err := validateTableName(name); err != nil {
			return nil, err
		}
		for _, r := range reqs {
			switch {
			case r.PutRequest != nil && r.DeleteRequest != nil:
				return nil, ddberr.Validationf("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			case r.PutRequest == nil && r.DeleteRequest == nil:
				return nil, ddberr.Validationf("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
			case r.PutRequest != nil && r.PutRequest.Item == nil:
				return nil, errNull("requestItems." + name + ".member.putRequest.item")
			}
		}
	}
	e.commitMu.Lock()
	muts, origins, err := e.planBatchWrite(in.RequestItems)
	out := batchWriteOutput{UnprocessedItems: map[string][]writeRequest{}}
	if skip := e.faults.skipper("BatchWriteItem"); err == nil && skip != nil {
		// Injected (Faults.Unprocessed): the whole batch was validated,
		// the chosen requests are left for the client to retry, unwritten.
		kept := muts[:0]
		for i, mu := range muts {
			if o := origins[i]; skip() {
				out.UnprocessedItems[o.table] = append(out.UnprocessedItems[o.table], in.RequestItems[o.table][o.index])
				continue
			}
			kept = append(kept, mu)
		}
		muts = kept
	}
	if err == nil {
		err = e.commit(ctx, muts)
	}
	e.commitMu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := e.syncApplied(ctx); err != nil {
		return nil, err
	}
	if wantsCapacity(in.ReturnConsumedCapacity) {
		usages := map[string]*usage{}
		for _, mu := range muts {
			u := usages[mu.m.Name]
			if u == nil {
				u = newUsage(true)
				usages[mu.m.Name] = u
			}
			u.addWrite(mu.m, mu.old, mu.new, 1)
		}
		for _, n := range attr.SortedKeys(usages) {
			out.ConsumedCapacity = append(out.ConsumedCapacity, usages[n].report(in.ReturnConsumedCapacity, n))
		}
	}
	return out, nil
}

// batchOrigin says which request of a batch a mutation comes from.
type batchOrigin struct {
	table string
	index int
}

// planBatchWrite turns a batch into mutations, with the request each comes
// from; the caller holds the commit lock.
func (e *Engine) planBatchWrite(items map[string][]writeRequest) ([]*mutation, []batchOrigin, error) {
	snap := e.store.Snapshot()
	defer snap.Close()
	var muts []*mutation
	var origins []batchOrigin
	names := make([]string, 0, len(items))
	for n := range items {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t, m, err := e.lookupData(name)
		if err != nil {
			return nil, nil, err
		}
		seen := map[string]bool{}
		for ri, r := range items[name] {
			var key, newItem attr.Item
			switch {
			case r.PutRequest != nil && r.DeleteRequest != nil:
				return nil, nil, ddberr.Validationf("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			case r.PutRequest != nil:
				if r.PutRequest.Item == nil {
					return nil, nil, errNull("requestItems." + name + ".member.putRequest.item")
				}
				// BatchWriteItem reports a missing or mistyped key of a put
				// with the one schema message, unlike PutItem.
				for _, k := range []keyAttr{m.Key.Hash, m.Key.Range} {
					if v, ok := r.PutRequest.Item[k.Name]; k.Name != "" && (!ok || v.Type != k.Type) {
						return nil, nil, errKeySchema
					}
				}
				if key, err = m.keyOf(r.PutRequest.Item); err != nil {
					return nil, nil, err
				}
				if err := validateNewItem(m, r.PutRequest.Item, false); err != nil {
					return nil, nil, err
				}
				newItem = r.PutRequest.Item
			case r.DeleteRequest != nil:
				if key, err = m.extractKey(r.DeleteRequest.Key); err != nil {
					return nil, nil, err
				}
			default:
				return nil, nil, ddberr.Validationf("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
			}
			sk := itemKey(m, key)
			if seen[string(sk)] {
				return nil, nil, ddberr.Validationf("Provided list of item keys contains duplicates")
			}
			seen[string(sk)] = true
			old, err := readItem(snap, sk)
			if err != nil {
				return nil, nil, err
			}
			muts = append(muts, &mutation{t: t, m: m, key: sk, old: old, new: newItem})
			origins = append(origins, batchOrigin{name, ri})
		}
	}
	return muts, origins, nil
}
