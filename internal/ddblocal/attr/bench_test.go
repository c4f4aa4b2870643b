package attr

import "testing"

// benchItemJSON is a typical ~200-byte item with six attributes.
const benchItemJSON = `{"pk":{"S":"tenant#0042#user#9f8e7d6c"},"sk":{"S":"order#2024-05-17T10:22:31Z"},` +
	`"total":{"N":"1249.95"},"qty":{"N":"3"},"paid":{"BOOL":true},` +
	`"tags":{"SS":["express","gift","priority"]}}`

func benchItem(b *testing.B) Item {
	it, err := DecodeItemJSON([]byte(benchItemJSON))
	if err != nil {
		b.Fatal(err)
	}
	return it
}

func BenchmarkDecodeItemJSON(b *testing.B) {
	data := []byte(benchItemJSON)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeItemJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendItemJSON(b *testing.B) {
	it := benchItem(b)
	buf := make([]byte, 0, 512)
	b.SetBytes(int64(len(AppendItemJSON(nil, it))))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendItemJSON(buf[:0], it)
	}
}

func BenchmarkAppendItemBinary(b *testing.B) {
	it := benchItem(b)
	buf := make([]byte, 0, 512)
	b.SetBytes(int64(len(AppendItemBinary(nil, it))))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendItemBinary(buf[:0], it)
	}
}

func BenchmarkDecodeItemBinary(b *testing.B) {
	data := AppendItemBinary(nil, benchItem(b))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeItemBinary(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendKey(b *testing.B) {
	it := benchItem(b)
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendKey(AppendKey(buf[:0], it["pk"]), it["total"])
	}
}

func BenchmarkItemSize(b *testing.B) {
	it := benchItem(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = ItemSize(it)
	}
}
