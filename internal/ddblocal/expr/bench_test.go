package expr

import (
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

var benchItem = item(
	"pk", s("user#123"), "sk", s("profile"), "status", s("active"), "version", n("41"),
	"tags", ss("a", "b", "c"), "profile", m("name", s("Ann"), "age", n("37"), "emails", l(s("a@x"), s("b@x"))),
)

// The placeholder maps are built once: the engine gets them from the request
// decoder, so building them is not part of an expression's cost.
var (
	benchNames  = map[string]string{"#s": "status", "#v": "version"}
	benchValues = vals(":s", s("active"), ":v", n("41"), ":one", n("1"), ":t", s("b"), ":e", l(s("c@x")))
)

func benchParams() *Params { return NewParams(benchNames, benchValues) }

const benchCond = "attribute_exists(pk) AND #s = :s AND #v = :v AND contains(tags, :t)"
const benchUpdate = "SET #v = #v + :one, profile.emails = list_append(profile.emails, :e), #s = :s REMOVE profile.age"

func BenchmarkParseCondition(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseCondition(ConditionExpr, benchCond, benchParams()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalCondition(b *testing.B) {
	c, err := ParseCondition(ConditionExpr, benchCond, benchParams())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if ok, _ := c.Eval(benchItem); !ok {
			b.Fatal("condition should hold")
		}
	}
}

func BenchmarkParseEvalCondition(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c, err := ParseCondition(ConditionExpr, benchCond, benchParams())
		if err != nil {
			b.Fatal(err)
		}
		if ok, _ := c.Eval(benchItem); !ok {
			b.Fatal("condition should hold")
		}
	}
}

func BenchmarkParseApplyUpdate(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		u, err := ParseUpdate(benchUpdate, benchParams())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := u.Apply(benchItem); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyUpdate(b *testing.B) {
	u, err := ParseUpdate(benchUpdate, benchParams())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := u.Apply(benchItem); err != nil {
			b.Fatal(err)
		}
	}
}

var projNames = map[string]string{"#n": "name"}

func BenchmarkParseApplyProjection(b *testing.B) {
	b.ReportAllocs()
	var out attr.Item
	for i := 0; i < b.N; i++ {
		p, err := ParseProjection("pk, profile.#n, profile.emails[1], tags", NewParams(projNames, nil))
		if err != nil {
			b.Fatal(err)
		}
		out = p.Apply(benchItem)
	}
	_ = out
}
