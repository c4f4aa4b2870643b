package ddblocal

import (
	"math"
	"strconv"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// FuzzTTLDue holds ttlDue to the sweeper's needs for any number DynamoDB
// accepts: an item is never due before its TTL has passed (the sweeper
// would pop it, find it not expired and forget it for ever), and at most
// two seconds after.
//
//	go test ./internal/ddblocal -run '^$' -fuzz FuzzTTLDue -fuzztime 30s
func FuzzTTLDue(f *testing.F) {
	for _, s := range []string{"0", "1", "-1", "1700000000", "1700000000.5", "1700000000.999999999999", "-0.5",
		"9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999999E+125", "1E-130", "12345678901234567890123456789012345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := attr.CanonicalNumber(s)
		if err != nil {
			return
		}
		due, ok := ttlDue(attr.Value{Type: attr.TypeN, S: n})
		if !ok {
			t.Fatalf("ttlDue(%s): not a number", n)
		}
		if due == math.MaxInt64 || due == math.MinInt64 {
			return // beyond any clock: never due, or due at once and too old
		}
		// Due at second `due`: the TTL must be at or before it.
		if attr.CompareNumbers(n, strconv.FormatInt(due, 10)) > 0 {
			t.Fatalf("ttlDue(%s) = %d: due before the TTL passed", n, due)
		}
		if attr.CompareNumbers(n, strconv.FormatInt(due-3, 10)) <= 0 {
			t.Fatalf("ttlDue(%s) = %d: more than 2 s late", n, due)
		}
	})
}
