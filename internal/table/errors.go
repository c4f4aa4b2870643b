package table

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// Reason classifies why a DynamoDB write (or one action of a transaction)
// did not happen. It is the only vocabulary the rest of hubstream uses for
// DynamoDB failures.
type Reason int

// Reasons, from the most to the least specific.
const (
	ReasonNone                Reason = iota // the action would have succeeded
	ReasonConditionFailed                   // a condition expression was false
	ReasonTransactionConflict               // another transaction touched the item
	ReasonThrottled                         // capacity or request-rate limits
	ReasonValidation                        // the request was invalid
	ReasonNotFound                          // table or index does not exist
	ReasonOther                             // anything else (network, 5xx…)
)

// Cancellation describes a cancelled transaction: one reason per action in
// request order, and the item a failed condition saw when the action asked
// for ALL_OLD.
type Cancellation struct {
	Reasons []Reason
	Items   []map[string]types.AttributeValue
}

// Classify maps an error from the DynamoDB client to a Reason.
func Classify(err error) Reason {
	if err == nil {
		return ReasonNone
	}
	var ccf *types.ConditionalCheckFailedException
	var tce *types.TransactionCanceledException
	var tc *types.TransactionConflictException
	var rnf *types.ResourceNotFoundException
	var pte *types.ProvisionedThroughputExceededException
	var rle *types.RequestLimitExceeded
	var tie *types.TransactionInProgressException
	switch {
	case errors.As(err, &ccf):
		return ReasonConditionFailed
	case errors.As(err, &tc), errors.As(err, &tie):
		return ReasonTransactionConflict
	case errors.As(err, &tce):
		c, _ := AsCancellation(err)
		return c.Reason()
	case errors.As(err, &rnf):
		return ReasonNotFound
	case errors.As(err, &pte), errors.As(err, &rle):
		return ReasonThrottled
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ValidationException":
			return ReasonValidation
		case "ThrottlingException":
			return ReasonThrottled
		}
	}
	return ReasonOther
}

// IsValidation reports whether err is a DynamoDB ValidationException.
func IsValidation(err error) bool { return Classify(err) == ReasonValidation }

// IsConditionFailed reports whether err is a failed condition of a single
// write.
func IsConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// AsCancellation returns the per-action reasons of a cancelled transaction,
// and false if err is not one.
func AsCancellation(err error) (Cancellation, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return Cancellation{}, false
	}
	c := Cancellation{Reasons: make([]Reason, len(tce.CancellationReasons)), Items: make([]map[string]types.AttributeValue, len(tce.CancellationReasons))}
	for i, r := range tce.CancellationReasons {
		c.Items[i] = r.Item
		switch aws.ToString(r.Code) {
		case "None", "":
			c.Reasons[i] = ReasonNone
		case "ConditionalCheckFailed":
			c.Reasons[i] = ReasonConditionFailed
		case "TransactionConflict":
			c.Reasons[i] = ReasonTransactionConflict
		case "ThrottlingError", "ProvisionedThroughputExceeded":
			c.Reasons[i] = ReasonThrottled
		case "ValidationError":
			c.Reasons[i] = ReasonValidation
		default:
			c.Reasons[i] = ReasonOther
		}
	}
	return c, true
}

// Reason returns the reason that decides what to do about the cancelled
// transaction as a whole: a validation error or an unknown reason over a
// failed condition, that over a conflict, that over throttling.
// ConditionFailed when no action gave a reason.
func (c Cancellation) Reason() Reason {
	out, best := ReasonConditionFailed, -1
	for _, r := range c.Reasons {
		if k := cancellationRank(r); k > best {
			out, best = r, k
		}
	}
	return out
}

func cancellationRank(r Reason) int {
	switch r {
	case ReasonValidation:
		return 5
	case ReasonOther:
		return 4
	case ReasonNotFound:
		return 3
	case ReasonConditionFailed:
		return 2
	case ReasonTransactionConflict:
		return 1
	case ReasonThrottled:
		return 0
	}
	return -1 // ReasonNone
}

// Contended reports whether every action either would have succeeded or
// failed for a reason another attempt can clear: a failed condition (the
// caller reads again and decides anew), a conflicting transaction or
// throttling. A validation error or an unknown reason is not contention:
// repeating the write cannot help.
func (c Cancellation) Contended() bool {
	for _, r := range c.Reasons {
		switch r {
		case ReasonNone, ReasonConditionFailed, ReasonTransactionConflict, ReasonThrottled:
		default:
			return false
		}
	}
	return true
}

// Retryable reports whether a failed call may succeed if repeated as is.
func Retryable(err error) bool {
	switch Classify(err) {
	case ReasonTransactionConflict, ReasonThrottled:
		return true
	}
	if c, ok := AsCancellation(err); ok {
		for _, r := range c.Reasons {
			if r == ReasonConditionFailed || r == ReasonValidation {
				return false
			}
		}
		return true
	}
	return false
}
