//go:build unix

package fsperm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/fsperm/fspermtest"
)

func TestCheckPath(t *testing.T) {
	base := t.TempDir()
	mk := func(name string, mode os.FileMode) string {
		p := filepath.Join(base, name)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	private := mk("private", 0o700)
	link := filepath.Join(base, "link")
	if err := os.Symlink(private, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(private, "secret")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       string // substring of the error; "" accepted
	}{
		{"owner-only directory", private, ""},
		{"readable by others (a warning elsewhere, not a refusal)", mk("readable", 0o755), ""},
		{"owner-only file", file, ""},
		{"group-writable", mk("group", 0o770), "writable by other users"},
		{"world-writable", mk("world", 0o707), "writable by other users"},
		{"sticky and world-writable, like /tmp", mk("tmp", 0o1777), "writable by other users"},
		{"a symbolic link to an owner-only directory", link, "symbolic link"},
		{"owned by another user", fspermtest.OtherOwned(t), "is owned by uid"},
		{"missing", filepath.Join(base, "missing"), "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPath("data directory", tt.path)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckPath(%s) = %v", tt.path, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckPath(%s) = %v, want an error containing %q", tt.path, err, tt.want)
			}
		})
	}
}

// TestOpenNoFollow: a symbolic link is not opened, so a check of the
// opened file is a check of the file read.
func TestOpenNoFollow(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if f, err := OpenNoFollow(link); err == nil {
		f.Close()
		t.Fatal("opened a symbolic link")
	}
	f, err := OpenNoFollow(target)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}
