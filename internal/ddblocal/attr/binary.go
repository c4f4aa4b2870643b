package attr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// The storage codec. Layout, after a leading format byte:
//
//	item  = count:uvarint (name value)*
//	name  = len:uvarint bytes
//	value = type:byte payload
//
// with payloads S, N (canonical text), B: len bytes; BOOL: 0|1; NULL: none;
// M: item; L: count value*; SS, NS: count (len bytes)*; BS: likewise.
// Numbers stay as canonical text: it is compact enough, exact, and the JSON
// encoder writes it without conversion.

// binaryFormatV1 is the first byte of every encoded item. A new layout gets a
// new byte so stored data stays readable.
const binaryFormatV1 byte = 1

// maxBinaryDepth bounds recursion when decoding possibly corrupt input.
// Valid values nest less than MaxNestingDepth deep; the margin lets a stored
// value that somehow exceeds it still be read back.
const maxBinaryDepth = 100

// ErrCorrupt is wrapped by every error of DecodeItemBinary,
// DecodeValueBinary and DecodeKey, so callers can tell corrupt storage from
// other failures with errors.Is.
var ErrCorrupt = errors.New("attr: corrupt encoded data")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// AppendItemBinary appends the storage encoding of it to dst. Attributes
// (and map members at every level) are written in name order, so that
// AppendJSONFromBinary emits the same JSON as AppendItemJSON without
// sorting on the read path; set order is preserved.
func AppendItemBinary(dst []byte, it Item) []byte {
	dst = append(dst, binaryFormatV1)
	return appendMembersBinary(dst, it)
}

// AppendValueBinary appends the storage encoding of a single value to dst,
// with the same leading format byte as AppendItemBinary.
func AppendValueBinary(dst []byte, v Value) []byte {
	dst = append(dst, binaryFormatV1)
	return appendValueBinary(dst, v)
}

// SortedKeys returns the keys of m (attribute names, placeholders, table
// names) in byte order, nil when m is empty, for callers whose results or
// errors must not depend on map iteration order. It sits on hot paths
// (legacy conditions, batches, transactions are walked in this order):
// slices.Sorted(maps.Keys(m)) alone cost BenchmarkHandler up to 8 more
// allocs per Query (a slice for every empty map, and growth for the
// others), hence the empty case and the exact capacity.
func SortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := slices.AppendSeq(make([]string, 0, len(m)), maps.Keys(m))
	slices.Sort(keys)
	return keys
}

// sortedNames appends the names of m to buf in byte order. Callers pass a
// stack array's empty slice: items rarely have more than a handful of
// attributes, and the array keeps the name list off the heap for them.
func sortedNames(m map[string]Value, buf []string) []string {
	for name := range m {
		buf = append(buf, name)
	}
	slices.Sort(buf)
	return buf
}

func appendMembersBinary(dst []byte, m map[string]Value) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	var small [16]string
	names := sortedNames(m, small[:0])
	for _, name := range names {
		dst = appendBytes(dst, name)
		dst = appendValueBinary(dst, m[name])
	}
	return dst
}

func appendBytes[T string | []byte](dst []byte, b T) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

