package attr

import (
	"errors"
	"strings"
	"testing"
)

func TestValueSize(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		want int
	}{
		{"string", Str("abc"), 3},
		{"utf8 string", Str("日本"), 6},
		{"empty string", Str(""), 0},
		{"binary", Bin([]byte{1, 2, 3, 4}), 4},
		{"bool", Bool(false), 1},
		{"null", Null(), 1},
		{"zero", MustNumber("0"), 1},
		{"one digit", MustNumber("7"), 2},
		{"two digits", MustNumber("12"), 2},
		{"two digits across the point", MustNumber("1.2"), 3},
		{"three digits", MustNumber("123"), 3},
		{"trailing zeros are free", MustNumber("1000000"), 2},
		{"small fraction", MustNumber("0.001"), 2},
		{"negative", MustNumber("-12"), 3},
		{"38 digits", MustNumber("12345678901234567890123456789012345678"), 20},
		{"empty list", List(), 3},
		{"list", List(Str("ab"), Null()), 3 + (2 + 1) + (1 + 1)},
		{"empty map", Map(nil), 3},
		{"map", Map(map[string]Value{"ab": Str("cde")}), 3 + 2 + 3 + 1},
		{"nested", List(Map(map[string]Value{"k": Bool(true)})), 3 + (3 + 1 + 1 + 1) + 1},
		{"string set", StringSet("a", "bc"), 3},
		{"number set", Value{Type: TypeNS, SS: []string{"1", "-12"}}, 2 + 3},
		{"binary set", BinarySet([]byte{1}, []byte{}), 1},
		{"zero value", Value{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValueSize(tc.v); got != tc.want {
				t.Fatalf("ValueSize = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestItemSize(t *testing.T) {
	it := Item{
		"id":   Str("abc"),                  // 2 + 3
		"n":    MustNumber("12345"),         // 1 + 4
		"flag": Bool(true),                  // 4 + 1
		"l":    List(Str("xy")),             // 1 + 3 + 2 + 1
		"big":  Str(strings.Repeat("x", 9)), // 3 + 9
	}
	if got, want := ItemSize(it), 5+5+5+7+12; got != want {
		t.Fatalf("ItemSize = %d, want %d", got, want)
	}
	if ItemSize(nil) != 0 {
		t.Fatal("ItemSize(nil) != 0")
	}
	if MaxItemSize != 409600 {
		t.Fatal("MaxItemSize")
	}
}

func TestItemSizeBinaryMatchesItemSize(t *testing.T) {
	items := map[string]Item{
		"empty":   {},
		"scalars": {"s": {Type: TypeS, S: "héllo"}, "n": MustNumber("-12.345"), "b": {Type: TypeB, B: []byte{1, 2, 3}}, "t": {Type: TypeBOOL, Bool: true}, "z": {Type: TypeNULL}},
		"sets":    {"ss": {Type: TypeSS, SS: []string{"a", "bc"}}, "ns": {Type: TypeNS, SS: []string{"1", "22.5"}}, "bs": {Type: TypeBS, BS: [][]byte{{1}, {2, 3}}}},
		"nested":  {"m": {Type: TypeM, M: map[string]Value{"x": {Type: TypeL, L: []Value{MustNumber("1"), {Type: TypeM, M: map[string]Value{"deep": {Type: TypeS, S: "v"}}}}}}}},
	}
	for name, it := range items {
		t.Run(name, func(t *testing.T) {
			got, err := ItemSizeBinary(AppendItemBinary(nil, it))
			if err != nil {
				t.Fatal(err)
			}
			if want := ItemSize(it); got != want {
				t.Fatalf("ItemSizeBinary %d, ItemSize %d", got, want)
			}
		})
	}
	for _, bad := range [][]byte{nil, {0xff}, {binaryFormatV1, 5}, append(AppendItemBinary(nil, items["scalars"]), 0)} {
		if _, err := ItemSizeBinary(bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("ItemSizeBinary(%v) error %v, want ErrCorrupt", bad, err)
		}
	}
}

func TestStoredNumberSizeMatchesNumberSize(t *testing.T) {
	for _, n := range []string{"0", "1", "-1", "12", "100", "1200", "-1200", "1.5", "0.001", "-0.0012", "123.456", "99999999999999999999999999999999999999",
		"0.000000000000000000000000000000000000000000001", "1" + strings.Repeat("0", 125), "-7.25", "10.01",
		// not canonical: the general path
		"007", "1.50", "1e5", "-0", ".5", "abc", ""} {
		if got, want := storedNumberSize([]byte(n)), numberSize(n); got != want {
			t.Errorf("storedNumberSize(%q) = %d, numberSize %d", n, got, want)
		}
	}
}
