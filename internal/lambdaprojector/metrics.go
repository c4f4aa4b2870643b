package lambdaprojector

import (
	"encoding/json"
	"fmt"

	"github.com/hubstream/hubstream/internal/projector"
)

// MetricNamespace is the CloudWatch namespace of the function's metrics;
// their one dimension is MetricDimension (the function's name).
const (
	MetricNamespace = "hubstream/projector"
	MetricDimension = "FunctionName"
)

// Metric names, each a count per invocation.
const (
	// MetricRecords counts the records delivered.
	MetricRecords = "RecordsDelivered"
	// MetricHeads counts the head records among them.
	MetricHeads = "HeadRecords"
	// MetricEvents counts the events applied.
	MetricEvents = "EventsApplied"
	// MetricPoison counts records that blocked their aggregate (halted or
	// parked): an operator must look (`projector dlq list`).
	MetricPoison = "PoisonRecords"
	// MetricHeld counts records held behind a blocked aggregate.
	MetricHeld = "HeldRecords"
	// MetricFailed counts records reported as batchItemFailures.
	MetricFailed = "FailedRecords"
)

// MetricNames lists every metric the function emits, in the order of its
// metric declarations.
func MetricNames() []string {
	return []string{MetricRecords, MetricHeads, MetricEvents, MetricPoison, MetricHeld, MetricFailed}
}

// emit prints one CloudWatch embedded-metric-format line.
func (h *Handler) emit(records int, res projector.BatchResult, failed int) {
	names := MetricNames()
	defs := make([]map[string]string, len(names))
	for i, m := range names {
		defs[i] = map[string]string{"Name": m, "Unit": "Count"}
	}
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": h.now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  MetricNamespace,
				"Dimensions": [][]string{{MetricDimension}},
				"Metrics":    defs,
			}},
		},
		MetricDimension: h.fn,
		MetricRecords:   records,
		MetricHeads:     res.Heads,
		MetricEvents:    res.Events,
		MetricPoison:    res.Poisoned,
		MetricHeld:      res.Held,
		MetricFailed:    failed,
	}
	b, err := json.Marshal(line)
	if err != nil {
		return
	}
	fmt.Fprintln(h.metrics, string(b))
}
