//go:build !windows

package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The dev secret's permission checks rely on POSIX file modes.
func TestDevSecretRejectsUnsafeFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, DevSecretFile)
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 64)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := DevSecret(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable secret: err = %v", err)
	}
	if err := os.WriteFile(path, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := DevSecret(dir); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("short secret: err = %v", err)
	}
}
