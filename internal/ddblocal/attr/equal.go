package attr

import "bytes"

// Equal reports whether a and b are the same DynamoDB value: same type,
// numbers equal numerically, sets equal as sets whatever their order, lists
// element by element and maps member by member.
func Equal(a, b Value) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case TypeS:
		return a.S == b.S
	case TypeN:
		return numbersEqual(a.S, b.S)
	case TypeB:
		return bytes.Equal(a.B, b.B)
	case TypeBOOL:
		return a.Bool == b.Bool
	case TypeNULL, TypeInvalid:
		return true
	case TypeM:
		return membersEqual(a.M, b.M)
	case TypeL:
		if len(a.L) != len(b.L) {
			return false
		}
		for i := range a.L {
			if !Equal(a.L[i], b.L[i]) {
				return false
			}
		}
		return true
	case TypeSS:
		return sameSet(len(a.SS), len(b.SS), func(i, j int) bool { return a.SS[i] == b.SS[j] })
	case TypeNS:
		return sameSet(len(a.SS), len(b.SS), func(i, j int) bool { return numbersEqual(a.SS[i], b.SS[j]) })
	case TypeBS:
		return sameSet(len(a.BS), len(b.BS), func(i, j int) bool { return bytes.Equal(a.BS[i], b.BS[j]) })
	}
	return false
}

// ItemsEqual reports whether two items have the same attributes with Equal
// values.
func ItemsEqual(a, b Item) bool { return membersEqual(a, b) }

func membersEqual(a, b map[string]Value) bool {
	if len(a) != len(b) {
		return false
	}
	for name, va := range a {
		vb, ok := b[name]
		if !ok || !Equal(va, vb) {
			return false
		}
	}
	return true
}

func numbersEqual(a, b string) bool {
	return a == b || CompareNumbers(a, b) == 0
}

// sameSet reports whether two duplicate-free sets of sizes na and nb hold
// the same members, eq comparing member i of the first with member j of the
// second. Sets are small in practice, so a quadratic scan with a cheap
// first-guess (same position) is fine and allocation-free.
func sameSet(na, nb int, eq func(i, j int) bool) bool {
	if na != nb {
		return false
	}
	for i := 0; i < na; i++ {
		if eq(i, i) {
			continue
		}
		found := false
		for j := 0; j < nb; j++ {
			if eq(i, j) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Clone returns a deep copy of v sharing no mutable memory with it.
func (v Value) Clone() Value {
	v.B = cloneBytes(v.B)
	v.M = cloneMembers(v.M)
	if v.L != nil {
		l := make([]Value, len(v.L))
		for i, e := range v.L {
			l[i] = e.Clone()
		}
		v.L = l
	}
	if v.SS != nil {
		v.SS = append([]string{}, v.SS...)
	}
	if v.BS != nil {
		bs := make([][]byte, len(v.BS))
		for i, b := range v.BS {
			bs[i] = cloneBytes(b)
		}
		v.BS = bs
	}
	return v
}

// Clone returns a deep copy of it; a nil Item stays nil.
func (it Item) Clone() Item { return Item(cloneMembers(it)) }

func cloneMembers(m map[string]Value) map[string]Value {
	if m == nil {
		return nil
	}
	out := make(map[string]Value, len(m))
	for name, v := range m {
		out[name] = v.Clone()
	}
	return out
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
