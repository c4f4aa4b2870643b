package entities

import "fmt"

// Code is a stable, client-visible error code. The set is small on purpose:
// clients branch on it, so it must not grow casually.
type Code string

// The domain error codes. They match GraphQL extensions.code values.
const (
	CodeBadInput        Code = "BAD_USER_INPUT"
	CodeNotFound        Code = "NOT_FOUND"
	CodeAlreadyExists   Code = "ALREADY_EXISTS"
	CodeForbidden       Code = "FORBIDDEN"
	CodeUnauthenticated Code = "UNAUTHENTICATED"
	CodeConflict        Code = "CONFLICT"
	CodeInternal        Code = "INTERNAL"
	// CodeLimitExceeded: a server-side limit on long-lived work was
	// reached (subscriptions per connection or viewer, a subscriber too
	// slow to keep up). Request-size limits are validation errors instead.
	CodeLimitExceeded Code = "LIMIT_EXCEEDED"
)

// Error is the one domain error type. Message is safe to show to clients;
// Field names the offending input field for CodeBadInput.
type Error struct {
	Code    Code
	Field   string
	Message string
}

// Error returns the message prefixed by the code.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Is makes errors.Is(err, ErrNotFound) match any *Error with that code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == "" && t.Field == ""
}

// Sentinels for errors.Is; they carry only a code.
var (
	ErrBadInput        = &Error{Code: CodeBadInput}
	ErrNotFound        = &Error{Code: CodeNotFound}
	ErrAlreadyExists   = &Error{Code: CodeAlreadyExists}
	ErrForbidden       = &Error{Code: CodeForbidden}
	ErrUnauthenticated = &Error{Code: CodeUnauthenticated}
	ErrConflict        = &Error{Code: CodeConflict}
	ErrInternal        = &Error{Code: CodeInternal}
)

// BadInput returns a CodeBadInput error naming field.
func BadInput(field, format string, args ...any) *Error {
	return &Error{Code: CodeBadInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns a CodeNotFound error.
func NotFound(format string, args ...any) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

// AlreadyExists returns a CodeAlreadyExists error.
func AlreadyExists(format string, args ...any) *Error {
	return &Error{Code: CodeAlreadyExists, Message: fmt.Sprintf(format, args...)}
}

// Forbidden returns a CodeForbidden error.
func Forbidden(format string, args ...any) *Error {
	return &Error{Code: CodeForbidden, Message: fmt.Sprintf(format, args...)}
}

// Conflict returns a CodeConflict error.
func Conflict(format string, args ...any) *Error {
	return &Error{Code: CodeConflict, Message: fmt.Sprintf(format, args...)}
}
