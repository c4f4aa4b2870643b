// Package ddberr defines the client-facing error of the embedded DynamoDB
// engine: an exception name from DynamoDB's API model and a message that tells
// the caller what is wrong. Every package of the engine returns *Error for bad
// input so the HTTP layer can answer with the right __type and a 400.
package ddberr

import "fmt"

// Code is the exception name exactly as the AWS SDK models it.
type Code string

// The exception names the engine produces.
const (
	Validation                  Code = "ValidationException"
	Serialization               Code = "SerializationException"
	UnknownOperation            Code = "UnknownOperationException"
	ResourceNotFound            Code = "ResourceNotFoundException"
	ResourceInUse               Code = "ResourceInUseException"
	ConditionalCheckFailed      Code = "ConditionalCheckFailedException"
	TransactionCanceled         Code = "TransactionCanceledException"
	TransactionConflict         Code = "TransactionConflictException"
	IdempotentParameterMismatch Code = "IdempotentParameterMismatchException"
	ItemCollectionSizeLimit     Code = "ItemCollectionSizeLimitExceededException"
	LimitExceeded               Code = "LimitExceededException"
	ExpiredIterator             Code = "ExpiredIteratorException"
	TrimmedDataAccess           Code = "TrimmedDataAccessException"
	InternalServerError         Code = "InternalServerError"

	ProvisionedThroughputExceeded Code = "ProvisionedThroughputExceededException"
	Throttling                    Code = "ThrottlingException"
)

// Error is a client-visible engine error.
type Error struct {
	Code    Code
	Message string
}

// Error returns "Code: Message".
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// New returns an *Error with a formatted message.
func New(code Code, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Code: code, Message: format}
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Validationf returns a ValidationException with a formatted message.
func Validationf(format string, args ...any) *Error { return New(Validation, format, args...) }

// Serializationf returns a SerializationException with a formatted message.
func Serializationf(format string, args ...any) *Error { return New(Serialization, format, args...) }
