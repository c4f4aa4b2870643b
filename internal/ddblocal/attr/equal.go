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
		return sameSet(a.SS, b.SS, func(s string) string { return s })
	case TypeNS:
		return sameSet(a.SS, b.SS, canonicalOrSelf)
	case TypeBS:
		return sameSet(a.BS, b.BS, func(b []byte) string { return string(b) })
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

// sameSet reports whether two duplicate-free sets hold the same members,
// key mapping a member to a string that is equal exactly for equal members.
// Small sets, the common case, are compared pairwise without allocating;
// large ones through a map, so comparing big sets stays linear.
func sameSet[E any](a, b []E, key func(E) string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) <= 16 {
		for i := range a {
			ka := key(a[i])
			if ka == key(b[i]) {
				continue
			}
			found := false
			for j := range b {
				if ka == key(b[j]) {
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
	set := make(map[string]struct{}, len(a))
	for _, e := range a {
		set[key(e)] = struct{}{}
	}
	for _, e := range b {
		if _, ok := set[key(e)]; !ok {
			return false
		}
	}
	return true
}

// canonicalOrSelf returns the canonical text of a number, or s itself when
// it is invalid, so numbers can be compared as strings.
func canonicalOrSelf(s string) string {
	if c, err := canonicalNumber(s); err == nil {
		return c
	}
	return s
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
