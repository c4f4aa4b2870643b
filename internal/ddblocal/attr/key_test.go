package attr

import (
	"bytes"
	"errors"
	"testing"
)

func TestAppendKeyOrder(t *testing.T) {
	g := newGen(11)
	for _, typ := range []Type{TypeS, TypeN, TypeB} {
		t.Run(typ.String(), func(t *testing.T) {
			for i := 0; i < 50000; i++ {
				a, b := g.keyValue(typ), g.keyValue(typ)
				checkKeyPair(t, a, b)
			}
		})
	}
}

func checkKeyPair(t *testing.T, a, b Value) {
	t.Helper()
	ka, kb := AppendKey(nil, a), AppendKey(nil, b)
	if got, want := bytes.Compare(ka, kb), CompareKeyValues(a, b); got != want {
		t.Fatalf("bytes.Compare(key(%#v), key(%#v)) = %d, CompareKeyValues = %d (%x vs %x)", a, b, got, want, ka, kb)
	}
	got, rest, err := DecodeKey(append(ka, 0x42), a.Type)
	if err != nil || !Equal(got, a) || string(rest) != "\x42" || (a.Type == TypeN && got.S != a.S) {
		t.Fatalf("DecodeKey(key(%#v)) = %#v, %x, %v", a, got, rest, err)
	}
}

// TestAppendKeyComposite checks that concatenated encodings compare
// component by component, which needs every encoding to be self-delimiting.
func TestAppendKeyComposite(t *testing.T) {
	g := newGen(12)
	types := []Type{TypeS, TypeN, TypeB}
	for i := 0; i < 50000; i++ {
		ht, rt := types[i%3], types[(i/3)%3]
		h1, h2 := g.keyValue(ht), g.keyValue(ht)
		if i%2 == 0 {
			h2 = h1
		}
		r1, r2 := g.keyValue(rt), g.keyValue(rt)
		k1 := AppendKey(AppendKey(nil, h1), r1)
		k2 := AppendKey(AppendKey(nil, h2), r2)
		want := CompareKeyValues(h1, h2)
		if want == 0 {
			want = CompareKeyValues(r1, r2)
		}
		if got := bytes.Compare(k1, k2); got != want {
			t.Fatalf("(%#v,%#v) vs (%#v,%#v): bytes %d, want %d", h1, r1, h2, r2, got, want)
		}
		hv, rest, err := DecodeKey(k1, ht)
		if err != nil || !Equal(hv, h1) {
			t.Fatalf("decode hash: %#v, %v", hv, err)
		}
		rv, rest, err := DecodeKey(rest, rt)
		if err != nil || !Equal(rv, r1) || len(rest) != 0 {
			t.Fatalf("decode range: %#v, %x, %v", rv, rest, err)
		}
	}
}

func TestAppendKeyEdgeCases(t *testing.T) {
	n := MustNumber
	ordered := [][]Value{
		{Str(""), Str("\x00"), Str("\x00\x00"), Str("\x00\x01"), Str("\x00\xff"), Str("\x01"), Str("a"), Str("a\x00"), Str("a\x00b"), Str("ab"), Str("b"), Str("é"), Str("\U0010ffff")},
		{Bin(nil), Bin([]byte{0}), Bin([]byte{0, 0}), Bin([]byte{0, 1}), Bin([]byte{0, 0xff}), Bin([]byte{1}), Bin([]byte{0xff}), Bin([]byte{0xff, 0})},
		{
			n("-9.9999999999999999999999999999999999999E+125"), n("-1E125"), n("-100"), n("-99.5"), n("-12"), n("-11.99"), n("-10"), n("-2"), n("-1.5"), n("-1"),
			n("-0.5"), n("-0.11"), n("-0.1"), n("-1E-130"), n("0"), n("1E-130"), n("1.5E-130"), n("0.01"), n("0.1"), n("0.1000001"), n("0.11"), n("1"), n("1.01"),
			n("1.1"), n("9"), n("10"), n("10.5"), n("11"), n("99"), n("100"), n("12345678901234567890123456789012345678"), n("1E125"),
			n("9.9999999999999999999999999999999999999E+125"),
		},
	}
	for _, vs := range ordered {
		t.Run(vs[0].Type.String(), func(t *testing.T) {
			for i := range vs {
				for j := range vs {
					checkKeyPair(t, vs[i], vs[j])
					want := 0
					if i < j {
						want = -1
					} else if i > j {
						want = 1
					}
					if got := CompareKeyValues(vs[i], vs[j]); got != want {
						t.Fatalf("CompareKeyValues(%#v, %#v) = %d, want %d", vs[i], vs[j], got, want)
					}
				}
			}
		})
	}
}

func TestAppendKeyNonKeyValues(t *testing.T) {
	if got := AppendKey([]byte("x"), Null()); string(got) != "x" {
		t.Fatalf("AppendKey(NULL) = %q", got)
	}
	if got, want := AppendKey(nil, Value{Type: TypeN, S: "1.50"}), AppendKey(nil, MustNumber("1.5")); !bytes.Equal(got, want) {
		t.Fatal("non-canonical number encoded differently")
	}
	if got := AppendKey(nil, Value{Type: TypeN, S: "junk"}); !bytes.Equal(got, []byte{keyNumZero}) {
		t.Fatalf("invalid number encoded as %x", got)
	}
}

func TestDecodeKeyCorrupt(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		typ  Type
	}{
		{"string unterminated", []byte("abc"), TypeS},
		{"string lone zero", []byte("abc\x00"), TypeS},
		{"string bad escape", []byte("a\x00\x02"), TypeS},
		{"number empty", nil, TypeN},
		{"number bad sign", []byte{0x07}, TypeN},
		{"number truncated", []byte{keyNumPos}, TypeN},
		{"number unterminated", []byte{keyNumPos, 130, 2}, TypeN},
		{"number bad pair", []byte{keyNumPos, 130, 101, 0}, TypeN},
		{"number no digits", []byte{keyNumPos, 130, 0}, TypeN},
		{"number leading zero", []byte{keyNumPos, 130, 1, 0}, TypeN},
		{"number too long", append(append([]byte{keyNumPos, 130}, bytes.Repeat([]byte{12}, 20)...), 0), TypeN},
		{"not a key type", []byte{0}, TypeBOOL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := DecodeKey(tc.in, tc.typ); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("DecodeKey error = %v, want ErrCorrupt", err)
			}
		})
	}
}
