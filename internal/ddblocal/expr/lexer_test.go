package expr

import (
	"strings"
	"testing"
)

func TestLex(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want string // kinds and texts
	}{
		{"words", "abc A_1 #x1 :v_2 #1 :_ 42", "ident:abc ident:A_1 name:#x1 value:v_2 name:#1 value:_ number:42 eof"},
		{"operators", "= <> < <= > >= + - ( ) [ ] , .", "= <> < <= > >= + - ( ) [ ] , . eof"},
		{"no spaces", "a<=:b", "ident:a <= value:b eof"},
		{"bad", "a!b #", "ident:a bad:! ident:b bad:# eof"},
		{"leading underscore", "_a", "bad:_ ident:a eof"},
		{"digits then letters", "1a", "number:1 ident:a eof"},
		{"unicode", "é", "bad:é eof"},
		{"whitespace only", " \t\r\n", "eof"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, tok := range lex(tc.src, nil) {
				txt := tc.src[tok.pos:tok.end]
				switch tok.kind {
				case tIdent:
					got = append(got, "ident:"+txt)
				case tName:
					got = append(got, "name:"+txt)
				case tValue:
					got = append(got, "value:"+txt[1:])
				case tNumber:
					got = append(got, "number:"+txt)
				case tBad:
					got = append(got, "bad:"+txt)
				case tEOF:
					got = append(got, "eof")
				default:
					got = append(got, txt)
				}
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Fatalf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

func TestPathString(t *testing.T) {
	p := Path{{Name: "a"}, {Name: "b"}, {Index: 0, IsIndex: true}, {Name: "[3]"}}
	if got := p.String(); got != "[a, b, [0], [3]]" {
		t.Fatalf("got %s", got)
	}
	if p.Top() != "a" || (Path{}).Top() != "" {
		t.Fatal("Top")
	}
}

func TestCompareNumbers(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1}, {"10", "9", 1}, {"0", "0", 0}, {"-1", "0", -1}, {"0", "-0.5", 1},
		{"0.5", "0.25", 1}, {"3", "3.5", -1}, {"-3", "-10", 1}, {"-3.5", "-3", -1},
		{"123456789012345678901234567890", "123456789012345678901234567891", -1},
		{"1E2", "100", 0}, {"1e2", "99", 1},
	}
	for _, tc := range cases {
		t.Run(tc.a+" vs "+tc.b, func(t *testing.T) {
			got := compareNumbers(tc.a, tc.b)
			if got < 0 {
				got = -1
			} else if got > 0 {
				got = 1
			}
			if got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
		})
	}
}
