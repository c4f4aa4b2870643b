package ddblocal

import (
	"bytes"
	"encoding/json"
	"iter"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// DynamoDB's front end reports a member of the wrong JSON type with the
// messages of the Java deserializer behind it; they are reproduced here,
// in the words attr uses for attribute values. The fast decoders and
// goccy/go-json do not say precisely which member failed or how, so when
// decoding fails the body is walked again against the request type to find
// the first mismatch — on the error path only.

var (
	attrValueType = reflect.TypeFor[attr.Value]()
	attrItemType  = reflect.TypeFor[attr.Item]()
)

// typeMismatch returns DynamoDB's SerializationException message for the
// first member of body whose JSON type does not fit t, or "" when every
// member fits (or body is not JSON at all).
func typeMismatch(body []byte, t reflect.Type) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return ""
	}
	return mismatch(v, t, 0)
}

// maxMismatchDepth bounds the walk; request types nest far less deeply.
const maxMismatchDepth = 64

func mismatch(v any, t reflect.Type, depth int) string {
	if v == nil || depth > maxMismatchDepth {
		return ""
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == attrValueType || t == attrItemType {
		// Attribute values report their own errors while decoding.
		return ""
	}
	switch t.Kind() {
	case reflect.String:
		return scalarMismatch(v, "String")
	case reflect.Int, reflect.Int64, reflect.Int32:
		return scalarMismatch(v, "Integer")
	case reflect.Float64:
		return scalarMismatch(v, "Double")
	case reflect.Bool:
		return scalarMismatch(v, "Boolean")
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return containerMismatch(v, "Expected list or null")
		}
		return firstMismatch(slices.Values(list), t.Elem(), depth)
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return containerMismatch(v, "Expected map or null")
		}
		return firstMismatch(maps.Values(obj), t.Elem(), depth)
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return containerMismatch(v, "Expected null")
		}
		return structMismatch(obj, t, depth)
	}
	return ""
}

// containerMismatch is the message for v where a list, map or structure
// was expected: DynamoDB names an object or array it did not expect, and
// otherwise says what it expected.
func containerMismatch(v any, expected string) string {
	switch v.(type) {
	case map[string]any:
		return "Start of structure or map found where not expected."
	case []any:
		return "Start of list found where not expected"
	}
	return expected
}

// firstMismatch is the first mismatch among the members of a list or map,
// each expected to be of type elem.
func firstMismatch(members iter.Seq[any], elem reflect.Type, depth int) string {
	for e := range members {
		if m := mismatch(e, elem, depth+1); m != "" {
			return m
		}
	}
	return ""
}

// structMismatch checks the members of obj that t declares (by json tag,
// through embedded structs); unknown members are ignored, as DynamoDB
// ignores them.
func structMismatch(obj map[string]any, t reflect.Type, depth int) string {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if m := structMismatch(obj, f.Type, depth); m != "" {
				return m
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if m := mismatch(obj[name], f.Type, depth+1); m != "" {
			return m
		}
	}
	return ""
}

// scalarMismatch is the message for the JSON value v where a scalar of the
// Java type target is expected, "" when v fits.
func scalarMismatch(v any, target string) string {
	article := "a"
	if strings.ContainsRune("AEIOU", rune(target[0])) || target == "String" || target == "Boolean" {
		// DynamoDB's deserializer says "an String" and "an Boolean".
		article = "an"
	}
	switch v := v.(type) {
	case map[string]any:
		return "Start of structure or map found where not expected."
	case []any:
		return "Start of list found where not expected"
	case json.Number:
		switch target {
		case "String", "Boolean":
			return "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to " + article + " " + target
		}
	case bool:
		if target != "Boolean" {
			return "class java.lang.Boolean can not be converted to " + article + " " + target
		}
	case string:
		switch target {
		case "Boolean":
			return "'" + strings.ToUpper(v) + "' can not be converted to an Boolean"
		case "String":
		default:
			return "class java.lang.String can not be converted to " + article + " " + target
		}
	}
	return ""
}
