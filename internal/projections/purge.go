package projections

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/table"
)

// PurgeSpec names read items to delete because the entity they hang off
// was deleted (today: a repository). A pure projection cannot query, so it
// describes what to delete and the Applier finds and deletes it; see
// apply.go, "Deletes: purges, tombstones and guards", for the protocol.
//
// Every deletion is idempotent and exactly-once with respect to its
// counters: each item is deleted conditionally (it must exist and match),
// in its own small transaction together with the counter adjustments that
// go with it, so a purge that is retried, redelivered or run twice never
// counts twice.
type PurgeSpec struct {
	// Tombstone, when set, is put before anything is deleted. Writes
	// guarded by it (Write.Guard) are dropped from then on, so nothing can
	// be projected into what the purge is deleting, even concurrently.
	// Tombstones are permanent: they are what makes a late event of a
	// deleted entity a no-op, however late it comes.
	Tombstone *table.Key
	// Items are single items to delete.
	Items []PurgeItem
	// Collections are key ranges whose items are deleted.
	Collections []PurgeCollection
	// Partitions are whole partitions whose read items are deleted: all
	// but the write side and the applier's bookkeeping there (event
	// items, the head, the projection marker, tombstones). They name what
	// the deleted entity owns outright, by key rather than by what an
	// index finds — e.g. the partitions of a repository life's issue and
	// pull-request numbers — so items projected there before the owner's
	// own item (counters, reactions on an issue whose opening has not been
	// projected yet) are deleted too.
	Partitions []string
}

// PurgeItem is one item to delete.
type PurgeItem struct {
	Key table.Key
	// Match, when set, restricts the delete to an item whose attributes
	// have these values (e.g. the life of a repository it belongs to), so
	// a purge never deletes what a later life wrote under the same key.
	Match map[string]types.AttributeValue
	// Adjust are counter writes (Add, optionally Guard) applied in the same
	// transaction as the delete, and only if the item was there.
	Adjust []Write
}

// PurgeCollection is a key range of the table or a GSI whose items are
// deleted (from the table, by their primary key).
type PurgeCollection struct {
	// Index is the GSI name, or "" for the table.
	Index string
	PK    string
	// SKPrefix selects sort keys by begins_with; when SKTo is set, SKFrom
	// and SKTo select them by BETWEEN instead (both inclusive).
	SKPrefix     string
	SKFrom, SKTo string
	// Match, when set, keeps only items whose attributes have these values.
	Match map[string]types.AttributeValue
	// Adjust, when set, returns the counter writes that go with deleting
	// one found item (applied as PurgeItem.Adjust).
	Adjust func(item map[string]types.AttributeValue) []Write
}
