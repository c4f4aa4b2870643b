package graph

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
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
