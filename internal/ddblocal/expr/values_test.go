package expr

import (
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

func TestCompareNumbers(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1}, {"10", "9", 1}, {"0", "0", 0}, {"-1", "0", -1}, {"0", "-0.5", 1},
		{"0.5", "0.25", 1}, {"3", "3.5", -1}, {"-3", "-10", 1}, {"-3.5", "-3", -1},
		{"123456789012345678901234567890", "123456789012345678901234567891", -1},
		{"1E2", "100", 0}, {"1e2", "99", 1},
	}
	for _, tc := range cases {
		t.Run(tc.a+" vs "+tc.b, func(t *testing.T) {
			got := compareNumbers(tc.a, tc.b)
			if got < 0 {
				got = -1
			} else if got > 0 {
				got = 1
			}
			if got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
		})
	}
}

func TestAddNumbers(t *testing.T) {
	cases := []struct {
		name, a, b string
		sub        bool
		want       string
	}{
		{"small", "1", "2", false, "3"},
		{"negative result", "1", "5", true, "-4"},
		{"to zero", "-7", "7", false, "0"},
		{"decimal", "0.1", "0.2", false, "0.3"},
		{"large", "99999999999999999", "1", false, "100000000000000000"},
		{"very large", "123456789012345678901234567890", "1", false, "123456789012345678901234567891"},
		{"sub decimal", "1.5", "0.5", true, "1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := addNumbers(tc.a, tc.b, tc.sub)
			if err != nil || got.S != tc.want {
				t.Fatalf("got %v, %v; want %s", got.S, err, tc.want)
			}
		})
	}
	t.Run("overflow", func(t *testing.T) {
		_, err := addNumbers("9E+125", "9E+125", false)
		wantErr(t, err, "Number overflow. Attempting to store a number with magnitude larger than supported range")
	})
}

func TestSizeOf(t *testing.T) {
	cases := []struct {
		name string
		v    attr.Value
		want int
		ok   bool
	}{
		{"string in UTF-16 code units", s("héllo"), 5, true},
		{"string with a surrogate pair", s("é𝄞"), 3, true},
		{"string with an invalid byte", s("a\xffb"), 3, true},
		{"binary", b("abc"), 3, true},
		{"list", l(n("1"), n("2")), 2, true},
		{"map", m("a", n("1")), 1, true},
		{"string set", ss("a", "b", "c"), 3, true},
		{"number set", ns("1"), 1, true},
		{"binary set", bs("a", "b"), 2, true},
		{"number", n("12345"), 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := sizeOf(tc.v)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("got %d %v, want %d %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
