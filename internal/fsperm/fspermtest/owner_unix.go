//go:build unix

package fspermtest

import (
	"os"
	"path/filepath"
	"testing"
)

// OtherOwned returns a directory owned by another user than the test's:
// a fresh one given to nobody (65534) when the test runs as root, else
// the root directory.
func OtherOwned(tb testing.TB) string {
	tb.Helper()
	if os.Geteuid() != 0 {
		return "/"
	}
	dir := filepath.Join(tb.TempDir(), "nobodys")
	if err := os.Mkdir(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		tb.Fatal(err)
	}
	return dir
}
