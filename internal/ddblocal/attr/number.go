package attr

import (
	"errors"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// DynamoDB numbers: up to 38 significant digits, magnitude between 1E-130 and
// 9.9999999999999999999999999999999999999E+125 (or zero).
const (
	maxDigits   = 38
	maxExponent = 125  // largest allowed adjusted exponent
	minExponent = -130 // smallest allowed adjusted exponent
)

// Number errors. Their texts are DynamoDB's, so the engine can hand them to
// clients inside a ValidationException unchanged.
var (
	ErrNumberInvalid   = errors.New("A value provided cannot be converted into a number")
	ErrNumberPrecision = errors.New("Attempting to store more than 38 significant digits in a Number")
	ErrNumberOverflow  = errors.New("Number overflow. Attempting to store a number with magnitude larger than supported range")
	ErrNumberUnderflow = errors.New("Number underflow. Attempting to store a number with magnitude smaller than supported range")
)

// arith is the context for exact arithmetic: enough precision that a sum of
// two valid numbers is exact, so precision errors are detected by
// checkNumber rather than hidden by rounding.
var arith = apd.Context{Precision: 300, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent, Traps: apd.DefaultTraps}

// parseNumber parses s as a DynamoDB number literal (no NaN, no Infinity, no
// hex, no surrounding space).
func parseNumber(s string) (*apd.Decimal, error) {
	if s == "" || len(s) > 1024 {
		return nil, ErrNumberInvalid
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return nil, ErrNumberInvalid
		}
	}
	d, _, err := apd.NewFromString(s)
	if err != nil || d.Form != apd.Finite {
		return nil, ErrNumberInvalid
	}
	return d, nil
}

// checkNumber enforces DynamoDB's precision and magnitude limits on d and
// returns it reduced (trailing zeros removed).
func checkNumber(d *apd.Decimal) (*apd.Decimal, error) {
	if d.IsZero() {
		return apd.New(0, 0), nil
	}
	r := new(apd.Decimal)
	r.Reduce(d)
	digits := r.NumDigits()
	if digits > maxDigits {
		return nil, ErrNumberPrecision
	}
	adjusted := int64(r.Exponent) + digits - 1
	if adjusted > maxExponent {
		return nil, ErrNumberOverflow
	}
	if adjusted < minExponent {
		return nil, ErrNumberUnderflow
	}
	return r, nil
}

// formatNumber renders a reduced decimal in plain notation ("150", "-0.25").
func formatNumber(d *apd.Decimal) string {
	if d.IsZero() {
		return "0"
	}
	s := d.Text('f')
	if strings.ContainsRune(s, '.') {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// CanonicalNumber validates a number literal and returns its canonical text:
// plain notation, no exponent, no leading or trailing zeros, "-0" as "0".
// It returns one of the ErrNumber* errors for invalid or out-of-range input.
func CanonicalNumber(s string) (string, error) {
	d, err := parseNumber(s)
	if err != nil {
		return "", err
	}
	r, err := checkNumber(d)
	if err != nil {
		return "", err
	}
	return formatNumber(r), nil
}

// mustDecimal parses a canonical number text. Canonical texts come from this
// package's validators, so a failure is a programming error and yields zero.
func mustDecimal(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return apd.New(0, 0)
	}
	return d
}

// CompareNumbers compares two canonical number texts numerically and returns
// -1, 0 or +1.
func CompareNumbers(a, b string) int {
	if a == b {
		return 0
	}
	if c, ok := compareCanonical(a, b); ok {
		return c
	}
	return mustDecimal(a).Cmp(mustDecimal(b))
}

// AddNumbers returns the canonical text of a+b, or an ErrNumber* error when
// the exact result does not fit DynamoDB's limits.
func AddNumbers(a, b string) (string, error) { return combineNumbers(arith.Add, a, b) }

// SubNumbers returns the canonical text of a-b, with AddNumbers' errors.
func SubNumbers(a, b string) (string, error) { return combineNumbers(arith.Sub, a, b) }

// combineNumbers returns the canonical text of op(a, b), with AddNumbers'
// errors.
func combineNumbers(op func(d, x, y *apd.Decimal) (apd.Condition, error), a, b string) (string, error) {
	r := new(apd.Decimal)
	if _, err := op(r, mustDecimal(a), mustDecimal(b)); err != nil {
		return "", ErrNumberOverflow
	}
	c, err := checkNumber(r)
	if err != nil {
		return "", err
	}
	return formatNumber(c), nil
}
