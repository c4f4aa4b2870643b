package ddblocal

import (
	"encoding/binary"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// Store key layout. One ordered keyspace holds everything:
//
//	'm' tableName                       -> table definition (JSON)
//	'd' tableID:4 indexID:2 hash:4 pk [sk] [tablePK [tableSK]] -> item or index entry
//	's' ...                             -> stream records (streams.go)
//
// indexID 0 is the table itself. hash is FNV-1a of the encoded partition key,
// which spreads partitions over the keyspace the way DynamoDB's hashing does:
// Scan order is by partition hash, and Scan segments are contiguous ranges of
// it. Within a partition, items sort by their encoded sort key, whose byte
// order equals DynamoDB's key order (attr.AppendKey). Index entries append the
// table key so that items sharing index keys stay distinct.
const (
	prefixMeta = 'm'
	prefixData = 'd'
	// keyNextTableID holds the next table ID, written with every new
	// table's definition: IDs of deleted tables are never handed out again,
	// even after a restart with their data not yet purged.
	keyNextTableID = 'n'
)

const dataHeaderLen = 1 + 4 + 2

func metaKey(table string) []byte {
	return append([]byte{prefixMeta}, table...)
}

// dataPrefix returns the prefix of every entry of one table or index.
func dataPrefix(tableID uint32, indexID uint16) []byte {
	b := make([]byte, dataHeaderLen, 64)
	b[0] = prefixData
	binary.BigEndian.PutUint32(b[1:], tableID)
	binary.BigEndian.PutUint16(b[5:], indexID)
	return b
}

// partitionHash is 32-bit FNV-1a (hash/fnv's New32a), written out so that
// hashing a key allocates nothing. Stored keys depend on it: it must never
// change.
func partitionHash(encodedPK []byte) uint32 {
	const (
		offset32 = 2166136261
		prime32  = 16777619
	)
	h := uint32(offset32)
	for _, c := range encodedPK {
		h ^= uint32(c)
		h *= prime32
	}
	return h
}

// partitionPrefix returns the prefix of every entry in one partition of a
// table or index.
func partitionPrefix(tableID uint32, indexID uint16, pk attr.Value) []byte {
	return appendPartitionPrefix(make([]byte, 0, 64), tableID, indexID, pk)
}

// appendPartitionPrefix appends partitionPrefix(tableID, indexID, pk) to
// dst.
func appendPartitionPrefix(dst []byte, tableID uint32, indexID uint16, pk attr.Value) []byte {
	dst = append(dst, prefixData)
	dst = binary.BigEndian.AppendUint32(dst, tableID)
	dst = binary.BigEndian.AppendUint16(dst, indexID)
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0) // the hash, filled in below
	dst = attr.AppendKey(dst, pk)
	binary.BigEndian.PutUint32(dst[at:], partitionHash(dst[at+4:]))
	return dst
}

// itemKey returns the store key of a table item.
func itemKey(m *tableMeta, item attr.Item) []byte {
	b := partitionPrefix(m.ID, 0, item[m.Key.Hash.Name])
	if m.Key.hasRange() {
		b = attr.AppendKey(b, item[m.Key.Range.Name])
	}
	return b
}

// indexEntryKey returns the store key of item's entry in ix. The item must
// project into the index.
func indexEntryKey(m *tableMeta, ix *index, item attr.Item) []byte {
	b := partitionPrefix(m.ID, ix.ID, item[ix.Key.Hash.Name])
	if ix.Key.hasRange() {
		b = attr.AppendKey(b, item[ix.Key.Range.Name])
	}
	b = attr.AppendKey(b, item[m.Key.Hash.Name])
	if m.Key.hasRange() {
		b = attr.AppendKey(b, item[m.Key.Range.Name])
	}
	return b
}

// prefixEnd returns the smallest key greater than every key starting with p,
// or nil when there is none.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// keyAfter returns the smallest key greater than k.
func keyAfter(k []byte) []byte {
	return append(append(make([]byte, 0, len(k)+1), k...), 0)
}

// appendKeyPrefix appends the encoding of an S or B value without its
// terminator: every encoded key that begins with v's bytes starts with it,
// which turns begins_with into a key range.
func appendKeyPrefix(dst []byte, v attr.Value) []byte {
	out := attr.AppendKey(dst, v)
	return out[:len(out)-2]
}
