package main

import (
	"math"
	"testing"
	"time"
)

// TestProgressRate is finding 3 of the review of issue 18: the ETA and
// events/s of rebuild, verify and repair are measured over the scan of
// the log — from the run's start when nothing is purged, from the first
// tick that sees the scan after a purge — not from the first tick that
// sees items read (which made the ETA too short) nor over the purge.
func TestProgressRate(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	type tick struct {
		at                      time.Duration
		scanned, events, purged int64
	}
	cases := []struct {
		name     string
		total    int64
		ticks    []tick // the last one is checked
		wantRate float64
		wantETA  string
	}{
		{
			// 100 items/s (2 events each) from the start: at 10 s, 1 000
			// of 3 000 read.
			name: "no purge, first tick", total: 3000,
			ticks:    []tick{{at: 10 * time.Second, scanned: 1000, events: 2000}},
			wantRate: 200, wantETA: "20s",
		},
		{
			name: "no purge, later tick", total: 3000,
			ticks:    []tick{{at: 10 * time.Second, scanned: 1000, events: 2000}, {at: 20 * time.Second, scanned: 2000, events: 4000}},
			wantRate: 200, wantETA: "10s",
		},
		{
			// A 10 s purge, then 100 items/s from 10 s.
			name: "after a purge", total: 3000,
			ticks: []tick{
				{at: 5 * time.Second, purged: 500},
				{at: 10500 * time.Millisecond, scanned: 50, events: 100, purged: 1000},
				{at: 11500 * time.Millisecond, scanned: 150, events: 300, purged: 1000},
			},
			wantRate: 200, wantETA: "29s",
		},
		{
			name: "purging", total: 3000,
			ticks:    []tick{{at: 5 * time.Second, purged: 500}},
			wantRate: 0, wantETA: "unknown",
		},
		{
			name: "the tick that first sees the scan after a purge", total: 3000,
			ticks:    []tick{{at: 5 * time.Second, purged: 500}, {at: 10500 * time.Millisecond, scanned: 50, events: 100, purged: 1000}},
			wantRate: 0, wantETA: "unknown",
		},
		{
			name: "unknown total", total: -1,
			ticks:    []tick{{at: 10 * time.Second, scanned: 1000, events: 2000}},
			wantRate: 200, wantETA: "unknown",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := &progressRate{start: t0}
			var rate float64
			var eta string
			for _, tk := range c.ticks {
				rate, eta = m.observe(t0.Add(tk.at), tk.scanned, tk.events, tk.purged, c.total)
			}
			if math.Abs(rate-c.wantRate) > 1e-9 || eta != c.wantETA {
				t.Errorf("rate %v/s, ETA %s; want %v/s, %s", rate, eta, c.wantRate, c.wantETA)
			}
		})
	}
}
