// Package expr implements DynamoDB's expression language for the embedded
// engine: condition and filter expressions, key condition expressions,
// update expressions and projection expressions, with the
// ExpressionAttributeNames/Values placeholders shared by one request.
//
// Each kind has a Parse function that returns an immutable, concurrency-safe
// value (Condition, KeyCondition, Update, Projection) to evaluate or apply
// against attr.Item values. Parsing is a hand-written lexer and
// recursive-descent parser producing one syntax tree type; a check pass then
// reports DynamoDB's semantic errors, and the same tree is evaluated.
//
// Every error is a *ddberr.Error with code ValidationException and, as far
// as they are known, DynamoDB's own message texts, so that clients written
// against DynamoDB see the same failures. Where DynamoDB's behaviour is not
// documented, the choices are those observed in DynamoDB-compatible test
// suites and are noted next to the code.
package expr

import (
	"strconv"
	"strings"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// Kind names the request parameter an expression came from; it appears in
// error messages ("Invalid ConditionExpression: ...").
type Kind int

// The five kinds of expression.
const (
	ConditionExpr Kind = iota
	FilterExpr
	KeyConditionExpr
	UpdateExpr
	ProjectionExpr
)

// String returns the request parameter name, e.g. "ConditionExpression".
func (k Kind) String() string {
	switch k {
	case ConditionExpr:
		return "ConditionExpression"
	case FilterExpr:
		return "FilterExpression"
	case KeyConditionExpr:
		return "KeyConditionExpression"
	case UpdateExpr:
		return "UpdateExpression"
	case ProjectionExpr:
		return "ProjectionExpression"
	}
	return "Expression"
}

// Limits. maxExprBytes and maxOperators are DynamoDB's. maxDepth is ours: it
// bounds the recursion of the parser and of evaluation. Within 4096 bytes an
// expression cannot legitimately get near it, but it keeps the parser safe
// should the size limit ever be raised.
const (
	maxExprBytes  = 4096
	maxOperators  = 300
	maxInOperands = 100
	maxDepth      = 1000
)

// nodeKind is the kind of a syntax tree node.
type nodeKind uint8

const (
	nPath    nodeKind = iota // a document path operand
	nValue                   // a :value operand
	nFunc                    // a function call (condition or operand)
	nCompare                 // args[0] op args[1]
	nBetween                 // args[0] BETWEEN args[1] AND args[2]
	nIn                      // args[0] IN (args[1:]...)
	nAnd                     // args[0] AND args[1]
	nOr                      // args[0] OR args[1]
	nNot                     // NOT args[0]
	nArith                   // args[0] op args[1], op + or - (update SET only)
)

// fnID identifies a known function.
type fnID uint8

const (
	fnUnknown fnID = iota
	fnAttributeExists
	fnAttributeNotExists
	fnAttributeType
	fnBeginsWith
	fnContains
	fnSize
	fnIfNotExists
	fnListAppend
)

// Function names are case-sensitive in DynamoDB.
func lookupFunc(name string) fnID {
	switch name {
	case "attribute_exists":
		return fnAttributeExists
	case "attribute_not_exists":
		return fnAttributeNotExists
	case "attribute_type":
		return fnAttributeType
	case "begins_with":
		return fnBeginsWith
	case "contains":
		return fnContains
	case "size":
		return fnSize
	case "if_not_exists":
		return fnIfNotExists
	case "list_append":
		return fnListAppend
	}
	return fnUnknown
}

// fnArity is the number of operands each known function takes.
func fnArity(f fnID) int {
	switch f {
	case fnAttributeExists, fnAttributeNotExists, fnSize:
		return 1
	}
	return 2
}

// isConditionFunc reports whether f is one of the functions of condition
// expressions (as opposed to the update-only if_not_exists and list_append).
func isConditionFunc(f fnID) bool { return f >= fnAttributeExists && f <= fnSize }

// node is a node of the syntax tree shared by all expression kinds. The same
// tree is evaluated directly after checking.
type node struct {
	kind  nodeKind
	op    tokKind // comparator for nCompare, tPlus/tMinus for nArith
	fn    fnID
	paren bool // written inside its own parentheses
	args  []*node
	path  Path       // nPath
	val   attr.Value // nValue
	text  string     // function name (nFunc) or placeholder (nValue)
}

// isOperand reports whether n can only be an operand (a path or a value).
// Function calls can be both operands and conditions; the context decides.
func (n *node) isOperand() bool { return n.kind == nPath || n.kind == nValue }

// isCondition reports whether n can only be a condition.
func (n *node) isCondition() bool { return n.kind >= nCompare && n.kind <= nNot }

// parser is a recursive-descent parser over a token slice.
type parser struct {
	kind   Kind
	src    string
	toks   []token
	pos    int
	params *Params
	errs   errSet
	ops    int
	depth  int
	// keywords are the words this grammar treats as tokens rather than
	// names: AND, OR, NOT, BETWEEN, IN in conditions; SET, REMOVE, ADD,
	// DELETE in updates.
	keywords []string
	// nodes, elems and args are arenas the tree is carved from: one
	// allocation each instead of one per node keeps parsing cheap on the
	// request path. Typical expressions use about one node per two tokens;
	// when an arena runs out, allocation falls back to the heap.
	nodes []node
	elems []PathElem
	args  []*node
}

// newNode returns a zeroed node from the arena.
func (ps *parser) newNode(k nodeKind) *node {
	if len(ps.nodes) == cap(ps.nodes) {
		return &node{kind: k}
	}
	ps.nodes = ps.nodes[:len(ps.nodes)+1]
	n := &ps.nodes[len(ps.nodes)-1]
	n.kind = k
	return n
}

// argList copies as into the argument arena.
func (ps *parser) argList(as ...*node) []*node {
	if cap(ps.args)-len(ps.args) < len(as) {
		return append([]*node(nil), as...)
	}
	start := len(ps.args)
	ps.args = append(ps.args, as...)
	return ps.args[start:len(ps.args):len(ps.args)]
}

var (
	conditionKeywords = []string{"AND", "OR", "NOT", "BETWEEN", "IN"}
	updateKeywords    = []string{"SET", "REMOVE", "ADD", "DELETE"}
)

// newParser checks the placeholders and the size of src and tokenizes it.
func newParser(kind Kind, src string, params *Params, keywords []string) (*parser, error) {
	if err := params.Validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(src) == "" {
		return nil, kind.invalid("The expression can not be empty;")
	}
	if len(src) > maxExprBytes && !params.isUnbounded() {
		// DynamoDB adds the size only for condition and filter expressions.
		msg := "Expression size has exceeded the maximum allowed size;"
		if kind == ConditionExpr || kind == FilterExpr {
			msg += " expression size: " + strconv.Itoa(len(src))
		}
		return nil, kind.invalid(msg)
	}
	ps := &parser{kind: kind, src: src, params: params, keywords: keywords}
	ps.errs.kind = kind
	ps.toks = lex(src, make([]token, 0, len(src)/3+2))
	size := len(ps.toks)/2 + 2
	ps.nodes = make([]node, 0, size)
	ps.elems = make([]PathElem, 0, size)
	ps.args = make([]*node, 0, size)
	return ps, nil
}

func (ps *parser) peek() token       { return ps.toks[ps.pos] }
func (ps *parser) peekKind() tokKind { return ps.toks[ps.pos].kind }
func (ps *parser) text(t token) string {
	return ps.src[t.pos:t.end]
}

// isKeyword reports whether t is the keyword w (upper case), ignoring case.
func (ps *parser) isKeyword(t token, w string) bool {
	return t.kind == tIdent && equalFold(ps.text(t), w)
}

// isAnyKeyword reports whether t is one of the grammar's keywords.
func (ps *parser) isAnyKeyword(t token) bool {
	if t.kind != tIdent || t.end-t.pos > 7 {
		return false
	}
	for _, w := range ps.keywords {
		if equalFold(ps.text(t), w) {
			return true
		}
	}
	return false
}

// syntaxErr is DynamoDB's syntax error at token i: the token and the text
// from the previous token to the next one.
func (ps *parser) syntaxErr(i int) error {
	t := ps.toks[i]
	tok := "<EOF>"
	if t.kind != tEOF {
		tok = ps.text(t)
	}
	start, end := t.pos, t.end
	if i > 0 {
		start = ps.toks[i-1].pos
	}
	if t.kind != tEOF && i+1 < len(ps.toks) {
		end = ps.toks[i+1].end
	}
	return ps.kind.invalid("Syntax error; token: \"" + tok + "\", near: \"" + ps.src[start:end] + "\"")
}

// expect consumes a token of kind k or fails with a syntax error.
func (ps *parser) expect(k tokKind) error {
	if ps.peekKind() != k {
		return ps.syntaxErr(ps.pos)
	}
	ps.pos++
	return nil
}

// enter and leave bound the nesting of parentheses and function calls.
func (ps *parser) enter() error {
	ps.depth++
	if ps.depth > maxDepth {
		return ps.kind.invalid("The expression is nested too deeply; maximum nesting depth: " + strconv.Itoa(maxDepth))
	}
	return nil
}

func (ps *parser) leave() { ps.depth-- }

// finish checks that all input was consumed and returns the first semantic
// error found while parsing.
func (ps *parser) finish() error {
	if ps.peekKind() != tEOF {
		return ps.syntaxErr(ps.pos)
	}
	if ps.ops > maxOperators && !ps.params.isUnbounded() {
		ps.errs.add(catOperators, "The expression contains too many operators; operator count: %d", ps.ops)
	}
	return nil
}

// complete ends a parse: the whole input must have been read, then check
// runs the expression's semantic checks, and the first error recorded by
// either is returned.
func (ps *parser) complete(check func()) error {
	if err := ps.finish(); err != nil {
		return err
	}
	check()
	return ps.errs.err()
}

// parsePath parses name ('.' name | '[' index ']')*, resolving #name
// placeholders. The current token must start the path.
func (ps *parser) parsePath() (Path, error) {
	start := len(ps.elems)
	path := Path(ps.elems[start:start])
	for {
		t := ps.peek()
		switch {
		case t.kind == tIdent && !ps.isAnyKeyword(t):
			name := ps.text(t)
			if IsReserved(name) {
				ps.errs.add(catReserved, "Attribute name is a reserved keyword; reserved keyword: %s", name)
			}
			path = append(path, PathElem{Name: name})
		case t.kind == tName:
			ph := ps.text(t)
			name, ok := ps.params.name(ph)
			if !ok {
				ps.errs.add(catUndefined, "An expression attribute name used in the document path is not defined; attribute name: %s", ph)
			}
			path = append(path, PathElem{Name: name})
		default:
			return nil, ps.syntaxErr(ps.pos)
		}
		ps.pos++
	index:
		switch ps.peekKind() {
		case tDot:
			ps.pos++
			continue
		case tLBracket:
			ps.pos++
			t := ps.peek()
			if t.kind != tNumber {
				return nil, ps.syntaxErr(ps.pos)
			}
			digits := ps.text(t)
			idx, err := strconv.Atoi(digits)
			if err != nil || len(digits) > 10 || idx > maxListIndex {
				return nil, ps.kind.invalid("List index is not within the allowable range; index: [" + digits + "]")
			}
			ps.pos++
			if err := ps.expect(tRBracket); err != nil {
				return nil, err
			}
			path = append(path, PathElem{Index: idx, IsIndex: true})
			goto index
		}
		break
	}
	if len(path) > maxPathDepth {
		return nil, ps.kind.invalid("The document path has too many nesting levels; nesting levels: " + strconv.Itoa(len(path)))
	}
	if start < cap(ps.elems) && &path[0] == &ps.elems[:start+1][start] {
		// Still in the arena: claim the elements, and cap the slice so that
		// a caller appending to it cannot overwrite the next path.
		ps.elems = ps.elems[:start+len(path)]
		path = path[:len(path):len(path)]
	}
	return path, nil
}

// parseValue parses a :value placeholder.
func (ps *parser) parseValue() *node {
	ph := ps.text(ps.peek())
	ps.pos++
	v, ok := ps.params.value(ph)
	if !ok {
		ps.errs.add(catUndefined, "An expression attribute value used in expression is not defined; attribute value: %s", ph)
	}
	n := ps.newNode(nValue)
	n.val, n.text = v, ph
	return n
}

// parseCall parses name '(' arg (',' arg)* ')' with arg parsing each
// operand. Any identifier is accepted as a function name here; unknown names
// are reported later, as DynamoDB does.
func (ps *parser) parseCall(arg func() (*node, error)) (*node, error) {
	name := ps.text(ps.peek())
	ps.pos += 2 // name and '('
	if err := ps.enter(); err != nil {
		return nil, err
	}
	defer ps.leave()
	ps.ops++
	n := ps.newNode(nFunc)
	n.fn, n.text = lookupFunc(name), name
	var buf [4]*node
	args := buf[:0]
	for {
		a, err := arg()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		switch ps.peekKind() {
		case tComma:
			ps.pos++
		case tRParen:
			ps.pos++
			n.args = ps.argList(args...)
			return n, nil
		default:
			return nil, ps.syntaxErr(ps.pos)
		}
	}
}

// Condition grammar, loosest binding first:
//
//	or      := and (OR and)*
//	and     := not (AND not)*
//	not     := NOT not | primary
//	primary := '(' or ')' [comparison] | operand [comparison]
//	comparison := comparator operand | BETWEEN operand AND operand
//	            | IN '(' operand (',' operand)* ')'
//
// A parenthesised group may hold a bare operand, as in "(a) = :v"; only the
// group itself knows whether a comparison follows, so parseOr and friends
// pass such an operand straight up (allowOperand) and the group checks it.

func (ps *parser) parseOr(allowOperand bool) (*node, error) {
	return ps.parseChain(allowOperand, "OR", nOr, ps.parseAnd)
}

func (ps *parser) parseAnd(allowOperand bool) (*node, error) {
	return ps.parseChain(allowOperand, "AND", nAnd, ps.parseNot)
}

// parseChain parses operands of the next tighter level joined by keyword
// into left-associative nodes of kind: the shape of both OR and AND.
func (ps *parser) parseChain(allowOperand bool, keyword string, kind nodeKind, next func(allowOperand bool) (*node, error)) (*node, error) {
	left, err := next(allowOperand)
	if err != nil || left.isOperand() {
		return left, err
	}
	for ps.isKeyword(ps.peek(), keyword) {
		ps.pos++
		right, err := next(false)
		if err != nil {
			return nil, err
		}
		n := ps.newNode(kind)
		n.args = ps.argList(left, right)
		left = n
	}
	return left, nil
}

// parseNot handles any run of NOTs iteratively, so "NOT NOT ... NOT" costs
// no stack.
func (ps *parser) parseNot(allowOperand bool) (*node, error) {
	nots := 0
	for ps.isKeyword(ps.peek(), "NOT") {
		ps.pos++
		nots++
	}
	if nots > 0 {
		allowOperand = false
	}
	n, err := ps.parsePrimary(allowOperand)
	if err != nil {
		return nil, err
	}
	for ; nots > 0; nots-- {
		not := ps.newNode(nNot)
		not.args = ps.argList(n)
		n = not
	}
	return n, nil
}

func (ps *parser) parsePrimary(allowOperand bool) (*node, error) {
	var left *node
	if ps.peekKind() == tLParen {
		inner, err := ps.parenthesised(func() (*node, error) { return ps.parseOr(true) })
		if err != nil {
			return nil, err
		}
		left = inner
	} else {
		var err error
		if left, err = ps.parseOperand(); err != nil {
			return nil, err
		}
	}
	t := ps.peek()
	if isComparator(t.kind) || ps.isKeyword(t, "BETWEEN") || ps.isKeyword(t, "IN") {
		if left.isCondition() {
			return nil, ps.syntaxErr(ps.pos)
		}
		return ps.parseComparison(left)
	}
	if left.isOperand() && !allowOperand {
		return nil, ps.syntaxErr(ps.pos)
	}
	return left, nil
}

// parseComparison parses what follows the left operand of a comparison.
func (ps *parser) parseComparison(left *node) (*node, error) {
	t := ps.peek()
	ps.pos++
	ps.ops++
	switch {
	case isComparator(t.kind):
		right, err := ps.parseOperandParen()
		if err != nil {
			return nil, err
		}
		n := ps.newNode(nCompare)
		n.op, n.args = t.kind, ps.argList(left, right)
		return n, nil
	case ps.isKeyword(t, "BETWEEN"):
		lo, err := ps.parseOperandParen()
		if err != nil {
			return nil, err
		}
		if !ps.isKeyword(ps.peek(), "AND") {
			return nil, ps.syntaxErr(ps.pos)
		}
		ps.pos++
		hi, err := ps.parseOperandParen()
		if err != nil {
			return nil, err
		}
		n := ps.newNode(nBetween)
		n.args = ps.argList(left, lo, hi)
		return n, nil
	default: // IN
		if err := ps.expect(tLParen); err != nil {
			return nil, err
		}
		n := ps.newNode(nIn)
		args := []*node{left}
		err := ps.commaList(func() error {
			a, err := ps.parseOperandParen()
			args = append(args, a)
			return err
		})
		if err != nil {
			return nil, err
		}
		if err := ps.expect(tRParen); err != nil {
			return nil, err
		}
		n.args = ps.argList(args...)
		return n, nil
	}
}

// parseOperandParen parses an operand that may be wrapped in parentheses.
func (ps *parser) parseOperandParen() (*node, error) {
	if ps.peekKind() != tLParen {
		return ps.parseOperand()
	}
	return ps.parenthesised(ps.parseOperandParen)
}

// parenthesised parses a group whose '(' is the current token: what inner
// parses, then ')'. A group directly inside another is redundant, which
// DynamoDB reports.
func (ps *parser) parenthesised(inner func() (*node, error)) (*node, error) {
	ps.pos++
	if err := ps.enter(); err != nil {
		return nil, err
	}
	n, err := inner()
	if err != nil {
		return nil, err
	}
	if err := ps.expect(tRParen); err != nil {
		return nil, err
	}
	ps.leave()
	if n.paren {
		ps.errs.add(catParens, "The expression has redundant parentheses;")
	}
	n.paren = true
	return n, nil
}

// commaList calls item for each item of a comma-separated list, the first
// at the current token, and stops at the first error.
func (ps *parser) commaList(item func() error) error {
	for {
		if err := item(); err != nil {
			return err
		}
		if ps.peekKind() != tComma {
			return nil
		}
		ps.pos++
	}
}

// parseOperand parses a path, a :value or a function call.
func (ps *parser) parseOperand() (*node, error) { return ps.parseOperandWith(ps.parseOperandParen) }

// parseOperandWith parses a path, a :value or a function call whose
// arguments parseArg parses.
func (ps *parser) parseOperandWith(parseArg func() (*node, error)) (*node, error) {
	t := ps.peek()
	switch {
	case t.kind == tValue:
		return ps.parseValue(), nil
	case t.kind == tIdent && ps.toks[ps.pos+1].kind == tLParen && !ps.isAnyKeyword(t):
		return ps.parseCall(parseArg)
	case t.kind == tIdent || t.kind == tName:
		return ps.parsePathNode()
	}
	return nil, ps.syntaxErr(ps.pos)
}

// parsePathNode parses a path operand.
func (ps *parser) parsePathNode() (*node, error) {
	p, err := ps.parsePath()
	if err != nil {
		return nil, err
	}
	n := ps.newNode(nPath)
	n.path = p
	return n, nil
}
