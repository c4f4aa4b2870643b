package attr

import (
	"encoding/base64"
	"strings"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// DynamoDB's texts for invalid attribute values. Where a message looks odd
// (the double space, "an string", the missing space before "of type BS"),
// it is copied from the real service so clients matching on it keep working.
const (
	msgEmptyValue     = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	msgMultipleTypes  = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	msgNullFalse      = "One or more parameter values were invalid: Null attribute value types must have the value of true"
	msgEmptySS        = "One or more parameter values were invalid: An string set  may not be empty"
	msgEmptyNS        = "One or more parameter values were invalid: An number set  may not be empty"
	msgEmptyBS        = "One or more parameter values were invalid: Binary sets should not be empty"
	msgNullInSS       = "One or more parameter values were invalid: An string set may not have a null string as a member"
	msgNullInNS       = "The parameter cannot be converted to a numeric value"
	msgNullInBS       = "One or more parameter values were invalid: Binary sets may not contain null or empty values"
	msgNestingTooDeep = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
	msgNSDuplicates   = "One or more parameter values were invalid: Input collection contains duplicates."
)

func errEmptyValue() *ddberr.Error    { return ddberr.Validationf(msgEmptyValue) }
func errMultipleTypes() *ddberr.Error { return ddberr.Validationf(msgMultipleTypes) }
func errNesting() *ddberr.Error       { return ddberr.Validationf(msgNestingTooDeep) }

// errDuplicates reports a set with repeated members, listing the members as
// the client sent them.
func errDuplicates(t Type, members []string) *ddberr.Error {
	switch t {
	case TypeNS:
		return ddberr.Validationf(msgNSDuplicates)
	case TypeBS:
		return ddberr.Validationf("One or more parameter values were invalid: Input collection [%s]of type BS contains duplicates.", strings.Join(members, ", "))
	}
	return ddberr.Validationf("One or more parameter values were invalid: Input collection [%s] contains duplicates.", strings.Join(members, ", "))
}

func errEmptySet(t Type) *ddberr.Error {
	switch t {
	case TypeNS:
		return ddberr.Validationf(msgEmptyNS)
	case TypeBS:
		return ddberr.Validationf(msgEmptyBS)
	}
	return ddberr.Validationf(msgEmptySS)
}

// base64Members renders binary set members as the client sent them; the
// decoder accepts only canonical base64, so re-encoding reproduces it.
func base64Members(bs [][]byte) []string {
	members := make([]string, len(bs))
	for i, b := range bs {
		members[i] = base64.StdEncoding.EncodeToString(b)
	}
	return members
}
