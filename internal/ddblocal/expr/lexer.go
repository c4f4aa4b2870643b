package expr

import "unicode/utf8"

// tokKind is the lexical class of a token.
type tokKind uint8

const (
	tEOF      tokKind = iota
	tIdent            // [A-Za-z][A-Za-z0-9_]*: attribute name, keyword or function name
	tName             // #[A-Za-z0-9_]+: expression attribute name placeholder
	tValue            // :[A-Za-z0-9_]+: expression attribute value placeholder
	tNumber           // [0-9]+: only valid as a list index
	tLParen           // (
	tRParen           // )
	tLBracket         // [
	tRBracket         // ]
	tComma            // ,
	tDot              // .
	tEq               // =
	tNe               // <>
	tLt               // <
	tLe               // <=
	tGt               // >
	tGe               // >=
	tPlus             // +
	tMinus            // -
	tBad              // any other character; always a syntax error
)

// token is one lexeme: src[pos:end].
type token struct {
	kind tokKind
	pos  int32
	end  int32
}

func isAlpha(c byte) bool  { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigitB(c byte) bool { return c >= '0' && c <= '9' }
func isWord(c byte) bool   { return isAlpha(c) || isDigitB(c) || c == '_' }

// lex splits src into tokens, always ending with one tEOF token. It never
// fails: characters outside the grammar become tBad tokens so that the parser
// reports them as DynamoDB does, as a syntax error naming the token.
// The EOF token sits at the end of the last real token so that the "near"
// text of an error at the end shows the preceding token and not trailing
// blanks.
func lex(src string, toks []token) []token {
	i, n := 0, len(src)
	lastEnd := 0
	for i < n {
		c := src[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		start := i
		var k tokKind
		switch {
		case isAlpha(c):
			i++
			for i < n && isWord(src[i]) {
				i++
			}
			k = tIdent
		case isDigitB(c):
			i++
			for i < n && isDigitB(src[i]) {
				i++
			}
			k = tNumber
		case c == '#' || c == ':':
			i++
			for i < n && isWord(src[i]) {
				i++
			}
			switch {
			case i == start+1:
				k = tBad
			case c == '#':
				k = tName
			default:
				k = tValue
			}
		default:
			i++
			switch c {
			case '(':
				k = tLParen
			case ')':
				k = tRParen
			case '[':
				k = tLBracket
			case ']':
				k = tRBracket
			case ',':
				k = tComma
			case '.':
				k = tDot
			case '=':
				k = tEq
			case '+':
				k = tPlus
			case '-':
				k = tMinus
			case '<':
				k = tLt
				if i < n && src[i] == '=' {
					k, i = tLe, i+1
				} else if i < n && src[i] == '>' {
					k, i = tNe, i+1
				}
			case '>':
				k = tGt
				if i < n && src[i] == '=' {
					k, i = tGe, i+1
				}
			default:
				k = tBad
				if c >= utf8.RuneSelf {
					_, size := utf8.DecodeRuneInString(src[start:])
					i = start + size
				}
			}
		}
		toks = append(toks, token{kind: k, pos: int32(start), end: int32(i)})
		lastEnd = i
	}
	return append(toks, token{kind: tEOF, pos: int32(lastEnd), end: int32(lastEnd)})
}

// isComparator reports whether k is one of = <> < <= > >=.
func isComparator(k tokKind) bool { return k >= tEq && k <= tGe }

// comparatorText is the operator as DynamoDB names it in messages.
func comparatorText(k tokKind) string {
	switch k {
	case tEq:
		return "="
	case tNe:
		return "<>"
	case tLt:
		return "<"
	case tLe:
		return "<="
	case tGt:
		return ">"
	case tGe:
		return ">="
	case tPlus:
		return "+"
	case tMinus:
		return "-"
	}
	return "?"
}

// equalFold reports whether s equals the upper-case ASCII word w ignoring
// case, without allocating.
func equalFold(s, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}
