package table

import (
	"context"
	"errors"
	"time"

	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubstream/hubstream/internal/obs"
)

// Metrics count the DynamoDB and DynamoDB Streams calls of the clients
// built with them (ClientConfig.Metrics): an SDK middleware sees each call
// (after the SDK's own retries) and each HTTP attempt, by operation and
// error code. It is safe for concurrent use by any number of clients.
type Metrics struct {
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	attempts *prometheus.CounterVec
	// ops and codes bound the labels: the SDK's operations are a fixed
	// set (the bound is a guard), but an endpoint other than DynamoDB
	// (ddblocal, DynamoDB Local, Alternator, a proxy) chooses the error
	// codes it sends, and each new one would be a new series.
	ops, codes *obs.LabelLimiter
}

// NewMetrics creates the metrics and registers them with reg:
//
//   - hubstream_dynamodb_requests_total{operation,error}: calls, after
//     the SDK's retries; error is "none", the service's error code
//     (ConditionalCheckFailedException, TransactionCanceledException,
//     ProvisionedThroughputExceededException, …), "canceled", "deadline"
//     or "transport" (no answer);
//   - hubstream_dynamodb_request_duration_seconds{operation}: how long
//     calls took, retries included;
//   - hubstream_dynamodb_attempts_total{operation,error}: HTTP attempts,
//     those the SDK retried included.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: obs.Namespace, Subsystem: "dynamodb", Name: "requests_total",
			Help: "DynamoDB and DynamoDB Streams calls by operation and error code (\"none\": success), after the SDK's retries.",
		}, []string{"operation", "error"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: obs.Namespace, Subsystem: "dynamodb", Name: "request_duration_seconds",
			Help:    "How long DynamoDB and DynamoDB Streams calls took, the SDK's retries included, by operation.",
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: obs.Namespace, Subsystem: "dynamodb", Name: "attempts_total",
			Help: "HTTP attempts of DynamoDB and DynamoDB Streams calls (retried ones included) by operation and error code.",
		}, []string{"operation", "error"}),
		ops:   obs.NewLabelLimiter(64, identifier),
		codes: obs.NewLabelLimiter(64, identifier),
	}
	reg.MustRegister(m.calls, m.duration, m.attempts)
	return m
}

// install adds the middleware to a client's stack.
func (m *Metrics) install(stack *middleware.Stack) error {
	err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("hubstream.metrics.call",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			start := time.Now()
			out, md, err := next.HandleInitialize(ctx, in)
			op := m.ops.Value(middleware.GetOperationName(ctx))
			m.calls.WithLabelValues(op, m.errorLabel(err)).Inc()
			m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
			return out, md, err
		}), middleware.Before)
	if err != nil {
		return err
	}
	// After the retry middleware: once per attempt.
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("hubstream.metrics.attempt",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			m.attempts.WithLabelValues(m.ops.Value(middleware.GetOperationName(ctx)), m.errorLabel(err)).Inc()
			return out, md, err
		}), "Retry", middleware.After)
}

// errorLabel classifies a call's error.
func (m *Metrics) errorLabel(err error) string {
	var api smithy.APIError
	switch {
	case err == nil:
		return "none"
	case errors.As(err, &api):
		return m.codes.Value(api.ErrorCode())
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	}
	return "transport"
}

// identifier reports whether s looks like an operation name or an error
// code (with an optional namespace: "com.amazonaws.dynamodb.v20120810#…").
func identifier(s string) bool {
	if s == "" || len(s) > 96 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '#' || c == ':') {
			return false
		}
	}
	return true
}
