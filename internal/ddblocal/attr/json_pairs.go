package attr

// NamedValue is one attribute of a small item decoded without a map.
type NamedValue struct {
	Name  string
	Value Value
}

// DecodeAttrsJSON decodes a JSON object of attribute name to AttributeValue
// like DecodeItemJSON, with the same errors, into a slice in input order (a
// repeated name keeps its last value, as a map would). Request keys are
// decoded this way: a Go map of 128-byte values allocates an eight-slot
// group (about 1 KB) even for a two-attribute key, which profiles showed as
// the largest cost of BatchGetItem. A JSON null decodes to nil.
func DecodeAttrsJSON(data []byte) ([]NamedValue, error) {
	d := newJSONDecoder(data)
	var out []NamedValue
	var err error
	switch d.peek() {
	case '{':
		out, err = d.pairs()
	case 'n':
		err = d.literal("null")
	default:
		err = d.mismatch(targetMap)
	}
	if err := d.finish(err); err != nil {
		return nil, err
	}
	return out, nil
}

// pairs reads the members of a top-level object into a slice; d.pos is at
// the '{'.
func (d *jsonDecoder) pairs() ([]NamedValue, error) {
	out, err := d.pairsInto(make([]NamedValue, 0, 2), false)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// pairsInto appends the members of an object to dst, a repeated name
// keeping its last value; d.pos is at the '{'. With stopOnInvalid the first
// value that fails validation ends it with that error, as Reader.Attrs
// wants; without, validation errors are only recorded, and reading goes on
// to find serialization errors, which take precedence.
func (d *jsonDecoder) pairsInto(dst []NamedValue, stopOnInvalid bool) ([]NamedValue, error) {
	ps := pairSet{start: len(dst)}
	_, err := d.elements('}', func() error {
		name, err := d.memberName()
		if err != nil {
			return err
		}
		v, err := d.attrValue(0)
		if err != nil {
			return err
		}
		if stopOnInvalid && d.verr != nil {
			return d.verr
		}
		dst = ps.put(dst, name, v)
		return nil
	})
	return dst, err
}

// pairSet appends named values to a slice from position start on, a
// repeated name replacing its earlier value. Keys have one or two
// attributes, so it searches linearly; past pairIndexAt names an index map
// takes over, so that a hostile object with a million members costs linear
// time, not quadratic.
type pairSet struct {
	start int
	index map[string]int
}

const pairIndexAt = 8

func (ps *pairSet) put(dst []NamedValue, name string, v Value) []NamedValue {
	if ps.index != nil {
		if i, ok := ps.index[name]; ok {
			dst[i].Value = v
			return dst
		}
		ps.index[name] = len(dst)
		return append(dst, NamedValue{Name: name, Value: v})
	}
	for i := ps.start; i < len(dst); i++ {
		if dst[i].Name == name {
			dst[i].Value = v
			return dst
		}
	}
	dst = append(dst, NamedValue{Name: name, Value: v})
	if len(dst)-ps.start > pairIndexAt {
		ps.index = make(map[string]int, 2*pairIndexAt)
		for i := ps.start; i < len(dst); i++ {
			ps.index[dst[i].Name] = i
		}
	}
	return dst
}

// ItemOf returns the pairs as an Item.
func ItemOf(pairs []NamedValue) Item {
	if pairs == nil {
		return nil
	}
	it := make(Item, len(pairs))
	for _, p := range pairs {
		it[p.Name] = p.Value
	}
	return it
}
