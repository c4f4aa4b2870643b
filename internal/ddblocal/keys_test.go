package ddblocal

import (
	"hash/fnv"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// Stored keys embed partitionHash, so it must stay FNV-1a bit for bit.
func TestPartitionHashIsFNV1a(t *testing.T) {
	for _, in := range []string{"", "a", "p001\x00\x01", "a much longer partition key with bytes \xff\xfe"} {
		h := fnv.New32a()
		_, _ = h.Write([]byte(in))
		if got, want := partitionHash([]byte(in)), h.Sum32(); got != want {
			t.Errorf("partitionHash(%q) = %#x, want %#x", in, got, want)
		}
	}
}

func TestAppendPartitionPrefixAppends(t *testing.T) {
	pk := attr.Str("p001")
	want := partitionPrefix(7, 2, pk)
	got := appendPartitionPrefix([]byte("xyz"), 7, 2, pk)
	if string(got[:3]) != "xyz" || string(got[3:]) != string(want) {
		t.Fatalf("appendPartitionPrefix = %q, want xyz + %q", got, want)
	}
}
