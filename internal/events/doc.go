// Package events is hubstream's write side: the event envelope and its
// codec with upcasters (envelope.go, codec.go), the event store that reads
// heads and history and appends events (store.go), and the command Executor
// of DESIGN.md §4 (executor.go): one consistent BatchGetItem of heads, a
// pure Decide, one TransactWriteItems of event items and heads, bounded
// jittered retries on version conflicts.
package events
