package attr

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

func TestDecodeValueJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Value
	}{
		{"string", `{"S":"hello"}`, Str("hello")},
		{"empty string", `{"S":""}`, Str("")},
		{"number canonicalised", `{"N":"1.50E2"}`, Value{Type: TypeN, S: "150"}},
		{"negative zero", `{"N":"-0"}`, Value{Type: TypeN, S: "0"}},
		{"binary", `{"B":"aGk="}`, Bin([]byte("hi"))},
		{"empty binary", `{"B":""}`, Bin([]byte{})},
		{"bool true", `{"BOOL":true}`, Bool(true)},
		{"bool false", `{"BOOL":false}`, Bool(false)},
		{"bool from string", `{"BOOL":"Yes"}`, Bool(true)},
		{"bool from zero string", `{"BOOL":"0"}`, Bool(false)},
		{"null", `{"NULL":true}`, Null()},
		{"map", `{"M":{"a":{"S":"x"},"b":{"N":"2"}}}`, Map(map[string]Value{"a": Str("x"), "b": MustNumber("2")})},
		{"empty map", `{"M":{}}`, Map(nil)},
		{"list", `{"L":[{"S":"x"},{"NULL":true}]}`, List(Str("x"), Null())},
		{"empty list", `{"L":[]}`, List()},
		{"string set keeps order", `{"SS":["b","a",""]}`, StringSet("b", "a", "")},
		{"number set canonical", `{"NS":["10.0","-0.50","7"]}`, Value{Type: TypeNS, SS: []string{"10", "-0.5", "7"}}},
		{"binary set", `{"BS":["AA==","AQ=="]}`, BinarySet([]byte{0}, []byte{1})},
		{"whitespace", " \t\r\n{ \"S\" : \"x\" } \n", Str("x")},
		{"null member is absent", `{"S":"x","N":null}`, Str("x")},
		{"unknown member ignored", `{"X":{"deep":[1,2,{"a":null}]},"S":"x"}`, Str("x")},
		{"duplicate member last wins", `{"S":"a","S":"b"}`, Str("b")},
		{"escaped type name", `{"\u0053":"x"}`, Str("x")},
		{"escapes", `{"S":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"}`, Str("a\"b\\c/d\b\f\n\r\té😀")},
		{"lone surrogate", `{"S":"\ud800x"}`, Str("\uFFFDx")},
		{"invalid utf8 replaced", "{\"S\":\"a\xffb\"}", Str("a\uFFFDb")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeValueJSON([]byte(tc.in))
			if err != nil {
				t.Fatalf("DecodeValueJSON(%s): %v", tc.in, err)
			}
			if !Equal(got, tc.want) || !sameOrder(got, tc.want) {
				t.Fatalf("DecodeValueJSON(%s) = %#v, want %#v", tc.in, got, tc.want)
			}
		})
	}
}

