package attr

import (
	"encoding/binary"
	"slices"
	"unsafe"
)

// AppendJSONFromBinary appends the wire JSON of an item stored by
// AppendItemBinary, straight from its bytes: no maps, no values, no
// sorting (the storage order is name order). Reads that return items as
// they are stored — GetItem, BatchGetItem, Query and Scan without a filter
// or projection — use it; profiles showed decoding into Values and
// re-encoding dominated those paths. The output equals AppendItemJSON of
// the decoded item. Corrupt input yields an error wrapping ErrCorrupt and
// dst unchanged.
func AppendJSONFromBinary(dst, b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != binaryFormatV1 {
		return dst, corrupt("unknown format")
	}
	t := transcoder{buf: b, pos: 1}
	out, ok := t.members(dst, 0)
	if !ok || t.pos != len(b) {
		return dst, corrupt("malformed item")
	}
	return out, nil
}

// AppendJSONFromBinaryOnly is AppendJSONFromBinary restricted to the
// top-level attributes named in names: the wire JSON of the item that
// AppendItemJSON gives for the item cut down to those attributes, without
// decoding it. Query and Scan build a LastEvaluatedKey from the last item
// read this way. Corrupt input yields an error wrapping ErrCorrupt and dst
// unchanged.
func AppendJSONFromBinaryOnly(dst, b []byte, names []string) ([]byte, error) {
	if len(b) == 0 || b[0] != binaryFormatV1 {
		return dst, corrupt("unknown format")
	}
	t := transcoder{buf: b, pos: 1}
	start := len(dst)
	n, ok := t.uvarint()
	if !ok {
		return dst, corrupt("malformed item")
	}
	out := append(dst, '{')
	kept := 0
	for i := 0; i < n; i++ {
		name, ok := t.bytes()
		if !ok {
			return dst[:start], corrupt("malformed item")
		}
		mark := len(out)
		if kept > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, str(name))
		out = append(out, ':')
		if out, ok = t.value(out, 1); !ok {
			return dst[:start], corrupt("malformed item")
		}
		// Values are transcoded and dropped rather than skipped: items
		// are small, and one walker keeps corrupt-input handling in one
		// place.
		if slices.Contains(names, str(name)) {
			kept++
		} else {
			out = out[:mark]
		}
	}
	if t.pos != len(b) {
		return dst[:start], corrupt("malformed item")
	}
	return append(out, '}'), nil
}

type transcoder struct {
	buf []byte
	pos int
}

func (t *transcoder) uvarint() (int, bool) {
	v, n := binary.Uvarint(t.buf[t.pos:])
	if n <= 0 || v > uint64(len(t.buf)) {
		return 0, false
	}
	t.pos += n
	return int(v), true
}

func (t *transcoder) bytes() ([]byte, bool) {
	n, ok := t.uvarint()
	if !ok || t.pos+n > len(t.buf) {
		return nil, false
	}
	b := t.buf[t.pos : t.pos+n]
	t.pos += n
	return b, true
}

// str views b as a string without copying; the result is used only while
// appending to dst.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (t *transcoder) members(dst []byte, depth int) ([]byte, bool) {
	if depth > maxBinaryDepth {
		return dst, false
	}
	n, ok := t.uvarint()
	if !ok {
		return dst, false
	}
	dst = append(dst, '{')
	for i := 0; i < n; i++ {
		name, ok := t.bytes()
		if !ok {
			return dst, false
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, str(name))
		dst = append(dst, ':')
		if dst, ok = t.value(dst, depth+1); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

func (t *transcoder) value(dst []byte, depth int) ([]byte, bool) {
	if t.pos >= len(t.buf) || depth > maxBinaryDepth {
		return dst, false
	}
	typ := Type(t.buf[t.pos])
	t.pos++
	switch typ {
	case TypeS, TypeN:
		b, ok := t.bytes()
		if !ok {
			return dst, false
		}
		dst = append(dst, `{"`...)
		dst = append(dst, typ.String()...)
		dst = append(dst, `":`...)
		dst = appendJSONString(dst, str(b))
	case TypeB:
		b, ok := t.bytes()
		if !ok {
			return dst, false
		}
		dst = append(dst, `{"B":`...)
		dst = appendBase64(dst, b)
	case TypeBOOL:
		if t.pos >= len(t.buf) {
			return dst, false
		}
		if t.buf[t.pos] == 1 {
			dst = append(dst, `{"BOOL":true`...)
		} else {
			dst = append(dst, `{"BOOL":false`...)
		}
		t.pos++
	case TypeNULL:
		dst = append(dst, `{"NULL":true`...)
	case TypeM:
		dst = append(dst, `{"M":`...)
		var ok bool
		if dst, ok = t.members(dst, depth); !ok {
			return dst, false
		}
	case TypeL:
		n, ok := t.uvarint()
		if !ok {
			return dst, false
		}
		dst = append(dst, `{"L":[`...)
		for i := 0; i < n; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = t.value(dst, depth+1); !ok {
				return dst, false
			}
		}
		dst = append(dst, ']')
	case TypeSS, TypeNS, TypeBS:
		n, ok := t.uvarint()
		if !ok {
			return dst, false
		}
		dst = append(dst, `{"`...)
		dst = append(dst, typ.String()...)
		dst = append(dst, `":[`...)
		for i := 0; i < n; i++ {
			b, ok := t.bytes()
			if !ok {
				return dst, false
			}
			if i > 0 {
				dst = append(dst, ',')
			}
			if typ == TypeBS {
				dst = appendBase64(dst, b)
			} else {
				dst = appendJSONString(dst, str(b))
			}
		}
		dst = append(dst, ']')
	default:
		return dst, false
	}
	return append(dst, '}'), true
}
