// Package lambdaprojector is hubstream's projector as an AWS Lambda
// function on the table's DynamoDB stream (cmd/projector-lambda wires it;
// deploy/template.yaml deploys it; docs/deploy.md explains it).
//
// The event source mapping reads the stream, keeps the checkpoints and
// invokes the function with batches of one shard's records, filtered to
// head records. The function converts them to the records the Streams API
// returns (internal/streamevent) and applies them on the stream runner's
// own path, projections.BatchApplier: exactly once by the read items'
// _v, each aggregate in order, poison events halted or parked exactly as
// `projector run` does, so `projector status` and `projector dlq` work
// unchanged. It answers with batchItemFailures: the first record it could
// not handle (a transient failure outlasting the invocation) and every
// record after it; the mapping resumes there, and what was applied after
// it is a no-op the second time.
//
// Each invocation prints one CloudWatch embedded-metric-format line
// (namespace MetricNamespace), from which CloudWatch makes metrics without
// any API call; deploy/template.yaml alarms on PoisonRecords.
package lambdaprojector
