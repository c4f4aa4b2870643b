package ddblocal

import "github.com/hubstream/hubstream/internal/ddblocal/attr"

// The fast request decoders (batch_decode.go, write_decode.go) read the
// requests SDKs send on the hot paths in one pass with attr.Reader, into
// exactly the structs decodeRequest fills. They accept only what they know:
// any other or repeated member, a null, a string with escapes, or malformed
// JSON makes them report false, and the caller decodes the body again with
// decodeRequest, the one place request errors come from. Fuzz targets hold
// each fast decoder to decodeRequest.
//
// Why: goccy/go-json calls an UnmarshalJSON method per item, key and
// value, each with its own copy of the bytes and its own decoder; that and
// the reflection around it were the largest engine costs of BatchGetItem,
// PutItem and TransactWriteItems over loopback.

// errFallback stops a fast decoder; its text is never shown.
type errFallback struct{}

func (errFallback) Error() string { return "fall back to the general decoder" }

// maxStructMembers bounds the members of a request struct the fast
// decoders read: no DynamoDB request shape has more than about 15, so a
// larger object is not one they know.
const maxStructMembers = 32

// readStruct reads a JSON object that stands for a struct, calling member
// with each member's name; member must read the value or return an error.
// A repeated name is errFallback (the general decoder's rules for them
// are not worth copying), and so is an object of more than
// maxStructMembers members, which keeps the repeated-name search short.
func readStruct(r *attr.Reader, member func(name string) error) error {
	var buf [maxStructMembers]string
	seen := buf[:0]
	return readMap(r, func(name string) error {
		if len(seen) == maxStructMembers {
			return errFallback{}
		}
		for _, s := range seen {
			if s == name {
				return errFallback{}
			}
		}
		seen = append(seen, name)
		return member(name)
	})
}

// readMap reads a JSON object that stands for a map, calling member with
// each member's name; member must read the value, and detect repeated
// names itself (with the map it fills).
func readMap(r *attr.Reader, member func(name string) error) error {
	return r.Elements('{', '}', func() error {
		name, err := r.Name()
		if err != nil {
			return err
		}
		return member(name)
	})
}

// readArray reads a JSON array, calling elem for each element; elem must
// read it.
func readArray(r *attr.Reader, elem func() error) error {
	return r.Elements('[', ']', elem)
}

// readString reads a plain string into *dst.
func readString(r *attr.Reader, dst *string) error {
	s, err := r.String()
	*dst = s
	return err
}

// readStringPtr reads a plain string into a new *string.
func readStringPtr(r *attr.Reader, dst **string) error {
	s, err := r.String()
	if err != nil {
		return err
	}
	*dst = &s
	return nil
}

// readStringMap reads ExpressionAttributeNames.
func readStringMap(r *attr.Reader) (map[string]string, error) {
	return readUniqueMap(r, r.String)
}

// readValueMap reads ExpressionAttributeValues.
func readValueMap(r *attr.Reader) (map[string]attr.Value, error) {
	return readUniqueMap(r, r.Value)
}

// readUniqueMap reads an object whose member values read reads; a
// repeated member name hands the request to the reflective decoder
// (errFallback).
func readUniqueMap[V any](r *attr.Reader, read func() (V, error)) (map[string]V, error) {
	m := make(map[string]V)
	err := readMap(r, func(k string) error {
		if _, dup := m[k]; dup {
			return errFallback{}
		}
		v, err := read()
		m[k] = v
		return err
	})
	return m, err
}

// readExprInput reads the expression maps shared by data-plane requests;
// it reports false for other names.
func readExprInput(r *attr.Reader, name string, in *exprInput) (bool, error) {
	var err error
	switch name {
	case "ExpressionAttributeNames":
		in.ExpressionAttributeNames, err = readStringMap(r)
	case "ExpressionAttributeValues":
		in.ExpressionAttributeValues, err = readValueMap(r)
	default:
		return false, nil
	}
	return true, err
}

// readCapacityInput reads ReturnConsumedCapacity and
// ReturnItemCollectionMetrics; it reports false for other names.
func readCapacityInput(r *attr.Reader, name string, in *capacityInput) (bool, error) {
	switch name {
	case "ReturnConsumedCapacity":
		return true, readString(r, &in.ReturnConsumedCapacity)
	case "ReturnItemCollectionMetrics":
		return true, readString(r, &in.ReturnItemCollectionMetrics)
	}
	return false, nil
}

// decodeFast runs a fast decoder over a whole body: one top-level object
// and nothing after it.
func decodeFast(body []byte, member func(r *attr.Reader, name string) error) bool {
	r := attr.NewReader(body)
	if err := readStruct(r, func(name string) error { return member(r, name) }); err != nil {
		return false
	}
	return r.End() == nil
}
