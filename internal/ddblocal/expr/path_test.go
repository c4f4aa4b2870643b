package expr

import "testing"

func TestPathString(t *testing.T) {
	p := Path{{Name: "a"}, {Name: "b"}, {Index: 0, IsIndex: true}, {Name: "[3]"}}
	if got := p.String(); got != "[a, b, [0], [3]]" {
		t.Fatalf("got %s", got)
	}
	if p.Top() != "a" || (Path{}).Top() != "" {
		t.Fatal("Top")
	}
}

func TestRelate(t *testing.T) {
	a := Path{{Name: "a"}}
	ab := Path{{Name: "a"}, {Name: "b"}}
	ac := Path{{Name: "a"}, {Name: "c"}}
	a1 := Path{{Name: "a"}, {Index: 1, IsIndex: true}}
	a2 := Path{{Name: "a"}, {Index: 2, IsIndex: true}}
	cases := []struct {
		name string
		p, q Path
		want relation
	}{
		{"equal", ab, ab, relOverlap},
		{"prefix", a, ab, relOverlap},
		{"prefix reversed", a1, a, relOverlap},
		{"siblings", ab, ac, relNone},
		{"index siblings", a1, a2, relNone},
		{"member vs index", ab, a1, relConflict},
		{"different tops", Path{{Name: "x"}}, a, relNone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := relate(tc.p, tc.q); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	it := item("a", m("b", l(n("1"), m("c", s("x")))))
	cases := []struct {
		name string
		path Path
		ok   bool
	}{
		{"top", Path{{Name: "a"}}, true},
		{"deep", Path{{Name: "a"}, {Name: "b"}, {Index: 1, IsIndex: true}, {Name: "c"}}, true},
		{"beyond end", Path{{Name: "a"}, {Name: "b"}, {Index: 2, IsIndex: true}}, false},
		{"member of list", Path{{Name: "a"}, {Name: "b"}, {Name: "c"}}, false},
		{"index of map", Path{{Name: "a"}, {Index: 0, IsIndex: true}}, false},
		{"inside scalar", Path{{Name: "a"}, {Name: "b"}, {Index: 0, IsIndex: true}, {Name: "x"}}, false},
		{"missing top", Path{{Name: "z"}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := lookup(it, tc.path); ok != tc.ok {
				t.Fatalf("got %v", ok)
			}
		})
	}
	if _, ok := lookup(nil, Path{{Name: "a"}}); ok {
		t.Fatal("nil item")
	}
}
