package ddblocal

import (
	"math"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// Capacity accounting, reported when a request asks with
// ReturnConsumedCapacity (TOTAL: the sum; INDEXES: also the table and each
// index apart). A write unit covers 1 KB, a read unit 4 KB (halved for
// eventually consistent reads); transactions cost double. An index write
// costs units for the item as the index projects it, twice when the write
// moves the item within the index (its index key changed).

func writeUnits(size int) float64 {
	return math.Max(1, math.Ceil(float64(size)/1024))
}

func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// wantsCapacity reports whether a ReturnConsumedCapacity mode asks for
// consumed capacity, so that callers skip computing item sizes otherwise.
func wantsCapacity(mode string) bool { return mode == "TOTAL" || mode == "INDEXES" }

// capacityUnits is DynamoDB's Capacity shape.
type capacityUnits struct {
	CapacityUnits      float64 `json:"CapacityUnits"`
	ReadCapacityUnits  float64 `json:"ReadCapacityUnits,omitempty"`
	WriteCapacityUnits float64 `json:"WriteCapacityUnits,omitempty"`
}

// consumedCapacity is DynamoDB's ConsumedCapacity shape.
type consumedCapacity struct {
	TableName              string                    `json:"TableName"`
	CapacityUnits          float64                   `json:"CapacityUnits"`
	ReadCapacityUnits      float64                   `json:"ReadCapacityUnits,omitempty"`
	WriteCapacityUnits     float64                   `json:"WriteCapacityUnits,omitempty"`
	Table                  *capacityUnits            `json:"Table,omitempty"`
	GlobalSecondaryIndexes map[string]*capacityUnits `json:"GlobalSecondaryIndexes,omitempty"`
	LocalSecondaryIndexes  map[string]*capacityUnits `json:"LocalSecondaryIndexes,omitempty"`
}

// usage accumulates the units one request consumes on one table, by part.
type usage struct {
	write    bool
	table    float64
	global   map[string]float64
	local    map[string]float64
	anyTable bool // the table itself was read or written
}

func newUsage(write bool) *usage { return &usage{write: write} }

func (u *usage) addTable(units float64) {
	u.table += units
	u.anyTable = true
}

func (u *usage) addIndex(ix *index, units float64) {
	m := &u.local
	if ix.Global {
		m = &u.global
	}
	if *m == nil {
		*m = map[string]float64{}
	}
	(*m)[ix.Name] += units
}

// addWrite accounts one item write (old → new, either nil) on table m and
// its indexes, times factor (2 in a transaction).
func (u *usage) addWrite(m *tableMeta, old, new attr.Item, factor float64) {
	u.addTable(factor * writeUnits(maxInt(attr.ItemSize(old), attr.ItemSize(new))))
	for _, ix := range m.Indexes {
		inOld := old != nil && ix.projects(old)
		inNew := new != nil && ix.projects(new)
		switch {
		case inOld && inNew:
			units := writeUnits(maxInt(attr.ItemSize(ix.project(old, m.Key)), attr.ItemSize(ix.project(new, m.Key))))
			if !sameIndexKey(ix, old, new) {
				units *= 2 // a delete and a put in the index
			}
			u.addIndex(ix, factor*units)
		case inOld:
			u.addIndex(ix, factor*writeUnits(attr.ItemSize(ix.project(old, m.Key))))
		case inNew:
			u.addIndex(ix, factor*writeUnits(attr.ItemSize(ix.project(new, m.Key))))
		}
	}
}

func sameIndexKey(ix *index, a, b attr.Item) bool {
	for _, k := range []keyAttr{ix.Key.Hash, ix.Key.Range} {
		if k.Name != "" && !attr.Equal(a[k.Name], b[k.Name]) {
			return false
		}
	}
	return true
}

// report shapes the usage for mode; nil when mode does not ask for it.
func (u *usage) report(mode, tableName string) *consumedCapacity {
	if !wantsCapacity(mode) {
		return nil
	}
	total := u.table
	for _, v := range u.global {
		total += v
	}
	for _, v := range u.local {
		total += v
	}
	c := &consumedCapacity{TableName: tableName, CapacityUnits: total}
	c.ReadCapacityUnits, c.WriteCapacityUnits = u.split(total)
	if mode != "INDEXES" {
		return c
	}
	if u.anyTable {
		c.Table = u.units(u.table)
	}
	for name, v := range u.global {
		if c.GlobalSecondaryIndexes == nil {
			c.GlobalSecondaryIndexes = map[string]*capacityUnits{}
		}
		c.GlobalSecondaryIndexes[name] = u.units(v)
	}
	for name, v := range u.local {
		if c.LocalSecondaryIndexes == nil {
			c.LocalSecondaryIndexes = map[string]*capacityUnits{}
		}
		c.LocalSecondaryIndexes[name] = u.units(v)
	}
	return c
}

func (u *usage) split(v float64) (read, write float64) {
	if u.write {
		return 0, v
	}
	return v, 0
}

func (u *usage) units(v float64) *capacityUnits {
	c := &capacityUnits{CapacityUnits: v}
	c.ReadCapacityUnits, c.WriteCapacityUnits = u.split(v)
	return c
}

// capacity reports units read from table name itself.
func capacity(mode, table string, units float64) *consumedCapacity {
	if !wantsCapacity(mode) {
		return nil
	}
	u := newUsage(false)
	u.addTable(units)
	return u.report(mode, table)
}
