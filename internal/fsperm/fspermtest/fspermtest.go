// Package fspermtest holds the test check of what package fsperm
// guarantees for a new data directory.
package fspermtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// RequireOwnerOnly checks that every directory under root (root included)
// is 0700 and every file 0600, as created under the usual umask, and that
// at least minFiles files were checked, so that an empty tree does not
// pass.
func RequireOwnerOnly(t *testing.T, root string, minFiles int) {
	t.Helper()
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
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < minFiles {
		t.Fatalf("only %d files were checked, want at least %d", files, minFiles)
	}
}
