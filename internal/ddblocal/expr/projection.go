package expr

import (
	"sort"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// Projection is a parsed ProjectionExpression. It is immutable and safe for
// concurrent use.
type Projection struct {
	paths []Path
	root  *projNode
}

// projNode is a node of the tree of projected paths. A leaf selects the
// whole value; otherwise members selects map members and elems list
// elements (sorted by index).
type projNode struct {
	leaf    bool
	members map[string]*projNode
	elems   []projElem
}

type projElem struct {
	index int
	node  *projNode
}

// ParseProjection parses a ProjectionExpression: a comma-separated list of
// document paths, none overlapping or conflicting with another.
func ParseProjection(s string, p *Params) (*Projection, error) {
	ps, err := newParser(ProjectionExpr, s, p, nil)
	if err != nil {
		return nil, err
	}
	pr := &Projection{}
	err = ps.commaList(func() error {
		if t := ps.peek(); t.kind != tIdent && t.kind != tName {
			return ps.syntaxErr(ps.pos)
		}
		path, err := ps.parsePath()
		pr.paths = append(pr.paths, path)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := ps.complete(func() { checkPathSet(pr.paths, &ps.errs) }); err != nil {
		return nil, err
	}
	pr.root = buildProjection(pr.paths)
	return pr, nil
}

// Paths returns the projected paths in the order written. They are shared
// with p and must not be modified.
func (p *Projection) Paths() []Path {
	return append([]Path(nil), p.paths...)
}

// Apply returns a new item holding only the projected parts of item, in
// their original structure: "a.b[1].c" yields {a: {b: [{c: ...}]}}. Selected
// list elements keep their relative order and are packed together; paths
// that do not exist in item are left out. A nil item yields nil. The result
// shares no memory with item.
func (p *Projection) Apply(item attr.Item) attr.Item {
	return projectItem(item, p.root)
}

// ProjectPaths is Apply for an arbitrary list of paths, which may overlap:
// a path selecting a whole value wins over paths inside it. The engine uses
// it for ReturnValues UPDATED_OLD and UPDATED_NEW.
func ProjectPaths(item attr.Item, paths []Path) attr.Item {
	return projectItem(item, buildProjection(paths))
}

func buildProjection(paths []Path) *projNode {
	root := &projNode{}
	for _, path := range paths {
		n := root
		for _, e := range path {
			if n.leaf {
				break
			}
			n = n.child(e)
		}
		if !n.leaf {
			n.leaf, n.members, n.elems = true, nil, nil
		}
	}
	root.sortElems()
	return root
}

func (n *projNode) child(e PathElem) *projNode {
	if e.IsIndex {
		for _, c := range n.elems {
			if c.index == e.Index {
				return c.node
			}
		}
		c := &projNode{}
		n.elems = append(n.elems, projElem{e.Index, c})
		return c
	}
	if c, ok := n.members[e.Name]; ok {
		return c
	}
	if n.members == nil {
		n.members = make(map[string]*projNode)
	}
	c := &projNode{}
	n.members[e.Name] = c
	return c
}

func (n *projNode) sortElems() {
	sort.Slice(n.elems, func(i, j int) bool { return n.elems[i].index < n.elems[j].index })
	for _, c := range n.members {
		c.sortElems()
	}
	for _, c := range n.elems {
		c.node.sortElems()
	}
}

func projectItem(item attr.Item, root *projNode) attr.Item {
	if item == nil {
		return nil
	}
	out := make(attr.Item, len(root.members))
	for name, c := range root.members {
		if v, ok := item[name]; ok {
			if pv, ok := projectValue(v, c); ok {
				out[name] = pv
			}
		}
	}
	return out
}

// projectValue returns the parts of v that n selects, and false if none of
// them exist.
func projectValue(v attr.Value, n *projNode) (attr.Value, bool) {
	if n.leaf {
		return v.Clone(), true
	}
	switch {
	case v.Type == attr.TypeM && len(n.members) > 0:
		m := make(map[string]attr.Value, len(n.members))
		for name, c := range n.members {
			if cv, ok := v.M[name]; ok {
				if pv, ok := projectValue(cv, c); ok {
					m[name] = pv
				}
			}
		}
		if len(m) == 0 {
			return attr.Value{}, false
		}
		return attr.Value{Type: attr.TypeM, M: m}, true
	case v.Type == attr.TypeL && len(n.elems) > 0:
		var l []attr.Value
		for _, c := range n.elems {
			if c.index < len(v.L) {
				if pv, ok := projectValue(v.L[c.index], c.node); ok {
					l = append(l, pv)
				}
			}
		}
		if len(l) == 0 {
			return attr.Value{}, false
		}
		return attr.Value{Type: attr.TypeL, L: l}, true
	}
	return attr.Value{}, false
}
