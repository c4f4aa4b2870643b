package attr

// MaxItemSize is DynamoDB's limit on the size of one item, as computed by
// ItemSize.
const MaxItemSize = 400 * 1024

// MaxNestingDepth is DynamoDB's limit on document nesting. DynamoDB counts
// an attribute's value as level 1, so a value may hold at most
// MaxNestingDepth-1 lists and maps nested in one another (with a scalar
// innermost, at level MaxNestingDepth).
const MaxNestingDepth = 32

// typeFromName maps a wire type name to its Type, TypeInvalid if unknown.
// The decoder calls it with a raw member name: a switch on the converted
// bytes does not allocate.
func typeFromName[S string | []byte](s S) Type {
	switch string(s) {
	case "S":
		return TypeS
	case "N":
		return TypeN
	case "B":
		return TypeB
	case "BOOL":
		return TypeBOOL
	case "NULL":
		return TypeNULL
	case "M":
		return TypeM
	case "L":
		return TypeL
	case "SS":
		return TypeSS
	case "NS":
		return TypeNS
	case "BS":
		return TypeBS
	}
	return TypeInvalid
}

// ParseType returns the type whose wire name is s ("S", "N", "B", "BOOL",
// "NULL", "M", "L", "SS", "NS", "BS"); names are case-sensitive as on the
// wire.
func ParseType(s string) (Type, bool) {
	t := typeFromName(s)
	return t, t != TypeInvalid
}

// IsSet reports whether t is one of the set types SS, NS and BS.
func (t Type) IsSet() bool { return t == TypeSS || t == TypeNS || t == TypeBS }

// IsScalar reports whether t is one of DynamoDB's scalar types: S, N, B, BOOL
// and NULL.
func (t Type) IsScalar() bool { return t >= TypeS && t <= TypeNULL }

// IsKeyType reports whether t may be the type of a key attribute (S, N or B).
func (t Type) IsKeyType() bool { return t == TypeS || t == TypeN || t == TypeB }

// IsValid reports whether t is one of the ten attribute value types.
func (t Type) IsValid() bool { return t >= TypeS && t <= TypeBS }

// Number returns an N value for the number literal s in canonical form, or a
// ValidationException when s is not a valid DynamoDB number.
func Number(s string) (Value, error) {
	c, err := canonicalNumber(s)
	if err != nil {
		return Value{}, numberError(err)
	}
	return Value{Type: TypeN, S: c}, nil
}

// MustNumber is like Number but panics on an invalid literal. It is meant for
// tests and for constants written in the engine's source.
func MustNumber(s string) Value {
	v, err := Number(s)
	if err != nil {
		panic("attr.MustNumber(" + s + "): " + err.Error())
	}
	return v
}

// List returns an L value holding vs.
func List(vs ...Value) Value {
	if vs == nil {
		vs = []Value{}
	}
	return Value{Type: TypeL, L: vs}
}

// Map returns an M value holding m.
func Map(m map[string]Value) Value {
	if m == nil {
		m = map[string]Value{}
	}
	return Value{Type: TypeM, M: m}
}

// StringSet returns an SS value holding ss in the given order. It does not
// check for emptiness or duplicates; Validate does.
func StringSet(ss ...string) Value { return Value{Type: TypeSS, SS: ss} }

// BinarySet returns a BS value holding bs in the given order, unchecked like
// StringSet.
func BinarySet(bs ...[]byte) Value { return Value{Type: TypeBS, BS: bs} }

// NumberSet returns an NS value of the canonical forms of ns, in the given
// order, or a ValidationException when one of them is not a valid number.
func NumberSet(ns ...string) (Value, error) {
	out := make([]string, len(ns))
	for i, s := range ns {
		c, err := canonicalNumber(s)
		if err != nil {
			return Value{}, numberError(err)
		}
		out[i] = c
	}
	return Value{Type: TypeNS, SS: out}, nil
}
