package expr

import (
	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// RangeOp is the operator of a sort-key condition.
type RangeOp int

// Sort-key operators. The zero value is RangeEQ.
const (
	RangeEQ RangeOp = iota
	RangeLT
	RangeLE
	RangeGT
	RangeGE
	RangeBetween
	RangeBeginsWith
)

// String returns the operator as written in an expression.
func (o RangeOp) String() string {
	switch o {
	case RangeEQ:
		return "="
	case RangeLT:
		return "<"
	case RangeLE:
		return "<="
	case RangeGT:
		return ">"
	case RangeGE:
		return ">="
	case RangeBetween:
		return "BETWEEN"
	case RangeBeginsWith:
		return "begins_with"
	}
	return "?"
}

// KeyCond is one condition of a key condition expression, normalised so that
// the attribute is on the left: ":v < k" becomes k > :v.
type KeyCond struct {
	Name   string
	Op     RangeOp
	Values []attr.Value // one value, two for RangeBetween
}

// KeyCondition is a parsed KeyConditionExpression. The parser knows only the
// grammar, not the key schema, so HashName/RangeName are its best guess: the
// equality condition is the hash condition, the other one the range
// condition; with two equalities the first written is taken as the hash
// condition, and with no equality HashName is "" and the (first) condition is
// the range condition. Call Bind with the schema to settle the roles and get
// DynamoDB's errors for conditions on the wrong attributes.
type KeyCondition struct {
	HashName    string
	HashValue   attr.Value
	RangeName   string // "" if there is no range condition
	RangeOp     RangeOp
	RangeValues []attr.Value

	// Conds holds the one or two conditions in the order written.
	Conds []KeyCond
}

// ParseKeyCondition parses a KeyConditionExpression. It enforces the
// grammar DynamoDB allows there: one or two conditions joined by AND, each on
// a different top-level attribute, using = < <= > >= BETWEEN or begins_with
// between that attribute and :values.
func ParseKeyCondition(s string, p *Params) (*KeyCondition, error) {
	root, err := parseConditionTree(KeyConditionExpr, s, p)
	if err != nil {
		return nil, err
	}
	if err := checkKeyOperators(root); err != nil {
		return nil, err
	}
	var flat []*node
	flattenAnd(root, &flat)
	kc := &KeyCondition{}
	for _, n := range flat {
		c, err := keyCond(n)
		if err != nil {
			return nil, err
		}
		kc.Conds = append(kc.Conds, c)
	}
	for i := range kc.Conds {
		for j := 0; j < i; j++ {
			if kc.Conds[i].Name == kc.Conds[j].Name {
				return nil, validation("KeyConditionExpressions must only contain one condition per key")
			}
		}
	}
	if len(kc.Conds) > 2 {
		return nil, validation("Conditions can be of length 1 or 2 only")
	}
	kc.guessRoles()
	return kc, nil
}

// checkKeyOperators rejects, in written order, the operators a key condition
// cannot use.
func checkKeyOperators(n *node) error {
	bad := ""
	switch n.kind {
	case nAnd:
		for _, a := range n.args {
			if err := checkKeyOperators(a); err != nil {
				return err
			}
		}
		return nil
	case nOr:
		bad = "OR"
	case nNot:
		bad = "NOT"
	case nIn:
		bad = "IN"
	case nCompare:
		if n.op == tNe {
			bad = "<>"
		}
	case nFunc:
		if n.fn != fnBeginsWith {
			bad = n.text
		}
	}
	if bad != "" {
		return validation("Invalid operator used in KeyConditionExpression: " + bad)
	}
	return nil
}

func flattenAnd(n *node, out *[]*node) {
	if n.kind == nAnd {
		flattenAnd(n.args[0], out)
		flattenAnd(n.args[1], out)
		return
	}
	*out = append(*out, n)
}

// keyCond turns one primitive condition into a KeyCond, checking that it
// compares exactly one top-level attribute with constants.
func keyCond(n *node) (KeyCond, error) {
	var c KeyCond
	switch n.kind {
	case nBetween:
		c.Op = RangeBetween
	case nFunc:
		c.Op = RangeBeginsWith
	}
	if (c.Op == RangeBetween || c.Op == RangeBeginsWith) && n.args[0].kind == nValue {
		op := "BETWEEN"
		if c.Op == RangeBeginsWith {
			op = "begins_with"
		}
		return c, validation("Invalid condition in KeyConditionExpression: " + op + " operator must have the key attribute as its first operand")
	}
	pathAt := -1
	for i, a := range n.args {
		switch a.kind {
		case nFunc:
			return c, validation("KeyConditionExpressions cannot contain nested operations")
		case nPath:
			if pathAt >= 0 {
				return c, validation("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition")
			}
			if len(a.path) > 1 {
				return c, validation("KeyConditionExpressions cannot have conditions on nested attributes")
			}
			pathAt = i
			c.Name = a.path[0].Name
		case nValue:
			c.Values = append(c.Values, a.val)
		}
	}
	if pathAt < 0 {
		return c, validation("Invalid condition in KeyConditionExpression: No key attribute specified")
	}
	if n.kind == nCompare {
		c.Op = compareOp(n.op, pathAt == 1)
	}
	return c, nil
}

// compareOp maps a comparator to a RangeOp, mirroring it when the attribute
// is on the right (":v < k" is k > :v).
func compareOp(op tokKind, mirrored bool) RangeOp {
	switch op {
	case tLt:
		if mirrored {
			return RangeGT
		}
		return RangeLT
	case tLe:
		if mirrored {
			return RangeGE
		}
		return RangeLE
	case tGt:
		if mirrored {
			return RangeLT
		}
		return RangeGT
	case tGe:
		if mirrored {
			return RangeLE
		}
		return RangeGE
	}
	return RangeEQ
}

// guessRoles fills the Hash/Range fields from Conds without the schema.
func (k *KeyCondition) guessRoles() {
	hash := -1
	for i, c := range k.Conds {
		if c.Op == RangeEQ {
			hash = i
			break
		}
	}
	k.setRoles(hash)
}

// setRoles makes Conds[hash] the hash condition (none if hash < 0) and the
// first other condition the range condition.
func (k *KeyCondition) setRoles(hash int) {
	k.HashName, k.HashValue = "", attr.Value{}
	k.RangeName, k.RangeOp, k.RangeValues = "", RangeEQ, nil
	for i, c := range k.Conds {
		if i == hash {
			k.HashName, k.HashValue = c.Name, c.Values[0]
			continue
		}
		if k.RangeName == "" {
			k.RangeName, k.RangeOp, k.RangeValues = c.Name, c.Op, c.Values
		}
	}
}

// Bind assigns the conditions to the key schema (rangeKey "" for a table or
// index without a sort key) and reports DynamoDB's errors: no condition on
// the hash key ("Query condition missed key schema element: pk"), a
// non-equality on the hash key ("Query key condition not supported"), or a
// second condition that is not on the sort key. It checks names only; the
// caller checks value types.
func (k *KeyCondition) Bind(hashKey, rangeKey string) error {
	hash := -1
	for i, c := range k.Conds {
		if c.Name == hashKey {
			hash = i
		}
	}
	if hash < 0 {
		return validation("Query condition missed key schema element: " + hashKey)
	}
	if k.Conds[hash].Op != RangeEQ {
		return validation("Query key condition not supported")
	}
	for i, c := range k.Conds {
		if i != hash && c.Name != rangeKey {
			if rangeKey == "" {
				return validation("Query key condition not supported")
			}
			return validation("Query condition missed key schema element: " + rangeKey)
		}
	}
	k.setRoles(hash)
	return nil
}
