// Package table is hubstream's single DynamoDB table as code: its name and
// key schema, the four sparse GSIs, stream and TTL settings (schema.go), the
// key builders for every item type of the entity chart in DESIGN.md §3
// (keys.go), client construction from configuration (client.go), and the one
// place where DynamoDB errors are classified (errors.go).
//
// Nothing outside this package spells a key string: events, projections and
// loaders ask for keys here.
package table
