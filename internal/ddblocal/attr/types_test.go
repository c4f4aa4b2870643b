package attr

import (
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

func TestTypes(t *testing.T) {
	tests := []struct {
		name                 string
		set, scalar, key, ok bool
	}{
		{"S", false, true, true, true},
		{"N", false, true, true, true},
		{"B", false, true, true, true},
		{"BOOL", false, true, false, true},
		{"NULL", false, true, false, true},
		{"M", false, false, false, true},
		{"L", false, false, false, true},
		{"SS", true, false, false, true},
		{"NS", true, false, false, true},
		{"BS", true, false, false, true},
		{"s", false, false, false, false},
		{"", false, false, false, false},
		{"INVALID", false, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ, ok := ParseType(tc.name)
			if ok != tc.ok {
				t.Fatalf("ParseType ok = %v", ok)
			}
			if ok && typ.String() != tc.name {
				t.Fatalf("String() = %q", typ.String())
			}
			if typ.IsSet() != tc.set || typ.IsScalar() != tc.scalar || typ.IsKeyType() != tc.key || typ.IsValid() != tc.ok {
				t.Fatalf("%v: IsSet %v IsScalar %v IsKeyType %v IsValid %v", typ, typ.IsSet(), typ.IsScalar(), typ.IsKeyType(), typ.IsValid())
			}
		})
	}
}

func TestConstructors(t *testing.T) {
	if v, err := Number("1.50"); err != nil || v.S != "1.5" || v.Type != TypeN {
		t.Fatalf("Number = %#v, %v", v, err)
	}
	_, err := Number("x")
	wantDDBError(t, err, ddberr.Validation, ErrNumberInvalid.Error())
	if v, err := NumberSet("2", "1.0"); err != nil || v.SS[1] != "1" {
		t.Fatalf("NumberSet = %#v, %v", v, err)
	}
	if _, err := NumberSet("1", "1E999"); err == nil {
		t.Fatal("NumberSet accepted an overflow")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("MustNumber did not panic")
		}
	}()
	MustNumber("nope")
}

func TestValidate(t *testing.T) {
	deep := Null()
	for i := 0; i < MaxNestingDepth-1; i++ {
		deep = List(deep)
	}
	tests := []struct {
		name string
		v    Value
		msg  string // empty: valid
	}{
		{"string", Str(""), ""},
		{"31 containers", deep, ""},
		{"32 containers", List(deep), "Nesting Levels"},
		{"zero value", Value{}, msgEmptyValue},
		{"bad number", Value{Type: TypeN, S: "1x"}, ErrNumberInvalid.Error()},
		{"empty set", StringSet(), "An string set  may not be empty"},
		{"duplicate numbers", Value{Type: TypeNS, SS: []string{"1", "1.0"}}, "contains duplicates"},
		{"duplicate blobs", BinarySet([]byte("b"), []byte("b")), "[Yg==, Yg==]of type BS"},
		{"nested invalid", Map(map[string]Value{"a": List(StringSet("x", "x"))}), "[x, x]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.v)
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantDDBError(t, err, ddberr.Validation, tc.msg)
		})
	}
	if err := ValidateItem(Item{"a": Str("x"), "b": BinarySet()}); err == nil {
		t.Fatal("ValidateItem accepted an empty set")
	}
}
