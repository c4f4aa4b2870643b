package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

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

// buildConnection converts page's items with conv, dropping items conv
// rejects (ok false: e.g. an item the viewer may not see), and takes the
// page info from the page: its start and end cursors are the page's raw
// boundaries (loaders.Page), whatever was dropped.
func buildConnection[T, M any](page loaders.Page[T], conv func(T) (M, bool)) connection[M] {
	c := connection[M]{
		Items:    make([]M, 0, len(page.Items)),
		Cursors:  make([]string, 0, len(page.Items)),
		PageInfo: &model.PageInfo{HasNextPage: page.HasNext, HasPreviousPage: page.HasPrev},
	}
	for i, it := range page.Items {
		v, ok := conv(it)
		if !ok {
			continue
		}
		c.Items = append(c.Items, v)
		c.Cursors = append(c.Cursors, page.Cursors[i])
	}
	if page.StartCursor != "" {
		start, end := page.StartCursor, page.EndCursor
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &start, &end
	}
	return c
}

// keepAll is the conv of buildConnection for pages used as they are.
func keepAll[T any](v T) (T, bool) { return v, true }

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

// cursorContext returns the context for running the resolver of field fc:
// for a connection field (a type named *Connection), ctx telling the
// loaders whether to seal the page's cursors, which only
// `edges { cursor }` and `pageInfo` show (a page of `nodes` needs none);
// for any other field, ctx itself. Fields that share one page among
// resolvers (memoized) seal whatever they select.
func cursorContext(ctx context.Context, fc *graphql.FieldContext) context.Context {
	def := fc.Field.Definition
	if def == nil || def.Type == nil || !strings.HasSuffix(def.Type.Name(), "Connection") {
		return ctx
	}
	return loaders.WithCursors(ctx, cursorsSelected(graphql.GetOperationContext(ctx), fc.Field.Selections, def.Type.Name()))
}

// cursorsSelected reports whether sel, the selection of a connection of
// type conn, shows a cursor (fragments and aliases included).
func cursorsSelected(oc *graphql.OperationContext, sel ast.SelectionSet, conn string) bool {
	for _, f := range graphql.CollectFields(oc, sel, []string{conn}) {
		switch f.Name {
		case "pageInfo":
			return true
		case "edges":
			if f.Definition == nil || f.Definition.Type == nil {
				return true
			}
			for _, e := range graphql.CollectFields(oc, f.Selections, []string{f.Definition.Type.Name()}) {
				if e.Name == "cursor" {
					return true
				}
			}
		}
	}
	return false
}
