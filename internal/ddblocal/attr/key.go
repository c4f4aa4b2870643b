package attr

import (
	"bytes"
	"cmp"
	"strings"
)

// Key encoding. AppendKey turns an S, N or B value into bytes whose
// lexicographic order is DynamoDB's key order, and which end unambiguously
// so that encodings can be concatenated (hash key, range key, …) and still
// compare component by component:
//
//	S, B: the bytes with 0x00 escaped as 0x00 0xFF, then 0x00 0x01.
//	N:    a sign byte (0x01 negative, 0x02 zero, 0x03 positive), then for
//	      non-zero numbers the exponent byte and the significant digits in
//	      pairs, one byte per pair, then a terminator. For negative numbers
//	      the exponent, pairs and terminator bytes are complemented, so
//	      larger magnitudes sort first.
const (
	keyNumNeg  = 0x01
	keyNumZero = 0x02
	keyNumPos  = 0x03

	// keyExpBias maps the adjusted exponents -130..125 onto 0..255.
	keyExpBias = -minExponent
)

// AppendKey appends the order-preserving encoding of the key value v (type
// S, N or B) to dst. Values of other types append nothing; callers validate
// key types first. A non-canonical N is canonicalised, and an invalid one
// encodes as zero.
func AppendKey(dst []byte, v Value) []byte {
	switch v.Type {
	case TypeS:
		return appendKeyBytes(dst, v.S)
	case TypeB:
		return appendKeyBytes(dst, v.B)
	case TypeN:
		return appendKeyNumber(dst, v.S)
	}
	return dst
}

func appendKeyBytes[T string | []byte](dst []byte, s T) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, 0x00, 0xff)
			start = i + 1
		}
	}
	dst = append(dst, s[start:]...)
	return append(dst, 0x00, 0x01)
}

func appendKeyNumber(dst []byte, s string) []byte {
	p, ok := splitCanonical(s)
	if !ok {
		c, err := CanonicalNumber(s)
		if err == nil {
			p, ok = splitCanonical(c)
		}
		if !ok {
			p = numParts{zero: true}
		}
	}
	if p.zero {
		return append(dst, keyNumZero)
	}
	// Complementing every byte after the sign reverses the order for
	// negative numbers: bigger exponents and digits, and longer digit
	// strings, then sort first, and the 0xff terminator sorts last.
	var flip byte
	sign := byte(keyNumPos)
	if p.neg {
		flip = 0xff
		sign = keyNumNeg
	}
	dst = append(dst, sign, byte(p.exp+keyExpBias)^flip)
	for i := 0; i < p.n; i += 2 {
		pair := p.digits[i] - '0'
		pair *= 10
		if i+1 < p.n {
			pair += p.digits[i+1] - '0'
		}
		// +1 keeps every pair byte above the 0x00 terminator.
		dst = append(dst, (pair+1)^flip)
	}
	return append(dst, 0x00^flip)
}

// DecodeKey decodes one key value of type t (S, N or B) from the front of
// b, returning it and the bytes after it. Errors wrap ErrCorrupt.
func DecodeKey(b []byte, t Type) (v Value, rest []byte, err error) {
	switch t {
	case TypeS, TypeB:
		raw, rest, err := decodeKeyBytes(b)
		if err != nil {
			return Value{}, nil, err
		}
		if t == TypeS {
			return Value{Type: TypeS, S: string(raw)}, rest, nil
		}
		return Value{Type: TypeB, B: raw}, rest, nil
	case TypeN:
		s, rest, err := decodeKeyNumber(b)
		if err != nil {
			return Value{}, nil, err
		}
		return Value{Type: TypeN, S: s}, rest, nil
	}
	return Value{}, nil, corrupt("type %v cannot be a key", t)
}

// decodeKeyBytes returns a fresh copy of the unescaped bytes.
func decodeKeyBytes(b []byte) (raw, rest []byte, err error) {
	out := []byte{}
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 || i+1 >= len(b) {
			return nil, nil, corrupt("unterminated key string")
		}
		out = append(out, b[:i]...)
		switch b[i+1] {
		case 0x01:
			return out, b[i+2:], nil
		case 0xff:
			out = append(out, 0)
			b = b[i+2:]
		default:
			return nil, nil, corrupt("bad escape 0x00 0x%02x in key string", b[i+1])
		}
	}
}

func decodeKeyNumber(b []byte) (string, []byte, error) {
	if len(b) == 0 {
		return "", nil, corrupt("empty key number")
	}
	var p numParts
	var flip byte
	switch b[0] {
	case keyNumZero:
		return "0", b[1:], nil
	case keyNumNeg:
		p.neg = true
		flip = 0xff
	case keyNumPos:
	default:
		return "", nil, corrupt("bad key number sign 0x%02x", b[0])
	}
	if len(b) < 2 {
		return "", nil, corrupt("truncated key number")
	}
	p.exp = int(b[1]^flip) - keyExpBias
	i := 2
	for {
		if i >= len(b) {
			return "", nil, corrupt("unterminated key number")
		}
		c := b[i] ^ flip
		i++
		if c == 0 {
			break
		}
		if c > 100 || p.n+2 > len(p.digits) {
			return "", nil, corrupt("bad key number digits")
		}
		pair := c - 1
		p.digits[p.n] = '0' + pair/10
		p.digits[p.n+1] = '0' + pair%10
		p.n += 2
	}
	for p.n > 0 && p.digits[p.n-1] == '0' {
		p.n--
	}
	if p.n == 0 || p.digits[0] == '0' {
		return "", nil, corrupt("bad key number digits")
	}
	return p.text(), b[i:], nil
}

// CompareKeyValues compares two key values in DynamoDB's order: S by UTF-8
// bytes, B by unsigned bytes, N numerically. It returns -1, 0 or +1. Values
// of different types are ordered by type, which DynamoDB never needs since a
// key attribute has one type; non-key types compare equal.
func CompareKeyValues(a, b Value) int {
	if a.Type != b.Type {
		return cmp.Compare(a.Type, b.Type)
	}
	switch a.Type {
	case TypeS:
		return strings.Compare(a.S, b.S)
	case TypeB:
		return bytes.Compare(a.B, b.B)
	case TypeN:
		return CompareNumbers(a.S, b.S)
	}
	return 0
}
