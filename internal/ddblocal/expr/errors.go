package expr

import (
	"fmt"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// DynamoDB's runtime texts for UpdateItem. They carry no "Invalid
// UpdateExpression:" prefix because DynamoDB reports them without one: they
// are about the item, not the expression.
const (
	msgMissingAttr   = "The provided expression refers to an attribute that does not exist in the item"
	msgIncorrectType = "An operand in the update expression has an incorrect data type"
	msgInvalidPath   = "The document path provided in the update expression is invalid for update"
)

// category orders the semantic errors found while checking a parsed
// expression. DynamoDB parses the whole expression first (syntax errors win)
// and then reports one semantic problem; when an expression has several, it
// picks them in a fixed order of kinds rather than by position. The order
// below follows what DynamoDB is observed to report.
type category uint8

const (
	catOperators    category = iota // more than maxOperators operators/functions
	catParens                       // redundant parentheses
	catUnknownFunc                  // Invalid function name
	catMisusedFunc                  // function used where it is not allowed
	catReserved                     // reserved word used as an attribute name
	catSection                      // an update section used twice
	catUndefined                    // #name or :value not defined
	catOverlap                      // two paths overlap
	catConflict                     // two paths conflict
	catAddDelete                    // ADD/DELETE operand of the wrong type
	catOperandCount                 // wrong number of function operands
	catDistinct                     // same path on both sides
	catPathRequired                 // function needs a document path
	catOperandType                  // constant operand of the wrong type
	numCategories
)

// errSet keeps the first error of each category.
type errSet struct {
	kind Kind
	errs [numCategories]string
	any  bool
}

// add records msg (without the "Invalid <Kind>: " prefix) for c unless c
// already has one.
func (e *errSet) add(c category, format string, args ...any) {
	if e.errs[c] != "" {
		return
	}
	if len(args) > 0 {
		format = fmt.Sprintf(format, args...)
	}
	e.errs[c] = format
	e.any = true
}

// err returns the highest-priority error, or nil.
func (e *errSet) err() error {
	if !e.any {
		return nil
	}
	for _, m := range e.errs {
		if m != "" {
			return e.kind.invalid(m)
		}
	}
	return nil
}

// invalid returns a ValidationException "Invalid <Kind>: msg".
func (k Kind) invalid(msg string) *ddberr.Error {
	return &ddberr.Error{Code: ddberr.Validation, Message: "Invalid " + k.String() + ": " + msg}
}

// validation returns a ValidationException with a message of its own,
// without the "Invalid <Kind>:" prefix.
func validation(msg string) *ddberr.Error {
	return &ddberr.Error{Code: ddberr.Validation, Message: msg}
}
