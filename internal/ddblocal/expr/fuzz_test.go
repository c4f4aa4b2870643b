package expr

import (
	"errors"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// Fuzz targets: parsing arbitrary text must never panic, must fail only with
// a ValidationException, and must finish quickly; whatever parses must then
// evaluate or apply without panicking.

func fuzzParams() *Params {
	return NewParams(
		map[string]string{"#a": "a", "#b": "b", "#l": "l", "#m": "m", "#d": "a.b"},
		vals(":n", n("3"), ":s", s("x"), ":l", l(n("1")), ":ss", ss("x", "y"), ":ns", ns("1"), ":bs", bs("q"), ":m", m("k", n("1")), ":t", s("S"), ":b", attr.Bool(true), ":z", attr.Null()),
	)
}

var fuzzItem = item(
	"a", n("1"), "b", s("xyz"), "l", l(n("1"), l(n("2")), m("x", n("3"))),
	"m", m("a", ss("x"), "b", l(s("y")), "c", m("d", n("4"))),
	"ss", ss("x"), "ns", ns("1", "2"), "bs", bs("q"), "bin", b("qq"),
)

var fuzzSeeds = []string{
	"a = :n", "a <> b AND NOT (size(b) > :n OR attribute_exists(#m.c.d))",
	"a BETWEEN :n AND :n", "a IN (:n, :s, b)", "contains(l, :n) AND begins_with(b, :s)",
	"attribute_type(#a, :t)", "((a = :n))", "(a) = (:n)", "l[1][0] = :n", "#d = :s",
	"SET a = a + :n, l[9] = :m REMOVE l[0], m.b[0] ADD ss :ss DELETE ns :ns",
	"SET l = list_append(if_not_exists(l, :l), :l)", "a, b.c[0], #m.a",
	"a = :n AND b BETWEEN :s AND :s", "begins_with(b, :s)", "", "(((", "a[99999999999]",
}

// checkFuzzErr fails unless err is nil or a ValidationException.
func checkFuzzErr(t *testing.T, src string, err error) {
	t.Helper()
	if err != nil {
		var de *ddberr.Error
		if !errors.As(err, &de) || de.Code != ddberr.Validation {
			t.Fatalf("%q: unexpected error %v", src, err)
		}
	}
}

func FuzzParseCondition(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := ParseCondition(FilterExpr, src, fuzzParams())
		checkFuzzErr(t, src, err)
		if err == nil {
			c.Eval(fuzzItem)
			c.Eval(nil)
			c.TopLevelNames()
		}
	})
}

func FuzzParseUpdate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		u, err := ParseUpdate(src, fuzzParams())
		checkFuzzErr(t, src, err)
		if err != nil {
			return
		}
		before := fuzzItem.Clone()
		_, err = u.Apply(fuzzItem)
		checkFuzzErr(t, src, err)
		if !attr.ItemsEqual(before, fuzzItem) {
			t.Fatalf("%q modified its input", src)
		}
		_, err = u.ApplyToMissing(item("a", n("1")))
		checkFuzzErr(t, src, err)
		u.Paths()
	})
}

func FuzzParseProjection(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := ParseProjection(src, fuzzParams())
		checkFuzzErr(t, src, err)
		if err == nil {
			p.Apply(fuzzItem)
			ProjectPaths(fuzzItem, p.Paths())
		}
	})
}

func FuzzParseKeyCondition(f *testing.F) {
	for _, s := range append(fuzzSeeds, "a = :n AND b > :s", "begins_with(b, :s) AND a = :n", ":n <= a") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		k, err := ParseKeyCondition(src, fuzzParams())
		checkFuzzErr(t, src, err)
		if err != nil {
			return
		}
		if len(k.Conds) < 1 || len(k.Conds) > 2 {
			t.Fatalf("%q: %d conditions", src, len(k.Conds))
		}
		checkFuzzErr(t, src, k.Bind("a", "b"))
	})
}
