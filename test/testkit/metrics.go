package testkit

import (
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/app"
)

// Metric returns the app's counter name summed by the value of label
// ("" sums all series under the key ""): what /metrics would show, read
// from the app's registry.
func (s *Server) Metric(tb testing.TB, name, label string) map[string]int {
	tb.Helper()
	families, err := s.App.Registry().Gather()
	if err != nil {
		tb.Fatalf("testkit: gather metrics: %v", err)
	}
	out := map[string]int{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			key := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					key = l.GetValue()
				}
			}
			out[key] += int(m.GetCounter().GetValue())
		}
	}
	return out
}

// LoaderDispatches returns the loader batches the app has sent so far,
// by trigger (hubstream_loader_dispatches_total: idle, window, full).
func (s *Server) LoaderDispatches(tb testing.TB) map[string]int {
	tb.Helper()
	return s.Metric(tb, "hubstream_loader_dispatches_total", "trigger")
}

// NoStallWindow is an Options.Configure that sets the loaders' stall
// fallback (loaders.Options.Stall) to an hour: a test that asserts that
// every batch left because its level had asked (trigger idle) then holds
// on a starved machine too, and a batch that waits for anything else
// hangs the test instead of passing by the clock.
func NoStallWindow(cfg *app.Config) { cfg.GraphQL.Loaders.Stall = time.Hour }
