// Package obstest reads metrics back from a Prometheus registry, for the
// tests that check what a component counted.
package obstest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Series returns the series of metric name in g whose labels include
// labels (each name with its value; other labels may have any value).
func Series(tb testing.TB, g prometheus.Gatherer, name string, labels map[string]string) []*dto.Metric {
	tb.Helper()
	fams, err := g.Gather()
	if err != nil {
		tb.Fatalf("obstest: gathering metrics: %v", err)
	}
	var out []*dto.Metric
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue series
				}
			}
			out = append(out, m)
		}
	}
	return out
}
