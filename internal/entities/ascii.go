package entities

// Logins and repository names are ASCII by validation, and are compared
// and keyed case-insensitively with ASCII rules only. Unicode case
// folding (strings.ToLower, strings.EqualFold) maps look-alikes onto
// ASCII accounts — U+212A KELVIN SIGN to "k", U+0130 "İ" to "i" — so a
// spoofed "\u212aevin" would open issues on kevin's repository (review 2,
// F-low-14). With ASCII-only folding a look-alike stays non-ASCII: a
// command refuses it as BAD_USER_INPUT and a lookup finds nothing.

// LowerASCII returns s with the ASCII letters A–Z lower-cased and every
// other byte, non-ASCII ones included, unchanged.
func LowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// EqualFoldASCII reports whether a and b are equal with ASCII letters
// compared case-insensitively; any other byte must be equal as is.
func EqualFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
