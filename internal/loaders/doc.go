// Package loaders holds hubstream's per-request dataloaders
// (graph-gophers/dataloader/v7). Every read a GraphQL resolver makes goes
// through one: loaders of entities by key batch into BatchGetItem calls
// (batch.go), so a query of N entities at one level costs one request per
// entity type, not N. Loaders are created per request (New) and carried in
// the request context (With, From) so that caching never leaks between
// viewers.
package loaders
