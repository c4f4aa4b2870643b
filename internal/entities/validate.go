package entities

import (
	"strings"
	"unicode/utf8"
)

// Limits shared by several aggregates.
const (
	MaxLoginLen = 39
	MaxNameLen  = 255
	MaxEmailLen = 254
	MaxBioLen   = 160
)

// ValidateLogin checks GitHub's login rule: 1–39 letters, digits and
// single hyphens, not starting or ending with a hyphen.
func ValidateLogin(field, login string) error {
	if login == "" {
		return BadInput(field, "login must not be empty")
	}
	if len(login) > MaxLoginLen {
		return BadInput(field, "login must be at most %d characters", MaxLoginLen)
	}
	if login[0] == '-' || login[len(login)-1] == '-' {
		return BadInput(field, "login must not start or end with a hyphen")
	}
	if strings.Contains(login, "--") {
		return BadInput(field, "login must not contain consecutive hyphens")
	}
	for i := 0; i < len(login); i++ {
		c := login[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return BadInput(field, "login may contain only letters, digits and hyphens")
		}
	}
	return nil
}

// ValidateEmail checks an email address's shape: one @, a non-empty local
// part, a dotted domain, no spaces or control characters.
func ValidateEmail(field, email string) error {
	if len(email) > MaxEmailLen {
		return BadInput(field, "email must be at most %d characters", MaxEmailLen)
	}
	at := strings.IndexByte(email, '@')
	if at <= 0 || at != strings.LastIndexByte(email, '@') {
		return BadInput(field, "email must look like name@example.com")
	}
	domain := email[at+1:]
	if len(domain) < 3 || !strings.Contains(domain, ".") || domain[0] == '.' || domain[len(domain)-1] == '.' || strings.Contains(domain, "..") {
		return BadInput(field, "email must look like name@example.com")
	}
	for _, r := range email {
		if r <= ' ' || r == 0x7f {
			return BadInput(field, "email must not contain spaces or control characters")
		}
	}
	if !utf8.ValidString(email) {
		return BadInput(field, "email must be valid UTF-8")
	}
	return nil
}

// TextLimit is the documented limit of one free-text field, in
// characters (Unicode code points, what a person counts) and in bytes of
// UTF-8 (what storage counts). Every field has both: a character limit
// alone lets 4-byte characters make a text four times larger than the
// same number of ASCII characters, and the byte limit is what guarantees
// that the largest text a client may send can always be stored (see
// MaxBodyBytes). Text is valid UTF-8 without control characters; only
// Multiline fields may hold line breaks (LF, and CR for CRLF line ends)
// and tabs.
type TextLimit struct {
	Chars     int
	Bytes     int
	Multiline bool
}

// Byte limits of the short fields: four bytes per character, so they
// never refuse a text its character limit allows.
const (
	MaxNameBytes  = 4 * MaxNameLen
	MaxBioBytes   = 4 * MaxBioLen
	MaxTitleBytes = 4 * MaxTitleLen
)

// The limits of the free-text fields.
var (
	NameLimit                  = TextLimit{Chars: MaxNameLen, Bytes: MaxNameBytes}
	BioLimit                   = TextLimit{Chars: MaxBioLen, Bytes: MaxBioBytes, Multiline: true}
	OrgDescriptionLimit        = TextLimit{Chars: MaxOrgDescriptionLen, Bytes: 4 * MaxOrgDescriptionLen}
	RepositoryDescriptionLimit = TextLimit{Chars: MaxRepositoryDescriptionLen, Bytes: 4 * MaxRepositoryDescriptionLen}
	TitleLimit                 = TextLimit{Chars: MaxTitleLen, Bytes: MaxTitleBytes}
	BodyLimit                  = TextLimit{Chars: MaxBodyLen, Bytes: MaxBodyBytes, Multiline: true}
	RefLimit                   = TextLimit{Chars: MaxRefLen, Bytes: 4 * MaxRefLen}
)

// validateText checks a free-text field against its limit: valid UTF-8,
// no control characters (C0, DEL and C1; line breaks and tabs only in
// multiline fields), no direction controls in single-line fields, at most l.Chars characters and l.Bytes bytes. The
// byte limit is checked first, so an oversized text costs one length
// check.
func validateText(field, s string, l TextLimit) error {
	if len(s) > l.Bytes {
		return BadInput(field, "must be at most %d characters and %d bytes of UTF-8 (got %d bytes)", l.Chars, l.Bytes, len(s))
	}
	if !utf8.ValidString(s) {
		return BadInput(field, "must be valid UTF-8")
	}
	n := 0
	for _, r := range s {
		n++
		if isControl(r) && !(l.Multiline && (r == '\n' || r == '\r' || r == '\t')) {
			if l.Multiline {
				return BadInput(field, "must not contain control characters other than line breaks and tabs (found U+%04X)", r)
			}
			return BadInput(field, "must not contain line breaks, tabs or other control characters (found U+%04X)", r)
		}
		if !l.Multiline && isBidiControl(r) {
			return BadInput(field, "must not contain direction-control characters (found U+%04X): they reorder how the text and what follows it are shown", r)
		}
	}
	if n > l.Chars {
		return BadInput(field, "must be at most %d characters (got %d)", l.Chars, n)
	}
	return nil
}

// isBidiControl reports whether r is a Unicode direction control: the
// marks U+200E/U+200F, the embeddings and overrides U+202A–U+202E and the
// isolates U+2066–U+2069. In a single-line text — a title, a name, a
// description — an override reorders what is shown ("Trojan Source"
// spoofing of titles and names in lists; review 2, F-low-3), so they are
// refused there; multiline texts (bodies, bios) keep them, since
// right-to-left writing legitimately uses them.
func isBidiControl(r rune) bool {
	return r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// isControl reports whether r is a control character (Unicode category
// Cc: C0, DEL, C1). They are invisible or disruptive in every place text
// is shown, and NUL truncates it in some.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0)
}
