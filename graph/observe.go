package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/obs"
)

// Metrics are the GraphQL endpoint's Prometheus metrics.
type Metrics struct {
	duration   *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	uncounted  prometheus.Counter
	operations *obs.LabelLimiter
	codes      *obs.LabelLimiter
}

// maxOperationNames bounds the operation label: clients name their
// operations, and each new name would otherwise be a new series.
const maxOperationNames = 200

// NewMetrics creates the GraphQL metrics and registers them with reg:
// hubstream_graphql_request_duration_seconds{operation,type,outcome} (its
// _count is the number of operations) and
// hubstream_graphql_errors_total{code} and
// hubstream_graphql_uncounted_operations_total.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: obs.Namespace, Subsystem: "graphql", Name: "request_duration_seconds",
			Help: "GraphQL operations by operation name (\"anonymous\" without one; the first 200 names, then \"other\"), " +
				"type (query, mutation, subscription; \"invalid\" when the document did not parse or validate) and outcome (ok, error), and how long they took.",
			Buckets: obs.LatencyBuckets,
		}, []string{"operation", "type", "outcome"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: obs.Namespace, Subsystem: "graphql", Name: "errors_total",
			Help: "Errors sent to GraphQL clients, by extensions.code.",
		}, []string{"code"}),
		uncounted: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: obs.Namespace, Subsystem: "graphql", Name: "uncounted_operations_total",
			Help: "Queries and mutations whose fields the batch dispatch could not count exactly, so that their loader batches could wait for the stall window (should stay 0).",
		}),
		operations: obs.NewLabelLimiter(maxOperationNames, validName),
		// The codes are the presenter's small set, plus gqlgen's own
		// (GRAPHQL_VALIDATION_FAILED, PERSISTED_QUERY_NOT_FOUND, …).
		codes: obs.NewLabelLimiter(32, nil),
	}
	reg.MustRegister(m.duration, m.errors, m.uncounted)
	return m
}

// validName reports whether s is a GraphQL name of at most 64 bytes.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// countErrors counts errors by code.
func (m *Metrics) countErrors(codes []string) {
	if m == nil {
		return
	}
	for _, c := range codes {
		m.errors.WithLabelValues(m.codes.Value(c)).Inc()
	}
}

// observer is the gqlgen extension that tells the access log (obs.Request)
// which operation a request ran and which error codes it answered, and
// records the GraphQL metrics. It sees every response, those of documents
// that failed to parse or validate included.
type observer struct{ m *Metrics }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = observer{}

func (observer) ExtensionName() string                   { return "Observer" }
func (observer) Validate(graphql.ExecutableSchema) error { return nil }
func (o observer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	name, typ, start := "", "invalid", time.Time{}
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		name, start = oc.OperationName, oc.Stats.OperationStart
		if oc.Operation != nil {
			typ = string(oc.Operation.Operation)
			if name == "" {
				name = oc.Operation.Name
			}
		}
	}
	if typ == "subscription" {
		// Called once per event of a subscription: the access log and the
		// metrics describe the request that started it, not its events.
		return resp
	}
	var codes []string
	if resp != nil {
		codes = errorCodes(resp.Errors)
	}
	rec := obs.RequestFrom(ctx)
	rec.SetOperation(name, typ)
	rec.AddErrorCodes(codes...)
	if o.m == nil {
		return resp
	}
	if start.IsZero() {
		if rec != nil {
			start = rec.Start
		} else {
			start = time.Now()
		}
	}
	label := "anonymous"
	if name != "" {
		label = o.m.operations.Value(name)
	}
	outcome := "ok"
	if len(codes) > 0 {
		outcome = "error"
	}
	o.m.duration.WithLabelValues(label, typ, outcome).Observe(time.Since(start).Seconds())
	o.m.countErrors(codes)
	return resp
}

// errorCodes returns the extensions.code of each error (INTERNAL for one
// without: the presenter gives every error a code, so that cannot be).
func errorCodes(errs gqlerror.List) []string {
	if len(errs) == 0 {
		return nil
	}
	codes := make([]string, len(errs))
	for i, e := range errs {
		codes[i] = string(entities.CodeInternal)
		if c, ok := e.Extensions["code"].(string); ok {
			codes[i] = c
		}
	}
	return codes
}
