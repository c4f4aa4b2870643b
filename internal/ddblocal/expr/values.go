package expr

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// orderable reports whether values of type t can be ordered (< <= > >=
// BETWEEN): only strings, numbers and binaries can.
func orderable(t attr.Type) bool { return t == attr.TypeS || t == attr.TypeN || t == attr.TypeB }

// compareOrdered compares two values of the same orderable type: strings by
// UTF-8 bytes, numbers numerically, binaries as unsigned bytes. ok is false
// when the types differ or are not orderable, which makes the comparison
// false rather than an error.
func compareOrdered(a, b attr.Value) (c int, ok bool) {
	if a.Type != b.Type {
		return 0, false
	}
	switch a.Type {
	case attr.TypeS:
		return strings.Compare(a.S, b.S), true
	case attr.TypeN:
		return compareNumbers(a.S, b.S), true
	case attr.TypeB:
		return bytes.Compare(a.B, b.B), true
	}
	return 0, false
}

// compareNumbers compares two number texts. Numbers in items and requests
// are canonical (plain notation, no leading or trailing zeros), and two
// canonical numbers compare like their texts once sign and integer length
// are accounted for; anything else falls back to exact decimal comparison.
func compareNumbers(a, b string) int {
	if a == b {
		return 0
	}
	ia, oka := canonicalShape(a)
	ib, okb := canonicalShape(b)
	if !oka || !okb {
		return attr.CompareNumbers(a, b)
	}
	negA, negB := a[0] == '-', b[0] == '-'
	if a == "0" || b == "0" || negA != negB {
		return sign(a) - sign(b) // distinct signs or one zero: signs decide
	}
	c := compareMagnitudes(a, ia, b, ib)
	if negA {
		return -c
	}
	return c
}

// canonicalShape checks that s looks canonical and returns the length of its
// integer part (including any sign).
func canonicalShape(s string) (intLen int, ok bool) {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i = 1
	}
	start := i
	for i < len(s) && isDigitB(s[i]) {
		i++
	}
	intLen = i
	if i == start || (s[start] == '0' && i-start > 1) {
		return 0, false
	}
	if i == len(s) {
		return intLen, true
	}
	if s[i] != '.' || i+1 == len(s) || s[len(s)-1] == '0' {
		return 0, false
	}
	for j := i + 1; j < len(s); j++ {
		if !isDigitB(s[j]) {
			return 0, false
		}
	}
	return intLen, true
}

func sign(s string) int {
	switch {
	case s == "0":
		return 0
	case s[0] == '-':
		return -1
	}
	return 1
}

// compareMagnitudes compares |a| and |b| for canonical numbers of the same
// sign, given the lengths of their integer parts.
func compareMagnitudes(a string, ia int, b string, ib int) int {
	off := 0
	if a[0] == '-' {
		off = 1
	}
	if ia != ib {
		// "0.x" has the shortest possible integer part, so a longer
		// integer part is a larger magnitude.
		if ia < ib {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a[off:ia], b[off:ib]); c != 0 {
		return c
	}
	// Equal integer parts: fractions without trailing zeros compare as text.
	return strings.Compare(a[ia:], b[ib:])
}

// addNumbers returns a+b (a-b if sub) as an N value. Small integers, the
// common case of counters, are added natively; anything else goes through
// exact decimal arithmetic, whose overflow and precision errors become
// ValidationExceptions with DynamoDB's texts.
func addNumbers(a, b string, sub bool) (attr.Value, error) {
	if x, ok := smallInt(a); ok {
		if y, ok := smallInt(b); ok {
			if sub {
				y = -y
			}
			return attr.Value{Type: attr.TypeN, S: strconv.FormatInt(x+y, 10)}, nil
		}
	}
	var s string
	var err error
	if sub {
		s, err = attr.SubNumbers(a, b)
	} else {
		s, err = attr.AddNumbers(a, b)
	}
	if err != nil {
		return attr.Value{}, validation(err.Error())
	}
	return attr.Value{Type: attr.TypeN, S: s}, nil
}

// smallInt parses a canonical integer of at most 17 digits, so that sums
// cannot overflow int64.
func smallInt(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	digits := s
	if s[0] == '-' {
		digits = s[1:]
	}
	if len(digits) == 0 || len(digits) > 17 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	var x int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if !isDigitB(c) {
			return 0, false
		}
		x = x*10 + int64(c-'0')
	}
	if s[0] == '-' {
		x = -x
	}
	return x, true
}