func appendValueBinary(dst []byte, v Value) []byte {
	dst = append(dst, byte(v.Type))
	switch v.Type {
	case TypeS, TypeN:
		dst = appendBytes(dst, v.S)
	case TypeB:
		dst = appendBytes(dst, v.B)
	case TypeBOOL:
		if v.Bool {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
	case TypeM:
		dst = appendMembersBinary(dst, v.M)
	case TypeL:
		dst = binary.AppendUvarint(dst, uint64(len(v.L)))
		for _, e := range v.L {
			dst = appendValueBinary(dst, e)
		}
	case TypeSS, TypeNS:
		dst = binary.AppendUvarint(dst, uint64(len(v.SS)))
		for _, s := range v.SS {
			dst = appendBytes(dst, s)
		}
	case TypeBS:
		dst = binary.AppendUvarint(dst, uint64(len(v.BS)))
		for _, b := range v.BS {
			dst = appendBytes(dst, b)
		}
	}
	return dst
}

// DecodeItemBinary decodes an item written by AppendItemBinary. It checks
// the structure thoroughly enough never to panic or over-allocate on
// corrupt input, and returns an error wrapping ErrCorrupt instead. The
// result shares no memory with b.
func DecodeItemBinary(b []byte) (Item, error) {
	d, err := newBinaryDecoder(b)
	if err != nil {
		return nil, err
	}
	m, err := d.members(0)
	if err != nil {
		return nil, err
	}
	if d.pos != len(d.buf) {
		return nil, corrupt("%d trailing bytes", len(d.buf)-d.pos)
	}
	return Item(m), nil
}

// DecodeValueBinary decodes a value written by AppendValueBinary, with the
// guarantees of DecodeItemBinary.
func DecodeValueBinary(b []byte) (Value, error) {
	d, err := newBinaryDecoder(b)
	if err != nil {
		return Value{}, err
	}
	v, err := d.value(0)
	if err != nil {
		return Value{}, err
	}
	if d.pos != len(d.buf) {
		return Value{}, corrupt("%d trailing bytes", len(d.buf)-d.pos)
	}
	return v, nil
}

// binaryDecoder slices every decoded string out of one string copy of the
// input, and every blob out of one byte copy made when the first blob is
// met: at most two allocations for all payloads instead of one each.
type binaryDecoder struct {
	buf   []byte // the caller's input, only read during decoding
	str   string // copy of buf
	blobs []byte // copy of buf, made on demand
	pos   int
}

func newBinaryDecoder(b []byte) (binaryDecoder, error) {
	if len(b) == 0 {
		return binaryDecoder{}, corrupt("empty input")
	}
	if b[0] != binaryFormatV1 {
		return binaryDecoder{}, corrupt("unknown format byte %d", b[0])
	}
	return binaryDecoder{buf: b, str: string(b), pos: 1}, nil
}

func (d *binaryDecoder) uvarint() (int, error) {
	x, n := binary.Uvarint(d.buf[d.pos:])
	if n <= 0 {
		return 0, corrupt("bad length at offset %d", d.pos)
	}
	d.pos += n
	if x > uint64(len(d.buf)-d.pos) {
		// Every count or length is bounded by the bytes left, since each
		// element takes at least one byte; this stops huge allocations.
		return 0, corrupt("length %d exceeds input at offset %d", x, d.pos)
	}
	return int(x), nil
}

func (d *binaryDecoder) span() (start, end int, err error) {
	n, err := d.uvarint()
	if err != nil {
		return 0, 0, err
	}
	start = d.pos
	d.pos += n
	return start, d.pos, nil
}

func (d *binaryDecoder) string() (string, error) {
	s, e, err := d.span()
	if err != nil {
		return "", err
	}
	return d.str[s:e], nil
}

func (d *binaryDecoder) bytes() ([]byte, error) {
	s, e, err := d.span()
	if err != nil {
		return nil, err
	}
	if d.blobs == nil {
		d.blobs = []byte(d.str)
	}
	// The full slice expression stops an append by the caller from
	// overwriting the next payload.
	return d.blobs[s:e:e], nil
}

func (d *binaryDecoder) members(depth int) (map[string]Value, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	m := make(map[string]Value, n)
	for i := 0; i < n; i++ {
		name, err := d.string()
		if err != nil {
			return nil, err
		}
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		m[name] = v
	}
	return m, nil
}

func (d *binaryDecoder) value(depth int) (Value, error) {
	var v Value
	if d.pos >= len(d.buf) {
		return v, corrupt("truncated value")
	}
	v.Type = Type(d.buf[d.pos])
	d.pos++
	var err error
	switch v.Type {
	case TypeS:
		v.S, err = d.string()
	case TypeN:
		v.S, err = d.string()
		if err == nil {
			if _, ok := splitCanonical(v.S); !ok {
				err = corrupt("invalid number %q", v.S)
			}
		}
	case TypeB:
		v.B, err = d.bytes()
	case TypeBOOL:
		if d.pos >= len(d.buf) || d.buf[d.pos] > 1 {
			return v, corrupt("bad boolean at offset %d", d.pos)
		}
		v.Bool = d.buf[d.pos] == 1
		d.pos++
	case TypeNULL:
	case TypeM, TypeL:
		if depth >= maxBinaryDepth {
			return v, corrupt("nesting deeper than %d", maxBinaryDepth)
		}
		if v.Type == TypeM {
			v.M, err = d.members(depth + 1)
			break
		}
		var n int
		if n, err = d.uvarint(); err != nil {
			break
		}
		v.L = make([]Value, n)
		for i := range v.L {
			if v.L[i], err = d.value(depth + 1); err != nil {
				break
			}
		}
	case TypeSS, TypeNS:
		var n int
		if n, err = d.uvarint(); err != nil {
			break
		}
		if n == 0 {
			return v, corrupt("empty set")
		}
		v.SS = make([]string, n)
		for i := range v.SS {
			if v.SS[i], err = d.string(); err != nil {
				break
			}
			if v.Type == TypeNS {
				if _, ok := splitCanonical(v.SS[i]); !ok {
					err = corrupt("invalid number %q", v.SS[i])
					break
				}
			}
		}
	case TypeBS:
		var n int
		if n, err = d.uvarint(); err != nil {
			break
		}
		if n == 0 {
			return v, corrupt("empty set")
		}
		v.BS = make([][]byte, n)
		for i := range v.BS {
			if v.BS[i], err = d.bytes(); err != nil {
				break
			}
		}
	default:
		return v, corrupt("unknown type %d at offset %d", v.Type, d.pos-1)
	}
	if err != nil {
		return Value{}, err
	}
	return v, nil
}
