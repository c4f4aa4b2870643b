package attr

import "errors"

// ErrNotPlain is returned by Reader for a string with escapes or bytes
// outside ASCII.
var ErrNotPlain = errors.New("attr: string is not plain ASCII")

// Reader reads a DynamoDB JSON request token by token, for the engine's
// hot paths that decode requests without reflection (BatchGetItem). It
// shares the item decoder's scanner, so attribute values decode exactly as
// DecodeAttrsJSON decodes them. It is deliberately strict and small:
// callers treat any error, or any input they do not expect, as a reason to
// fall back to their general decoder, which then reports the error; so the
// errors a Reader returns are never shown to clients and say little.
//
// Strings read by a Reader, including those inside decoded values, share
// one copy of the input made by NewReader.
type Reader struct {
	d jsonDecoder
}

// NewReader returns a Reader at the start of data. It copies data once.
func NewReader(data []byte) *Reader {
	return &Reader{d: newJSONDecoder(data)}
}

// Peek returns the next byte that is not white space, or 0 at the end.
func (r *Reader) Peek() byte { return r.d.peek() }

// Elements reads the object or array that opens with opener, calling each
// at the start of every member or element (each must read it) and
// consuming the separators and the closer.
func (r *Reader) Elements(opener, closer byte, each func() error) error {
	if r.d.peek() != opener {
		return r.d.syntaxError(string(opener))
	}
	_, err := r.d.elements(closer, each)
	return err
}

// Name reads an object member's name and the colon after it. Names with
// escapes or non-ASCII bytes are refused, so that callers never need to
// match them against the general decoder's rules for such names.
func (r *Reader) Name() (string, error) {
	return r.plainString(true)
}

// String reads a string value made of plain ASCII without escapes.
func (r *Reader) String() (string, error) {
	return r.plainString(false)
}

func (r *Reader) plainString(member bool) (string, error) {
	if r.d.peek() != '"' {
		return "", r.d.syntaxError("a string")
	}
	start := r.d.pos + 1
	raw, flags, err := r.d.scanString()
	if err != nil {
		return "", err
	}
	if flags != 0 {
		return "", ErrNotPlain
	}
	s := r.d.src[start : start+len(raw)]
	if member {
		return s, r.d.expect(':')
	}
	return s, nil
}

// Bool reads true or false.
func (r *Reader) Bool() (bool, error) {
	switch r.d.peek() {
	case 't':
		return true, r.d.literal("true")
	case 'f':
		return false, r.d.literal("false")
	}
	return false, r.d.syntaxError("a boolean")
}

// Attrs reads a JSON object of attribute name to AttributeValue like
// DecodeAttrsJSON (a repeated name keeps its last value) and appends its
// members to dst; the new members are dst[len(dst):] of the result. A
// value that fails validation is an error here too.
func (r *Reader) Attrs(dst []NamedValue) ([]NamedValue, error) {
	if r.d.peek() != '{' {
		return dst, r.d.mismatch(targetMap)
	}
	return r.d.pairsInto(dst, true)
}

// End reports an error unless only white space is left.
func (r *Reader) End() error { return r.d.end() }

// Item reads a JSON object of attribute name to AttributeValue, as
// DecodeItemJSON does. A value that fails validation is an error here too.
func (r *Reader) Item() (Item, error) {
	if r.d.peek() != '{' {
		return nil, r.d.mismatch(targetMap)
	}
	m, err := r.d.members(0)
	if err != nil {
		return nil, err
	}
	if r.d.verr != nil {
		return nil, r.d.verr
	}
	return Item(m), nil
}

// Value reads one AttributeValue, as DecodeValueJSON does. A value that
// fails validation is an error here too.
func (r *Reader) Value() (Value, error) {
	if r.d.peek() != '{' {
		return Value{}, r.d.mismatch(targetStructure)
	}
	v, err := r.d.attrValue(0)
	if err != nil {
		return Value{}, err
	}
	if r.d.verr != nil {
		return Value{}, r.d.verr
	}
	return v, nil
}

// Int64 reads an integer written as an optional minus sign and at most 18
// digits without leading zeros; anything else (fractions, exponents,
// larger numbers) is an error.
func (r *Reader) Int64() (int64, error) {
	d := &r.d
	d.skipWS()
	start := d.pos
	neg := d.pos < len(d.data) && d.data[d.pos] == '-'
	if neg {
		d.pos++
	}
	digits := d.pos
	var n int64
	for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
		n = n*10 + int64(d.data[d.pos]-'0')
		d.pos++
	}
	count := d.pos - digits
	if count == 0 || count > 18 || (count > 1 && d.data[digits] == '0') {
		d.pos = start
		return 0, d.syntaxError("an integer")
	}
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case '.', 'e', 'E':
			d.pos = start
			return 0, d.syntaxError("an integer")
		}
	}
	if neg {
		n = -n
	}
	return n, nil
}
