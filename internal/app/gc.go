package app

import "runtime/debug"

// GCPercent is the garbage collector's target (GOGC) the server and
// hubbench run with when the environment leaves it at Go's default of 100.
// The server's live heap is small (a few MiB under hubbench's load) while
// every read allocates its SDK round trips, JSON and gqlgen field sets
// afresh, so at 100 the collector ran every few MiB of allocation: its
// mark workers and assists, and the preemptions of its stack scans, were
// a fifth of hubbench's samples (docs/benchmarks.md). At 400 it runs a
// quarter as often for a heap that peaks at five times the live one;
// GOMEMLIMIT still bounds it where memory is tight.
const GCPercent = 400

// TuneGC sets the collector's target to GCPercent unless GOGC chose
// another one (GOGC=off, or any value but 100, is kept). It changes the
// whole process, so only a command's main calls it, before serving.
func TuneGC() {
	if prev := debug.SetGCPercent(GCPercent); prev != 100 {
		debug.SetGCPercent(prev)
	}
}
