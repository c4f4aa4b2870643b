package entities

import "testing"

// TestASCIIFolding: only A–Z fold; look-alikes that Unicode folding maps
// to ASCII (U+212A KELVIN SIGN, U+0130, U+017F LONG S) stay as they are,
// so they never name an ASCII account.
func TestASCIIFolding(t *testing.T) {
	for _, tc := range []struct {
		name, in, lower, other string
		equal                  bool
	}{
		{"ascii", "Octo-Cat9", "octo-cat9", "OCTO-CAT9", true},
		{"already lower", "octo", "octo", "octo", true},
		{"kelvin sign", "\u212aevin", "\u212aevin", "kevin", false},
		{"dotted capital I", "AL\u0130CE", "al\u0130ce", "alice", false},
		{"long s", "\u017fam", "\u017fam", "sam", false},
		{"empty", "", "", "", true},
		{"different lengths", "ab", "ab", "abc", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LowerASCII(tc.in); got != tc.lower {
				t.Errorf("LowerASCII(%q) = %q, want %q", tc.in, got, tc.lower)
			}
			if got := EqualFoldASCII(tc.in, tc.other); got != tc.equal {
				t.Errorf("EqualFoldASCII(%q, %q) = %v, want %v", tc.in, tc.other, got, tc.equal)
			}
			if tc.equal && NewAccountID(tc.in) != NewAccountID(tc.other) {
				t.Errorf("NewAccountID(%q) != NewAccountID(%q)", tc.in, tc.other)
			}
			if !tc.equal && tc.in != "" && NewAccountID(tc.in) == NewAccountID(tc.other) {
				t.Errorf("NewAccountID(%q) == NewAccountID(%q): a look-alike names the account", tc.in, tc.other)
			}
		})
	}
}
