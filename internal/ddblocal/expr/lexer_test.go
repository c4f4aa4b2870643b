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
