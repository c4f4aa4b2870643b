package app

import (
	"reflect"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/table"
)

// metrics are the app's metrics that no package registers itself: the
// executor's and the loaders' (their packages only offer hooks), plus the
// HTTP and DynamoDB ones it hands to obs and table.
type metrics struct {
	http     *obs.HTTPMetrics
	dynamo   *table.Metrics
	attempts *prometheus.CounterVec
	batches  *prometheus.HistogramVec
	dispatch *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		http:   obs.NewHTTPMetrics(reg),
		dynamo: table.NewMetrics(reg),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: obs.Namespace, Subsystem: "executor", Name: "attempts_total",
			Help: "Append attempts (one TransactWriteItems each) of commands, by command and outcome: committed, retried (lost to a concurrent write, tried again), conflict (lost on the last attempt: CONFLICT), failed.",
		}, []string{"command", "outcome"}),
		batches: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: obs.Namespace, Subsystem: "loader", Name: "batch_size",
			Help:    "Keys per dataloader batch (one BatchGetItem of at most 100 keys), by loader.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100},
		}, []string{"loader"}),
		dispatch: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: obs.Namespace, Subsystem: "loader", Name: "dispatches_total",
			Help: "Dataloader batches sent, by loader and trigger: idle (every field of the level had asked), window (the fallback wait elapsed first), full (100 keys).",
		}, []string{"loader", "trigger"}),
	}
	reg.MustRegister(m.attempts, m.batches, m.dispatch)
	return m
}

// observeAttempt is the executor's Observer.
func (m *metrics) observeAttempt(a events.AppendAttempt) {
	m.attempts.WithLabelValues(commandName(a), string(a.Outcome)).Inc()
}

// commandName is the command's type name (CreateUser, OpenIssue, …): a
// set fixed by the code.
func commandName(a events.AppendAttempt) string {
	t := reflect.TypeOf(a.Command)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "unknown"
	}
	return t.Name()
}

// observeBatch is the loaders' ObserveBatch.
func (m *metrics) observeBatch(loader string, keys int) {
	m.batches.WithLabelValues(loader).Observe(float64(keys))
}

// observeDispatch is the loaders' ObserveDispatch.
func (m *metrics) observeDispatch(loader, trigger string) {
	m.dispatch.WithLabelValues(loader, trigger).Inc()
}
