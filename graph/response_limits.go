package graph

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Limits on what one response may hold. The cost limit bounds the reads a
// query asks for, not the bytes they return: long texts × aliases × pages
// (bodies of up to 96 KiB, history data) would still make the server build
// and send a response hundreds of times larger than the request. So the
// bytes of every resolved field are counted as it resolves; once a
// response passes its budget the rest of the query is not resolved, and
// the client gets one RESPONSE_TOO_LARGE error instead of data. And one
// response holds at most MaxErrors errors (many aliases each failing
// would otherwise make thousands), then one that says how many more were
// suppressed.

// Codes of the response limits, in extensions.code.
const (
	// CodeResponseTooLarge: the response would exceed MaxResponseBytes.
	CodeResponseTooLarge = "RESPONSE_TOO_LARGE"
	// CodeErrorsSuppressed: the last entry of an errors list cut at
	// MaxErrors.
	CodeErrorsSuppressed = "ERRORS_SUPPRESSED"
)

// Defaults of HandlerOptions.
const (
	// DefaultMaxResponseBytes holds a full page of 100 of the largest
	// bodies (96 KiB each) with room to spare.
	DefaultMaxResponseBytes = 16 << 20
	DefaultMaxErrors        = 100
)

// responseLimits is the extension that enforces MaxResponseBytes (≤ 0:
// none) and MaxErrors (≤ 0: none).
type responseLimits struct {
	maxBytes  int64
	maxErrors int
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
	graphql.FieldInterceptor
} = responseLimits{}

func (responseLimits) ExtensionName() string                   { return "HubstreamResponseLimits" }
func (responseLimits) Validate(graphql.ExecutableSchema) error { return nil }

type budgetKey struct{}

// budget counts the estimated bytes of one response.
type budget struct {
	max  int64
	used atomic.Int64
	over atomic.Bool
}

// InterceptResponse gives the response a byte budget, replaces a response
// that exceeded it by one RESPONSE_TOO_LARGE error, and cuts its errors
// at maxErrors.
func (l responseLimits) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	var b *budget
	if l.maxBytes > 0 {
		b = &budget{max: l.maxBytes}
		ctx = context.WithValue(ctx, budgetKey{}, b)
	}
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	if b != nil && (b.over.Load() || int64(len(resp.Data)) > l.maxBytes) {
		// Partial data would be arbitrary (whichever fields resolved
		// first): none is sent. A mutation's write stands; retry it with
		// its idempotencyKey and a smaller selection to see its payload.
		err := gqlerror.Errorf("the response would be larger than %d bytes (the limit): ask for smaller pages, fewer fields or fewer aliases, or split the query", l.maxBytes)
		err.Extensions = map[string]any{"code": CodeResponseTooLarge, "limit": l.maxBytes}
		resp.Data = nil
		resp.Errors = gqlerror.List{err}
	}
	if l.maxErrors > 0 && len(resp.Errors) > l.maxErrors {
		more := len(resp.Errors) - l.maxErrors
		last := gqlerror.Errorf("%d more errors were suppressed (at most %d are listed)", more, l.maxErrors)
		last.Extensions = map[string]any{"code": CodeErrorsSuppressed, "limit": l.maxErrors, "suppressed": more}
		resp.Errors = append(resp.Errors[:l.maxErrors:l.maxErrors], last)
	}
	return resp
}

// InterceptField counts what each field adds to the response, and stops
// resolving once the budget is spent: the fields left (and their loads)
// are skipped, and the response is replaced anyway.
func (responseLimits) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	b, _ := ctx.Value(budgetKey{}).(*budget)
	if b == nil {
		return next(ctx)
	}
	if b.over.Load() {
		return nil, tooLargeFieldError()
	}
	res, err := next(ctx)
	n := int64(16) // the field's name, punctuation, a small value
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		n += int64(len(fc.Field.Alias))
	}
	n += valueBytes(res)
	if b.used.Add(n) > b.max {
		b.over.Store(true)
		return nil, tooLargeFieldError()
	}
	return res, err
}

// tooLargeFieldError is the error of the fields cut by the budget; the
// response replaces them all with one error.
func tooLargeFieldError() error {
	err := gqlerror.Errorf("response too large")
	err.Extensions = map[string]any{"code": CodeResponseTooLarge}
	return err
}

// valueBytes estimates the JSON size of a resolved scalar value: texts by
// their escaped length; objects and lists count nothing here, their
// fields count as they resolve.
func valueBytes(v any) int64 {
	switch v := v.(type) {
	case string:
		return jsonStringBytes(v)
	case *string:
		if v != nil {
			return jsonStringBytes(*v)
		}
	case []string:
		var n int64
		for _, s := range v {
			n += jsonStringBytes(s) + 1
		}
		return n
	case time.Time, *time.Time:
		return 32
	}
	// Enums, numbers and booleans are short: the field's own 16 bytes
	// cover them. (Never call their methods here: a nil pointer of a type
	// with value methods panics.)
	return 0
}

// jsonStringBytes is the length of s as a JSON string: quotes, and the
// escapes of quotes, backslashes and control characters.
func jsonStringBytes(s string) int64 {
	n := int64(len(s)) + 2
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
			n++
		case c < 0x20:
			n += 5
		}
	}
	return n
}
