package attr

import (
	"bytes"
	"errors"
	"testing"
)

func TestAppendJSONFromBinaryMatchesEncoder(t *testing.T) {
	items := map[string]Item{
		"scalars": {"s": Str("a\"b\\c\n\u2028é"), "n": MustNumber("-12.5"), "b": Bin([]byte{0, 1, 255}), "t": Bool(true), "f": Bool(false), "z": Null()},
		"nested":  {"m": Map(map[string]Value{"y": List(Str("x"), MustNumber("1")), "a": Map(map[string]Value{})}), "l": List()},
		"sets":    {"ss": StringSet("b", "a"), "bs": BinarySet([]byte("x"), []byte{}), "ns": Value{Type: TypeNS, SS: []string{"3", "1"}}},
		"empty":   {},
		"emptyS":  {"": Str("")},
	}
	for name, it := range items {
		t.Run(name, func(t *testing.T) {
			want := AppendItemJSON(nil, it)
			got, err := AppendJSONFromBinary([]byte("prefix"), AppendItemBinary(nil, it))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, append([]byte("prefix"), want...)) {
				t.Fatalf("transcoded %s\nwant        %s", got, want)
			}
		})
	}
}

func TestAppendJSONFromBinaryRejectsCorruption(t *testing.T) {
	good := AppendItemBinary(nil, Item{"a": Str("hello"), "l": List(MustNumber("1"))})
	for cut := 0; cut < len(good); cut++ {
		out, err := AppendJSONFromBinary([]byte("x"), good[:cut])
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated at %d: err = %v", cut, err)
		}
		if string(out) != "x" {
			t.Fatalf("truncated at %d: dst changed to %q", cut, out)
		}
	}
}

func FuzzAppendJSONFromBinary(f *testing.F) {
	f.Add(AppendItemBinary(nil, Item{"a": Str("x"), "m": Map(map[string]Value{"n": MustNumber("1")})}))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := AppendJSONFromBinary(nil, b)
		if err != nil {
			return
		}
		it, derr := DecodeItemBinary(b)
		if derr != nil || !bytes.Equal(AppendItemBinary(nil, it), b) {
			// The storage only ever holds canonical encodings (what
			// AppendItemBinary writes); for other inputs it suffices that
			// the transcoder does not panic.
			return
		}
		if want := AppendItemJSON(nil, it); !bytes.Equal(out, want) {
			t.Fatalf("transcoded %s, decoder+encoder gives %s", out, want)
		}
	})
}

func TestAppendJSONFromBinaryOnly(t *testing.T) {
	it := Item{"pk": Str("p"), "sk": MustNumber("7"), "m": Map(map[string]Value{"pk": Str("nested")}), "z": Bool(true)}
	cases := []struct {
		name  string
		names []string
		want  Item
	}{
		{"keys", []string{"pk", "sk"}, Item{"pk": Str("p"), "sk": MustNumber("7")}},
		{"last attribute only", []string{"z"}, Item{"z": Bool(true)}},
		{"nested names do not count", []string{"pk"}, Item{"pk": Str("p")}},
		{"absent names", []string{"nope"}, Item{}},
		{"all", []string{"z", "m", "sk", "pk"}, it},
		{"none", nil, Item{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := AppendJSONFromBinaryOnly([]byte("prefix"), AppendItemBinary(nil, it), c.names)
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]byte("prefix"), AppendItemJSON(nil, c.want)...); !bytes.Equal(got, want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
	t.Run("corrupt", func(t *testing.T) {
		good := AppendItemBinary(nil, it)
		for cut := 0; cut < len(good); cut++ {
			out, err := AppendJSONFromBinaryOnly([]byte("x"), good[:cut], []string{"pk"})
			if !errors.Is(err, ErrCorrupt) || string(out) != "x" {
				t.Fatalf("truncated at %d: out %q, err %v", cut, out, err)
			}
		}
	})
}
