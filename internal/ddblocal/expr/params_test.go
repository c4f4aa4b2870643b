package expr

import (
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

func TestParamsUnused(t *testing.T) {
	cases := []struct {
		name   string
		names  map[string]string
		values map[string]attr.Value
		exprs  []string
		want   string
	}{
		{"all used", map[string]string{"#a": "a"}, vals(":v", n("1")), []string{"#a = :v"}, ""},
		{"used across expressions", map[string]string{"#a": "a", "#b": "b"}, vals(":v", n("1"), ":w", n("2")), []string{"#a = :v", "#b = :w"}, ""},
		{"used in short-circuited branch", map[string]string{"#a": "a", "#b": "b"}, vals(":v", n("1"), ":w", n("2")), []string{"#a = :v OR #b = :w"}, ""},
		{"unused names sorted", map[string]string{"#b": "b", "#a": "a", "#c": "c"}, vals(":v", n("1")), []string{"#c = :v"}, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"},
		{"unused values", nil, vals(":v", n("1"), ":w", n("2")), []string{"a = :v"}, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewParams(tc.names, tc.values)
			for _, e := range tc.exprs {
				if _, err := ParseCondition(ConditionExpr, e, p); err != nil {
					t.Fatal(err)
				}
			}
			err := p.CheckUnused()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, tc.want)
		})
	}
	t.Run("validate empty maps", func(t *testing.T) {
		wantErr(t, NewParams(map[string]string{}, nil).Validate(), "ExpressionAttributeNames must not be empty")
		wantErr(t, NewParams(nil, map[string]attr.Value{}).CheckUnused(), "ExpressionAttributeValues must not be empty")
		if err := NewParams(nil, nil).CheckUnused(); err != nil {
			t.Fatal(err)
		}
	})
}
