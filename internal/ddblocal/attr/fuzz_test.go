package attr

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

func FuzzDecodeItemJSON(f *testing.F) {
	for _, s := range []string{
		`{"pk":{"S":"a"},"n":{"N":"1.5e3"},"b":{"B":"aGk="}}`,
		`{"m":{"M":{"l":{"L":[{"BOOL":true},{"NULL":true},{"SS":["a","b"]}]}}}}`,
		`{"ns":{"NS":["1","-0.5"]},"bs":{"BS":["AA=="]},"x":{"S":"\u00e9\ud83d\ude00\n"}}`,
		`{"a":{"S":"x","N":"1"}}`,
		`{"a":{"X":[1,{"y":null}],"S":"\"\\"}}`,
		`null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		it, err := DecodeItemJSON(data)
		if err != nil {
			var de *ddberr.Error
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *ddberr.Error", err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if err := ValidateItem(it); err != nil {
			t.Fatalf("accepted item fails Validate: %v", err)
		}
		enc := AppendItemJSON(nil, it)
		again, err := DecodeItemJSON(enc)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		if !ItemsEqual(it, again) || !itemsSameOrder(it, again) {
			t.Fatalf("JSON round trip changed the item: %s", enc)
		}
		if enc2 := AppendItemJSON(nil, again); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable:\n%s\n%s", enc, enc2)
		}
		bin, err := DecodeItemBinary(AppendItemBinary(nil, it))
		if err != nil || !ItemsEqual(it, bin) || !itemsSameOrder(it, bin) {
			t.Fatalf("binary round trip: %v", err)
		}
		_ = ItemSize(it)
	})
}

func FuzzDecodeItemBinary(f *testing.F) {
	g := newGen(13)
	for i := 0; i < 8; i++ {
		f.Add(AppendItemBinary(nil, g.item()))
	}
	f.Add([]byte{binaryFormatV1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		size, sizeErr := ItemSizeBinary(data)
		it, err := DecodeItemBinary(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			if sizeErr != nil && !errors.Is(sizeErr, ErrCorrupt) {
				t.Fatalf("ItemSizeBinary error %v does not wrap ErrCorrupt", sizeErr)
			}
			return
		}
		// For the bytes the engine writes (canonical: names in order,
		// none repeated), the size walk agrees with the decoded item.
		if bytes.Equal(AppendItemBinary(nil, it), data) && (sizeErr != nil || size != ItemSize(it)) {
			t.Fatalf("ItemSizeBinary %d (%v), ItemSize %d", size, sizeErr, ItemSize(it))
		}
		again, err := DecodeItemBinary(AppendItemBinary(nil, it))
		if err != nil || !ItemsEqual(it, again) || !itemsSameOrder(it, again) {
			t.Fatalf("re-encoding a decoded item: %v", err)
		}
		_ = AppendItemJSON(nil, it)
	})
}

func FuzzAppendKey(f *testing.F) {
	f.Add(byte(0), "a", "a\x00")
	f.Add(byte(1), "-1.5", "-1.25")
	f.Add(byte(1), "1E-130", "0")
	f.Add(byte(2), "\xff", "\xff\x00")
	f.Fuzz(func(t *testing.T, typ byte, a, b string) {
		var va, vb Value
		switch typ % 3 {
		case 0:
			va, vb = Str(a), Str(b)
		case 1:
			var err error
			if va, err = Number(a); err != nil {
				return
			}
			if vb, err = Number(b); err != nil {
				return
			}
		default:
			va, vb = Bin([]byte(a)), Bin([]byte(b))
		}
		checkKeyPair(t, va, vb)
		checkKeyPair(t, vb, va)
		// A decoder fed arbitrary bytes must fail cleanly, never panic.
		_, _, _ = DecodeKey([]byte(a), Type(typ%12))
	})
}

// FuzzUnquote compares the JSON string decoder with encoding/json.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`a\"b`, `\ud83d\ude00`, `\ud800`, "\xff", `\u0000`, `\x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		in := []byte(`"` + raw + `"`)
		var want string
		werr := json.Unmarshal(in, &want)
		d := newJSONDecoder(in)
		got, err := d.str()
		if err == nil {
			err = d.end()
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: err %v, encoding/json err %v", in, err, werr)
		}
		if err == nil && got != want {
			t.Fatalf("%q: got %q, encoding/json %q", in, got, want)
		}
		var back string
		if err := json.Unmarshal(appendJSONString(nil, raw), &back); err != nil {
			t.Fatalf("appendJSONString(%q) is not valid JSON: %v", raw, err)
		}
		// Each invalid byte becomes one U+FFFD, as the []rune conversion does.
		if want := string([]rune(raw)); back != want {
			t.Fatalf("appendJSONString(%q) decodes to %q, want %q", raw, back, want)
		}
	})
}

// FuzzStoredNumberSize holds the allocation-free size of stored numbers to
// numberSize on any text.
func FuzzStoredNumberSize(f *testing.F) {
	for _, s := range []string{"0", "-12.5", "100", "0.001", "1e5", "007"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := storedNumberSize([]byte(s)), numberSize(s); got != want {
			t.Fatalf("storedNumberSize(%q) = %d, numberSize %d", s, got, want)
		}
	})
}
