package expr

import (
	"bytes"
	"sort"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// actKind is the section an update action belongs to.
type actKind uint8

const (
	actSet actKind = iota
	actRemove
	actAdd
	actDelete
)

var sectionNames = [...]string{"SET", "REMOVE", "ADD", "DELETE"}

// action is one update action: SET path = val, REMOVE path, ADD path arg or
// DELETE path arg.
type action struct {
	kind actKind
	path Path
	val  *node      // SET: the value expression
	arg  attr.Value // ADD, DELETE: the operand
}

// Update is a parsed UpdateExpression. It is immutable and safe for
// concurrent use.
type Update struct {
	actions []action
	// order lists the actions in path order, the order they are applied in:
	// it puts SETs beyond the end of one list in index order, as DynamoDB
	// appends them.
	order []int
}

// ParseUpdate parses an UpdateExpression: one or more of the SET, REMOVE,
// ADD and DELETE sections, each at most once, in any order.
func ParseUpdate(s string, p *Params) (*Update, error) {
	ps, err := newParser(UpdateExpr, s, p, updateKeywords)
	if err != nil {
		return nil, err
	}
	u := &Update{}
	var seen [len(sectionNames)]bool
	for ps.peekKind() != tEOF {
		t := ps.peek()
		sec := -1
		for i, w := range sectionNames {
			if ps.isKeyword(t, w) {
				sec = i
			}
		}
		if sec < 0 {
			return nil, ps.syntaxErr(ps.pos)
		}
		if seen[sec] {
			ps.errs.add(catSection, "The \"%s\" section can only be used once in an update expression;", sectionNames[sec])
		}
		seen[sec] = true
		ps.pos++
		err := ps.commaList(func() error {
			a, err := ps.parseAction(actKind(sec))
			u.actions = append(u.actions, a)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if err := ps.complete(func() { ps.checkUpdate(u) }); err != nil {
		return nil, err
	}
	u.order = make([]int, len(u.actions))
	for i := range u.order {
		u.order[i] = i
	}
	less := func(i, j int) bool {
		return comparePaths(u.actions[u.order[i]].path, u.actions[u.order[j]].path) < 0
	}
	if !sort.SliceIsSorted(u.order, less) {
		sort.SliceStable(u.order, less)
	}
	return u, nil
}

func (ps *parser) parseAction(kind actKind) (action, error) {
	a := action{kind: kind}
	var err error
	if a.path, err = ps.parsePath(); err != nil {
		return a, err
	}
	switch kind {
	case actSet:
		if err := ps.expect(tEq); err != nil {
			return a, err
		}
		a.val, err = ps.parseSetValue()
	case actAdd, actDelete:
		if ps.peekKind() != tValue {
			return a, ps.syntaxErr(ps.pos)
		}
		v := ps.parseValue()
		a.arg = v.val
	}
	return a, err
}

// parseSetValue parses operand [('+' | '-') operand], where an operand or
// the whole value may be wrapped in parentheses (SET a = (b),
// SET b.c = ((c[1]) + (b.a))). DynamoDB allows one arithmetic operator per
// SET value: a parenthesised operand of '+' or '-' may not hold another.
func (ps *parser) parseSetValue() (*node, error) {
	left, err := ps.parseUpdTerm()
	if err != nil {
		return nil, err
	}
	if k := ps.peekKind(); k == tPlus || k == tMinus {
		at := ps.pos
		ps.pos++
		ps.ops++
		right, err := ps.parseUpdTerm()
		if err != nil {
			return nil, err
		}
		if left.kind == nArith || right.kind == nArith {
			return nil, ps.syntaxErr(at)
		}
		n := ps.newNode(nArith)
		n.op, n.args = k, ps.argList(left, right)
		return n, nil
	}
	return left, nil
}

// parseUpdTerm parses an operand, or a parenthesised SET value.
func (ps *parser) parseUpdTerm() (*node, error) {
	if ps.peekKind() != tLParen {
		return ps.parseUpdOperand()
	}
	if err := ps.enter(); err != nil {
		return nil, err
	}
	defer ps.leave()
	ps.pos++
	inner, err := ps.parseSetValue()
	if err != nil {
		return nil, err
	}
	if err := ps.expect(tRParen); err != nil {
		return nil, err
	}
	return inner, nil
}

// parseUpdOperand parses a path, a :value or a function call (whose
// arguments are operands, never parenthesised).
func (ps *parser) parseUpdOperand() (*node, error) { return ps.parseOperandWith(ps.parseUpdOperand) }

// checkUpdate records the semantic errors of a parsed update.
func (ps *parser) checkUpdate(u *Update) {
	paths := make([]Path, len(u.actions))
	for i, a := range u.actions {
		paths[i] = a.path
		switch a.kind {
		case actSet:
			ps.checkSetValue(a.val, true)
		case actAdd:
			switch a.arg.Type {
			case attr.TypeInvalid, attr.TypeN, attr.TypeSS, attr.TypeNS, attr.TypeBS:
			default:
				ps.errs.add(catAddDelete, "Incorrect operand type for operator or function; operator: ADD, operand type: %s, typeSet: ALLOWED_FOR_ADD_OPERAND", longTypeName(a.arg.Type))
			}
		case actDelete:
			switch a.arg.Type {
			case attr.TypeInvalid, attr.TypeSS, attr.TypeNS, attr.TypeBS:
			default:
				ps.errs.add(catAddDelete, "Incorrect operand type for operator or function; operator: DELETE, operand type: %s, typeSet: ALLOWED_FOR_DELETE_OPERAND", longTypeName(a.arg.Type))
			}
		}
	}
	checkPathSet(paths, &ps.errs)
}

// checkSetValue checks a SET value expression. top is true for the
// operands of the value itself (as opposed to function arguments), the only
// place list_append may be called.
func (ps *parser) checkSetValue(n *node, top bool) {
	switch n.kind {
	case nArith:
		op := comparatorText(n.op)
		for _, a := range n.args {
			ps.checkSetValue(a, true)
			if a.kind == nValue && a.val.Type.IsValid() && a.val.Type != attr.TypeN {
				ps.errs.add(catOperandType, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", op, a.val.Type)
			}
		}
	case nFunc:
		switch {
		case n.fn == fnUnknown:
			ps.errs.add(catUnknownFunc, "Invalid function name; function: %s", n.text)
		case isConditionFunc(n.fn):
			ps.errs.add(catMisusedFunc, "The function is not allowed in an update expression; function: %s", n.text)
		case n.fn == fnListAppend && !top:
			ps.errs.add(catMisusedFunc, "The function is not allowed to be used this way in an expression; function: %s", n.text)
		}
		for _, a := range n.args {
			ps.checkSetValue(a, false)
		}
		if n.fn != fnIfNotExists && n.fn != fnListAppend {
			return
		}
		if len(n.args) != 2 {
			ps.errs.add(catOperandCount, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", n.text, len(n.args))
			return
		}
		if n.fn == fnIfNotExists {
			if n.args[0].kind != nPath {
				ps.errs.add(catPathRequired, "Operator or function requires a document path; operator or function: %s", n.text)
			}
			return
		}
		for _, a := range n.args {
			if a.kind == nValue && a.val.Type.IsValid() && a.val.Type != attr.TypeL {
				ps.errs.add(catOperandType, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", n.text, a.val.Type)
			}
		}
	}
}

// Paths returns the document path of every action, in the order written.
// The paths are shared with u and must not be modified.
func (u *Update) Paths() []Path {
	out := make([]Path, len(u.actions))
	for i, a := range u.actions {
		out[i] = a.path
	}
	return out
}

// Apply applies the update to item and returns the new item; nil means the
// item does not exist. item itself is never modified: the result shares
// unchanged top-level attributes with it and deep-copies the ones it
// changes.
//
// All right-hand sides are evaluated against the original item before
// anything is written, and list indexes refer to positions in the original
// lists: SET beyond the end of a list appends (several such SETs in index
// order), REMOVE of list elements closes the gaps afterwards. Errors are
// DynamoDB's ValidationExceptions: "The provided expression refers to an
// attribute that does not exist in the item", "An operand in the update
// expression has an incorrect data type", "The document path provided in
// the update expression is invalid for update", and number overflow or
// precision errors from arithmetic.
func (u *Update) Apply(item attr.Item) (attr.Item, error) {
	return u.apply(item, item != nil)
}

// ApplyToMissing applies the update to an item that does not exist yet and
// will be created with the attributes of key. It differs from Apply(key) only
// in that REMOVE actions are ignored, as DynamoDB ignores them (even on
// nested paths) when there is no item.
func (u *Update) ApplyToMissing(key attr.Item) (attr.Item, error) {
	return u.apply(key, false)
}

func (u *Update) apply(item attr.Item, exists bool) (attr.Item, error) {
	// Read phase: every right-hand side sees the item as it was.
	vals := make([]attr.Value, len(u.actions))
	for i, a := range u.actions {
		if a.kind != actSet {
			continue
		}
		v, err := evalUpdate(a.val, item)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	// Removals of list elements run last, highest index first, so that the
	// indexes of all actions refer to the original lists. Those that are
	// no-ops on the original item are dropped here.
	var removals []Path
	for _, a := range u.actions {
		if a.kind != actRemove || !exists || len(a.path) < 2 || !a.path[len(a.path)-1].IsIndex {
			continue
		}
		parent, ok := lookup(item, a.path[:len(a.path)-1])
		switch {
		case !ok || parent.Type != attr.TypeL:
			return nil, validation(msgInvalidPath)
		case a.path[len(a.path)-1].Index < len(parent.L):
			removals = append(removals, a.path)
		}
	}

	out := make(attr.Item, len(item)+len(u.actions))
	for k, v := range item {
		out[k] = v
	}
	w := writer{out: out}
	for _, i := range u.order {
		a := u.actions[i]
		var err error
		switch a.kind {
		case actSet:
			err = w.set(a.path, vals[i].Clone())
		case actRemove:
			if exists && !a.path[len(a.path)-1].IsIndex {
				err = w.removeMember(a.path)
			}
		case actAdd:
			err = w.add(a.path, a.arg)
		case actDelete:
			var emptied bool
			emptied, err = w.delete(a.path, a.arg)
			if emptied && a.path[len(a.path)-1].IsIndex {
				removals = append(removals, a.path)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(removals, func(i, j int) bool { return comparePaths(removals[i], removals[j]) > 0 })
	for _, p := range removals {
		err := w.at(p, func(parent *attr.Value, last PathElem) error {
			if parent.Type != attr.TypeL || last.Index >= len(parent.L) {
				return validation(msgInvalidPath)
			}
			parent.L = append(parent.L[:last.Index], parent.L[last.Index+1:]...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// evalOperands evaluates the two operands of n (a + or -, or
// list_append), which must both be of type want.
func evalOperands(n *node, item attr.Item, want attr.Type) (a, b attr.Value, err error) {
	if a, err = evalUpdate(n.args[0], item); err != nil {
		return a, b, err
	}
	if b, err = evalUpdate(n.args[1], item); err != nil {
		return a, b, err
	}
	if a.Type != want || b.Type != want {
		return a, b, validation(msgIncorrectType)
	}
	return a, b, nil
}

// evalUpdate evaluates a SET value against the original item.
func evalUpdate(n *node, item attr.Item) (attr.Value, error) {
	switch n.kind {
	case nValue:
		return n.val, nil
	case nPath:
		v, ok := lookup(item, n.path)
		if !ok {
			return attr.Value{}, validation(msgMissingAttr)
		}
		return v, nil
	case nArith:
		a, b, err := evalOperands(n, item, attr.TypeN)
		if err != nil {
			return attr.Value{}, err
		}
		return addNumbers(a.S, b.S, n.op == tMinus)
	case nFunc:
		if n.fn == fnIfNotExists {
			if v, ok := lookup(item, n.args[0].path); ok {
				return v, nil
			}
			return evalUpdate(n.args[1], item)
		}
		// list_append
		a, b, err := evalOperands(n, item, attr.TypeL)
		if err != nil {
			return attr.Value{}, err
		}
		l := make([]attr.Value, 0, len(a.L)+len(b.L))
		l = append(append(l, a.L...), b.L...)
		return attr.Value{Type: attr.TypeL, L: l}, nil
	}
	return attr.Value{}, validation(msgIncorrectType)
}

// writer mutates the new item. Top-level attributes are shared with the
// original item until a nested action touches them; then they are
// deep-copied once and changed in place.
type writer struct {
	out   attr.Item
	owned map[string]struct{}
}

// at calls f with the container holding the last element of p and that
// element. The container of a top-level attribute is the item itself,
// presented as a map value.
func (w *writer) at(p Path, f func(parent *attr.Value, last PathElem) error) error {
	if len(p) == 1 {
		root := attr.Value{Type: attr.TypeM, M: w.out}
		return f(&root, p[0])
	}
	top := p[0].Name
	cur, ok := w.out[top]
	if !ok {
		return validation(msgInvalidPath)
	}
	if _, mine := w.owned[top]; !mine {
		cur = cur.Clone()
		if w.owned == nil {
			w.owned = make(map[string]struct{})
		}
		w.owned[top] = struct{}{}
	}
	err := descend(&cur, p[1:], f)
	w.out[top] = cur
	return err
}

func descend(v *attr.Value, rest Path, f func(parent *attr.Value, last PathElem) error) error {
	if len(rest) == 1 {
		return f(v, rest[0])
	}
	e := rest[0]
	if e.IsIndex {
		if v.Type != attr.TypeL || e.Index >= len(v.L) {
			return validation(msgInvalidPath)
		}
		return descend(&v.L[e.Index], rest[1:], f)
	}
	if v.Type != attr.TypeM {
		return validation(msgInvalidPath)
	}
	child, ok := v.M[e.Name]
	if !ok {
		return validation(msgInvalidPath)
	}
	if err := descend(&child, rest[1:], f); err != nil {
		return err
	}
	v.M[e.Name] = child
	return nil
}

// get returns the element last of parent, if present. It fails if parent
// cannot hold such an element.
func get(parent *attr.Value, last PathElem) (attr.Value, bool, error) {
	if last.IsIndex {
		if parent.Type != attr.TypeL {
			return attr.Value{}, false, validation(msgInvalidPath)
		}
		if last.Index < len(parent.L) {
			return parent.L[last.Index], true, nil
		}
		return attr.Value{}, false, nil
	}
	if parent.Type != attr.TypeM {
		return attr.Value{}, false, validation(msgInvalidPath)
	}
	v, ok := parent.M[last.Name]
	return v, ok, nil
}

// put stores v as element last of parent; a list index at or beyond the end
// appends.
func put(parent *attr.Value, last PathElem, v attr.Value) error {
	if last.IsIndex {
		if parent.Type != attr.TypeL {
			return validation(msgInvalidPath)
		}
		if last.Index < len(parent.L) {
			parent.L[last.Index] = v
		} else {
			parent.L = append(parent.L, v)
		}
		return nil
	}
	if parent.Type != attr.TypeM {
		return validation(msgInvalidPath)
	}
	if parent.M == nil {
		parent.M = make(map[string]attr.Value)
	}
	parent.M[last.Name] = v
	return nil
}

func (w *writer) set(p Path, v attr.Value) error {
	return w.at(p, func(parent *attr.Value, last PathElem) error { return put(parent, last, v) })
}

func (w *writer) removeMember(p Path) error {
	return w.at(p, func(parent *attr.Value, last PathElem) error {
		if parent.Type != attr.TypeM {
			return validation(msgInvalidPath)
		}
		delete(parent.M, last.Name)
		return nil
	})
}

func (w *writer) add(p Path, arg attr.Value) error {
	return w.at(p, func(parent *attr.Value, last PathElem) error {
		cur, ok, err := get(parent, last)
		if err != nil {
			return err
		}
		if !ok {
			return put(parent, last, arg.Clone())
		}
		var next attr.Value
		switch {
		case arg.Type == attr.TypeN && cur.Type == attr.TypeN:
			if next, err = addNumbers(cur.S, arg.S, false); err != nil {
				return err
			}
		case arg.Type.IsSet() && cur.Type == arg.Type:
			next = setUnion(cur, arg)
		default:
			return validation(msgIncorrectType)
		}
		return put(parent, last, next)
	})
}

// delete removes arg's members from the set at p. It reports whether the set
// became empty; an emptied map member or attribute is removed here, an
// emptied list element is left for the caller to remove.
func (w *writer) delete(p Path, arg attr.Value) (emptied bool, err error) {
	err = w.at(p, func(parent *attr.Value, last PathElem) error {
		cur, ok, err := get(parent, last)
		if err != nil || !ok {
			return err
		}
		if cur.Type != arg.Type {
			return validation(msgIncorrectType)
		}
		next := setDifference(cur, arg)
		if setLen(next) > 0 {
			return put(parent, last, next)
		}
		emptied = true
		if !last.IsIndex {
			delete(parent.M, last.Name)
		}
		return nil
	})
	return emptied, err
}

func setLen(v attr.Value) int {
	if v.Type == attr.TypeBS {
		return len(v.BS)
	}
	return len(v.SS)
}

// setHas reports whether the set s has member i of the set from (same type).
func setHas(s attr.Value, from attr.Value, i int) bool {
	switch s.Type {
	case attr.TypeSS:
		for _, x := range s.SS {
			if x == from.SS[i] {
				return true
			}
		}
	case attr.TypeNS:
		for _, x := range s.SS {
			if compareNumbers(x, from.SS[i]) == 0 {
				return true
			}
		}
	case attr.TypeBS:
		for _, x := range s.BS {
			if bytes.Equal(x, from.BS[i]) {
				return true
			}
		}
	}
	return false
}

// setUnion returns a new set: a's members followed by b's new ones.
func setUnion(a, b attr.Value) attr.Value {
	out := attr.Value{Type: a.Type}
	if a.Type == attr.TypeBS {
		out.BS = append(make([][]byte, 0, len(a.BS)+len(b.BS)), a.BS...)
		for i, x := range b.BS {
			if !setHas(a, b, i) {
				out.BS = append(out.BS, append([]byte(nil), x...))
			}
		}
		return out
	}
	out.SS = append(make([]string, 0, len(a.SS)+len(b.SS)), a.SS...)
	for i, x := range b.SS {
		if !setHas(a, b, i) {
			out.SS = append(out.SS, x)
		}
	}
	return out
}

// setDifference returns a new set: a's members that are not in b.
func setDifference(a, b attr.Value) attr.Value {
	out := attr.Value{Type: a.Type}
	if a.Type == attr.TypeBS {
		for i, x := range a.BS {
			if !setHas(b, a, i) {
				out.BS = append(out.BS, x)
			}
		}
		return out
	}
	for i, x := range a.SS {
		if !setHas(b, a, i) {
			out.SS = append(out.SS, x)
		}
	}
	return out
}
