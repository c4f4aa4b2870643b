package attr

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// gen produces random valid values for property tests.
type gen struct {
	r *rand.Rand
}

func newGen(seed uint64) *gen { return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

// str returns a short string mixing ASCII, control characters, NUL,
// multi-byte runes and characters that need JSON escaping.
func (g *gen) str() string {
	pieces := []string{"a", "b", "z", "\x00", "\x01", "\x1f", "\"", "\\", "/", "\n", "é", "日本", "\u2028", "😀", "\x7f", "A", "0", " ", "\xff"}
	n := g.r.IntN(6)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(pieces[g.r.IntN(len(pieces))])
	}
	s := b.String()
	// Decoded strings are always valid UTF-8; keep generated ones so too.
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (g *gen) bytes() []byte {
	b := make([]byte, g.r.IntN(6))
	for i := range b {
		switch g.r.IntN(4) {
		case 0:
			b[i] = 0
		case 1:
			b[i] = 0xff
		default:
			b[i] = byte(g.r.IntN(256))
		}
	}
	return b
}

// number returns a random canonical number across DynamoDB's whole range.
func (g *gen) number() string {
	switch g.r.IntN(8) {
	case 0:
		return "0"
	case 1:
		return strconv.Itoa(g.r.IntN(2000) - 1000)
	}
	nd := 1 + g.r.IntN(maxDigits)
	if g.r.IntN(2) == 0 {
		nd = 1 + g.r.IntN(4)
	}
	digits := make([]byte, nd)
	for i := range digits {
		digits[i] = byte('0' + g.r.IntN(10))
	}
	digits[0] = byte('1' + g.r.IntN(9))
	exp := minExponent + g.r.IntN(maxExponent-minExponent+1)
	if g.r.IntN(2) == 0 {
		exp = g.r.IntN(10) - 5
	}
	s := string(digits[:1]) + "." + string(digits[1:]) + "E" + strconv.Itoa(exp)
	if nd == 1 {
		s = string(digits) + "E" + strconv.Itoa(exp)
	}
	if g.r.IntN(2) == 0 {
		s = "-" + s
	}
	c, err := CanonicalNumber(s)
	if err != nil {
		panic("gen.number: " + s + ": " + err.Error())
	}
	return c
}

func (g *gen) value(depth int) Value {
	n := 10
	if depth >= 4 {
		n = 5 // scalars only
	}
	switch g.r.IntN(n) {
	case 0:
		return Str(g.str())
	case 1:
		return Value{Type: TypeN, S: g.number()}
	case 2:
		return Bin(g.bytes())
	case 3:
		return Bool(g.r.IntN(2) == 0)
	case 4:
		return Null()
	case 5:
		m := map[string]Value{}
		for i := g.r.IntN(4); i > 0; i-- {
			m[g.str()] = g.value(depth + 1)
		}
		return Map(m)
	case 6:
		l := []Value{}
		for i := g.r.IntN(4); i > 0; i-- {
			l = append(l, g.value(depth+1))
		}
		return List(l...)
	case 7:
		var ss []string
		for i := 1 + g.r.IntN(4); i > 0; i-- {
			if s := g.str(); !contains(ss, s) {
				ss = append(ss, s)
			}
		}
		return StringSet(ss...)
	case 8:
		var ns []string
		for i := 1 + g.r.IntN(4); i > 0; i-- {
			if s := g.number(); !contains(ns, s) {
				ns = append(ns, s)
			}
		}
		return Value{Type: TypeNS, SS: ns}
	default:
		var bs [][]byte
		var seen []string
		for i := 1 + g.r.IntN(4); i > 0; i-- {
			if b := g.bytes(); !contains(seen, string(b)) {
				seen = append(seen, string(b))
				bs = append(bs, b)
			}
		}
		return BinarySet(bs...)
	}
}

func (g *gen) item() Item {
	it := Item{}
	for i := g.r.IntN(7); i > 0; i-- {
		name := g.str()
		if name == "" {
			name = "x"
		}
		it[name] = g.value(0)
	}
	return it
}

// keyValue returns a random key value of type t, biased towards values that
// share prefixes so that comparisons get interesting.
func (g *gen) keyValue(t Type) Value {
	switch t {
	case TypeS:
		return Str(g.str())
	case TypeB:
		return Bin(g.bytes())
	}
	return Value{Type: TypeN, S: g.number()}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// sameOrder reports whether a and b hold their sets in the same order,
// which Equal deliberately ignores.
func sameOrder(a, b Value) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case TypeSS, TypeNS:
		return strings.Join(a.SS, "\x00|") == strings.Join(b.SS, "\x00|")
	case TypeBS:
		if len(a.BS) != len(b.BS) {
			return false
		}
		for i := range a.BS {
			if string(a.BS[i]) != string(b.BS[i]) {
				return false
			}
		}
	case TypeL:
		for i := range a.L {
			if !sameOrder(a.L[i], b.L[i]) {
				return false
			}
		}
	case TypeM:
		for k := range a.M {
			if !sameOrder(a.M[k], b.M[k]) {
				return false
			}
		}
	}
	return true
}

func itemsSameOrder(a, b Item) bool {
	for k := range a {
		if !sameOrder(a[k], b[k]) {
			return false
		}
	}
	return true
}

// wantDDBError fails t unless err is a *ddberr.Error with the given code and
// a message containing msg.
func wantDDBError(t *testing.T, err error, code ddberr.Code, msg string) {
	t.Helper()
	var de *ddberr.Error
	if !errors.As(err, &de) {
		t.Fatalf("error = %v (%T), want *ddberr.Error %s", err, err, code)
	}
	if de.Code != code || !strings.Contains(de.Message, msg) {
		t.Fatalf("error = %s: %q, want %s containing %q", de.Code, de.Message, code, msg)
	}
}
