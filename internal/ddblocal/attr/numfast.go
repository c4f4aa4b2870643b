package attr

import (
	"strings"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// Most numbers on the wire are short plain decimals ("42", "-1.5"). Handling
// those without apd keeps number validation off the allocation profile of
// the hot path; everything else goes through CanonicalNumber, and the tests
// check that both paths agree.

// fastDigits bounds the inputs the fast path accepts: with at most this many
// digits in plain notation a number can neither exceed 38 significant digits
// nor leave DynamoDB's exponent range.
const fastDigits = 38

// canonicalNumber is CanonicalNumber with a fast path for plain decimals.
func canonicalNumber(s string) (string, error) {
	if c, ok := fastCanonical(s); ok {
		return c, nil
	}
	return CanonicalNumber(s)
}

// fastCanonical canonicalises s if it is a plain decimal (optional '-',
// digits, optional '.' followed by digits) of at most fastDigits digits. It
// returns s itself, without allocating, when s is already canonical.
func fastCanonical(s string) (string, bool) {
	i := 0
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intEnd := i
	if intEnd == intStart {
		return "", false
	}
	fracStart, fracEnd := i, i
	if i < len(s) {
		if s[i] != '.' {
			return "", false
		}
		i++
		fracStart = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracEnd = i
		if fracEnd == fracStart || i != len(s) {
			return "", false
		}
	}
	if (intEnd-intStart)+(fracEnd-fracStart) > fastDigits {
		return "", false
	}
	intPart := strings.TrimLeft(s[intStart:intEnd], "0")
	frac := strings.TrimRight(s[fracStart:fracEnd], "0")
	if intPart == "" && frac == "" {
		return "0", true
	}
	if intPart == "" {
		intPart = "0"
	}
	// Already canonical: no leading zeros stripped, no trailing zeros or
	// bare '.' removed.
	if intPart == s[intStart:intEnd] && len(frac) == fracEnd-fracStart {
		return s, true
	}
	n := len(intPart) + len(frac) + 2
	var b strings.Builder
	b.Grow(n)
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(intPart)
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String(), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// numParts describes a canonical number: its sign, its significant digits
// (no leading or trailing zeros) and the power of ten of the first digit.
type numParts struct {
	neg    bool
	zero   bool
	digits [maxDigits]byte
	n      int // number of digits used
	exp    int // adjusted exponent: value = 0.d1d2… × 10^(exp+1)
}

// splitCanonical decomposes a canonical number text. It reports false if s
// is not canonical or not within DynamoDB's limits, so it doubles as the
// validator for numbers read back from storage.
func splitCanonical(s string) (p numParts, ok bool) {
	if s == "0" {
		p.zero = true
		return p, true
	}
	i := 0
	if i < len(s) && s[i] == '-' {
		p.neg = true
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[intStart:i]
	frac := ""
	if i < len(s) {
		if s[i] != '.' {
			return p, false
		}
		frac = s[i+1:]
		if frac == "" || frac[len(frac)-1] == '0' {
			return p, false
		}
		for j := 0; j < len(frac); j++ {
			if !isDigit(frac[j]) {
				return p, false
			}
		}
	}
	switch {
	case intPart == "":
		return p, false
	case intPart == "0":
		if frac == "" {
			return p, false // "-0"
		}
		lead := len(frac) - len(strings.TrimLeft(frac, "0"))
		p.exp = -lead - 1
		frac = frac[lead:]
		intPart = ""
	case intPart[0] == '0':
		return p, false
	default:
		p.exp = len(intPart) - 1
		if frac == "" {
			intPart = strings.TrimRight(intPart, "0")
		}
	}
	if len(intPart)+len(frac) > maxDigits || p.exp > maxExponent || p.exp < minExponent {
		return p, false
	}
	p.n = copy(p.digits[:], intPart)
	p.n += copy(p.digits[p.n:], frac)
	return p, true
}

// text renders p in canonical plain notation.
func (p *numParts) text() string {
	if p.zero || p.n == 0 {
		return "0"
	}
	var b []byte
	if p.exp >= 0 {
		b = make([]byte, 0, p.exp+p.n+3)
	} else {
		b = make([]byte, 0, p.n-p.exp+3)
	}
	if p.neg {
		b = append(b, '-')
	}
	d := p.digits[:p.n]
	if p.exp < 0 {
		b = append(b, "0."...)
		for i := 0; i < -p.exp-1; i++ {
			b = append(b, '0')
		}
		return string(append(b, d...))
	}
	intLen := p.exp + 1
	if intLen >= len(d) {
		b = append(b, d...)
		for i := len(d); i < intLen; i++ {
			b = append(b, '0')
		}
		return string(b)
	}
	b = append(b, d[:intLen]...)
	b = append(b, '.')
	return string(append(b, d[intLen:]...))
}

// compareCanonical compares two canonical number texts without parsing
// them, reporting false if either is not canonical.
func compareCanonical(a, b string) (int, bool) {
	sa, ia, fa, ok := canonicalShape(a)
	if !ok {
		return 0, false
	}
	sb, ib, fb, ok := canonicalShape(b)
	if !ok {
		return 0, false
	}
	if sa != sb {
		if sa < sb {
			return -1, true
		}
		return 1, true
	}
	if sa == 0 {
		return 0, true
	}
	c := len(ia) - len(ib)
	if c == 0 {
		c = strings.Compare(ia, ib)
	}
	if c == 0 {
		c = strings.Compare(fa, fb)
	}
	switch {
	case c < 0:
		c = -1
	case c > 0:
		c = 1
	}
	return c * sa, true
}

// canonicalShape splits a canonical number text into sign (-1, 0, +1),
// integer digits and fraction digits, checking its form but not its range.
func canonicalShape(s string) (sign int, intPart, frac string, ok bool) {
	if s == "0" {
		return 0, "0", "", true
	}
	sign = 1
	if s != "" && s[0] == '-' {
		sign = -1
		s = s[1:]
	}
	dot := strings.IndexByte(s, '.')
	intPart = s
	if dot >= 0 {
		intPart, frac = s[:dot], s[dot+1:]
		if frac == "" || frac[len(frac)-1] == '0' || !allDigits(frac) {
			return 0, "", "", false
		}
	}
	if intPart == "" || !allDigits(intPart) || (intPart[0] == '0' && (len(intPart) > 1 || frac == "")) {
		return 0, "", "", false
	}
	return sign, intPart, frac, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// numberError turns an ErrNumber* error into the ValidationException
// DynamoDB answers with.
func numberError(err error) *ddberr.Error {
	return ddberr.Validationf("%s", err.Error())
}