func TestDecodeValueJSONErrors(t *testing.T) {
	const (
		ser = ddberr.Serialization
		val = ddberr.Validation
	)
	nested := func(n int) string {
		return strings.Repeat(`{"L":[`, n) + `{"S":"x"}` + strings.Repeat(`]}`, n)
	}
	tests := []struct {
		name string
		in   string
		code ddberr.Code
		msg  string
	}{
		{"empty input", ``, ser, "unexpected end of input"},
		{"not an object", `"x"`, ser, "Expected null"},
		{"array", `[]`, ser, "Start of list found where not expected"},
		{"trailing garbage", `{"S":"x"} x`, ser, "expected end of input"},
		{"two values", `{"S":"x"}{"S":"y"}`, ser, "expected end of input"},
		{"unterminated", `{"S":"x"`, ser, "unexpected end of input"},
		{"missing colon", `{"S" "x"}`, ser, "expected ':'"},
		{"trailing comma", `{"S":"x",}`, ser, "member name"},
		{"string number", `{"S":5}`, ser, "TruncatingBigNumber can not be converted to an String"},
		{"string bool", `{"S":true}`, ser, "java.lang.Boolean can not be converted to an String"},
		{"string object", `{"S":{}}`, ser, "Start of structure or map found where not expected."},
		{"number as json number", `{"N":1}`, ser, "can not be converted to an String"},
		{"bool from bad string", `{"BOOL":"x"}`, ser, "'x' can not be converted to an Boolean"},
		{"bool from number", `{"BOOL":1}`, ser, "can not be converted to an Boolean"},
		{"list not array", `{"L":"x"}`, ser, "Expected list or null"},
		{"map not object", `{"M":[]}`, ser, "Start of list found where not expected"},
		{"map scalar", `{"M":1}`, ser, "Expected map or null"},
		{"set not array", `{"SS":"a"}`, ser, "Expected list or null"},
		{"set member number", `{"SS":[1]}`, ser, "can not be converted to an String"},
		{"blob number", `{"B":1}`, ser, "can not be converted to a Blob"},
		{"blob bad length", `{"B":"abc"}`, ser, "multiple of 4 bytes but found: 3"},
		{"blob bad char", `{"B":"ab!="}`, ser, "Invalid Base64 character: '!'"},
		{"blob raw newline", "{\"B\":\"aG\nk=\"}", ser, "control character"},
		{"blob escaped newline", `{"B":"aGk\nAAA="}`, ser, "Invalid Base64 character: '\n'"},
		{"blob stray bits", `{"B":"aGl="}`, ser, "Invalid last non-pad"},
		{"blob inner padding", `{"B":"aG=k"}`, ser, "Invalid Base64 character: '='"},
		{"bad escape", `{"S":"\x"}`, ser, "invalid escape"},
		{"bad unicode escape", `{"S":"\u12g4"}`, ser, "invalid \\u escape"},
		{"raw control char", "{\"S\":\"a\x01\"}", ser, "control character"},
		{"bad literal", `{"BOOL":tru}`, ser, "expected true"},
		{"bad number in unknown member", `{"X":01,"S":"x"}`, ser, "expected ',' or '}'"},
		{"bad number syntax", `{"X":-,"S":"x"}`, ser, "expected a digit"},
		{"empty value", `{}`, val, msgEmptyValue},
		{"null value", `null`, val, msgEmptyValue},
		{"only unknown member", `{"X":1}`, val, msgEmptyValue},
		{"only null member", `{"S":null}`, val, msgEmptyValue},
		{"two types", `{"S":"x","N":"1"}`, val, msgMultipleTypes},
		{"null false", `{"NULL":false}`, val, msgNullFalse},
		{"empty string set", `{"SS":[]}`, val, "An string set  may not be empty"},
		{"empty number set", `{"NS":[]}`, val, "An number set  may not be empty"},
		{"empty binary set", `{"BS":[]}`, val, "Binary sets should not be empty"},
		{"string set duplicates", `{"SS":["a","b","a"]}`, val, "Input collection [a, b, a] contains duplicates."},
		{"number set numeric duplicates", `{"NS":["1","1.0"]}`, val, "Input collection contains duplicates"},
		{"binary set duplicates", `{"BS":["Yg==","Yg=="]}`, val, "Input collection [Yg==, Yg==]of type BS contains duplicates."},
		{"null in string set", `{"SS":["a",null]}`, val, "null"},
		{"invalid number", `{"N":"abc"}`, val, ErrNumberInvalid.Error()},
		{"nan", `{"N":"NaN"}`, val, ErrNumberInvalid.Error()},
		{"number too precise", `{"N":"1234567890123456789012345678901234567890.1"}`, val, ErrNumberPrecision.Error()},
		{"number overflow", `{"N":"1E126"}`, val, ErrNumberOverflow.Error()},
		{"number underflow", `{"NS":["1E-131"]}`, val, ErrNumberUnderflow.Error()},
		{"nested empty value", `{"L":[{"S":"x"},{}]}`, val, msgEmptyValue},
		{"nesting 32 lists", nested(32), val, "Nesting Levels have exceeded supported limits"},
		{"json nesting 1000", strings.Repeat("[", 1000), ser, "Start of list"},
		{"unknown member nesting 1000", `{"X":` + strings.Repeat("[", 1000), val, "Nesting Levels have exceeded supported limits"},
		{"serialization beats validation", `{"L":[{"SS":[]},{"S":5}]}`, ser, "can not be converted to an String"},
		{"first validation error wins", `{"L":[{"SS":[]},{"NULL":false}]}`, val, "An string set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := DecodeValueJSON([]byte(tc.in))
			if err == nil {
				t.Fatalf("DecodeValueJSON(%.60s) = %#v, want error", tc.in, v)
			}
			wantDDBError(t, err, tc.code, tc.msg)
		})
	}
}

