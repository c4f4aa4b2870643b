package pebblestore

import (
	"errors"
	"strings"
	"testing"
)

// TestSecondOpenIsLocked: while a store is open, a second Open of its
// directory fails with ErrLocked, which says what is wrong; once the first
// is closed, the directory opens again.
func TestSecondOpenIsLocked(t *testing.T) {
	dir := t.TempDir()
	first, err := Open(dir, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(dir, testOptions(t))
	if !errors.Is(err, ErrLocked) {
		if second != nil {
			_ = second.Close()
		}
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "data directory is in use by another process") || !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not say which directory is in use", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(dir, testOptions(t))
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
}
