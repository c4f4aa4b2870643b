package expr

import "testing"

func TestReserved(t *testing.T) {
	for _, w := range []string{"name", "NAME", "Status", "flattern", "zone", "abort", "size", "data"} {
		if !IsReserved(w) {
			t.Errorf("%s should be reserved", w)
		}
	}
	for _, w := range []string{"pk", "namez", "abortx", "averylongnamethatisnotreserved", ""} {
		if IsReserved(w) {
			t.Errorf("%s should not be reserved", w)
		}
	}
	if len(reserved) != 573 {
		t.Errorf("reserved list has %d words, DynamoDB's has 573", len(reserved))
	}
}
