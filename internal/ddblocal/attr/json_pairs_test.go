package attr

import (
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
