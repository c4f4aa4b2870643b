package attr

import (
	"encoding/base64"
	"unicode/utf8"
)

// AppendValueJSON appends v in DynamoDB JSON ({"S":"x"}, {"N":"1"}, …) to
// dst. Map members are written in name order so equal values encode to the
// same bytes. The zero Value is written as null.
func AppendValueJSON(dst []byte, v Value) []byte {
	switch v.Type {
	case TypeS:
		dst = append(dst, `{"S":`...)
		dst = appendJSONString(dst, v.S)
	case TypeN:
		dst = append(dst, `{"N":`...)
		dst = appendJSONString(dst, v.S)
	case TypeB:
		dst = append(dst, `{"B":`...)
		dst = appendBase64(dst, v.B)
	case TypeBOOL:
		if v.Bool {
			return append(dst, `{"BOOL":true}`...)
		}
		return append(dst, `{"BOOL":false}`...)
	case TypeNULL:
		return append(dst, `{"NULL":true}`...)
	case TypeM:
		dst = append(dst, `{"M":{`...)
		dst = appendMembersJSON(dst, v.M)
		dst = append(dst, '}')
	case TypeL:
		dst = appendJSONArray(append(dst, `{"L":[`...), v.L, AppendValueJSON)
	case TypeSS, TypeNS:
		if v.Type == TypeSS {
			dst = append(dst, `{"SS":[`...)
		} else {
			dst = append(dst, `{"NS":[`...)
		}
		dst = appendJSONArray(dst, v.SS, appendJSONString)
	case TypeBS:
		dst = appendJSONArray(append(dst, `{"BS":[`...), v.BS, appendBase64)
	default:
		return append(dst, "null"...)
	}
	return append(dst, '}')
}

// appendJSONArray appends the members of a list or set, each written by
// appendOne, and the closing bracket; the caller has written the opening
// one.
func appendJSONArray[T any](dst []byte, xs []T, appendOne func([]byte, T) []byte) []byte {
	for i, x := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendOne(dst, x)
	}
	return append(dst, ']')
}

// AppendItemJSON appends it as a JSON object of attribute name to
// AttributeValue, names in byte order. A nil Item is written as {}.
func AppendItemJSON(dst []byte, it Item) []byte {
	dst = append(dst, '{')
	dst = appendMembersJSON(dst, it)
	return append(dst, '}')
}

// MarshalJSON encodes v with AppendValueJSON.
func (v Value) MarshalJSON() ([]byte, error) {
	return AppendValueJSON(nil, v), nil
}

// MarshalJSON encodes it with AppendItemJSON; a nil Item is null, as
// encoding/json writes nil maps.
func (it Item) MarshalJSON() ([]byte, error) {
	if it == nil {
		return []byte("null"), nil
	}
	return AppendItemJSON(nil, it), nil
}

// IsZero reports whether v is the zero Value, so that struct fields tagged
// omitzero are left out when unset.
func (v Value) IsZero() bool { return v.Type == TypeInvalid }

func appendMembersJSON(dst []byte, m map[string]Value) []byte {
	// Items rarely have more than a handful of attributes; the array keeps
	// the name list off the heap for them.
	var buf [16]string
	names := sortedNames(m, buf[:0])
	for i, name := range names {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, name)
		dst = append(dst, ':')
		dst = AppendValueJSON(dst, m[name])
	}
	return dst
}

func appendBase64(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 is replaced by
// U+FFFD as encoding/json does, so the output is always valid JSON text.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
