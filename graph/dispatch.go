package graph

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/hubstream/hubstream/internal/loaders"
)

// dispatcher is the gqlgen extension that tells the request's loaders
// when the fields of a level have all asked for their keys, so that the
// loaders send a level's batch at once instead of after a time window
// (internal/loaders/scheduler.go explains the count it keeps).
//
// Each field goes through InterceptField once (gqlgen's ResolveField calls
// the field middleware for every field but __typename). Before a field's
// unit ends, the extension announces the fields the executor will resolve
// under its result: for every object in it (lists flattened, nulls
// skipped), the fields of the selection that apply to the object's type.
// The root fields of a query are announced before the operation runs;
// a mutation's run one after the other and count themselves.
//
// What it cannot tell (an object whose GraphQL type it cannot name,
// introspection, subscriptions) it leaves to the loaders' window.
type dispatcher struct {
	// implementors maps an object type to the type conditions that select
	// it: itself, its interfaces and its unions.
	implementors map[string][]string
	// kinds maps a type name to its kind.
	kinds map[string]ast.DefinitionKind
	// m counts operations the count went wrong for. Nil: none.
	m *Metrics
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.FieldInterceptor
} = (*dispatcher)(nil)

// newDispatcher reads what it needs of schema; m (may be nil) counts the
// operations it could not count exactly.
func newDispatcher(schema *ast.Schema, m *Metrics) *dispatcher {
	d := &dispatcher{implementors: map[string][]string{}, kinds: map[string]ast.DefinitionKind{}, m: m}
	for name, def := range schema.Types {
		d.kinds[name] = def.Kind
		if def.Kind != ast.Object {
			continue
		}
		impl := []string{name}
		for _, i := range schema.GetImplements(def) {
			impl = append(impl, i.Name)
		}
		d.implementors[name] = impl
	}
	return d
}

func (*dispatcher) ExtensionName() string                   { return "LevelDispatch" }
func (*dispatcher) Validate(graphql.ExecutableSchema) error { return nil }

// opState is the dispatcher's state for one operation.
type opState struct {
	l  *loaders.Loaders
	oc *graphql.OperationContext
	// serialRoot: root fields start their own units (a mutation's run one
	// after the other).
	serialRoot bool
	abandoned  atomic.Bool

	mu     sync.Mutex
	counts map[countKey]int // fields of a selection for an object type
}

type countKey struct {
	sel *ast.Selection // the selection set's first element: its identity
	n   int
	typ string
}

type opStateKey struct{}

// InterceptOperation starts the count for queries and mutations and ends
// it when the operation's response is complete.
func (d *dispatcher) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	l := loaders.From(ctx)
	if oc == nil || oc.Operation == nil || l == nil {
		return next(ctx)
	}
	st := &opState{l: l, oc: oc}
	switch oc.Operation.Operation {
	case ast.Query:
		n := 0
		for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Query"}) {
			switch f.Name {
			case "__typename":
				// Resolved by the executor without the field middleware.
			case "__schema", "__type":
				// Introspection: not worth counting; the window serves it.
				return next(ctx)
			default:
				n++
			}
		}
		l.Begin(n)
	case ast.Mutation:
		st.serialRoot = true
		l.Begin(0)
	default:
		return next(ctx)
	}
	rh := next(context.WithValue(ctx, opStateKey{}, st))
	return func(ctx context.Context) *graphql.Response {
		resp := rh(ctx)
		if even := l.End(); (!even || st.abandoned.Load()) && d.m != nil {
			d.m.uncounted.Inc()
		}
		return resp
	}
}

// InterceptField counts the field's unit and announces its children.
func (d *dispatcher) InterceptField(ctx context.Context, next graphql.Resolver) (res any, err error) {
	st, _ := ctx.Value(opStateKey{}).(*opState)
	if st == nil {
		return next(ctx)
	}
	fc := graphql.GetFieldContext(ctx)
	if st.serialRoot && fc != nil && fc.Parent != nil && fc.Parent.Parent == nil && fc.Parent.Field.Field == nil {
		st.l.FieldStart()
	}
	children := 0
	defer func() {
		// A panic is recovered by the executor around this field: its
		// children never run.
		if p := recover(); p != nil {
			st.l.FieldDone(0)
			panic(p)
		}
		st.l.FieldDone(children)
	}()
	rctx := ctx
	if fc != nil {
		// The one field middleware that sees every field of an operation
		// tells connection resolvers whether cursors are selected.
		rctx = cursorContext(ctx, fc)
	}
	res, err = next(rctx)
	if err != nil || res == nil || fc == nil || len(fc.Field.Selections) == 0 {
		return res, err
	}
	if children = d.children(st, fc, res); children < 0 {
		children = 0
		st.abandoned.Store(true)
		st.l.Abandon()
	}
	return res, err
}

// children returns how many fields the executor will resolve under res,
// the result of fc, or -1 when it cannot tell.
func (d *dispatcher) children(st *opState, fc *graphql.FieldContext, res any) int {
	t := fc.Field.Definition
	if t == nil || t.Type == nil {
		return -1
	}
	named := t.Type.Name()
	n := 0
	ok := true
	var visit func(v reflect.Value)
	visit = func(v reflect.Value) {
		for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return
			}
			if v.Kind() == reflect.Pointer && v.Elem().Kind() != reflect.Struct && v.Elem().Kind() != reflect.Interface && v.Elem().Kind() != reflect.Slice {
				break
			}
			v = v.Elem()
		}
		switch v.Kind() {
		case reflect.Slice, reflect.Array:
			if v.Kind() == reflect.Slice && v.IsNil() {
				return
			}
			for i := range v.Len() {
				visit(v.Index(i))
			}
		case reflect.Struct:
			typ := named
			if d.kinds[named] != ast.Object {
				// An interface or union: the object's type is its model's.
				typ = v.Type().Name()
			}
			c, found := d.fieldCount(st, fc.Field.Selections, typ)
			if !found {
				ok = false
				return
			}
			n += c
		default:
			ok = false
		}
	}
	visit(reflect.ValueOf(res))
	if !ok {
		return -1
	}
	return n
}

// fieldCount returns the number of fields of sel the executor resolves
// through the field middleware for an object of type typ; found is false
// when typ is no object type of the schema.
func (d *dispatcher) fieldCount(st *opState, sel ast.SelectionSet, typ string) (int, bool) {
	impl, found := d.implementors[typ]
	if !found {
		return 0, false
	}
	key := countKey{sel: &sel[0], n: len(sel), typ: typ}
	st.mu.Lock()
	c, cached := st.counts[key]
	st.mu.Unlock()
	if cached {
		return c, true
	}
	for _, f := range graphql.CollectFields(st.oc, sel, impl) {
		if f.Name != "__typename" {
			c++
		}
	}
	st.mu.Lock()
	if st.counts == nil {
		st.counts = map[countKey]int{}
	}
	st.counts[key] = c
	st.mu.Unlock()
	return c, true
}
