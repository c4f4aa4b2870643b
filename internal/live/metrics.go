package live

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the subscription metrics (docs/operations.md, "Metrics").
type Metrics struct {
	Active             prometheus.Gauge       // subscriptions open in this process
	Delivered          prometheus.Counter     // events sent to subscribers
	Dropped            *prometheus.CounterVec // subscriptions ended by the server, by reason
	Lag                prometheus.Histogram   // commit → delivery, seconds
	ProjectionTimeouts prometheus.Counter     // events released before their projection was seen
	Executions         prometheus.Counter     // subscription payloads resolved (once per event per class)
}

// NewMetrics creates the subscription metrics and registers them with reg
// (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	const ns, sub = "hubstream", "subscriptions"
	m := &Metrics{
		Active: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "active",
			Help: "GraphQL subscriptions open in this process."}),
		Delivered: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "events_delivered_total",
			Help: "Events sent to subscribers (each subscriber counts once)."}),
		Dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "dropped_total",
			Help: "Subscriptions the server ended, by reason: slow_consumer (buffer full), write_timeout (a WebSocket write did not complete: the connection was closed), access_lost (the viewer may no longer read the repository)."}, []string{"reason"}),
		Lag: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "delivery_lag_seconds",
			Help:    "Time from an event's commit to its delivery to a subscriber (after its projection is visible).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}),
		ProjectionTimeouts: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "projection_wait_timeouts_total",
			Help: "Events released to subscribers before the projector's marker showed them projected (ProjectionWait ran out)."}),
		Executions: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "executions_total",
			Help: "Subscription payloads resolved: one per event per class of subscribers with the same document and variables (and viewer, for documents with viewer-dependent fields); compare with events_delivered_total."}),
	}
	for _, reason := range []string{"slow_consumer", "write_timeout", "access_lost"} {
		m.Dropped.WithLabelValues(reason)
	}
	if reg != nil {
		reg.MustRegister(m.Active, m.Delivered, m.Dropped, m.Lag, m.ProjectionTimeouts, m.Executions)
	}
	return m
}
