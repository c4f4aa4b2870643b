// Package projector is the runtime that turns the event log into read
// items, applying the pure projections of internal/projections.
//
//   - The applier (apply.go, purge.go) executes the writes of one append
//     atomically together with the aggregate's projection marker, a small
//     item whose version condition makes every apply exactly-once: a
//     duplicate is detected by the marker, a gap (lost or trimmed stream
//     data) is repaired from the event log. Deleting a repository purges
//     everything under it and leaves a tombstone that guards against late
//     writes.
//   - The runner (runner.go, lease.go, shards.go) tails the table's stream
//     with per-shard leases and fencing, parents before children, and feeds
//     head records to the applier (group.go); batch.go does the same for
//     records delivered by a Lambda event source mapping; dlq.go halts or
//     parks poison events; loss.go and sweep.go detect and repair stream
//     data lost to trimming.
//   - rebuild.go replays the event log (parallel Scan) into a table,
//     verify.go replays into memory and diffs, status.go and wait.go report
//     progress, metrics.go exports Prometheus metrics.
package projector
