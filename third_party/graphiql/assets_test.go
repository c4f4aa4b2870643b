package graphiql

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"strings"
	"testing"
)

// TestFilesAreUnmodified checks every embedded file against SHA256SUMS,
// which refresh.sh writes from the npm tarballs: a hand edit of a vendored
// file, or a file refresh.sh did not put there, fails here.
func TestFilesAreUnmodified(t *testing.T) {
	sums, err := FS.ReadFile("SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: malformed line %q", sc.Text())
		}
		listed[name] = sum
	}
	if len(listed) == 0 {
		t.Fatal("SHA256SUMS lists no files")
	}
	seen := 0
	err = fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == "SHA256SUMS" || path == "VERSIONS" {
			return err
		}
		want, ok := listed[path]
		if !ok {
			t.Errorf("%s is embedded but not listed in SHA256SUMS (run refresh.sh)", path)
			return nil
		}
		seen++
		b, err := FS.ReadFile(path)
		if err != nil {
			return err
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != want {
			t.Errorf("%s differs from the npm distribution (SHA256SUMS); vendored files are never edited by hand", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(listed) {
		t.Errorf("SHA256SUMS lists %d files, %d are embedded", len(listed), seen)
	}
}
