package attr

import (
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// TestFastCanonicalAgreesWithAPD feeds random number-like strings to both
// canonicalisation paths; they must agree on result and error.
func TestFastCanonicalAgreesWithAPD(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 3))
	const alphabet = "0000000123456789..--+eE"
	fixed := []string{"0", "-0", "00", "0.0", "-0.000", "007", "1.", ".5", "-.5", "1.50", "100", "-100.00",
		"12345678901234567890123456789012345678", "123456789012345678901234567890123456789",
		"0.00000000000000000000000000000000000001", "1e5", "+1", "--1", "1-", "", "-"}
	check := func(s string) {
		fast, ferr := canonicalNumber(s)
		slow, serr := CanonicalNumber(s)
		if fast != slow || ferr != serr {
			t.Fatalf("%q: fast %q, %v; apd %q, %v", s, fast, ferr, slow, serr)
		}
	}
	for _, s := range fixed {
		check(s)
	}
	for i := 0; i < 200000; i++ {
		b := make([]byte, r.IntN(45))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		check(string(b))
	}
}

func TestFastCanonicalDoesNotAllocateWhenCanonical(t *testing.T) {
	for _, s := range []string{"42", "-1.5", "0", "0.001", "1234567890.0987654321"} {
		if n := testing.AllocsPerRun(100, func() { _, _ = canonicalNumber(s) }); n != 0 {
			t.Errorf("canonicalNumber(%q) allocates %v times", s, n)
		}
	}
}

// TestCompareNumbers checks the text comparison against apd on random
// canonical numbers, and on a few non-canonical texts that must fall back.
func TestCompareNumbers(t *testing.T) {
	g := newGen(4)
	for i := 0; i < 100000; i++ {
		a, b := g.number(), g.number()
		if i%5 == 0 {
			b = a
		}
		want := mustDecimal(a).Cmp(mustDecimal(b))
		if got := CompareNumbers(a, b); got != want {
			t.Fatalf("CompareNumbers(%s, %s) = %d, want %d", a, b, got, want)
		}
	}
	tests := []struct {
		name, a, b string
		want       int
	}{
		{"non-canonical equal", "1.0", "1", 0},
		{"exponent form", "1E2", "99", 1},
		{"negative fraction", "-0.5", "-0.25", -1},
		{"zero vs negative", "0", "-0.0001", 1},
		{"longer integer", "100", "99.999", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CompareNumbers(tc.a, tc.b); got != tc.want {
				t.Fatalf("CompareNumbers(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if got := CompareNumbers(tc.b, tc.a); got != -tc.want {
				t.Fatalf("CompareNumbers(%s, %s) = %d, want %d", tc.b, tc.a, got, -tc.want)
			}
		})
	}
}

// TestSplitCanonical checks that decomposing and re-rendering canonical
// numbers is the identity and that non-canonical texts are refused.
func TestSplitCanonical(t *testing.T) {
	g := newGen(5)
	for i := 0; i < 50000; i++ {
		s := g.number()
		p, ok := splitCanonical(s)
		if !ok {
			t.Fatalf("splitCanonical(%q) refused", s)
		}
		if got := p.text(); got != s {
			t.Fatalf("text(splitCanonical(%q)) = %q", s, got)
		}
		var d apd.Decimal
		if _, _, err := d.SetString(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{"", "-", "-0", "00", "01", "1.0", "1.", ".1", "+1", "1e2", "0.", "--1", "1" + string(make([]byte, 0)) + "a",
		"1000000000000000000000000000000000000001", "1" + repeat("0", 126)} {
		if _, ok := splitCanonical(s); ok {
			t.Errorf("splitCanonical(%q) accepted", s)
		}
	}
}
