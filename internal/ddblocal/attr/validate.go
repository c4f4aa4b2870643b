package attr

import (
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// Validate checks a value the engine built itself (say, by an update
// expression) against the rules the JSON decoder enforces on input: a known
// type, NULL true, valid numbers, non-empty sets without duplicates and
// nesting within MaxNestingDepth. It returns the
// ValidationException DynamoDB would give, or nil.
func Validate(v Value) error {
	if e := validate(v, 0); e != nil {
		return e
	}
	return nil
}

// ValidateItem applies Validate to every attribute of it.
func ValidateItem(it Item) error {
	for _, v := range it {
		if e := validate(v, 0); e != nil {
			return e
		}
	}
	return nil
}

// validate checks v, which is nested inside level lists and maps.
func validate(v Value, level int) *ddberr.Error {
	switch v.Type {
	case TypeS, TypeB, TypeBOOL, TypeNULL:
		return nil
	case TypeN:
		if _, err := canonicalNumber(v.S); err != nil {
			return numberError(err)
		}
		return nil
	case TypeM, TypeL:
		if level+1 >= MaxNestingDepth {
			return errNesting()
		}
		for _, e := range v.M {
			if err := validate(e, level+1); err != nil {
				return err
			}
		}
		for _, e := range v.L {
			if err := validate(e, level+1); err != nil {
				return err
			}
		}
		return nil
	case TypeSS:
		if len(v.SS) == 0 {
			return errEmptySet(v.Type)
		}
		if hasDuplicateStrings(v.SS) {
			return errDuplicates(v.Type, v.SS)
		}
		return nil
	case TypeNS:
		if len(v.SS) == 0 {
			return errEmptySet(v.Type)
		}
		canon := make([]string, len(v.SS))
		for i, s := range v.SS {
			c, err := canonicalNumber(s)
			if err != nil {
				return numberError(err)
			}
			canon[i] = c
		}
		if hasDuplicateStrings(canon) {
			return errDuplicates(v.Type, v.SS)
		}
		return nil
	case TypeBS:
		if len(v.BS) == 0 {
			return errEmptySet(v.Type)
		}
		if hasDuplicateBytes(v.BS) {
			return errDuplicates(v.Type, base64Members(v.BS))
		}
		return nil
	}
	return errEmptyValue()
}
