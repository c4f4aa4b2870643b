// Package obs is hubstream's observability plumbing, shared by every
// binary: structured logging with log/slog (text on a terminal, JSON
// otherwise, a --log-level flag), adapters for packages that still take a
// printf-style Logf, the per-request record behind the access log (request
// id, GraphQL operation, viewer, error codes), the HTTP middleware that
// writes that log line and the HTTP metrics, and the Prometheus registry
// each process serves at /metrics.
//
// It imports neither the GraphQL layer nor the storage: those fill in the
// request record (graph) or register their own metrics with the registry
// (internal/table, internal/projector). docs/operations.md lists every
// metric and log field.
package obs
