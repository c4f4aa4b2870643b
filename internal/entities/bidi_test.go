package entities

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestDirectionControlsInSingleLineTexts (review 2, F-low-3): every
// direction control is refused in titles, names, descriptions and refs,
// naming the field and the character, and kept in bodies and bios, where
// right-to-left text uses them.
func TestDirectionControlsInSingleLineTexts(t *testing.T) {
	controls := []rune{0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069}
	limits := []struct {
		name    string
		limit   TextLimit
		refused bool
	}{
		{"title", TitleLimit, true},
		{"name", NameLimit, true},
		{"repository description", RepositoryDescriptionLimit, true},
		{"organization description", OrgDescriptionLimit, true},
		{"ref", RefLimit, true},
		{"body", BodyLimit, false},
		{"bio", BioLimit, false},
	}
	for _, l := range limits {
		for _, r := range controls {
			t.Run(fmt.Sprintf("%s U+%04X", l.name, r), func(t *testing.T) {
				err := validateText(l.name, "fix "+string(r)+"txt.exe", l.limit)
				if !l.refused {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				var de *Error
				if !errors.As(err, &de) || de.Code != CodeBadInput || de.Field != l.name {
					t.Fatalf("err %v, want BAD_USER_INPUT on %s", err, l.name)
				}
				if want := fmt.Sprintf("U+%04X", r); !strings.Contains(de.Message, want) {
					t.Errorf("message %q does not name %s", de.Message, want)
				}
			})
		}
	}
	// Characters next to the controls are ordinary text.
	for _, ok := range []string{"\u200d", "\u2065", "\u2070", "\u202f", "עברית", "مرحبا"} {
		t.Run(fmt.Sprintf("title %q", ok), func(t *testing.T) {
			if err := validateText("title", ok, TitleLimit); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}
	t.Run("openIssue refuses an override in the title", func(t *testing.T) {
		if err := validateWorkTitle("x\u202ey"); err == nil {
			t.Fatal("accepted")
		}
	})
}
