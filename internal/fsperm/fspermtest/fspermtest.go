//go:build unix

// Package fspermtest checks, in tests, that what a component writes to
// disk is private to its owner (see internal/fsperm).
package fspermtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// UsualUmask sets the process's umask to the usual 022 for the test and
// restores it after: files a component creates must be private because
// it asks for it, not because the test's umask happens to be strict.
func UsualUmask(tb testing.TB) {
	old := syscall.Umask(0o022)
	tb.Cleanup(func() { syscall.Umask(old) })
}

// CheckOwnerOnly walks root and fails the test for each directory whose
// mode is not 0700 and each file whose mode is not 0600. It returns the
// number of files it checked, for the test to require the ones it knows
// were written.
func CheckOwnerOnly(tb testing.TB, root string) int {
	tb.Helper()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if got := info.Mode().Perm(); got != want {
			tb.Errorf("%s: mode %v, want %v", path, got, want)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

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
