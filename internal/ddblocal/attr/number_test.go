package attr

import (
	"errors"
	"testing"
)

func TestCanonicalNumber(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"integer", "42", "42", nil},
		{"exponent", "1.5E2", "150", nil},
		{"negative zero", "-0", "0", nil},
		{"zero with fraction", "0.000", "0", nil},
		{"trailing zeros", "12.3400", "12.34", nil},
		{"leading zeros", "007", "7", nil},
		{"plus sign", "+5", "5", nil},
		{"small", "1E-130", "0." + repeat("0", 129) + "1", nil},
		{"too small", "1E-131", "", ErrNumberUnderflow},
		{"too big", "1E126", "", ErrNumberOverflow},
		{"biggest", "9.9999999999999999999999999999999999999E+125", "99999999999999999999999999999999999999" + repeat("0", 88), nil},
		{"38 digits", "12345678901234567890123456789012345678", "12345678901234567890123456789012345678", nil},
		{"39 digits", "123456789012345678901234567890123456789", "", ErrNumberPrecision},
		{"39 digits trailing zeros ok", "123456789012345678901234567890123456780", "123456789012345678901234567890123456780", nil},
		{"nan", "NaN", "", ErrNumberInvalid},
		{"infinity", "Infinity", "", ErrNumberInvalid},
		{"empty", "", "", ErrNumberInvalid},
		{"space", " 1", "", ErrNumberInvalid},
		{"garbage", "1x", "", ErrNumberInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CanonicalNumber(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("CanonicalNumber(%q) error = %v, want %v", tc.in, err, tc.err)
			}
			if got != tc.want {
				t.Fatalf("CanonicalNumber(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}

func TestNumberArithmetic(t *testing.T) {
	tests := []struct {
		name    string
		op      func(a, b string) (string, error)
		a, b    string
		want    string
		wantErr error
	}{
		{"add", AddNumbers, "1.5", "2.5", "4", nil},
		{"sub", SubNumbers, "1", "3", "-2", nil},
		{"add exact", AddNumbers, "0.1", "0.2", "0.3", nil},
		{"add overflow precision", AddNumbers, "99999999999999999999999999999999999999", "0.1", "", ErrNumberPrecision},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.op(tc.a, tc.b)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Fatalf("got %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
	if CompareNumbers("10", "9") != 1 || CompareNumbers("-1", "0") != -1 || CompareNumbers("1.0", "1") != 0 {
		t.Fatal("CompareNumbers ordering wrong")
	}
}
