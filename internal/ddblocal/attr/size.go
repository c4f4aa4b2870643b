package attr

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
	case TypeSS:
		n := 0
		for _, s := range v.SS {
			n += len(s)
		}
		return n
	case TypeNS:
		n := 0
		for _, s := range v.SS {
			n += numberSize(s)
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