// sizeOf is the size() function: string length in UTF-16 code units (as
// DynamoDB, a Java service, counts it: "é𝄞" has size 3), binary length,
// number of set members, list elements or map members. Other types have no
// size.
func sizeOf(v attr.Value) (int, bool) {
	switch v.Type {
	case attr.TypeS:
		return utf16Len(v.S), true
	case attr.TypeB:
		return len(v.B), true
	case attr.TypeSS, attr.TypeNS:
		return len(v.SS), true
	case attr.TypeBS:
		return len(v.BS), true
	case attr.TypeL:
		return len(v.L), true
	case attr.TypeM:
		return len(v.M), true
	}
	return 0, false
}

// smallInts holds the canonical texts of small sizes so that size() rarely
// allocates.
var smallInts = func() [256]string {
	var s [256]string
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func numberValue(n int) attr.Value {
	if n >= 0 && n < len(smallInts) {
		return attr.Value{Type: attr.TypeN, S: smallInts[n]}
	}
	return attr.Value{Type: attr.TypeN, S: strconv.Itoa(n)}
}

// contains is the contains() function: substring of a string or binary,
// member of a set, or element (deeply equal) of a list.
func contains(a, b attr.Value) bool {
	switch a.Type {
	case attr.TypeS:
		return b.Type == attr.TypeS && strings.Contains(a.S, b.S)
	case attr.TypeB:
		return b.Type == attr.TypeB && bytes.Contains(a.B, b.B)
	case attr.TypeSS:
		if b.Type != attr.TypeS {
			return false
		}
		for _, s := range a.SS {
			if s == b.S {
				return true
			}
		}
	case attr.TypeNS:
		if b.Type != attr.TypeN {
			return false
		}
		for _, s := range a.SS {
			if compareNumbers(s, b.S) == 0 {
				return true
			}
		}
	case attr.TypeBS:
		if b.Type != attr.TypeB {
			return false
		}
		for _, x := range a.BS {
			if bytes.Equal(x, b.B) {
				return true
			}
		}
	case attr.TypeL:
		for _, e := range a.L {
			if attr.Equal(e, b) {
				return true
			}
		}
	}
	return false
}

// beginsWith is the begins_with() function on strings and binaries.
func beginsWith(a, b attr.Value) bool {
	switch {
	case a.Type == attr.TypeS && b.Type == attr.TypeS:
		return strings.HasPrefix(a.S, b.S)
	case a.Type == attr.TypeB && b.Type == attr.TypeB:
		return bytes.HasPrefix(a.B, b.B)
	}
	return false
}

// longTypeName is the type name DynamoDB uses in ADD/DELETE operand errors.
func longTypeName(t attr.Type) string {
	switch t {
	case attr.TypeS:
		return "STRING"
	case attr.TypeN:
		return "NUMBER"
	case attr.TypeB:
		return "BINARY"
	case attr.TypeBOOL:
		return "BOOLEAN"
	case attr.TypeNULL:
		return "NULL"
	case attr.TypeM:
		return "MAP"
	case attr.TypeL:
		return "LIST"
	case attr.TypeSS:
		return "STRING_SET"
	case attr.TypeNS:
		return "NUMBER_SET"
	case attr.TypeBS:
		return "BINARY_SET"
	}
	return t.String()
}

// attributeValueText renders a value the way DynamoDB prints it in BETWEEN errors
// ("AttributeValue: {N:5}").
func attributeValueText(v attr.Value) string {
	var s string
	switch v.Type {
	case attr.TypeS, attr.TypeN:
		s = v.S
	case attr.TypeB:
		s = string(v.B)
	case attr.TypeBOOL:
		s = strconv.FormatBool(v.Bool)
	case attr.TypeNULL:
		s = "true"
	default:
		s = "..."
	}
	return "AttributeValue: {" + v.Type.String() + ":" + s + "}"
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		// Invalid bytes decode as U+FFFD, one unit each.
		r, size := utf8.DecodeRuneInString(s[i:])
		n += utf16.RuneLen(r)
		i += size
	}
	return n
}
