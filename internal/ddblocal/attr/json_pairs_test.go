package attr

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func TestDecodeAttrsJSONMatchesDecodeItemJSON(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"key", `{"pk":{"S":"a"},"sk":{"N":"1.50"}}`},
		{"repeated name keeps the last", `{"a":{"S":"x"},"a":{"S":"y"}}`},
		{"nested", `{"m":{"M":{"x":{"L":[{"NULL":true}]}}}}`},
		{"empty", `{}`},
		{"null", `null`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pairs, err := DecodeAttrsJSON([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			want, err := DecodeItemJSON([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := ItemOf(pairs); !ItemsEqual(got, want) || (got == nil) != (want == nil) {
				t.Fatalf("pairs %v, item %v", got, want)
			}
		})
	}
	for _, bad := range []string{`{"a":{"S":5}}`, `[]`, `{"a":{}}`, `{"a":{"S":"x"}} x`} {
		if _, err := DecodeAttrsJSON([]byte(bad)); err == nil {
			t.Errorf("DecodeAttrsJSON(%s) succeeded", bad)
		}
		if _, err := DecodeItemJSON([]byte(bad)); err == nil {
			t.Errorf("DecodeItemJSON(%s) succeeded: the two must agree", bad)
		}
	}
}

// Past pairIndexAt names the repeated-name search switches to a map; the
// result must not change: input order, a repeated name keeping its first
// position and its last value.
func TestDecodeAttrsJSONManyMembers(t *testing.T) {
	for _, n := range []int{pairIndexAt - 1, pairIndexAt, pairIndexAt + 1, 3 * pairIndexAt} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			var b strings.Builder
			b.WriteByte('{')
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, `"a%d":{"N":"%d"},`, i, i)
			}
			// Repeat the first and the last name with new values.
			fmt.Fprintf(&b, `"a0":{"S":"first again"},"a%d":{"S":"last again"}}`, n-1)
			got, err := DecodeAttrsJSON([]byte(b.String()))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("%d pairs, want %d", len(got), n)
			}
			for i, p := range got {
				if p.Name != "a"+strconv.Itoa(i) {
					t.Fatalf("pair %d is %q, want input order", i, p.Name)
				}
			}
			if got[0].Value.S != "first again" || got[n-1].Value.S != "last again" {
				t.Fatalf("repeated names kept %+v and %+v, want their last values", got[0].Value, got[n-1].Value)
			}
		})
	}
}
