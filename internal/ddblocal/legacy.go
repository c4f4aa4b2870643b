package ddblocal

import (
	"strconv"
	"strings"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// The pre-expression ("legacy") parameters — Expected with
// ConditionalOperator, AttributeUpdates, KeyConditions, QueryFilter and
// ScanFilter — are validated with DynamoDB's rules and messages and then
// translated into expressions over generated placeholders, so that one
// evaluator serves both APIs. AttributesToGet needs no translation: it is a
// projection of top-level names (see projector).

// legacyCond is one element of Expected, KeyConditions, QueryFilter or
// ScanFilter. Exists and Value belong to Expected only.
type legacyCond struct {
	AttributeValueList *[]attr.Value `json:"AttributeValueList"`
	ComparisonOperator *string       `json:"ComparisonOperator"`
	Exists             *bool         `json:"Exists"`
	Value              *attr.Value   `json:"Value"`
}

// attributeUpdate is one element of AttributeUpdates.
type attributeUpdate struct {
	Action *string     `json:"Action"`
	Value  *attr.Value `json:"Value"`
}

// legacyInput holds a request's pre-expression parameters. A nil map means
// the parameter was absent; an empty one that it was sent empty.
type legacyInput struct {
	Expected            map[string]legacyCond      `json:"Expected"`
	ConditionalOperator *string                    `json:"ConditionalOperator"`
	AttributeUpdates    map[string]attributeUpdate `json:"AttributeUpdates"`
	KeyConditions       map[string]legacyCond      `json:"KeyConditions"`
	QueryFilter         map[string]legacyCond      `json:"QueryFilter"`
	ScanFilter          map[string]legacyCond      `json:"ScanFilter"`
}

// comparisonOperators is DynamoDB's enum, in the order its messages list it.
var comparisonOperators = []string{"IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"}

// operandTypes lists the AttributeValue types each comparison operator
// accepts in AttributeValueList (the legacy conditions page of the
// developer guide); NULL and NOT_NULL take no values.
var operandTypes = map[string][]attr.Type{
	"EQ":           {attr.TypeS, attr.TypeN, attr.TypeB, attr.TypeSS, attr.TypeNS, attr.TypeBS},
	"NE":           {attr.TypeS, attr.TypeN, attr.TypeB, attr.TypeSS, attr.TypeNS, attr.TypeBS},
	"LE":           {attr.TypeS, attr.TypeN, attr.TypeB},
	"LT":           {attr.TypeS, attr.TypeN, attr.TypeB},
	"GE":           {attr.TypeS, attr.TypeN, attr.TypeB},
	"GT":           {attr.TypeS, attr.TypeN, attr.TypeB},
	"CONTAINS":     {attr.TypeS, attr.TypeN, attr.TypeB},
	"NOT_CONTAINS": {attr.TypeS, attr.TypeN, attr.TypeB},
	"BEGINS_WITH":  {attr.TypeS, attr.TypeB},
	"IN":           {attr.TypeS, attr.TypeN, attr.TypeB},
	"BETWEEN":      {attr.TypeS, attr.TypeN, attr.TypeB},
}

// argCountOK reports whether n values suit op.
func argCountOK(op string, n int) bool {
	switch op {
	case "NULL", "NOT_NULL":
		return n == 0
	case "IN":
		return n >= 1
	case "BETWEEN":
		return n == 2
	}
	return n == 1
}

// legacyConstraints records the constraint violations of a condition map:
// a missing (filters) or unknown ComparisonOperator. member is the map's
// name as DynamoDB spells it, e.g. "scanFilter".
func (v *violations) legacyConds(member string, conds map[string]legacyCond, required bool) {
	for _, name := range attr.SortedKeys(conds) {
		c := conds[name]
		path := member + "." + name + ".member.comparisonOperator"
		switch {
		case c.ComparisonOperator == nil && required:
			v.null(path)
		default:
			v.enumPtr(c.ComparisonOperator, path, comparisonOperators...)
		}
	}
}

// legacyUpdates records unknown AttributeUpdates actions.
func (v *violations) legacyUpdates(ups map[string]attributeUpdate) {
	for _, name := range attr.SortedKeys(ups) {
		v.enumPtr(ups[name].Action, "attributeUpdates."+name+".member.action", "ADD", "PUT", "DELETE")
	}
}

// conditionalOperator records an unknown ConditionalOperator.
func (v *violations) conditionalOperator(op *string) {
	v.enumPtr(op, "conditionalOperator", "OR", "AND")
}

// checkMixing rejects expression and non-expression parameters in one
// request; both lists are in DynamoDB's order for the operation and hold
// only the parameters the request carried.
func checkMixing(nonExpr, expr []string) error {
	if len(nonExpr) == 0 || len(expr) == 0 {
		return nil
	}
	return ddberr.Validationf("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {%s} Expression parameters: {%s}",
		strings.Join(nonExpr, ", "), strings.Join(expr, ", "))
}

// present appends name to list when set.
func present(list []string, name string, set bool) []string {
	if set {
		return append(list, name)
	}
	return list
}

// checkConditionalOperator applies DynamoDB's rule that ConditionalOperator
// needs a filter (or Expected) of two or more conditions.
func checkConditionalOperator(op *string, conds int) error {
	switch {
	case op == nil:
		return nil
	case conds == 0:
		return ddberr.Validationf("ConditionalOperator cannot be used without Filter or Expected")
	case conds == 1:
		return ddberr.Validationf("ConditionalOperator can only be used when Filter or Expected has two or more elements")
	}
	return nil
}

// checkFilterConds validates KeyConditions, QueryFilter or ScanFilter
// conditions: argument counts, one type per list, the types each operator
// accepts, and BETWEEN's bounds.
func checkFilterConds(conds map[string]legacyCond) error {
	for _, name := range attr.SortedKeys(conds) {
		c := conds[name]
		var vals []attr.Value
		if c.AttributeValueList != nil {
			vals = *c.AttributeValueList
		}
		if err := checkOperands(*c.ComparisonOperator, vals); err != nil {
			return err
		}
	}
	return nil
}

func checkOperands(op string, vals []attr.Value) error {
	if !argCountOK(op, len(vals)) {
		return invalidParam("Invalid number of argument(s) for the %s ComparisonOperator", op)
	}
	for _, v := range vals[min(1, len(vals)):] {
		if v.Type != vals[0].Type {
			return invalidParam("AttributeValues inside AttributeValueList must be of same type")
		}
	}
	for _, v := range vals {
		if !typeIn(v.Type, operandTypes[op]) {
			return invalidParam("ComparisonOperator %s is not valid for %s AttributeValue type", op, v.Type)
		}
	}
	if op == "BETWEEN" && attr.CompareKeyValues(vals[0], vals[1]) > 0 {
		return ddberr.Validationf("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound")
	}
	return nil
}

func typeIn(t attr.Type, ts []attr.Type) bool {
	for _, x := range ts {
		if t == x {
			return true
		}
	}
	return false
}

// checkExpected validates Expected: Exists/Value or ComparisonOperator/
// AttributeValueList (or Value), never both styles in one condition.
func checkExpected(conds map[string]legacyCond) error {
	for _, name := range attr.SortedKeys(conds) {
		c := conds[name]
		if c.AttributeValueList != nil && c.Value != nil {
			return invalidParam("Value and AttributeValueList cannot be used together for Attribute: %s", name)
		}
		if c.ComparisonOperator != nil {
			op := *c.ComparisonOperator
			if c.Exists != nil {
				return invalidParam("Exists and ComparisonOperator cannot be used together for Attribute: %s", name)
			}
			if op != "NULL" && op != "NOT_NULL" && c.AttributeValueList == nil && c.Value == nil {
				return invalidParam("Value or AttributeValueList must be used with ComparisonOperator: %s for Attribute: %s", op, name)
			}
			if err := checkOperands(op, c.values()); err != nil {
				return err
			}
			continue
		}
		if c.AttributeValueList != nil {
			return invalidParam("AttributeValueList can only be used with a ComparisonOperator for Attribute: %s", name)
		}
		exists := c.Exists == nil || *c.Exists
		switch {
		case exists && c.Value == nil:
			shown := "null"
			if c.Exists != nil {
				shown = "true"
			}
			return invalidParam("Value must be provided when Exists is %s for Attribute: %s", shown, name)
		case !exists && c.Value != nil:
			return invalidParam("Value cannot be used when Exists is false for Attribute: %s", name)
		}
	}
	return nil
}

// values returns the condition's operands: AttributeValueList, or Value as
// a list of one.
func (c legacyCond) values() []attr.Value {
	switch {
	case c.AttributeValueList != nil:
		return *c.AttributeValueList
	case c.Value != nil:
		return []attr.Value{*c.Value}
	}
	return nil
}

// checkAttributeUpdates validates AttributeUpdates: a value for PUT and ADD,
// a set for DELETE with a value, a number, set or list for ADD.
func checkAttributeUpdates(ups map[string]attributeUpdate) error {
	for _, name := range attr.SortedKeys(ups) {
		u := ups[name]
		action := u.action()
		if u.Value == nil {
			if action != "DELETE" {
				return invalidParam("Only DELETE action is allowed when no attribute value is specified")
			}
			continue
		}
		t := u.Value.Type
		switch action {
		case "DELETE":
			if !t.IsSet() {
				return invalidParam("DELETE action with value is not supported for the type %s", t)
			}
		case "ADD":
			if !t.IsSet() && t != attr.TypeN && t != attr.TypeL {
				return invalidParam("ADD action is not supported for the type %s", t)
			}
		}
	}
	return nil
}

// action is the update's Action; PUT when absent, as documented.
func (u attributeUpdate) action() string {
	if u.Action == nil {
		return "PUT"
	}
	return *u.Action
}

// legacyExprs is what a request's legacy parameters translate to:
// expressions over generated placeholders, and the placeholders.
type legacyExprs struct {
	names     map[string]string
	values    map[string]attr.Value
	condition *string
	filter    *string
	update    *string
	keyCond   *string
	// unbounded is set when a translation may exceed the limits DynamoDB
	// puts on expressions that clients write.
	unbounded bool

	// taken are the caller's placeholders, which generated ones avoid.
	takenNames  map[string]string
	takenValues map[string]attr.Value
	byName      map[string]string
	next        int
}

func newLegacyExprs(user exprInput) *legacyExprs {
	return &legacyExprs{
		names: map[string]string{}, values: map[string]attr.Value{}, byName: map[string]string{},
		takenNames: user.ExpressionAttributeNames, takenValues: user.ExpressionAttributeValues,
	}
}

// name returns the placeholder for the top-level attribute n. Legacy names
// are never paths: "a.b" is the attribute called "a.b".
func (l *legacyExprs) name(n string) string {
	if ph, ok := l.byName[n]; ok {
		return ph
	}
	for {
		ph := "#l" + strconv.Itoa(l.next)
		l.next++
		if _, taken := l.takenNames[ph]; !taken {
			l.names[ph] = n
			l.byName[n] = ph
			return ph
		}
	}
}

// value returns a fresh placeholder bound to v.
func (l *legacyExprs) value(v attr.Value) string {
	for {
		ph := ":l" + strconv.Itoa(l.next)
		l.next++
		if _, taken := l.takenValues[ph]; !taken {
			l.values[ph] = v
			return ph
		}
	}
}

// cond translates one comparison on the attribute called name.
func (l *legacyExprs) cond(name, op string, vals []attr.Value) string {
	a := l.name(name)
	switch op {
	case "NULL":
		return "attribute_not_exists(" + a + ")"
	case "NOT_NULL":
		return "attribute_exists(" + a + ")"
	case "CONTAINS":
		return "contains(" + a + ", " + l.value(vals[0]) + ")"
	case "NOT_CONTAINS":
		return "NOT contains(" + a + ", " + l.value(vals[0]) + ")"
	case "BEGINS_WITH":
		return "begins_with(" + a + ", " + l.value(vals[0]) + ")"
	case "BETWEEN":
		return a + " BETWEEN " + l.value(vals[0]) + " AND " + l.value(vals[1])
	case "IN":
		phs := make([]string, len(vals))
		for i, v := range vals {
			phs[i] = l.value(v)
		}
		return a + " IN (" + strings.Join(phs, ", ") + ")"
	}
	return a + " " + comparator[op] + " " + l.value(vals[0])
}

var comparator = map[string]string{"EQ": "=", "NE": "<>", "LT": "<", "LE": "<=", "GT": ">", "GE": ">="}

// filter translates validated filter (or key) conditions joined by
// ConditionalOperator (AND by default).
func (l *legacyExprs) filterOf(conds map[string]legacyCond, op *string) *string {
	parts := make([]string, 0, len(conds))
	for _, name := range attr.SortedKeys(conds) {
		c := conds[name]
		parts = append(parts, "("+l.cond(name, *c.ComparisonOperator, c.values())+")")
	}
	return joinConds(parts, op)
}

// expectedOf translates validated Expected conditions.
func (l *legacyExprs) expectedOf(conds map[string]legacyCond, op *string) *string {
	parts := make([]string, 0, len(conds))
	for _, name := range attr.SortedKeys(conds) {
		c := conds[name]
		var s string
		switch {
		case c.ComparisonOperator != nil:
			s = l.cond(name, *c.ComparisonOperator, c.values())
		case c.Exists != nil && !*c.Exists:
			s = l.cond(name, "NULL", nil)
		default:
			s = l.cond(name, "EQ", []attr.Value{*c.Value})
		}
		parts = append(parts, "("+s+")")
	}
	return joinConds(parts, op)
}

func joinConds(parts []string, op *string) *string {
	if len(parts) == 0 {
		return nil
	}
	sep := " AND "
	if op != nil && *op == "OR" {
		sep = " OR "
	}
	s := strings.Join(parts, sep)
	return &s
}

// updateOf translates validated AttributeUpdates. ADD of a list appends to
// it (creating it when absent), which UpdateExpression spells with
// list_append.
func (l *legacyExprs) updateOf(ups map[string]attributeUpdate) *string {
	var set, remove, add, del []string
	for _, name := range attr.SortedKeys(ups) {
		u := ups[name]
		a := l.name(name)
		switch u.action() {
		case "PUT":
			set = append(set, a+" = "+l.value(*u.Value))
		case "DELETE":
			if u.Value == nil {
				remove = append(remove, a)
			} else {
				del = append(del, a+" "+l.value(*u.Value))
			}
		case "ADD":
			if u.Value.Type == attr.TypeL {
				empty := l.value(attr.Value{Type: attr.TypeL, L: []attr.Value{}})
				set = append(set, a+" = list_append(if_not_exists("+a+", "+empty+"), "+l.value(*u.Value)+")")
			} else {
				add = append(add, a+" "+l.value(*u.Value))
			}
		}
	}
	var clauses []string
	for _, c := range []struct {
		kw   string
		list []string
	}{{"SET", set}, {"REMOVE", remove}, {"ADD", add}, {"DELETE", del}} {
		if len(c.list) > 0 {
			clauses = append(clauses, c.kw+" "+strings.Join(c.list, ", "))
		}
	}
	if len(clauses) == 0 {
		return nil
	}
	s := strings.Join(clauses, " ")
	return &s
}

// empty reports whether nothing was translated.
func (l *legacyExprs) empty() bool {
	return l.condition == nil && l.filter == nil && l.update == nil && l.keyCond == nil
}

// placeholdersWithoutExpressions is DynamoDB's error for
// ExpressionAttributeNames or ExpressionAttributeValues sent with no
// expression; valueExprs names the operation's value-taking expressions.
func placeholdersWithoutExpressions(in exprInput, valueExprs ...string) error {
	if in.ExpressionAttributeNames != nil {
		return ddberr.Validationf("ExpressionAttributeNames can only be specified when using expressions")
	}
	if in.ExpressionAttributeValues != nil && len(valueExprs) > 0 {
		verb := "is"
		if len(valueExprs) > 1 {
			verb = "are"
		}
		return ddberr.Validationf("ExpressionAttributeValues can only be specified when using expressions: %s %s null", strings.Join(valueExprs, " and "), verb)
	}
	return nil
}
