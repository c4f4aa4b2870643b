// Package projections turns the event log into read items.
//
//   - The pure part (projection.go and one file per aggregate: account.go,
//     organization.go, repository.go, star.go, issue.go, pullrequest.go,
//     comment.go, reaction.go) maps one event, with the aggregate's state
//     before and after it, to read-item writes.
//   - The applier (apply.go, purge.go) executes the writes of one append
//     atomically together with the aggregate's projection marker, a small
//     item whose version condition makes every apply exactly-once: a
//     duplicate is detected by the marker, a gap (lost or trimmed stream
//     data) is repaired from the event log. Deleting a repository purges
//     everything under it and leaves a tombstone that guards against late
//     writes.
//   - The runner (runner.go, lease.go, shards.go) tails the table's stream
//     with per-shard leases and fencing, parents before children, and feeds
//     head records to the applier; dlq.go halts or parks poison events.
//   - rebuild.go replays the event log (parallel Scan) into a table,
//     verify.go replays into memory and diffs, status.go reports progress,
//     metrics.go exports Prometheus metrics.
package projections
