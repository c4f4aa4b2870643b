package ddblocal

import (
	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
	"slices"
)

// keyAttr is one key attribute of a table or index.
type keyAttr struct {
	Name string    `json:"n"`
	Type attr.Type `json:"t"`
}

// keySchema is a hash key and an optional range key (Range.Name == "").
type keySchema struct {
	Hash  keyAttr `json:"h"`
	Range keyAttr `json:"r"`
}

func (k keySchema) hasRange() bool { return k.Range.Name != "" }

// names returns the key attribute names, hash first.
func (k keySchema) names() []string {
	if k.hasRange() {
		return []string{k.Hash.Name, k.Range.Name}
	}
	return []string{k.Hash.Name}
}

// Index projection types.
const (
	projAll      = "ALL"
	projKeysOnly = "KEYS_ONLY"
	projInclude  = "INCLUDE"
)

// index is a GSI or LSI definition.
type index struct {
	Name       string    `json:"name"`
	ID         uint16    `json:"id"`
	Global     bool      `json:"global"`
	Key        keySchema `json:"key"`
	Projection string    `json:"proj"`
	NonKey     []string  `json:"nonKey,omitempty"`
	RCU        int64     `json:"rcu,omitempty"`
	WCU        int64     `json:"wcu,omitempty"`
}

// projects reports whether item belongs in the index: DynamoDB indexes are
// sparse, so an item appears only when it has every index key attribute with
// the declared type.
func (ix *index) projects(item attr.Item) bool {
	for _, k := range []keyAttr{ix.Key.Hash, ix.Key.Range} {
		if k.Name == "" {
			continue
		}
		v, ok := item[k.Name]
		if !ok || v.Type != k.Type {
			return false
		}
	}
	return true
}

// holds reports whether the index's entries hold the attribute name: the
// table and index keys, and what the projection adds.
func (ix *index) holds(name string, table keySchema) bool {
	switch {
	case ix.Projection == projAll,
		name == table.Hash.Name, name == table.Range.Name && name != "",
		name == ix.Key.Hash.Name, name == ix.Key.Range.Name && name != "":
		return true
	}
	return slices.Contains(ix.NonKey, name)
}

