package graph

import (
	"context"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/loaders"
)

// One response never contradicts itself. A connection's list is read by a
// Query and its counter from another item, at other moments; under
// concurrent writes the two differ (DynamoDB has no snapshot across a
// Query and a GetItem, nor do GSIs move together with the base table).
// So what a response shows together is derived from one read:
//
//   - a page that holds the whole list (nothing before, nothing after) is
//     its own totalCount, exactly, and needs no counter read;
//   - a partial page's totalCount is the counter, raised to at least the
//     page's number of nodes;
//   - a repository's stargazerCount and forkCount, when the same object
//     also selects stargazers or forks, are that connection's totalCount:
//     both resolvers share one read of the page (requestMemo).

// totalOf is a connection's totalCount consistent with its page of nodes
// nodes (see above); counter is called only when the page is not the
// whole list, and its error is returned.
func totalOf(pi *model.PageInfo, nodes int, counter func() (int, error)) (int, error) {
	if !pi.HasNextPage && !pi.HasPreviousPage {
		return nodes, nil
	}
	n, err := counter()
	if err != nil {
		return 0, err
	}
	// hasNextPage does not always prove one more item (a filtered page
	// may stop at its scan bound), so the page proves its nodes only.
	return max(n, nodes), nil
}

// counterValue is a counter func for totalOf that needs no read.
func counterValue[N int | int32](n N) func() (int, error) {
	return func() (int, error) { return int(n), nil }
}

// requestMemo shares values computed once per request among resolvers
// (e.g. the page of stargazers that both stargazers and stargazerCount
// show): the first caller of a key computes it, later ones wait for it.
type requestMemo struct {
	mu    sync.Mutex
	calls map[string]*memoCall
}

type memoCall struct {
	done chan struct{}
	v    any
	err  error
}

type requestMemoKey struct{}

// withRequestMemo returns ctx with a fresh request memo.
func withRequestMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestMemoKey{}, &requestMemo{calls: map[string]*memoCall{}})
}

// memoized returns f's value for key in this request, computing it once
// (outside a request made by NewHandler, every call computes). f's error is
// shared too; a caller whose ctx ends while another computes gets ctx's
// error.
func memoized[T any](ctx context.Context, key string, f func() (T, error)) (T, error) {
	m, _ := ctx.Value(requestMemoKey{}).(*requestMemo)
	if m == nil {
		return f()
	}
	m.mu.Lock()
	call, ok := m.calls[key]
	if !ok {
		call = &memoCall{done: make(chan struct{})}
		m.calls[key] = call
	}
	m.mu.Unlock()
	if !ok {
		call.v, call.err = f()
		close(call.done)
	}
	select {
	case <-call.done:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	v, _ := call.v.(T)
	return v, call.err
}

// argsKey renders Relay arguments for a memo key.
func argsKey(a loaders.PageArgs) string {
	s := func(p *string) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%q", *p)
	}
	n := func(p *int32) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	return n(a.First) + "/" + s(a.After) + "/" + n(a.Last) + "/" + s(a.Before)
}

// siblingArgs returns the resolved arguments of the first field called
// name that the object being resolved also selects (its sibling of the
// field being resolved, fragments and aliases included), and whether there
// is one.
func siblingArgs(ctx context.Context, name string) (map[string]any, bool) {
	if !graphql.HasOperationContext(ctx) {
		return nil, false
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return nil, false
	}
	// The parent field whose selection set holds this field: list
	// elements have a field context of their own without a field.
	p := fc.Parent
	for p != nil && p.Field.Field == nil {
		p = p.Parent
	}
	if p == nil {
		return nil, false
	}
	op := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFields(op, p.Field.Selections, []string{fc.Object}) {
		if f.Name == name {
			return f.ArgumentMap(op.Variables), true
		}
	}
	return nil, false
}

// siblingPageArgs is siblingArgs's Relay arguments. Arguments of the wrong
// type make it report none (the sibling's own resolver reports the error).
func siblingPageArgs(ctx context.Context, name string) (loaders.PageArgs, map[string]any, bool) {
	args, ok := siblingArgs(ctx, name)
	if !ok {
		return loaders.PageArgs{}, nil, false
	}
	var out loaders.PageArgs
	if out.First, ok = intArg(args["first"]); !ok {
		return loaders.PageArgs{}, nil, false
	}
	if out.Last, ok = intArg(args["last"]); !ok {
		return loaders.PageArgs{}, nil, false
	}
	if out.After, ok = stringArg(args["after"]); !ok {
		return loaders.PageArgs{}, nil, false
	}
	if out.Before, ok = stringArg(args["before"]); !ok {
		return loaders.PageArgs{}, nil, false
	}
	return out, args, true
}

// intArg converts a resolved Int argument (nil when absent).
func intArg(v any) (*int32, bool) {
	var n int64
	switch x := v.(type) {
	case nil:
		return nil, true
	case int64:
		n = x
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case float64:
		n = int64(x)
	default:
		return nil, false
	}
	if n < -1<<31 || n > 1<<31-1 {
		return nil, false
	}
	i := int32(n)
	return &i, true
}

// stringArg converts a resolved String argument (nil when absent).
func stringArg(v any) (*string, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		return &x, true
	default:
		return nil, false
	}
}

// settledTotal is totalOf for a connection whose counter is already read.
func settledTotal[T any](c connection[T], counter int32) int32 {
	n, _ := totalOf(c.PageInfo, len(c.Items), counterValue(counter)) // counterValue never fails
	return int32(n)
}
