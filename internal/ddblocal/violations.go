package ddblocal

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// maxViolations is how many constraint violations DynamoDB lists in one
// "N validation errors detected" message before it stops looking.
const maxViolations = 10

// violations collects the constraint violations of one request, so that
// they are reported together as DynamoDB does ("2 validation errors
// detected: Value 'x' at 'tableName' failed to satisfy constraint: …; …")
// and before anything is looked up. The zero value is ready to use.
type violations struct {
	list []string
}

// add records that value at member breaks constraint. A nil value is
// printed as null, without quotes, as DynamoDB prints a missing member.
func (v *violations) add(value any, member, constraint string) {
	if len(v.list) >= maxViolations {
		return
	}
	text := "null"
	if value != nil {
		text = "'" + fmt.Sprint(value) + "'"
	}
	v.list = append(v.list, "Value "+text+" at '"+member+"' failed to satisfy constraint: "+constraint)
}

// null records a required member left out.
func (v *violations) null(member string) { v.add(nil, member, "Member must not be null") }

// enum records value unless it is one of allowed; "" means absent and is
// accepted.
func (v *violations) enum(value, member string, allowed ...string) {
	if value == "" {
		return
	}
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(value, member, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

// enumPtr is enum for an optional member sent as a pointer: nil is
// absent, and an empty string breaks the constraint like any other value.
func (v *violations) enumPtr(value *string, member string, allowed ...string) {
	if value == nil {
		return
	}
	if *value == "" {
		v.add("", member, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
		return
	}
	v.enum(*value, member, allowed...)
}

// name records the constraints of a table or index name: the pattern, then
// the length bounds, each that fails. An empty name is a missing member
// when required, and otherwise breaks the pattern and the minimum length.
func (v *violations) name(name, member string, required bool) {
	if name == "" && required {
		v.null(member)
		return
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			v.add(name, member, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
			break
		}
	}
	if name == "" {
		v.add(name, member, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	if len(name) < 3 {
		v.add(name, member, "Member must have length greater than or equal to 3")
	}
	if len(name) > 255 {
		v.add(name, member, "Member must have length less than or equal to 255")
	}
}

// capacity records bad ReturnConsumedCapacity / ReturnItemCollectionMetrics
// values.
func (v *violations) capacity(c capacityInput) {
	v.enum(c.ReturnConsumedCapacity, "returnConsumedCapacity", "INDEXES", "TOTAL", "NONE")
	v.enum(c.ReturnItemCollectionMetrics, "returnItemCollectionMetrics", "SIZE", "NONE")
}

// err returns the collected violations as one ValidationException, or nil.
func (v *violations) err() error {
	switch n := len(v.list); n {
	case 0:
		return nil
	case 1:
		return ddberr.Validationf("1 validation error detected: %s", v.list[0])
	default:
		return ddberr.Validationf("%s validation errors detected: %s", strconv.Itoa(n), strings.Join(v.list, "; "))
	}
}

// attributesToGet records an AttributesToGet list sent empty or too long.
func (v *violations) attributesToGet(names []string, member string) {
	if names == nil {
		return
	}
	shown := "[" + strings.Join(names, ", ") + "]"
	if len(names) < 1 {
		v.add(shown, member, "Member must have length greater than or equal to 1")
	}
	if len(names) > 255 {
		v.add(shown, member, "Member must have length less than or equal to 255")
	}
}

// transaction records the constraints every transaction request has: its
// capacity members and its number of items, n.
func (v *violations) transaction(c capacityInput, n int) {
	v.capacity(c)
	v.transactItems(n)
}

// transactItems records a TransactItems list of n entries outside 1..100.
func (v *violations) transactItems(n int) {
	switch {
	case n == 0:
		v.add("[]", "transactItems", "Member must have length greater than or equal to 1")
	case n > maxTransactItems:
		v.add("[...]", "transactItems", "Member must have length less than or equal to 100")
	}
}
