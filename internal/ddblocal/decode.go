package ddblocal

import (
	"encoding/json"
	"errors"
	"reflect"

	gojson "github.com/goccy/go-json"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// decodeRequest decodes a JSON request body into in. Malformed JSON and
// members of the wrong JSON type are SerializationExceptions, as in DynamoDB;
// attribute-value errors keep the code attr gave them.
func decodeRequest(body []byte, in any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	// goccy/go-json decodes request structs several times faster than
	// encoding/json (profiles of BatchGetItem over loopback showed the
	// reflection decoder at 16% of all CPU), with the same semantics for
	// struct tags and Unmarshaler methods.
	if err := gojson.Unmarshal(body, in); err != nil {
		var de *ddberr.Error
		if errors.As(err, &de) {
			return de
		}
		if msg := typeMismatch(body, reflect.TypeOf(in)); msg != "" {
			return ddberr.Serializationf("%s", msg)
		}
		var te *gojson.UnmarshalTypeError
		if errors.As(err, &te) {
			return ddberr.Serializationf("Unexpected value type in payload at %q: expected %s, found JSON %s", te.Field, te.Type, te.Value)
		}
		var se *gojson.SyntaxError
		if errors.As(err, &se) {
			return ddberr.Serializationf("Malformed JSON at offset %d: %v", se.Offset, se)
		}
		return ddberr.Serializationf("Cannot decode request: %v", err)
	}
	return nil
}

// errNull is DynamoDB's error for a required member left out (or null);
// member is its path as DynamoDB spells it, e.g. "tableName".
func errNull(member string) error {
	return ddberr.Validationf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// constraintError formats DynamoDB's parameter-validation message.
func constraintError(value any, member, constraint string) error {
	return ddberr.Validationf("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func validateTableName(name string) error {
	if name == "" {
		return errNull("tableName")
	}
	return validateResourceName(name, "tableName")
}

func validateResourceName(name, member string) error {
	if len(name) < 3 {
		return constraintError(name, member, "Member must have length greater than or equal to 3")
	}
	if len(name) > 255 {
		return constraintError(name, member, "Member must have length less than or equal to 255")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return constraintError(name, member, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
		}
	}
	return nil
}

func errTableNotFound(name string) error {
	return ddberr.New(ddberr.ResourceNotFound, "Requested resource not found: Table: %s not found", name)
}

func invalidParam(format string, args ...any) error {
	return ddberr.Validationf("One or more parameter values were invalid: "+format, args...)
}

// decodeChecked decodes body and records its constraint violations with
// check, whose error comes before anything else is looked at.
func decodeChecked[T any](body []byte, check func(*T) error) (*T, error) {
	in := new(T)
	if err := decodeRequest(body, in); err != nil {
		return nil, err
	}
	if err := check(in); err != nil {
		return nil, err
	}
	return in, nil
}

// decodeFastOr decodes body with fast, the hand-written decoder of the
// common shape of a hot request, and falls back to decodeRequest for any
// request fast does not take.
func decodeFastOr[T any](body []byte, fast func([]byte) (T, bool)) (T, error) {
	if in, ok := fast(body); ok {
		return in, nil
	}
	var in T
	err := decodeRequest(body, &in)
	return in, err
}

// marshalJSON encodes v for a response.
func marshalJSON(v any) ([]byte, error) { return json.Marshal(v) }

// closeWithCapacity ends a response that is being written by hand with its
// ConsumedCapacity member and the closing brace.
func closeWithCapacity(out []byte, capacity any) (any, error) {
	raw, err := marshalJSON(capacity)
	if err != nil {
		return nil, err
	}
	out = append(out, `,"ConsumedCapacity":`...)
	out = append(out, raw...)
	return rawJSON(append(out, '}')), nil
}
