package attr

import "bytes"

// ValueSize returns the number of bytes DynamoDB counts for v towards the
// item size limit, excluding the attribute name: the UTF-8 length of a
// string, the raw length of a binary, 1 for BOOL and NULL, numberSize for a
// number, the sum of the members for a set, and for a list or map 3 bytes
// plus, per element, its size, its name (maps) and 1 byte.
func ValueSize(v Value) int {
	switch v.Type {
	case TypeS:
		return len(v.S)
	case TypeN:
		return numberSize(v.S)
	case TypeB:
		return len(v.B)
	case TypeBOOL, TypeNULL:
		return 1
	case TypeM:
		n := 3
		for name, e := range v.M {
			n += len(name) + ValueSize(e) + 1
		}
		return n
	case TypeL:
		n := 3
		for _, e := range v.L {
			n += ValueSize(e) + 1
		}
		return n
	case TypeSS, TypeNS:
		n := 0
		for _, s := range v.SS {
			if v.Type == TypeNS {
				n += numberSize(s)
			} else {
				n += len(s)
			}
		}
		return n
	case TypeBS:
		n := 0
		for _, b := range v.BS {
			n += len(b)
		}
		return n
	}
	return 0
}

// ItemSize returns the size DynamoDB computes for it: the UTF-8 length of
// each attribute name plus the ValueSize of its value.
func ItemSize(it Item) int {
	n := 0
	for name, v := range it {
		n += len(name) + ValueSize(v)
	}
	return n
}

// numberSize is the stored size of a number. DynamoDB's guide gives it as
// about one byte per two significant digits plus one; the exact figure
// comes from storing the digits in base 100 aligned on the decimal point
// (so 1.2 needs two digit bytes where 12 needs one), one exponent byte, and
// one terminator byte for negative numbers.
func numberSize(s string) int {
	p, ok := splitCanonical(s)
	if !ok {
		c, err := CanonicalNumber(s)
		if err != nil {
			return len(s)
		}
		p, _ = splitCanonical(c)
	}
	if p.zero {
		return 1
	}
	// Digit k (0-based) has weight 10^(exp-k); base-100 digits cover weights
	// [2j, 2j+1], so count the distinct j = floor(weight/2).
	hi := p.exp >> 1 // arithmetic shift: floor division by 2
	lo := (p.exp - p.n + 1) >> 1
	n := 1 + hi - lo + 1
	if p.neg {
		n++
	}
	return n
}

// ItemSizeBinary returns ItemSize of the item stored as b (the encoding of
// AppendItemBinary) without decoding it, so that reads can apply
// DynamoDB's size limits to stored bytes cheaply. Corrupt input is an
// error wrapping ErrCorrupt.
func ItemSizeBinary(b []byte) (int, error) {
	if len(b) == 0 || b[0] != binaryFormatV1 {
		return 0, corrupt("not an item encoding")
	}
	// Not newBinaryDecoder: the walk needs no string copy of b.
	d := binaryDecoder{buf: b, pos: 1}
	n, err := d.membersSize(0)
	if err != nil {
		return 0, err
	}
	if d.pos != len(d.buf) {
		return 0, corrupt("%d trailing bytes", len(d.buf)-d.pos)
	}
	return n, nil
}

// rawString skips a length-prefixed string and returns it without copying.
func (d *binaryDecoder) rawString() ([]byte, error) {
	start, end, err := d.span()
	if err != nil {
		return nil, err
	}
	return d.buf[start:end], nil
}

// membersSize is the size of a map's members: names plus values (plus one
// byte each when nested, which the caller adds).
func (d *binaryDecoder) membersSize(depth int) (int, error) {
	count, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	total := 0
	var prev []byte
	for i := range count {
		name, err := d.rawString()
		if err != nil {
			return 0, err
		}
		// AppendItemBinary writes names in strictly increasing order; a
		// repeated name would be counted twice.
		if i > 0 && bytes.Compare(prev, name) >= 0 {
			return 0, corrupt("member names out of order at offset %d", d.pos)
		}
		prev = name
		vs, err := d.valueSize(depth)
		if err != nil {
			return 0, err
		}
		total += len(name) + vs
		if depth > 0 {
			total++
		}
	}
	return total, nil
}

func (d *binaryDecoder) valueSize(depth int) (int, error) {
	if d.pos >= len(d.buf) {
		return 0, corrupt("truncated value")
	}
	t := Type(d.buf[d.pos])
	d.pos++
	switch t {
	case TypeS, TypeB:
		s, err := d.rawString()
		return len(s), err
	case TypeN:
		s, err := d.rawString()
		return storedNumberSize(s), err
	case TypeBOOL:
		if d.pos >= len(d.buf) {
			return 0, corrupt("truncated boolean")
		}
		d.pos++
		return 1, nil
	case TypeNULL:
		return 1, nil
	case TypeM, TypeL:
		if depth >= maxBinaryDepth {
			return 0, corrupt("nesting deeper than %d", maxBinaryDepth)
		}
		if t == TypeM {
			n, err := d.membersSize(depth + 1)
			return 3 + n, err
		}
		count, err := d.uvarint()
		if err != nil {
			return 0, err
		}
		total := 3
		for range count {
			n, err := d.valueSize(depth + 1)
			if err != nil {
				return 0, err
			}
			total += n + 1
		}
		return total, nil
	case TypeSS, TypeNS, TypeBS:
		count, err := d.uvarint()
		if err != nil {
			return 0, err
		}
		total := 0
		for range count {
			s, err := d.rawString()
			if err != nil {
				return 0, err
			}
			if t == TypeNS {
				total += storedNumberSize(s)
			} else {
				total += len(s)
			}
		}
		return total, nil
	}
	return 0, corrupt("unknown type %d", t)
}

// storedNumberSize is numberSize of a stored number without converting it
// to a string: stored numbers are canonical (plain notation, no leading or
// trailing zeros), which is all this needs to read; anything else takes
// numberSize's general path. Query and Scan size every item they read, and
// the conversion was one allocation per number.
func storedNumberSize(b []byte) int {
	if len(b) == 1 && b[0] == '0' {
		return 1
	}
	neg := len(b) > 0 && b[0] == '-'
	digits := b
	if neg {
		digits = b[1:]
	}
	intEnd := 0
	for intEnd < len(digits) && isDigit(digits[intEnd]) {
		intEnd++
	}
	intPart, frac := digits[:intEnd], []byte(nil)
	if intEnd < len(digits) {
		if digits[intEnd] != '.' {
			return numberSize(string(b))
		}
		frac = digits[intEnd+1:]
		for _, c := range frac {
			if !isDigit(c) {
				return numberSize(string(b))
			}
		}
		if len(frac) == 0 || frac[len(frac)-1] == '0' {
			return numberSize(string(b))
		}
	}
	var exp, n int
	switch {
	case len(intPart) == 0 || (intPart[0] == '0' && len(intPart) > 1):
		return numberSize(string(b))
	case intPart[0] == '0':
		if len(frac) == 0 {
			return numberSize(string(b))
		}
		lead := 0
		for lead < len(frac) && frac[lead] == '0' {
			lead++
		}
		exp, n = -lead-1, len(frac)-lead
	default:
		exp = len(intPart) - 1
		if len(frac) == 0 {
			n = len(bytes.TrimRight(intPart, "0"))
		} else {
			n = len(intPart) + len(frac)
		}
	}
	if n > maxDigits || exp > maxExponent || exp < minExponent {
		return numberSize(string(b)) // not a number DynamoDB stores
	}
	size := 1 + exp>>1 - (exp-n+1)>>1 + 1
	if neg {
		size++
	}
	return size
}
