package attr

import "testing"

func TestEqual(t *testing.T) {
	n := MustNumber
	tests := []struct {
		name string
		a, b Value
		want bool
	}{
		{"same string", Str("a"), Str("a"), true},
		{"different string", Str("a"), Str("b"), false},
		{"different types", Str("1"), n("1"), false},
		{"numbers numerically", n("1.0"), Value{Type: TypeN, S: "1"}, true},
		{"non-canonical number text", Value{Type: TypeN, S: "1E2"}, n("100"), true},
		{"different numbers", n("1"), n("-1"), false},
		{"nil and empty binary", Bin(nil), Bin([]byte{}), true},
		{"binary", Bin([]byte{1}), Bin([]byte{2}), false},
		{"bools", Bool(true), Bool(false), false},
		{"nulls", Null(), Null(), true},
		{"string sets any order", StringSet("a", "b", "c"), StringSet("c", "a", "b"), true},
		{"string sets differ", StringSet("a", "b"), StringSet("a", "c"), false},
		{"string sets sizes", StringSet("a"), StringSet("a", "b"), false},
		{"number sets numerically", Value{Type: TypeNS, SS: []string{"1", "2"}}, Value{Type: TypeNS, SS: []string{"2.0", "1"}}, true},
		{"binary sets any order", BinarySet([]byte{1}, []byte{2}), BinarySet([]byte{2}, []byte{1}), true},
		{"lists in order", List(Str("a"), Str("b")), List(Str("a"), Str("b")), true},
		{"lists order matters", List(Str("a"), Str("b")), List(Str("b"), Str("a")), false},
		{"lists lengths", List(Str("a")), List(), false},
		{"maps", Map(map[string]Value{"a": n("1"), "b": List()}), Map(map[string]Value{"b": List(), "a": n("1.00")}), true},
		{"maps missing key", Map(map[string]Value{"a": Null()}), Map(map[string]Value{"b": Null()}), false},
		{"maps nested difference", Map(map[string]Value{"a": List(Str("x"))}), Map(map[string]Value{"a": List(Str("y"))}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Equal(tc.a, tc.b); got != tc.want {
				t.Fatalf("Equal = %v, want %v", got, tc.want)
			}
			if got := Equal(tc.b, tc.a); got != tc.want {
				t.Fatalf("Equal (swapped) = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestItemsEqual(t *testing.T) {
	a := Item{"k": Str("v"), "n": MustNumber("1")}
	if !ItemsEqual(a, Item{"n": MustNumber("1.0"), "k": Str("v")}) {
		t.Fatal("equal items reported different")
	}
	if ItemsEqual(a, Item{"k": Str("v")}) || ItemsEqual(a, Item{"k": Str("v"), "m": MustNumber("1")}) {
		t.Fatal("different items reported equal")
	}
	if !ItemsEqual(nil, Item{}) {
		t.Fatal("nil and empty items differ")
	}
}

func TestClone(t *testing.T) {
	g := newGen(6)
	for i := 0; i < 500; i++ {
		it := g.item()
		c := it.Clone()
		if !ItemsEqual(it, c) || !itemsSameOrder(it, c) {
			t.Fatalf("clone differs: %#v vs %#v", it, c)
		}
		before := AppendItemJSON(nil, it)
		mutate(c)
		if after := AppendItemJSON(nil, it); string(before) != string(after) {
			t.Fatalf("mutating the clone changed the original:\n%s\n%s", before, after)
		}
	}
	if Item(nil).Clone() != nil {
		t.Fatal("nil item clone not nil")
	}
}

// mutate scribbles over every mutable part of it.
func mutate(it Item) {
	for k, v := range it {
		mutateValue(&v)
		it[k] = v
	}
	it["added"] = Null()
}

func mutateValue(v *Value) {
	for i := range v.B {
		v.B[i] ^= 0xff
	}
	for i := range v.SS {
		v.SS[i] += "!"
	}
	for _, b := range v.BS {
		for i := range b {
			b[i] ^= 0xff
		}
	}
	for i := range v.L {
		mutateValue(&v.L[i])
	}
	if v.M != nil {
		mutate(v.M)
	}
}
