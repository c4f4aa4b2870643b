package projector

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the projector's Prometheus metrics. Per-shard series carry a
// "shard" label and are deleted when the worker stops processing the shard
// (shards roll over every few hours, so their labels must not pile up).
//
// Gauges describing the whole projector (halted aggregates, parked events,
// live workers) are reported by every worker from the table: aggregate
// them with max(), not sum().
type Metrics struct {
	reg prometheus.Gatherer

	EventsApplied  *prometheus.CounterVec // events applied, by shard
	RecordsRead    *prometheus.CounterVec // stream records read, by shard
	Lag            *prometheus.GaugeVec   // now − commit time of the last applied head record, by shard (0 when caught up)
	IteratorAge    *prometheus.GaugeVec   // now − creation time of the last record read, by shard (0 when caught up)
	ApplyLag       prometheus.Histogram   // distribution of now − commit time at apply (heads carry it to the millisecond)
	Checkpoints    *prometheus.CounterVec // checkpoint writes, by shard
	ApplyErrors    *prometheus.CounterVec // failed apply attempts, by shard and class (transient, poison, other)
	Poison         *prometheus.CounterVec // appends that blocked their aggregate, by shard and mode (halt, park)
	Held           *prometheus.CounterVec // records held behind a blocked aggregate, by shard
	StreamErrors   *prometheus.CounterVec // stream read problems, by shard and kind (expired, trimmed, throttled, gone, other)
	HaltedAggs     prometheus.Gauge       // aggregates halted (table-wide)
	ParkingAggs    prometheus.Gauge       // aggregates parking their records (table-wide)
	ParkedEvents   prometheus.Gauge       // DLQ items (table-wide)
	ShardsOwned    prometheus.Gauge       // shards this worker holds
	LiveWorkers    prometheus.Gauge       // workers with a live heartbeat
	LeaseEvents    *prometheus.CounterVec // lease acquisitions, releases and losses, by event
	BatchDuration  prometheus.Histogram   // time to apply one GetRecords batch
	LossesDetected *prometheus.CounterVec // stream losses detected, by kind (trimmed, vanished, gap, stale)
	SweepPasses    prometheus.Counter     // anti-entropy passes completed by this worker
	SweepScanned   prometheus.Counter     // items read by this worker's sweep passes
	SweepReadUnits prometheus.Counter     // read capacity units they consumed
	SweepRepaired  prometheus.Counter     // aggregates they repaired from the log
	// SweepLastCompleted is the unix time of the last pass this worker
	// completed (0: none yet).
	SweepLastCompleted prometheus.Gauge
	gaugeVectors       []*prometheus.GaugeVec   // per-shard series, for cleanup
	counterVectors     []*prometheus.CounterVec // idem
}

// NewMetrics creates the projector metrics and registers them with reg
// (nil: a fresh registry, which Handler serves).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	var gatherer prometheus.Gatherer
	if reg == nil {
		r := prometheus.NewRegistry()
		reg, gatherer = r, r
	} else if g, ok := reg.(prometheus.Gatherer); ok {
		gatherer = g
	}
	const ns, sub = "hubstream", "projector"
	counterVec := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help}, labels)
	}
	gaugeVec := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help}, labels)
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help})
	}
	m := &Metrics{
		reg:           gatherer,
		EventsApplied: counterVec("events_applied_total", "Events applied to the read model.", "shard"),
		RecordsRead:   counterVec("records_read_total", "Stream records read.", "shard"),
		Lag:           gaugeVec("lag_seconds", "Now minus the commit time of the last applied head record (0 when caught up).", "shard"),
		IteratorAge:   gaugeVec("iterator_age_seconds", "Now minus the creation time of the last record read (0 when caught up).", "shard"),
		ApplyLag: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "apply_lag_seconds",
			Help:    "Now minus the append's commit time (the head's, to the millisecond) when its events were applied.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800}}),
		Checkpoints:  counterVec("checkpoints_total", "Checkpoint writes.", "shard"),
		ApplyErrors:  counterVec("apply_errors_total", "Failed apply attempts.", "shard", "class"),
		Poison:       counterVec("poison_events_total", "Appends that could not be applied and blocked their aggregate.", "shard", "mode"),
		Held:         counterVec("held_records_total", "Records held behind a blocked aggregate.", "shard"),
		StreamErrors: counterVec("stream_errors_total", "Stream read problems.", "shard", "kind"),
		HaltedAggs:   gauge("halted_aggregates", "Aggregates halted by a poison event (table-wide)."),
		ParkingAggs:  gauge("parking_aggregates", "Aggregates whose records are parked in the DLQ (table-wide)."),
		ParkedEvents: gauge("parked_events", "Parked events in the DLQ (table-wide)."),
		ShardsOwned:  gauge("shards_owned", "Shard leases this worker holds."),
		LiveWorkers:  gauge("live_workers", "Projector workers with a live heartbeat."),
		LeaseEvents:  counterVec("lease_events_total", "Lease acquisitions, releases, losses and renewals.", "event"),
		BatchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "batch_duration_seconds",
			Help: "Time to apply one GetRecords batch.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 8)}),
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help})
	}
	m.LossesDetected = counterVec("losses_detected_total", "Stream losses detected (records trimmed before they were read, shards that vanished unfinished, version gaps, aggregates a sweep found behind).", "kind")
	m.SweepPasses = counter("sweep_passes_total", "Anti-entropy passes completed by this worker.")
	m.SweepScanned = counter("sweep_items_scanned_total", "Items read by this worker's anti-entropy passes.")
	m.SweepReadUnits = counter("sweep_read_units_total", "Read capacity units consumed by this worker's anti-entropy passes.")
	m.SweepRepaired = counter("sweep_repaired_aggregates_total", "Aggregates behind their head that this worker's anti-entropy passes repaired from the log.")
	m.SweepLastCompleted = gauge("sweep_last_completed_timestamp_seconds", "When this worker last completed an anti-entropy pass (unix seconds; 0: never).")
	reg.MustRegister(m.LossesDetected, m.SweepPasses, m.SweepScanned, m.SweepReadUnits, m.SweepRepaired, m.SweepLastCompleted)
	m.gaugeVectors = []*prometheus.GaugeVec{m.Lag, m.IteratorAge}
	m.counterVectors = []*prometheus.CounterVec{m.EventsApplied, m.RecordsRead, m.Checkpoints, m.ApplyErrors, m.Poison, m.Held, m.StreamErrors}
	reg.MustRegister(m.EventsApplied, m.RecordsRead, m.Lag, m.IteratorAge, m.ApplyLag, m.Checkpoints, m.ApplyErrors,
		m.Poison, m.Held, m.StreamErrors, m.HaltedAggs, m.ParkingAggs, m.ParkedEvents, m.ShardsOwned, m.LiveWorkers,
		m.LeaseEvents, m.BatchDuration)
	return m
}

// forgetShard deletes every per-shard series of shard.
func (m *Metrics) forgetShard(shard string) {
	l := prometheus.Labels{"shard": shard}
	for _, v := range m.gaugeVectors {
		v.DeletePartialMatch(l)
	}
	for _, v := range m.counterVectors {
		v.DeletePartialMatch(l)
	}
}

// Handler serves the metrics in the Prometheus text format. It serves
// nothing useful when the metrics were registered with a Registerer that
// is not also a Gatherer.
func (m *Metrics) Handler() http.Handler {
	if m.reg == nil {
		return promhttp.Handler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