func TestNestingLimit(t *testing.T) {
	for _, kind := range []string{"L", "M"} {
		wrap := func(n int) string {
			open, closeStr := `{"L":[`, `]}`
			if kind == "M" {
				open, closeStr = `{"M":{"k":`, `}}`
			}
			return `{"a":` + strings.Repeat(open, n) + `{"S":"x"}` + strings.Repeat(closeStr, n) + `}`
		}
		// DynamoDB counts the attribute's value as level 1: 31 nested
		// containers put the leaf at level 32, the deepest allowed.
		t.Run(kind+" 31 containers accepted", func(t *testing.T) {
			if _, err := DecodeItemJSON([]byte(wrap(31))); err != nil {
				t.Fatal(err)
			}
		})
		t.Run(kind+" 32 containers rejected", func(t *testing.T) {
			_, err := DecodeItemJSON([]byte(wrap(32)))
			wantDDBError(t, err, ddberr.Validation, "Nesting Levels have exceeded supported limits")
		})
	}
}

func TestDecodeItemJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Item
		code ddberr.Code
		msg  string
	}{
		{name: "item", in: `{"pk":{"S":"a"},"n":{"N":"01"}}`, want: Item{"pk": Str("a"), "n": MustNumber("1")}},
		{name: "empty item", in: `{}`, want: Item{}},
		{name: "null item", in: `null`, want: nil},
		{name: "escaped name", in: `{"a\u0000b":{"S":"x"}}`, want: Item{"a\x00b": Str("x")}},
		{name: "array", in: `[]`, code: ddberr.Serialization, msg: "Start of list found where not expected"},
		{name: "scalar", in: `1`, code: ddberr.Serialization, msg: "Expected map or null"},
		{name: "null attribute", in: `{"a":null}`, code: ddberr.Validation, msg: msgEmptyValue},
		{name: "name not string", in: `{a:{"S":"x"}}`, code: ddberr.Serialization, msg: "member name"},
		{name: "trailing", in: `{}}`, code: ddberr.Serialization, msg: "end of input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeItemJSON([]byte(tc.in))
			if tc.code != "" {
				wantDDBError(t, err, tc.code, tc.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) || !ItemsEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite testdata/items/*.golden from the current encoder")

// TestDecodeItemJSONFixtures decodes captured request items and checks them
// against their expected canonical re-encoding; -update rewrites the
// golden files from the current encoder.
func TestDecodeItemJSONFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/items/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".golden")
			if err != nil {
				t.Fatal(err)
			}
			it, err := DecodeItemJSON(in)
			if err != nil {
				t.Fatal(err)
			}
			got := AppendItemJSON(nil, it)
			if *update {
				if err := os.WriteFile(strings.TrimSuffix(f, ".json")+".golden", append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if string(got) != strings.TrimSpace(string(want)) {
				t.Fatalf("re-encoded:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestAppendValueJSON(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		want string
	}{
		{"string", Str("x"), `{"S":"x"}`},
		{"escaping", Str("\"\\\n\r\t\b\f\x00\x1f\x7f/é\u2028"), `{"S":"\"\\\n\r\t\b\f\u0000\u001f` + "\x7f/é\u2028" + `"}`},
		{"invalid utf8", Str("a\xffb\xc3"), `{"S":"a\ufffdb\ufffd"}`},
		{"number", MustNumber("1.5E2"), `{"N":"150"}`},
		{"binary", Bin([]byte("hi")), `{"B":"aGk="}`},
		{"nil binary", Bin(nil), `{"B":""}`},
		{"bools", List(Bool(true), Bool(false), Null()), `{"L":[{"BOOL":true},{"BOOL":false},{"NULL":true}]}`},
		{"map sorted", Map(map[string]Value{"b": Str("2"), "a": Str("1"), "": Str("0")}), `{"M":{"":{"S":"0"},"a":{"S":"1"},"b":{"S":"2"}}}`},
		{"nil map", Value{Type: TypeM}, `{"M":{}}`},
		{"nil list", Value{Type: TypeL}, `{"L":[]}`},
		{"sets keep order", List(StringSet("b", "a"), Value{Type: TypeNS, SS: []string{"2", "1"}}, BinarySet([]byte{1}, []byte{0})), `{"L":[{"SS":["b","a"]},{"NS":["2","1"]},{"BS":["AQ==","AA=="]}]}`},
		{"zero value", Value{}, `null`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(AppendValueJSON(nil, tc.v))
			if got != tc.want {
				t.Fatalf("AppendValueJSON = %s, want %s", got, tc.want)
			}
			if !json.Valid([]byte(got)) {
				t.Fatalf("invalid JSON %s", got)
			}
		})
	}
}

// TestJSONStringsMatchEncodingJSON checks the string codec against
// encoding/json on awkward inputs, in both directions.
func TestJSONStringsMatchEncodingJSON(t *testing.T) {
	raws := []string{
		``, `plain`, `\"`, `\\`, `\/`, `\b\f\n\r\t`, `\u0000`, `\u00e9`, `\u20AC`, `\uD83D\uDE00`,
		`\ud83d`, `\ude00`, `\ud83dx`, `\ud83d\u0041`, `\ud83d\ud83d\ude00`, `\uDFFF\uD800`,
		"é", "\xff", "\xc3", "\xed\xa0\x80", "a\xf0\x9f\x98", "\u2028", `\uFFFD`, `\uFFFE`,
	}
	for _, raw := range raws {
		t.Run(raw, func(t *testing.T) {
			in := `"` + raw + `"`
			var want string
			if err := json.Unmarshal([]byte(in), &want); err != nil {
				t.Fatal(err)
			}
			d := newJSONDecoder([]byte(in))
			got, err := d.str()
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("decoded %q, encoding/json %q", got, want)
			}
			enc := appendJSONString(nil, got)
			var back string
			if err := json.Unmarshal(enc, &back); err != nil || back != got {
				t.Fatalf("re-encoded %s decodes to %q, %v", enc, back, err)
			}
		})
	}
}

// TestJSONRoundTrip encodes random items and decodes them back.
func TestJSONRoundTrip(t *testing.T) {
	g := newGen(1)
	for i := 0; i < 3000; i++ {
		it := g.item()
		enc := AppendItemJSON(nil, it)
		if !json.Valid(enc) {
			t.Fatalf("invalid JSON: %s", enc)
		}
		got, err := DecodeItemJSON(enc)
		if err != nil {
			t.Fatalf("DecodeItemJSON(%s): %v", enc, err)
		}
		if !ItemsEqual(got, it) || !itemsSameOrder(got, it) {
			t.Fatalf("round trip of %s gave %#v", enc, got)
		}
		if again := AppendItemJSON(nil, got); string(again) != string(enc) {
			t.Fatalf("encoding not deterministic:\n%s\n%s", enc, again)
		}
	}
}

// TestEncodingJSONInterop checks that request and response structs using
// Value and Item work with encoding/json and surface *ddberr.Error.
func TestEncodingJSONInterop(t *testing.T) {
	type request struct {
		Item   Item             `json:"Item"`
		Values map[string]Value `json:"ExpressionAttributeValues"`
		Key    Item             `json:"Key,omitempty"`
		One    Value            `json:"One,omitzero"`
	}
	t.Run("decode", func(t *testing.T) {
		var r request
		in := `{"Item":{"a":{"N":"1.0"}},"ExpressionAttributeValues":{":v":{"SS":["x"]}},"Key":null}`
		if err := json.Unmarshal([]byte(in), &r); err != nil {
			t.Fatal(err)
		}
		if !ItemsEqual(r.Item, Item{"a": MustNumber("1")}) || !Equal(r.Values[":v"], StringSet("x")) || r.Key != nil {
			t.Fatalf("got %#v", r)
		}
	})
	t.Run("decode error", func(t *testing.T) {
		var r request
		err := json.Unmarshal([]byte(`{"Item":{"a":{"SS":[]}}}`), &r)
		wantDDBError(t, err, ddberr.Validation, "An string set  may not be empty")
		err = json.Unmarshal([]byte(`{"ExpressionAttributeValues":{":v":{"S":1}}}`), &r)
		wantDDBError(t, err, ddberr.Serialization, "can not be converted to an String")
	})
	t.Run("encode", func(t *testing.T) {
		r := request{Item: Item{"b": Str("<&>"), "a": MustNumber("2")}, Values: map[string]Value{}}
		got, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"Item":{"a":{"N":"2"},"b":{"S":"\u003c\u0026\u003e"}},"ExpressionAttributeValues":{}}`
		if string(got) != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	})
	t.Run("nil item", func(t *testing.T) {
		got, err := json.Marshal(struct{ Item Item }{})
		if err != nil || string(got) != `{"Item":null}` {
			t.Fatalf("got %s, %v", got, err)
		}
	})
}
