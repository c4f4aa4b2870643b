package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/obs"
)

// ErrorPresenter is the one place where errors become GraphQL errors.
// Domain errors keep their code, message and field; everything else is
// logged and shown as INTERNAL without detail, so no DynamoDB or Go error
// text reaches a client.
func ErrorPresenter(ctx context.Context, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Err == nil {
		// Parser and validation errors from gqlgen itself.
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		if _, ok := gqlErr.Extensions["code"]; !ok {
			gqlErr.Extensions["code"] = string(entities.CodeBadInput)
		}
		badValue(gqlErr)
		return gqlErr
	}
	if errors.As(err, &gqlErr) && isInputCoercion(gqlErr.Err) {
		// An argument literal gqlgen could not coerce (an Int out of
		// range): the client's mistake, with a message that is about the
		// input only.
		out := graphql.DefaultErrorPresenter(ctx, errors.New(gqlErr.Message))
		out.Path = gqlErr.Path
		out.Extensions = map[string]any{"code": string(entities.CodeBadInput)}
		return out
	}
	var de *entities.Error
	if errors.As(err, &de) && de.Code != entities.CodeInternal {
		out := graphql.DefaultErrorPresenter(ctx, errors.New(de.Message))
		ext := map[string]any{"code": string(de.Code)}
		if de.Field != "" {
			ext["field"] = de.Field
			out.Message = de.Field + ": " + de.Message
		}
		out.Extensions = ext
		return out
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		out := graphql.DefaultErrorPresenter(ctx, errors.New("request cancelled or timed out"))
		out.Extensions = map[string]any{"code": string(entities.CodeInternal)}
		return out
	}
	obs.LoggerFrom(ctx).ErrorContext(ctx, "graphql: internal error", slog.Any("error", err))
	out := graphql.DefaultErrorPresenter(ctx, errors.New("internal error"))
	out.Extensions = map[string]any{"code": string(entities.CodeInternal)}
	return out
}

// withoutSuggestions wraps a presenter to cut the "Did you mean …?" hint
// from validation messages, which would name fields, arguments and types
// of a schema that is not published (introspection off).
func withoutSuggestions(p graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := p(ctx, err)
		if i := strings.Index(out.Message, " Did you mean "); i >= 0 {
			out.Message = out.Message[:i]
		}
		return out
	}
}

// badValue makes a value the client sent that does not fit its type — a
// variable (a float, or an integer out of the 32-bit range, for an Int)
// or an argument literal (ValuesOfCorrectType) — BAD_USER_INPUT, as a
// value out of a field's own range is, rather than a failure of the
// document's validation. gqlgen's message for a variable quotes the value
// it failed to convert, which is not the client's (0 for 1e20): it says
// which variable and which type instead.
func badValue(e *gqlerror.Error) {
	if len(e.Path) == 2 && e.Path[0] == ast.PathName("variable") {
		name, _ := e.Path[1].(ast.PathName)
		e.Extensions["code"] = string(entities.CodeBadInput)
		e.Extensions["field"] = "$" + string(name)
		if _, typ, ok := strings.Cut(e.Message, " as "); ok && strings.HasPrefix(e.Message, "cannot use value") {
			e.Message = fmt.Sprintf("variable $%s: the value is not a valid %s", name, typ)
			if typ == "Int" {
				e.Message += " (a whole number from -2147483648 to 2147483647)"
			}
		}
		return
	}
	if e.Rule == "ValuesOfCorrectType" {
		e.Extensions["code"] = string(entities.CodeBadInput)
	}
}

// isInputCoercion reports whether err is gqlgen's failure to coerce an
// argument value to its scalar type.
func isInputCoercion(err error) bool {
	if err == nil {
		return false
	}
	var overflow *graphql.NumberOverflowError
	var intErr graphql.IntegerError
	var intPtr *graphql.IntegerError
	return errors.As(err, &overflow) || errors.As(err, &intErr) || errors.As(err, &intPtr)
}

// RecoverFunc turns a resolver panic into an INTERNAL error without
// internals in the message; the panic and its stack go to the log.
func RecoverFunc(ctx context.Context, p any) error {
	obs.LoggerFrom(ctx).ErrorContext(ctx, "graphql: panic in a resolver", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
	return &entities.Error{Code: entities.CodeInternal, Message: "internal error"}
}
