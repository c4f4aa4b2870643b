// Package projections turns the event log into read items.
//
// The pure part (projection.go and one file per aggregate) maps one event,
// with the aggregate's state before and after it, to read-item writes. The
// applier (apply.go) executes the writes of one append atomically together
// with the aggregate's projection marker, a small item whose version
// condition makes every apply exactly-once: a duplicate is detected by the
// marker, a gap (lost or trimmed stream data) is repaired from the event
// log. The runner (runner.go) tails the table's stream and feeds head
// records to the applier; replay.go rebuilds the read model from the event
// log.
package projections