// project returns the attributes of item stored in the index entry: always
// the table and index keys, plus the projection's attributes.
func (ix *index) project(item attr.Item, table keySchema) attr.Item {
	if ix.Projection == projAll {
		return item
	}
	out := make(attr.Item, 4+len(ix.NonKey))
	for _, n := range append(table.names(), ix.Key.names()...) {
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	for _, n := range ix.NonKey {
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	return out
}

// tableMeta is a table's persisted definition. It is immutable once
// published; changes publish a modified copy.
type tableMeta struct {
	Name               string     `json:"name"`
	ID                 uint32     `json:"id"`
	Key                keySchema  `json:"key"`
	AttrDefs           []keyAttr  `json:"attrs"`
	Indexes            []*index   `json:"indexes,omitempty"`
	NextIndexID        uint16     `json:"nextIndex"`
	BillingMode        string     `json:"billing"`
	RCU                int64      `json:"rcu,omitempty"`
	WCU                int64      `json:"wcu,omitempty"`
	Created            float64    `json:"created"`
	TTLAttr            string     `json:"ttlAttr,omitempty"`
	TTLEnabled         bool       `json:"ttlEnabled,omitempty"`
	Stream             streamMeta `json:"stream"`
	DeletionProtection bool       `json:"delProt,omitempty"`
	TableClass         string     `json:"class,omitempty"`
	// TTLChanged is when TimeToLive was last changed (Unix seconds), for
	// DynamoDB's one-change-per-hour rule.
	TTLChanged float64           `json:"ttlChanged,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
}

// streamMeta describes a table's current (or latest) stream.
type streamMeta struct {
	Enabled  bool   `json:"enabled,omitempty"`
	ViewType string `json:"view,omitempty"`
	Label    string `json:"label,omitempty"`
}

func (m *tableMeta) clone() *tableMeta {
	c := *m
	c.AttrDefs = append([]keyAttr(nil), m.AttrDefs...)
	c.Indexes = make([]*index, len(m.Indexes))
	// Tags are replaced, never changed in place, so sharing is safe.
	for i, ix := range m.Indexes {
		cp := *ix
		cp.NonKey = append([]string(nil), ix.NonKey...)
		c.Indexes[i] = &cp
	}
	return &c
}

// indexByName returns the named index or a ValidationException.
func (m *tableMeta) indexByName(name string) (*index, error) {
	for _, ix := range m.Indexes {
		if ix.Name == name {
			return ix, nil
		}
	}
	return nil, ddberr.Validationf("The table does not have the specified index: %s", name)
}

// isKeyAttr reports whether name is a key attribute of the table (not of an
// index).
func (m *tableMeta) isKeyAttr(name string) bool {
	return name == m.Key.Hash.Name || (m.Key.hasRange() && name == m.Key.Range.Name)
}

// extractKey validates that key holds exactly the table's key attributes
// with the right types and returns it. DynamoDB answers every mismatch with
// the same message.
func (m *tableMeta) extractKey(key attr.Item) (attr.Item, error) {
	want := 1
	if m.Key.hasRange() {
		want = 2
	}
	if len(key) != want {
		return nil, errKeySchema
	}
	if err := checkKeyAttr(key, m.Key.Hash, maxHashKeyBytes); err != nil {
		return nil, err
	}
	if m.Key.hasRange() {
		if err := checkKeyAttr(key, m.Key.Range, maxRangeKeyBytes); err != nil {
			return nil, err
		}
	}
	return key, nil
}

// keyOf returns the table key attributes of a full item, validated by
// checkItemKey.
func (m *tableMeta) keyOf(item attr.Item) (attr.Item, error) {
	if err := m.checkItemKey(item); err != nil {
		return nil, err
	}
	key := make(attr.Item, 2)
	key[m.Key.Hash.Name] = item[m.Key.Hash.Name]
	if m.Key.hasRange() {
		key[m.Key.Range.Name] = item[m.Key.Range.Name]
	}
	return key, nil
}

// checkItemKey validates the table key attributes of a full item like
// PutItem does: present, of the declared type, not empty, within the size
// limits. It builds no key map; PutItem and transactions need none (a
// map of 128-byte values costs over a kilobyte even for two entries).
func (m *tableMeta) checkItemKey(item attr.Item) error {
	for _, k := range []keyAttr{m.Key.Hash, m.Key.Range} {
		if k.Name == "" {
			continue
		}
		v, ok := item[k.Name]
		if !ok {
			return ddberr.Validationf("One or more parameter values were invalid: Missing the key %s in the item", k.Name)
		}
		if v.Type != k.Type {
			return ddberr.Validationf("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", k.Name, k.Type, v.Type)
		}
	}
	if err := checkKeyValue(item[m.Key.Hash.Name], m.Key.Hash, maxHashKeyBytes); err != nil {
		return err
	}
	if m.Key.hasRange() {
		return checkKeyValue(item[m.Key.Range.Name], m.Key.Range, maxRangeKeyBytes)
	}
	return nil
}

// checkIndexKeys rejects an item whose index key attributes have the wrong
// type or are empty: DynamoDB refuses such writes rather than leaving the
// item out of the index.
func (m *tableMeta) checkIndexKeys(item attr.Item) error {
	for _, ix := range m.Indexes {
		for _, k := range []keyAttr{ix.Key.Hash, ix.Key.Range} {
			if k.Name == "" {
				continue
			}
			v, ok := item[k.Name]
			if !ok {
				continue
			}
			if v.Type != k.Type {
				return ddberr.Validationf("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", k.Name, k.Type, v.Type, ix.Name)
			}
			if keyLen(v) == 0 {
				return ddberr.Validationf("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s", ix.Name, k.Name)
			}
		}
	}
	return nil
}

// DynamoDB's key size limits.
const (
	maxHashKeyBytes  = 2048
	maxRangeKeyBytes = 1024
)

var errKeySchema = ddberr.Validationf("The provided key element does not match the schema")

func keyLen(v attr.Value) int {
	switch v.Type {
	case attr.TypeS, attr.TypeN:
		return len(v.S)
	case attr.TypeB:
		return len(v.B)
	}
	return 0
}

func checkKeyAttr(key attr.Item, k keyAttr, limit int) error {
	v, ok := key[k.Name]
	if !ok || v.Type != k.Type {
		return errKeySchema
	}
	return checkKeyValue(v, k, limit)
}

// checkKeyValue checks a key value of the right type for emptiness and
// DynamoDB's size limit.
func checkKeyValue(v attr.Value, k keyAttr, limit int) error {
	n := keyLen(v)
	if n == 0 && v.Type != attr.TypeN {
		return ddberr.Validationf("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", typeWord(v.Type), k.Name)
	}
	if n > limit {
		if limit == maxRangeKeyBytes {
			return ddberr.Validationf("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
		}
		return ddberr.Validationf("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
	}
	return nil
}

func typeWord(t attr.Type) string {
	if t == attr.TypeB {
		return "binary"
	}
	return "string"
}

// keyPairs is a request key decoded without a map (attr.DecodeAttrsJSON).
type keyPairs []attr.NamedValue

// UnmarshalJSON decodes a key object.
func (k *keyPairs) UnmarshalJSON(data []byte) error {
	p, err := attr.DecodeAttrsJSON(data)
	if err != nil {
		return err
	}
	*k = p
	return nil
}

// MarshalJSON encodes the key as an item (for UnprocessedKeys).
func (k keyPairs) MarshalJSON() ([]byte, error) {
	return attr.AppendItemJSON(nil, attr.ItemOf(k)), nil
}

func (k keyPairs) get(name string) (attr.Value, bool) {
	for _, p := range k {
		if p.Name == name {
			return p.Value, true
		}
	}
	return attr.Value{}, false
}

// appendStoreKey validates a key given as pairs exactly like extractKey and
// appends the item's store key to dst; on error dst is returned unchanged.
func (m *tableMeta) appendStoreKey(dst []byte, k keyPairs) ([]byte, error) {
	want := 1
	if m.Key.hasRange() {
		want = 2
	}
	if len(k) != want {
		return dst, errKeySchema
	}
	// No map is built here: that is the point of keyPairs.
	hash, ok := k.get(m.Key.Hash.Name)
	if !ok || hash.Type != m.Key.Hash.Type {
		return dst, errKeySchema
	}
	if err := checkKeyValue(hash, m.Key.Hash, maxHashKeyBytes); err != nil {
		return dst, err
	}
	var rng attr.Value
	if m.Key.hasRange() {
		if rng, ok = k.get(m.Key.Range.Name); !ok || rng.Type != m.Key.Range.Type {
			return dst, errKeySchema
		}
		if err := checkKeyValue(rng, m.Key.Range, maxRangeKeyBytes); err != nil {
			return dst, err
		}
	}
	out := appendPartitionPrefix(dst, m.ID, 0, hash)
	if m.Key.hasRange() {
		out = attr.AppendKey(out, rng)
	}
	return out, nil
}
