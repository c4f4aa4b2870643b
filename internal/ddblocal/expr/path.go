package expr

import (
	"strconv"
	"strings"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// PathElem is one step of a document path: a map member (Name) or a list
// element (Index, with IsIndex set).
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// Path is a resolved document path: placeholders are already replaced by the
// names they stand for, so a Path never contains "#x". The first element is
// always a name (the top-level attribute).
type Path []PathElem

// maxPathDepth is DynamoDB's limit on the elements of one document path.
const maxPathDepth = 32

// maxListIndex is the largest list index DynamoDB accepts in a path.
const maxListIndex = 1<<31 - 1

// String formats p the way DynamoDB prints paths in error messages:
// "[a, b, [0]]".
func (p Path) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range p {
		if i > 0 {
			b.WriteString(", ")
		}
		if e.IsIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.Index))
			b.WriteByte(']')
		} else {
			b.WriteString(e.Name)
		}
	}
	b.WriteByte(']')
	return b.String()
}

// Top returns the name of the top-level attribute p starts with.
func (p Path) Top() string {
	if len(p) == 0 {
		return ""
	}
	return p[0].Name
}

func (e PathElem) equal(o PathElem) bool {
	if e.IsIndex != o.IsIndex {
		return false
	}
	if e.IsIndex {
		return e.Index == o.Index
	}
	return e.Name == o.Name
}

// Equal reports whether p and q are the same path.
func (p Path) Equal(q Path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if !p[i].equal(q[i]) {
			return false
		}
	}
	return true
}

// relation classifies two paths as DynamoDB does for update and projection
// expressions: they overlap when one is a prefix of the other (or they are
// equal), and conflict when, at the first element where they differ, one
// selects a map member and the other a list element (no value can have
// both).
type relation uint8

const (
	relNone relation = iota
	relOverlap
	relConflict
)

func relate(p, q Path) relation {
	n := len(p)
	if len(q) < n {
		n = len(q)
	}
	for i := 0; i < n; i++ {
		if p[i].equal(q[i]) {
			continue
		}
		if p[i].IsIndex != q[i].IsIndex {
			return relConflict
		}
		return relNone
	}
	return relOverlap
}

// checkPathSet reports overlapping, then conflicting, pairs among paths into
// errs. All overlaps are looked for before any conflict because DynamoDB
// reports an overlap even when a conflicting pair comes earlier. Only paths
// with the same top-level name can be related, so paths are grouped by it to
// keep long lists cheap.
func checkPathSet(paths []Path, errs *errSet) {
	if len(paths) < 2 {
		return
	}
	// earlier(j) lists the indexes before j worth comparing with path j.
	earlier := func(j int, buf []int) []int {
		for i := 0; i < j; i++ {
			buf = append(buf, i)
		}
		return buf
	}
	if len(paths) > 16 {
		groups := make(map[string][]int, len(paths))
		for i, p := range paths {
			groups[p.Top()] = append(groups[p.Top()], i)
		}
		earlier = func(j int, buf []int) []int {
			for _, i := range groups[paths[j].Top()] {
				if i >= j {
					break
				}
				buf = append(buf, i)
			}
			return buf
		}
	}
	var buf [16]int
	for _, want := range [...]relation{relOverlap, relConflict} {
		for j := range paths {
			for _, i := range earlier(j, buf[:0]) {
				if relate(paths[i], paths[j]) != want {
					continue
				}
				if want == relOverlap {
					errs.add(catOverlap, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", paths[i], paths[j])
				} else {
					errs.add(catConflict, "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", paths[i], paths[j])
				}
				return
			}
		}
	}
}

// lookup returns the value at p in item and whether it exists. A path
// through a value of the wrong type (a member of a list, an element of a
// map, anything inside a scalar) does not exist.
func lookup(item attr.Item, p Path) (attr.Value, bool) {
	if len(p) == 0 || item == nil {
		return attr.Value{}, false
	}
	v, ok := item[p[0].Name]
	if !ok {
		return attr.Value{}, false
	}
	for _, e := range p[1:] {
		if e.IsIndex {
			if v.Type != attr.TypeL || e.Index >= len(v.L) {
				return attr.Value{}, false
			}
			v = v.L[e.Index]
		} else {
			if v.Type != attr.TypeM {
				return attr.Value{}, false
			}
			if v, ok = v.M[e.Name]; !ok {
				return attr.Value{}, false
			}
		}
	}
	return v, true
}

// comparePaths orders paths element by element: names lexically, indexes
// numerically, names before indexes, prefixes first.
func comparePaths(p, q Path) int {
	for i := 0; i < len(p) && i < len(q); i++ {
		a, b := p[i], q[i]
		switch {
		case a.IsIndex && b.IsIndex:
			if a.Index != b.Index {
				if a.Index < b.Index {
					return -1
				}
				return 1
			}
		case !a.IsIndex && !b.IsIndex:
			if c := strings.Compare(a.Name, b.Name); c != 0 {
				return c
			}
		case a.IsIndex:
			return 1
		default:
			return -1
		}
	}
	switch {
	case len(p) < len(q):
		return -1
	case len(p) > len(q):
		return 1
	}
	return 0
}
