// Package loaders holds hubstream's per-request dataloaders. Every read a
// GraphQL resolver makes goes through one: loaders of entities by key batch
// into BatchGetItem calls (batch.go), so a query of N entities at one level
// costs one request per entity type, not N. A batch is sent when every
// field of the level has asked (scheduler.go; the GraphQL layer keeps the
// count), with a short window as the fallback. Loaders are created per request (New) and carried in
// the request context (With, From) so that caching never leaks between
// viewers.
package loaders
