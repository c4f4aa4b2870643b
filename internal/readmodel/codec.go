// Package readmodel defines the read items the projections write and the
// loaders read: one struct per entity, whose dynamodbav tags are the item's
// attribute names. A projection fills a struct from the aggregate's state
// and encodes it with Encode; a loader decodes the same struct with Decode.
// A field is therefore declared once, here.
//
// Tags: a field tagged omitempty is optional (Encode removes the attribute
// when the value is empty, so a later version of an item never inherits an
// earlier one's); a field also tagged readmodel:"counter" is a counter that
// other projections move with ADD, so Encode never writes it and Decode
// reads it (0 when absent).
package readmodel

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/table"
)

// Item is a read item as DynamoDB returns it.
type Item = map[string]types.AttributeValue

// Header is what every read item carries: its item type (table.Type*) and
// the version of the source aggregate it reflects.
type Header struct {
	Type    string `dynamodbav:"_et"`
	Version int64  `dynamodbav:"_v"`
}

// Entity is a read item struct: ItemType is the `_et` value that tells its
// items from any other item (and from counter residue, which has none).
type Entity interface {
	ItemType() string
}

// encodeTime stores times as table.FormatTime renders them: UTC, fixed
// width, so that they sort as text.
func encodeTime(t time.Time) (types.AttributeValue, error) {
	return &types.AttributeValueMemberS{Value: table.FormatTime(t)}, nil
}

// Encode returns the attributes to set for v (its header's type set to
// v.ItemType()) and the optional attributes to remove because they are
// empty. Counters are neither set nor removed. The error is a field the
// SDK cannot encode, a programming error.
func Encode(v Entity) (set Item, remove []string, err error) {
	set, err = attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) {
		o.EncodeTime = encodeTime
	})
	if err != nil {
		return nil, nil, fmt.Errorf("readmodel: encode %T: %w", v, err)
	}
	f := fieldsOf(reflect.TypeOf(v))
	for _, c := range f.counters {
		delete(set, c)
	}
	for _, o := range f.optional {
		if _, ok := set[o]; !ok {
			remove = append(remove, o)
		}
	}
	set[table.AttrType] = &types.AttributeValueMemberS{Value: v.ItemType()}
	return set, remove, nil
}

// Decode decodes it as a T; ok is false when it is missing, of another
// item type, or does not decode (never a panic: items are data).
func Decode[T Entity](it Item) (v T, ok bool) {
	et, _ := it[table.AttrType].(*types.AttributeValueMemberS)
	if et == nil || et.Value != v.ItemType() {
		return v, false
	}
	if decodePlanned(it, reflect.ValueOf(&v).Elem()) {
		return v, true
	}
	var zero T
	v = zero
	if err := attributevalue.UnmarshalMap(it, &v); err != nil {
		return zero, false
	}
	return v, true
}

// DecodeCounters decodes only what it holds into v, whatever its item
// type: counters moved onto an item before the item itself was projected
// (counter residue) are exact already.
func DecodeCounters[T any](it Item) T {
	var v T
	if rv := reflect.ValueOf(&v).Elem(); rv.Kind() == reflect.Struct && decodePlanned(it, rv) {
		return v
	}
	var zero T
	v = zero
	// One attribute at a time: UnmarshalMap stops at the first attribute
	// it cannot decode, and walks the map in random order, so on the whole
	// item one bad attribute would drop a random set of the good ones.
	// A bad attribute leaves its field zero.
	for name, av := range it {
		_ = attributevalue.UnmarshalMap(Item{name: av}, &v)
	}
	return v
}

// fields lists a struct type's optional and counter attribute names.
type fields struct{ optional, counters []string }

var fieldCache sync.Map // reflect.Type → fields; types are fixed, so it never goes stale

func fieldsOf(t reflect.Type) fields {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if f, ok := fieldCache.Load(t); ok {
		return f.(fields)
	}
	var f fields
	collectFields(t, &f)
	fieldCache.Store(t, f)
	return f
}

func collectFields(t reflect.Type, f *fields) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("dynamodbav")
		if sf.Anonymous && tag == "" && sf.Type.Kind() == reflect.Struct {
			collectFields(sf.Type, f)
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		switch {
		case sf.Tag.Get("readmodel") == "counter":
			f.counters = append(f.counters, name)
		case strings.Contains(opts, "omitempty"):
			f.optional = append(f.optional, name)
		}
	}
}

// Attributes lists every attribute name v's type declares (for tests that
// check the read model against the table's other uses of names).
func Attributes(v any) []string {
	var out []string
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("dynamodbav")
			if sf.Anonymous && tag == "" && sf.Type.Kind() == reflect.Struct {
				walk(sf.Type)
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if name != "-" && sf.IsExported() {
				out = append(out, name)
			}
		}
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	walk(t)
	return out
}
