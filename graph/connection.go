package graph

import (
	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/loaders"
)

// connection is one decoded page of a Relay connection: the decoded items
// (T is whatever a connection's edges need, e.g. a node, or a node with an
// edge field like a member's role), each item's cursor, and the page info.
// Every *Connection resolver builds its generated model from it with
// edgesOf and nodesOf, so paging rules live in one place.
type connection[T any] struct {
	Items    []T
	Cursors  []string
	PageInfo *model.PageInfo
}

// buildConnection decodes page with decode, dropping items decode rejects
// (ok false: e.g. counter residue without `_et`, or an item the viewer may
// not see), and computes the page info.
//
// startCursor and endCursor are the cursors of the page's first and last
// read items even when those were dropped: any cursor of the collection is
// a valid place to continue from, and using the raw boundaries means a
// client never re-reads dropped items nor gets stuck on a page whose items
// were all dropped while hasNextPage is true.
func buildConnection[T any](page loaders.Page, decode func(loaders.Item) (T, bool)) connection[T] {
	c := connection[T]{
		Items:    make([]T, 0, len(page.Items)),
		Cursors:  make([]string, 0, len(page.Items)),
		PageInfo: &model.PageInfo{HasNextPage: page.HasNext, HasPreviousPage: page.HasPrev},
	}
	for i, it := range page.Items {
		v, ok := decode(it)
		if !ok {
			continue
		}
		c.Items = append(c.Items, v)
		c.Cursors = append(c.Cursors, page.Cursors[i])
	}
	if n := len(page.Cursors); n > 0 {
		start, end := page.Cursors[0], page.Cursors[n-1]
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &start, &end
	}
	return c
}

// edgesOf maps each item of c with its cursor to an edge.
func edgesOf[T, E any](c connection[T], edge func(cursor string, item T) E) []E {
	out := make([]E, len(c.Items))
	for i, it := range c.Items {
		out[i] = edge(c.Cursors[i], it)
	}
	return out
}

// nodesOf maps each item of c to its node (the connection's nodes field).
func nodesOf[T, N any](c connection[T], node func(item T) N) []N {
	out := make([]N, len(c.Items))
	for i, it := range c.Items {
		out[i] = node(it)
	}
	return out
}

// identity is the node function of connections whose items are the nodes.
func identity[T any](v T) T { return v }

// pageArgs bundles a connection field's Relay arguments.
func pageArgs(first *int32, after *string, last *int32, before *string) loaders.PageArgs {
	return loaders.PageArgs{First: first, After: after, Last: last, Before: before}
}
