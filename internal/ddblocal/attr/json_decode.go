package attr

import (
	"encoding/base64"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// maxJSONDepth bounds the nesting of any JSON input, including members the
// decoder skips, so hostile input cannot exhaust the stack. Valid items nest
// less than 2*MaxNestingDepth+1 levels deep, well below it.
const maxJSONDepth = 100

// strictBase64 rejects encodings with non-zero padding bits, which DynamoDB
// refuses too. It is never modified after initialisation.
var strictBase64 = base64.StdEncoding.Strict()

// DecodeItemJSON decodes a JSON object of attribute name to AttributeValue,
// such as the Item of a PutItem request. Malformed JSON and values of the
// wrong JSON type yield a SerializationException; well-formed but invalid
// attribute values yield a ValidationException, reported only when the whole
// input is well-formed, as DynamoDB deserialises a request before validating
// it. A JSON null decodes to a nil Item.
//
// The strings of the result are carved out of one private copy of data, so
// keeping any of them alive keeps that copy alive.
func DecodeItemJSON(data []byte) (Item, error) {
	d := newJSONDecoder(data)
	it, err := d.item()
	if err := d.finish(err); err != nil {
		return nil, err
	}
	return it, nil
}

// DecodeValueJSON decodes one AttributeValue such as {"S":"x"}, with the
// errors of DecodeItemJSON. A value at the top of data counts as an
// attribute's value for the nesting limit.
func DecodeValueJSON(data []byte) (Value, error) {
	d := newJSONDecoder(data)
	v, err := d.attrValue(0)
	if err := d.finish(err); err != nil {
		return Value{}, err
	}
	return v, nil
}

// UnmarshalJSON decodes an AttributeValue with DecodeValueJSON, so request
// structs decoded by encoding/json get DynamoDB's validation and errors.
// A JSON null is an empty AttributeValue and therefore an error.
func (v *Value) UnmarshalJSON(data []byte) error {
	val, err := DecodeValueJSON(data)
	if err != nil {
		return err
	}
	*v = val
	return nil
}

// UnmarshalJSON decodes an item with DecodeItemJSON; JSON null yields a nil
// Item, as encoding/json does for maps.
func (it *Item) UnmarshalJSON(data []byte) error {
	m, err := DecodeItemJSON(data)
	if err != nil {
		return err
	}
	*it = m
	return nil
}

// jsonDecoder is a single-pass decoder over DynamoDB JSON. Serialization
// errors stop it at once; the first validation error is kept in verr while
// it goes on looking for serialization errors, which take precedence.
type jsonDecoder struct {
	data  []byte
	src   string // a copy of data; strings without escapes are sliced from it
	pos   int
	depth int
	verr  *ddberr.Error
}

func newJSONDecoder(data []byte) jsonDecoder {
	return jsonDecoder{data: data, src: string(data)}
}

// finish ends the decoding of a whole input after its top-level read
// returned err: a serialization error (err, or anything but white space
// left) takes precedence over the first validation error.
func (d *jsonDecoder) finish(err error) error {
	if err == nil {
		err = d.end()
	}
	if err == nil && d.verr != nil {
		return d.verr
	}
	return err
}

// The Java-flavoured targets of DynamoDB's type-mismatch messages.
const (
	targetString    = "String"
	targetBoolean   = "Boolean"
	targetBlob      = "Blob"
	targetList      = "List"
	targetMap       = "Map"
	targetStructure = "Structure"
)

func (d *jsonDecoder) invalid(e *ddberr.Error) {
	if d.verr == nil {
		d.verr = e
	}
}

func (d *jsonDecoder) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end of the input.
func (d *jsonDecoder) peek() byte {
	d.skipWS()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

func (d *jsonDecoder) syntaxError(expected string) error {
	if d.pos >= len(d.data) {
		return ddberr.Serializationf("Invalid JSON: unexpected end of input, expected %s", expected)
	}
	c := d.data[d.pos]
	if c >= 0x20 && c < utf8.RuneSelf {
		return ddberr.Serializationf("Invalid JSON: unexpected character '%c' at offset %d, expected %s", c, d.pos, expected)
	}
	return ddberr.Serializationf("Invalid JSON: unexpected byte 0x%02x at offset %d, expected %s", c, d.pos, expected)
}

func (d *jsonDecoder) end() error {
	d.skipWS()
	if d.pos != len(d.data) {
		return d.syntaxError("end of input")
	}
	return nil
}

// enter accounts for an object or array about to be read.
func (d *jsonDecoder) enter() error {
	d.depth++
	if d.depth > maxJSONDepth {
		return errNesting()
	}
	d.pos++
	return nil
}

func (d *jsonDecoder) expect(c byte) error {
	if d.peek() != c {
		return d.syntaxError(fmt.Sprintf("'%c'", c))
	}
	d.pos++
	return nil
}

func (d *jsonDecoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.syntaxError(word)
	}
	d.pos += len(word)
	return nil
}

// afterMember consumes the separator after an object member or array
// element and reports whether the container continues.
func (d *jsonDecoder) afterMember(closer byte) (bool, error) {
	switch d.peek() {
	case ',':
		d.pos++
		return true, nil
	case closer:
		d.pos++
		d.depth--
		return false, nil
	}
	return false, d.syntaxError(fmt.Sprintf("',' or '%c'", closer))
}

// elements reads the members of the object or elements of the array whose
// opening d.pos is at, calling each for every one (at its start) and
// consuming the separators and closer; it reports whether there were none,
// which some callers record as a validation error.
func (d *jsonDecoder) elements(closer byte, each func() error) (empty bool, err error) {
	if err := d.enter(); err != nil {
		return false, err
	}
	if d.peek() == closer {
		d.pos++
		d.depth--
		return true, nil
	}
	for {
		if err := each(); err != nil {
			return false, err
		}
		more, err := d.afterMember(closer)
		if err != nil || !more {
			return false, err
		}
	}
}

// mismatch builds DynamoDB's SerializationException for a JSON value of the
// wrong kind where target was expected.
func (d *jsonDecoder) mismatch(target string) error {
	c := d.peek()
	switch {
	case c == '{':
		return ddberr.Serializationf("Start of structure or map found where not expected.")
	case c == '[':
		return ddberr.Serializationf("Start of list found where not expected")
	case c == '"' || c == 't' || c == 'f' || c == '-' || isDigit(c):
		switch target {
		case targetList:
			return ddberr.Serializationf("Expected list or null")
		case targetMap:
			return ddberr.Serializationf("Expected map or null")
		case targetStructure:
			return ddberr.Serializationf("Expected null")
		}
		class := "com.amazon.coral.value.json.numbers.TruncatingBigNumber"
		if c == 't' || c == 'f' {
			class = "java.lang.Boolean"
		}
		article := "an"
		if target == targetBlob {
			article = "a"
		}
		return ddberr.Serializationf("class %s can not be converted to %s %s", class, article, target)
	}
	return d.syntaxError("a value")
}

// item reads a JSON object of attribute name to AttributeValue.
func (d *jsonDecoder) item() (Item, error) {
	switch d.peek() {
	case '{':
	case 'n':
		return nil, d.literal("null")
	default:
		return nil, d.mismatch(targetMap)
	}
	m, err := d.members(0)
	return Item(m), err
}

// members reads the members of an object whose values are AttributeValues
// at the given nesting level; d.pos is at the '{'.
func (d *jsonDecoder) members(level int) (map[string]Value, error) {
	m := make(map[string]Value)
	_, err := d.elements('}', func() error {
		name, err := d.memberName()
		if err != nil {
			return err
		}
		v, err := d.attrValue(level)
		if err != nil {
			return err
		}
		m[name] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// memberName reads an object member's name and the colon after it.
func (d *jsonDecoder) memberName() (string, error) {
	if d.peek() != '"' {
		return "", d.syntaxError("a member name")
	}
	s, err := d.str()
	if err != nil {
		return "", err
	}
	return s, d.expect(':')
}

// attrValue reads one AttributeValue object. level is the number of lists
// and maps enclosing it.
func (d *jsonDecoder) attrValue(level int) (Value, error) {
	var v Value
	switch d.peek() {
	case '{':
	case 'n':
		if err := d.literal("null"); err != nil {
			return v, err
		}
		d.invalid(errEmptyValue())
		return v, nil
	default:
		return v, d.mismatch(targetStructure)
	}
	var seen uint16
	_, err := d.elements('}', func() error {
		if d.peek() != '"' {
			return d.syntaxError("a member name")
		}
		raw, flags, err := d.scanString()
		if err != nil {
			return err
		}
		var t Type
		if flags == 0 {
			t = typeFromName(raw)
		} else {
			t = typeFromName(unquote(raw, flags))
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if t != TypeInvalid && d.peek() == 'n' {
			// DynamoDB treats a null member as absent.
			return d.literal("null")
		}
		if err := d.typedMember(&v, t, level); err != nil {
			return err
		}
		if t != TypeInvalid {
			seen |= 1 << t
			v.Type = t
		}
		return nil
	})
	if err != nil {
		return v, err
	}
	// An empty object has no type either.
	switch bits.OnesCount16(seen) {
	case 0:
		d.invalid(errEmptyValue())
	case 1:
	default:
		d.invalid(errMultipleTypes())
	}
	return v, nil
}

// typedMember reads the value of the member for type t into v; unknown
// members are skipped, as DynamoDB ignores them.
func (d *jsonDecoder) typedMember(v *Value, t Type, level int) error {
	var err error
	switch t {
	case TypeS:
		v.S, err = d.stringValue()
	case TypeN:
		var s string
		if s, err = d.stringValue(); err == nil {
			v.S = d.number(s)
		}
	case TypeB:
		v.B, err = d.blobValue()
	case TypeBOOL:
		v.Bool, err = d.boolValue()
	case TypeNULL:
		var b bool
		if b, err = d.boolValue(); err == nil && !b {
			d.invalid(ddberr.Validationf(msgNullFalse))
		}
	case TypeM:
		if d.peek() != '{' {
			return d.mismatch(targetMap)
		}
		if level+1 >= MaxNestingDepth {
			d.invalid(errNesting())
			return d.skipValue()
		}
		v.M, err = d.members(level + 1)
	case TypeL:
		v.L, err = d.listValue(level + 1)
	case TypeSS, TypeNS:
		v.SS, err = d.stringSet(t)
	case TypeBS:
		v.BS, err = d.binarySet()
	default:
		err = d.skipValue()
	}
	return err
}

// number canonicalises a number literal, recording a validation error and
// returning s unchanged when it is invalid.
func (d *jsonDecoder) number(s string) string {
	if d.verr != nil {
		// The result is discarded anyway; skip the work.
		return s
	}
	c, err := canonicalNumber(s)
	if err != nil {
		d.invalid(numberError(err))
		return s
	}
	return c
}

func (d *jsonDecoder) listValue(level int) ([]Value, error) {
	if d.peek() != '[' {
		return nil, d.mismatch(targetList)
	}
	if level >= MaxNestingDepth {
		d.invalid(errNesting())
		return nil, d.skipValue()
	}
	var buf [4]Value // as in stringSet
	l := buf[:0]
	empty, err := d.elements(']', func() error {
		v, err := d.attrValue(level)
		l = append(l, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	if empty {
		return []Value{}, nil
	}
	return slices.Clone(l), nil
}

// stringSet reads the members of an SS or NS; NS members are canonicalised.
func (d *jsonDecoder) stringSet(t Type) ([]string, error) {
	nullMsg := msgNullInSS
	if t == TypeNS {
		nullMsg = msgNullInNS
	}
	// Collect into a stack buffer and copy out once: sets are usually small
	// and this saves the allocations of growing a slice.
	var buf [8]string
	ss, err := readSet(d, t, buf[:0], nullMsg, func() (string, error) {
		s, err := d.stringValue()
		if err == nil && t == TypeNS {
			s = d.number(s)
		}
		return s, err
	})
	if err != nil || ss == nil {
		return nil, err
	}
	if d.verr == nil && hasDuplicateStrings(ss) {
		d.invalid(errDuplicates(t, ss))
	}
	return slices.Clone(ss), nil
}

func (d *jsonDecoder) binarySet() ([][]byte, error) {
	bs, err := readSet(d, TypeBS, nil, msgNullInBS, d.blobValue)
	if err != nil {
		return nil, err
	}
	if d.verr == nil && hasDuplicateBytes(bs) {
		d.invalid(errDuplicates(TypeBS, base64Members(bs)))
	}
	return bs, nil
}

// readSet reads the JSON array of a set of type t, appending each member
// that member reads to dst. An empty set and null members are recorded as
// validation errors (nullMsg for a null); the result is nil for an empty
// set.
func readSet[T any](d *jsonDecoder, t Type, dst []T, nullMsg string, member func() (T, error)) ([]T, error) {
	if d.peek() != '[' {
		return nil, d.mismatch(targetList)
	}
	empty, err := d.elements(']', func() error {
		if d.peek() == 'n' {
			if err := d.literal("null"); err != nil {
				return err
			}
			d.invalid(ddberr.Validationf("%s", nullMsg))
			return nil
		}
		v, err := member()
		if err != nil {
			return err
		}
		dst = append(dst, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if empty {
		d.invalid(errEmptySet(t))
		return nil, nil
	}
	return dst, nil
}

func (d *jsonDecoder) stringValue() (string, error) {
	if d.peek() != '"' {
		return "", d.mismatch(targetString)
	}
	return d.str()
}

// boolValue reads a JSON boolean. Like DynamoDB it also accepts the strings
// true/false, 1/0 and yes/no in any case.
func (d *jsonDecoder) boolValue() (bool, error) {
	switch d.peek() {
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case '"':
		s, err := d.str()
		if err != nil {
			return false, err
		}
		switch strings.ToUpper(s) {
		case "TRUE", "1", "YES":
			return true, nil
		case "FALSE", "0", "NO":
			return false, nil
		}
		return false, ddberr.Serializationf("'%s' can not be converted to an Boolean", s)
	}
	return false, d.mismatch(targetBoolean)
}

// blobValue reads a base64 string.
func (d *jsonDecoder) blobValue() ([]byte, error) {
	if d.peek() != '"' {
		return nil, d.mismatch(targetBlob)
	}
	raw, flags, err := d.scanString()
	if err != nil {
		return nil, err
	}
	if flags != 0 {
		raw = []byte(unquote(raw, flags))
	}
	return decodeBase64(raw)
}

// decodeBase64 decodes standard padded base64 with DynamoDB's strictness:
// no line breaks, no missing padding, no stray bits after the last byte.
func decodeBase64(raw []byte) ([]byte, error) {
	if len(raw)%4 != 0 {
		return nil, ddberr.Serializationf("'%s' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: %d", raw, len(raw))
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			continue
		case c == '=' && (i == len(raw)-1 || i == len(raw)-2 && raw[i+1] == '='):
			continue
		}
		r, _ := utf8.DecodeRune(raw[i:])
		return nil, ddberr.Serializationf("'%s' can not be converted to a Blob: Invalid Base64 character: '%c'", raw, r)
	}
	out := make([]byte, strictBase64.DecodedLen(len(raw)))
	n, err := strictBase64.Decode(out, raw)
	if err != nil {
		return nil, ddberr.Serializationf("'%s' can not be converted to a Blob: Invalid last non-pad Base64 character dectected", raw)
	}
	return out[:n], nil
}

// String scanning flags.
const (
	strEscaped = 1 << iota // contains a backslash escape
	strHigh                // contains bytes >= 0x80, which may be invalid UTF-8
)

// str reads a JSON string and returns its value.
func (d *jsonDecoder) str() (string, error) {
	start := d.pos + 1
	raw, flags, err := d.scanString()
	if err != nil {
		return "", err
	}
	if flags == 0 || flags == strHigh && utf8.Valid(raw) {
		return d.src[start : start+len(raw)], nil
	}
	return unquote(raw, flags), nil
}

// scanString finds the end of the JSON string at d.pos, checking its
// escapes, and returns the bytes between the quotes.
func (d *jsonDecoder) scanString() (raw []byte, flags int, err error) {
	data := d.data
	start := d.pos + 1
	i := start
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return data[start:i], flags, nil
		case c == '\\':
			flags |= strEscaped
			if i+1 >= len(data) {
				d.pos = len(data)
				return nil, 0, d.syntaxError("an escape sequence")
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) || !isHex4(data[i+2:i+6]) {
					d.pos = i
					return nil, 0, ddberr.Serializationf("Invalid JSON: invalid \\u escape at offset %d", i)
				}
				i += 6
			default:
				d.pos = i
				return nil, 0, ddberr.Serializationf("Invalid JSON: invalid escape sequence at offset %d", i)
			}
		case c < 0x20:
			d.pos = i
			return nil, 0, ddberr.Serializationf("Invalid JSON: unescaped control character 0x%02x in string at offset %d", c, i)
		case c >= utf8.RuneSelf:
			flags |= strHigh
			i++
		default:
			i++
		}
	}
	d.pos = len(data)
	return nil, 0, d.syntaxError("'\"'")
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func hexVal(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	}
	return rune(c - 'A' + 10)
}

// unquote converts the raw contents of a JSON string checked by scanString
// into its value. Invalid UTF-8 and unpaired surrogates become U+FFFD, as
// with encoding/json, so every decoded string is valid UTF-8.
func unquote(raw []byte, flags int) string {
	if flags == 0 || flags == strHigh && utf8.Valid(raw) {
		return string(raw)
	}
	b := make([]byte, 0, len(raw)+8)
	for r := 0; r < len(raw); {
		c := raw[r]
		switch {
		case c == '\\' && r+1 < len(raw):
			esc := raw[r+1]
			r += 2
			switch esc {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				ru, ok := u4(raw[r:])
				if !ok {
					b = append(b, "\uFFFD"...)
					continue
				}
				r += 4
				if utf16.IsSurrogate(ru) {
					if r+6 <= len(raw) && raw[r] == '\\' && raw[r+1] == 'u' {
						if lo, ok := u4(raw[r+2:]); ok {
							if dec := utf16.DecodeRune(ru, lo); dec != unicode.ReplacementChar {
								b = utf8.AppendRune(b, dec)
								r += 6
								continue
							}
						}
					}
					ru = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, ru)
			default:
				b = append(b, esc)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			ru, size := utf8.DecodeRune(raw[r:])
			if ru == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, raw[r:r+size]...)
			}
			r += size
		}
	}
	return string(b)
}

// u4 decodes the four hex digits at the start of b.
func u4(b []byte) (rune, bool) {
	if len(b) < 4 || !isHex4(b[:4]) {
		return 0, false
	}
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3]), true
}

// skipValue checks and skips any JSON value.
func (d *jsonDecoder) skipValue() error {
	switch c := d.peek(); {
	case c == '{':
		_, err := d.elements('}', func() error {
			if d.peek() != '"' {
				return d.syntaxError("a member name")
			}
			if _, _, err := d.scanString(); err != nil {
				return err
			}
			if err := d.expect(':'); err != nil {
				return err
			}
			return d.skipValue()
		})
		return err
	case c == '[':
		_, err := d.elements(']', d.skipValue)
		return err
	case c == '"':
		_, _, err := d.scanString()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || isDigit(c):
		return d.scanNumber()
	}
	return d.syntaxError("a value")
}

// scanNumber checks and skips a JSON number.
func (d *jsonDecoder) scanNumber() error {
	data := d.data
	i := d.pos
	if i < len(data) && data[i] == '-' {
		i++
	}
	var ok bool
	if i < len(data) && data[i] == '0' {
		i++
	} else if i, ok = d.digits(i); !ok {
		return d.syntaxError("a digit")
	}
	if i < len(data) && data[i] == '.' {
		if i, ok = d.digits(i + 1); !ok {
			return d.syntaxError("a digit")
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i, ok = d.digits(i); !ok {
			return d.syntaxError("a digit")
		}
	}
	d.pos = i
	return nil
}

// digits returns the index after the run of digits at i. When there is
// none it reports false with d.pos at i, where the syntax error is.
func (d *jsonDecoder) digits(i int) (int, bool) {
	start := i
	for i < len(d.data) && isDigit(d.data[i]) {
		i++
	}
	if i == start {
		d.pos = i
		return i, false
	}
	return i, true
}

// hasDuplicateStrings reports whether ss has a repeated member. Sets are
// usually tiny, where comparing pairs beats building a map.
func hasDuplicateStrings(ss []string) bool {
	if len(ss) <= 16 {
		for i := 1; i < len(ss); i++ {
			for j := 0; j < i; j++ {
				if ss[i] == ss[j] {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(ss))
	for _, s := range ss {
		if _, ok := seen[s]; ok {
			return true
		}
		seen[s] = struct{}{}
	}
	return false
}

func hasDuplicateBytes(bs [][]byte) bool {
	if len(bs) <= 16 {
		for i := 1; i < len(bs); i++ {
			for j := 0; j < i; j++ {
				if string(bs[i]) == string(bs[j]) {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(bs))
	for _, b := range bs {
		if _, ok := seen[string(b)]; ok {
			return true
		}
		seen[string(b)] = struct{}{}
	}
	return false
}
