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

// validateText checks a free-text field's length in characters and that it
// is valid UTF-8.
func validateText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return BadInput(field, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return BadInput(field, "must be at most %d characters (got %d)", max, n)
	}
	return nil
}
