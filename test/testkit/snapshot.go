package testkit

// Read-model snapshots for golden and replay-order tests of the
// projections and the applier: a fresh memory-only table, its read model
// as stable JSON, and a readable diff of two snapshots.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MemTable returns a client of a fresh memory-only embedded engine and the
// name of an empty hubstream table in it.
func MemTable(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	clients, name := TableVia(t, MemEngine(t).HTTPClient())
	return clients.DB, name
}

// ReadModelJSON scans the table's read items (everything but projection
// markers), sorted by key, one JSON object per line.
func ReadModelJSON(t testing.TB, db *dynamodb.Client, tbl string) []byte {
	t.Helper()
	all, err := Scan(t.Context(), db, tbl)
	if err != nil {
		t.Fatal(err)
	}
	var items []Item
	for _, it := range all {
		if !IsMarker(it) {
			items = append(items, it)
		}
	}
	SortItems(items)
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, it := range items {
		line, err := json.Marshal(plainItem(it))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("  ")
		b.Write(line)
		if i < len(items)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	return b.Bytes()
}

// plainItem renders an item as plain JSON values (numbers keep their
// exact text); encoding/json sorts map keys, so output is stable.
func plainItem(it map[string]types.AttributeValue) map[string]any {
	out := make(map[string]any, len(it))
	for k, v := range it {
		out[k] = plainValue(v)
	}
	return out
}

func plainValue(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return json.Number(v.Value)
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": v.Value}
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = plainValue(e)
		}
		return l
	case *types.AttributeValueMemberM:
		return plainItem(v.Value)
	}
	return fmt.Sprintf("%T", v)
}

// FirstDiff shows the first 20 differing lines of two texts, and "…"
// when there are more.
func FirstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	var b strings.Builder
	n := 0
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			if n == 20 {
				b.WriteString("  …\n")
				break
			}
			fmt.Fprintf(&b, "line %d:\n  - %s\n  + %s\n", i+1, wl, gl)
			n++
		}
	}
	return b.String()
}
