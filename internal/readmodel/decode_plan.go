package readmodel

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Decoding a read item with attributevalue.UnmarshalMap cost ~5 % of a
// repository page's CPU: a new Decoder per item, a field lookup by name
// through the SDK's cache, and reflection through generic paths for every
// attribute. The read structs only hold strings, integers, booleans and
// times, so a plan per struct type (attribute name → field, kind) decodes
// them directly. decodePlanned takes the fast path only where it gives
// exactly what UnmarshalMap gives; anything else (an attribute of an
// unexpected type, a bad number, a name that differs only in case, a
// struct with other field types) is left to UnmarshalMap.

// fieldKind is how a planned field is decoded.
type fieldKind uint8

const (
	kindString  fieldKind = iota // S
	kindBool                     // BOOL
	kindInt                      // N, any signed integer size
	kindTime                     // S, RFC 3339, as attributevalue reads time.Time
	kindTimePtr                  // the same into a *time.Time
)

// plannedField is one attribute of a plan: the field it decodes into (an
// index path through embedded structs) and how.
type plannedField struct {
	name  string
	index []int
	kind  fieldKind
}

// decodePlan is a struct type's fields by attribute name; ok is false for
// a type the fast path does not handle.
type decodePlan struct {
	ok     bool
	fields []plannedField
	byName map[string]int
	// folded holds the names in ASCII lower case when they are all ASCII
	// (nil otherwise): an ASCII attribute name matches a field regardless
	// of case exactly when its lower case is one of them.
	folded map[string]struct{}
}

var (
	planCache       sync.Map // reflect.Type → *decodePlan; types are fixed, so it never goes stale
	timeType        = reflect.TypeFor[time.Time]()
	unmarshalerType = reflect.TypeFor[attributevalue.Unmarshaler]()
)

// planOf returns t's plan, made on first use.
func planOf(t reflect.Type) *decodePlan {
	if p, ok := planCache.Load(t); ok {
		return p.(*decodePlan)
	}
	p := &decodePlan{ok: t.Kind() == reflect.Struct, byName: map[string]int{}}
	if p.ok {
		p.ok = p.collect(t, nil)
	}
	if p.ok {
		p.folded = map[string]struct{}{}
		for _, f := range p.fields {
			if !isASCII(f.name) {
				p.folded = nil
				break
			}
			p.folded[strings.ToLower(f.name)] = struct{}{}
		}
	}
	planCache.Store(t, p)
	return p
}

// collect plans t's fields under the index prefix; false when one is not
// plannable or two share a name (Go's embedding rules would decide which
// wins: UnmarshalMap's business).
func (p *decodePlan) collect(t reflect.Type, prefix []int) bool {
	for i := range t.NumField() {
		sf := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		tag := sf.Tag.Get("dynamodbav")
		if sf.Anonymous && tag == "" {
			if sf.Type.Kind() != reflect.Struct || !sf.IsExported() {
				return false
			}
			if !p.collect(sf.Type, index) {
				return false
			}
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !sf.IsExported() {
			continue
		}
		if opts != "" && opts != "omitempty" {
			return false
		}
		if name == "" {
			name = sf.Name
		}
		if _, dup := p.byName[name]; dup {
			return false
		}
		if reflect.PointerTo(sf.Type).Implements(unmarshalerType) || sf.Type.Implements(unmarshalerType) {
			return false
		}
		var k fieldKind
		switch {
		case sf.Type == timeType:
			k = kindTime
		case sf.Type.Kind() == reflect.Pointer && sf.Type.Elem() == timeType:
			k = kindTimePtr
		case sf.Type.Kind() == reflect.String:
			k = kindString
		case sf.Type.Kind() == reflect.Bool:
			k = kindBool
		case sf.Type.Kind() >= reflect.Int && sf.Type.Kind() <= reflect.Int64:
			k = kindInt
		default:
			return false
		}
		p.byName[name] = len(p.fields)
		p.fields = append(p.fields, plannedField{name: name, index: index, kind: k})
	}
	return true
}

// decodePlanned decodes it into v (an addressable struct holding its zero
// value) and reports whether it could: when false, v may hold part of it
// and must be reset before UnmarshalMap decodes it.
func decodePlanned(it Item, v reflect.Value) bool {
	p := planOf(v.Type())
	if !p.ok {
		return false
	}
	for name, av := range it {
		i, found := p.byName[name]
		if !found {
			// UnmarshalMap matches a field's name regardless of case
			// when no name matches exactly.
			if p.foldMatch(name) {
				return false
			}
			continue
		}
		f := &p.fields[i]
		fv := v.FieldByIndex(f.index)
		switch a := av.(type) {
		case *types.AttributeValueMemberNULL:
			fv.SetZero()
		case *types.AttributeValueMemberS:
			switch f.kind {
			case kindString:
				fv.SetString(a.Value)
			case kindTime, kindTimePtr:
				t, err := time.Parse(time.RFC3339, a.Value)
				if err != nil {
					return false
				}
				if f.kind == kindTime {
					// Through the pointer: Set would box t first.
					*fv.Addr().Interface().(*time.Time) = t
				} else {
					fv.Set(reflect.ValueOf(&t))
				}
			default:
				return false
			}
		case *types.AttributeValueMemberN:
			if f.kind != kindInt {
				return false
			}
			n, err := strconv.ParseInt(a.Value, 10, 64)
			if err != nil || fv.OverflowInt(n) {
				return false
			}
			fv.SetInt(n)
		case *types.AttributeValueMemberBOOL:
			if f.kind != kindBool {
				return false
			}
			fv.SetBool(a.Value)
		default:
			return false
		}
	}
	return true
}

// foldMatch reports whether name matches one of p's names regardless of
// case, as strings.EqualFold does. An ASCII name against ASCII names is
// one lookup of its lower case (the Unicode folds that reach ASCII letters
// start from other letters, such as the Kelvin sign); anything else is
// compared with each name. Items carry a few attributes no field has
// (keys, index keys), and comparing each with every name was most of a
// decode.
func (p *decodePlan) foldMatch(name string) bool {
	var buf [64]byte
	if p.folded != nil && len(name) <= len(buf) {
		ascii := true
		for i := range len(name) {
			c := name[i]
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if ascii {
			_, ok := p.folded[string(buf[:len(name)])]
			return ok
		}
	}
	for _, f := range p.fields {
		if strings.EqualFold(f.name, name) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
