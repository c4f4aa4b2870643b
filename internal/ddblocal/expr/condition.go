package expr

import (
	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// Condition is a parsed ConditionExpression or FilterExpression. It is
// immutable and safe for concurrent use.
type Condition struct {
	kind Kind
	root *node
}

// ParseCondition parses a ConditionExpression or FilterExpression (kind only
// selects the name used in error messages) against the request's
// placeholders. All errors are ValidationExceptions with DynamoDB's texts.
func ParseCondition(kind Kind, s string, p *Params) (*Condition, error) {
	root, err := parseConditionTree(kind, s, p)
	if err != nil {
		return nil, err
	}
	return &Condition{kind: kind, root: root}, nil
}

// parseConditionTree parses and checks the condition grammar; key conditions
// share it.
func parseConditionTree(kind Kind, s string, p *Params) (*node, error) {
	ps, err := newParser(kind, s, p, conditionKeywords)
	if err != nil {
		return nil, err
	}
	root, err := ps.parseOr(false)
	if err != nil {
		return nil, err
	}
	if err := ps.complete(func() { ps.checkCond(root) }); err != nil {
		return nil, err
	}
	return root, nil
}

// checkCond checks a node in condition position.
func (ps *parser) checkCond(n *node) {
	switch n.kind {
	case nAnd, nOr, nNot:
		for _, a := range n.args {
			ps.checkCond(a)
		}
	case nCompare:
		op := comparatorText(n.op)
		ps.checkOperands(n.args)
		ps.checkDistinct(op, n.args[0], n.args[1])
		if n.op != tEq && n.op != tNe {
			ps.checkOrderable(op, n.args)
		}
	case nBetween:
		ps.checkOperands(n.args)
		ps.checkOrderable("BETWEEN", n.args)
		ps.checkBounds(n.args[1], n.args[2])
	case nIn:
		ps.checkOperands(n.args)
		// The limit counts the listed values, not the left operand: 100
		// values are accepted (the conformance suite checks this).
		if values := len(n.args) - 1; values > maxInOperands && !ps.params.isUnbounded() {
			ps.errs.add(catOperandType, "The IN operator is provided with too many operands; number of operands: %d", values)
		}
	case nFunc:
		switch {
		case n.fn == fnUnknown:
			ps.errs.add(catUnknownFunc, "Invalid function name; function: %s", n.text)
		case !isConditionFunc(n.fn):
			ps.errs.add(catMisusedFunc, "The function is not allowed in a condition expression; function: %s", n.text)
		case n.fn == fnSize:
			ps.errs.add(catMisusedFunc, "The function is not allowed to be used this way in an expression; function: %s", n.text)
		}
		ps.checkFuncArgs(n)
	}
}

// checkOperands checks nodes in operand position: only size() may be called
// there.
func (ps *parser) checkOperands(args []*node) {
	for _, a := range args {
		if a.kind != nFunc {
			continue
		}
		switch {
		case a.fn == fnUnknown:
			ps.errs.add(catUnknownFunc, "Invalid function name; function: %s", a.text)
		case !isConditionFunc(a.fn):
			ps.errs.add(catMisusedFunc, "The function is not allowed in a condition expression; function: %s", a.text)
		case a.fn != fnSize:
			ps.errs.add(catMisusedFunc, "The function is not allowed to be used this way in an expression; function: %s", a.text)
		}
		ps.checkFuncArgs(a)
	}
}

// staticType returns the type of an operand known before evaluation: that
// of a :value, or N for size().
func staticType(n *node) (attr.Type, bool) {
	switch {
	case n.kind == nValue && n.val.Type != attr.TypeInvalid:
		return n.val.Type, true
	case n.kind == nFunc && n.fn == fnSize:
		return attr.TypeN, true
	}
	return attr.TypeInvalid, false
}

// checkOrderable rejects constants that can never be ordered. A wrong type
// coming from the item only makes the comparison false, but one written in
// the request is a mistake DynamoDB reports.
func (ps *parser) checkOrderable(op string, args []*node) {
	for _, a := range args {
		if t, ok := staticType(a); ok && !orderable(t) {
			ps.errs.add(catOperandType, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", op, t)
		}
	}
}

// checkBounds checks BETWEEN bounds that are both constants: they must have
// the same type and be in order.
func (ps *parser) checkBounds(lo, hi *node) {
	if lo.kind != nValue || hi.kind != nValue || !lo.val.Type.IsValid() || !hi.val.Type.IsValid() {
		return
	}
	if lo.val.Type != hi.val.Type {
		ps.errs.add(catOperandType, "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: %s, upper bound operand: %s",
			attributeValueText(lo.val), attributeValueText(hi.val))
		return
	}
	if c, ok := compareOrdered(lo.val, hi.val); ok && c > 0 {
		ps.errs.add(catOperandType, "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: %s, upper bound operand: %s",
			attributeValueText(lo.val), attributeValueText(hi.val))
	}
}

// checkDistinct rejects the same path on both sides of a binary operator or
// function, which DynamoDB refuses.
func (ps *parser) checkDistinct(op string, a, b *node) {
	if a.kind == nPath && b.kind == nPath && a.path.Equal(b.path) {
		ps.errs.add(catDistinct, "The first operand must be distinct from the remaining operands for this operator or function; operator: %s, first operand: %s", op, a.path)
	}
}

// validTypeNames is DynamoDB's list for attribute_type errors.
const validTypeNames = "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}"

// checkFuncArgs checks the operands of a condition function call.
func (ps *parser) checkFuncArgs(n *node) {
	ps.checkOperands(n.args)
	if !isConditionFunc(n.fn) {
		return
	}
	if len(n.args) != fnArity(n.fn) {
		ps.errs.add(catOperandCount, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", n.text, len(n.args))
		return
	}
	if len(n.args) == 2 {
		ps.checkDistinct(n.text, n.args[0], n.args[1])
	}
	switch n.fn {
	case fnAttributeExists, fnAttributeNotExists:
		if n.args[0].kind != nPath {
			ps.errs.add(catPathRequired, "Operator or function requires a document path; operator or function: %s", n.text)
		}
	case fnAttributeType:
		t, ok := staticType(n.args[1])
		switch {
		case !ok && n.args[1].kind == nPath:
			ps.errs.add(catOperandType, "Incorrect operand type for operator or function; operator or function: %s, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}", n.text)
		case !ok:
		case t != attr.TypeS:
			ps.errs.add(catOperandType, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", n.text, t)
		default:
			if _, valid := attr.ParseType(n.args[1].val.S); !valid {
				ps.errs.add(catOperandType, "Invalid attribute type name found; type: %s, valid types: %s", n.args[1].val.S, validTypeNames)
			}
		}
	case fnBeginsWith:
		for _, a := range n.args {
			if t, ok := staticType(a); ok && t != attr.TypeS && t != attr.TypeB {
				ps.errs.add(catOperandType, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", n.text, t)
			}
		}
	case fnSize:
		if t, ok := staticType(n.args[0]); ok && (t == attr.TypeN || t == attr.TypeBOOL || t == attr.TypeNULL) {
			ps.errs.add(catOperandType, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", n.text, t)
		}
	}
}

// Eval reports whether the condition holds for item; a nil item is an item
// that does not exist, so every path is missing. Following DynamoDB, a
// missing attribute or a type mismatch makes a comparison false (and "<>"
// true), never an error. The error result is reserved; it is always nil
// today.
func (c *Condition) Eval(item attr.Item) (bool, error) {
	return evalCond(c.root, item), nil
}

// TopLevelNames returns the distinct top-level attribute names the condition
// reads, in order of appearance.
func (c *Condition) TopLevelNames() []string {
	var names []string
	var walk func(n *node)
	walk = func(n *node) {
		if n.kind == nPath {
			for _, s := range names {
				if s == n.path[0].Name {
					return
				}
			}
			names = append(names, n.path[0].Name)
			return
		}
		for _, a := range n.args {
			walk(a)
		}
	}
	walk(c.root)
	return names
}

func evalCond(n *node, item attr.Item) bool {
	switch n.kind {
	case nAnd:
		return evalCond(n.args[0], item) && evalCond(n.args[1], item)
	case nOr:
		return evalCond(n.args[0], item) || evalCond(n.args[1], item)
	case nNot:
		return !evalCond(n.args[0], item)
	case nCompare:
		a, aok := evalOperand(n.args[0], item)
		b, bok := evalOperand(n.args[1], item)
		switch n.op {
		case tEq:
			return aok && bok && attr.Equal(a, b)
		case tNe:
			// A missing operand is unequal to everything, itself included.
			return !aok || !bok || !attr.Equal(a, b)
		}
		if !aok || !bok {
			return false
		}
		c, ok := compareOrdered(a, b)
		if !ok {
			return false
		}
		switch n.op {
		case tLt:
			return c < 0
		case tLe:
			return c <= 0
		case tGt:
			return c > 0
		default:
			return c >= 0
		}
	case nBetween:
		x, ok := evalOperand(n.args[0], item)
		if !ok {
			return false
		}
		lo, lok := evalOperand(n.args[1], item)
		hi, hok := evalOperand(n.args[2], item)
		if !lok || !hok {
			return false
		}
		c1, ok1 := compareOrdered(lo, x)
		c2, ok2 := compareOrdered(x, hi)
		return ok1 && ok2 && c1 <= 0 && c2 <= 0
	case nIn:
		x, ok := evalOperand(n.args[0], item)
		if !ok {
			return false
		}
		for _, a := range n.args[1:] {
			if v, ok := evalOperand(a, item); ok && attr.Equal(x, v) {
				return true
			}
		}
		return false
	case nFunc:
		return evalFunc(n, item)
	}
	return false
}

func evalFunc(n *node, item attr.Item) bool {
	switch n.fn {
	case fnAttributeExists:
		_, ok := lookup(item, n.args[0].path)
		return ok
	case fnAttributeNotExists:
		_, ok := lookup(item, n.args[0].path)
		return !ok
	}
	a, aok := evalOperand(n.args[0], item)
	b, bok := evalOperand(n.args[1], item)
	if !aok || !bok {
		return false
	}
	switch n.fn {
	case fnAttributeType:
		return b.Type == attr.TypeS && a.Type.String() == b.S
	case fnBeginsWith:
		return beginsWith(a, b)
	case fnContains:
		return contains(a, b)
	}
	return false
}

// evalOperand returns an operand's value and whether it exists.
func evalOperand(n *node, item attr.Item) (attr.Value, bool) {
	switch n.kind {
	case nPath:
		return lookup(item, n.path)
	case nValue:
		return n.val, true
	case nFunc:
		if n.fn == fnSize {
			v, ok := evalOperand(n.args[0], item)
			if !ok {
				return attr.Value{}, false
			}
			sz, ok := sizeOf(v)
			if !ok {
				return attr.Value{}, false
			}
			return numberValue(sz), true
		}
	}
	return attr.Value{}, false
}
