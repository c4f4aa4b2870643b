package attr

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestBinaryRoundTrip(t *testing.T) {
	g := newGen(7)
	for i := 0; i < 3000; i++ {
		it := g.item()
		enc := AppendItemBinary(nil, it)
		got, err := DecodeItemBinary(enc)
		if err != nil {
			t.Fatalf("DecodeItemBinary: %v", err)
		}
		if !ItemsEqual(got, it) || !itemsSameOrder(got, it) {
			t.Fatalf("round trip of %s gave %s", AppendItemJSON(nil, it), AppendItemJSON(nil, got))
		}
		v := g.value(0)
		gotV, err := DecodeValueBinary(AppendValueBinary(nil, v))
		if err != nil || !Equal(gotV, v) || !sameOrder(gotV, v) {
			t.Fatalf("value round trip of %s: %s, %v", AppendValueJSON(nil, v), AppendValueJSON(nil, gotV), err)
		}
	}
}

func TestBinaryDecodeDoesNotAlias(t *testing.T) {
	it := Item{"b": Bin([]byte{1, 2}), "bs": BinarySet([]byte{3}), "s": Str("x")}
	enc := AppendItemBinary(nil, it)
	got, err := DecodeItemBinary(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range enc {
		enc[i] = 0
	}
	if !ItemsEqual(got, it) {
		t.Fatal("decoded item aliases its input")
	}
	// Appending to one decoded blob must not clobber its neighbour.
	b := got["b"].B
	_ = append(b, 9, 9, 9)
	if !ItemsEqual(got, it) {
		t.Fatal("append to a decoded blob overwrote other data")
	}
}

func TestBinaryDecodeCorrupt(t *testing.T) {
	valid := AppendItemBinary(nil, Item{"a": List(Str("x"), MustNumber("1.5")), "s": Value{Type: TypeNS, SS: []string{"1"}}})
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"unknown format", []byte{9, 0}},
		{"truncated count", []byte{binaryFormatV1}},
		{"huge count", []byte{binaryFormatV1, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"overlong varint", []byte{binaryFormatV1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
		{"name past end", []byte{binaryFormatV1, 1, 5, 'a'}},
		{"unknown type", []byte{binaryFormatV1, 1, 1, 'a', 99}},
		{"invalid type zero", []byte{binaryFormatV1, 1, 1, 'a', 0}},
		{"bad bool", []byte{binaryFormatV1, 1, 1, 'a', byte(TypeBOOL), 2}},
		{"bad number", []byte{binaryFormatV1, 1, 1, 'a', byte(TypeN), 2, '0', '1'}},
		{"empty set", []byte{binaryFormatV1, 1, 1, 'a', byte(TypeSS), 0}},
		{"bad number in set", []byte{binaryFormatV1, 1, 1, 'a', byte(TypeNS), 1, 1, 'x'}},
		{"trailing bytes", append(append([]byte{}, valid...), 0)},
		{"deep lists", deepBinaryList(200)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeItemBinary(tc.in); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("DecodeItemBinary error = %v, want ErrCorrupt", err)
			}
		})
	}
	t.Run("every truncation", func(t *testing.T) {
		for i := 0; i < len(valid); i++ {
			if _, err := DecodeItemBinary(valid[:i]); err == nil {
				t.Fatalf("truncation to %d bytes accepted", i)
			}
		}
	})
	t.Run("random corruption", func(t *testing.T) {
		r := rand.New(rand.NewPCG(8, 9))
		g := newGen(10)
		for i := 0; i < 20000; i++ {
			b := AppendItemBinary(nil, g.item())
			for j := 1 + r.IntN(3); j > 0; j-- {
				b[r.IntN(len(b))] = byte(r.IntN(256))
			}
			_, _ = DecodeItemBinary(b) // must not panic
		}
	})
}

func deepBinaryList(n int) []byte {
	b := []byte{binaryFormatV1, 1, 1, 'a'}
	for i := 0; i < n; i++ {
		b = append(b, byte(TypeL), 1)
	}
	return append(b, byte(TypeNULL))
}
