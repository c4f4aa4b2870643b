package graph

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Shape limits: what a document may look like before gqlgen validates it.
//
// The token limit bounds a document's size, but not the work of
// validating it: gqlparser's OverlappingFieldsCanBeMerged rule compares
// every pair of fields with the same response name in a selection set
// (and their sub-selections pairwise, recursively), and every pair of
// fragments spread in one. Measured on this schema: 7,000 `ok` in one
// selection set (21 KB, under the token limit) took 8.8 s to validate,
// 70 aliases `a: user { 70 × login }` 4.8 s, 1,200 distinct fragments
// spread together 3.2 s — work that would also outlive a client that gave
// up. Those shapes are refused first, in one pass over the parsed
// document (work linear in its size, counted in shapeCheck.work).
//
// Within the limits the rule's pairwise work is small: at most
// maxSameResponseName fields share a response name in a set, at most
// maxDuplicateFields fields repeat one in the whole document (so nested
// repetition cannot multiply), and at most maxFragments fragments can be
// compared pairwise. Ordinary queries are far inside them: a field
// repeated across the inline fragments of every Node type is 7 of one
// name, a page query a few duplicates, a client's document a few dozen
// fragments.
const (
	maxSameResponseName = 10
	maxDuplicateFields  = 64
	maxFragments        = 64
	// maxNesting bounds selection sets nested in the text (fields and
	// inline fragments): the validator walks nested inline fragments once
	// per enclosing one. The depth limit (15 fields) is far below it.
	maxNesting = 64
)

// shapeCheck walks one document.
type shapeCheck struct {
	work int // selections visited
	dups int // fields whose response name already occurred in their set
}

// checkShape returns a validation error if doc exceeds a shape limit.
func checkShape(doc *ast.QueryDocument) (*shapeCheck, *gqlerror.Error) {
	c := &shapeCheck{}
	if n := len(doc.Fragments); n > maxFragments {
		return c, shapeError(fmt.Sprintf("the document defines %d fragments, more than the limit of %d", n, maxFragments), maxFragments, n)
	}
	for _, op := range doc.Operations {
		if err := c.set(op.SelectionSet, 1); err != nil {
			return c, err
		}
	}
	for _, f := range doc.Fragments {
		if err := c.set(f.SelectionSet, 1); err != nil {
			return c, err
		}
	}
	return c, nil
}

// set checks one selection set of fields — with the inline fragments in
// it, whose fields the validator compares as the set's own — and the sets
// of its fields. Every selection is visited once.
func (c *shapeCheck) set(set ast.SelectionSet, level int) *gqlerror.Error {
	counts := map[string]int{}
	var collect func(ss ast.SelectionSet, level int) *gqlerror.Error
	collect = func(ss ast.SelectionSet, level int) *gqlerror.Error {
		if level > maxNesting {
			return shapeError(fmt.Sprintf("the document nests selections more than %d levels deep", maxNesting), maxNesting, level)
		}
		for _, sel := range ss {
			c.work++
			switch s := sel.(type) {
			case *ast.Field:
				name := s.Alias
				if name == "" {
					name = s.Name
				}
				counts[name]++
				if n := counts[name]; n > 1 {
					c.dups++
					if n > maxSameResponseName {
						return shapeError(fmt.Sprintf("the document selects %q %d times in one selection set, more than the limit of %d", name, n, maxSameResponseName), maxSameResponseName, n)
					}
					if c.dups > maxDuplicateFields {
						return shapeError(fmt.Sprintf("the document repeats fields in a selection set more than %d times (use distinct aliases)", maxDuplicateFields), maxDuplicateFields, c.dups)
					}
				}
				if len(s.SelectionSet) > 0 {
					if err := c.set(s.SelectionSet, level+1); err != nil {
						return err
					}
				}
			case *ast.InlineFragment:
				if err := collect(s.SelectionSet, level+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return collect(set, level)
}

// shapeError is a refusal of the document's shape: a validation failure
// like the other limits.
func shapeError(msg string, limit, got int) *gqlerror.Error {
	return limitError(msg, limit, got)
}
