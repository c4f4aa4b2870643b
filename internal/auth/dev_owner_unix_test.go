//go:build unix

package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDevSecretRefusesForeignFiles: the development secret is read only
// from a data directory and a file that are the current user's alone — a
// symbolic link (to a file another user can rewrite, or to one they
// wrote) is refused, as is a group- or world-writable directory, and, when
// the test can make one, a file owned by another user.
func TestDevSecretRefusesForeignFiles(t *testing.T) {
	good := strings.Repeat("s", 64) + "\n"
	cases := []struct {
		name  string
		setup func(t *testing.T) string // returns the data directory
		want  string
	}{
		{"secret is a symbolic link", func(t *testing.T) string {
			dir, elsewhere := t.TempDir(), t.TempDir()
			target := filepath.Join(elsewhere, "planted")
			if err := os.WriteFile(target, []byte(good), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, filepath.Join(dir, DevSecretFile)); err != nil {
				t.Fatal(err)
			}
			return dir
		}, "symbolic link"},
		{"data directory is a symbolic link", func(t *testing.T) string {
			real := t.TempDir()
			link := filepath.Join(t.TempDir(), "data")
			if err := os.Symlink(real, link); err != nil {
				t.Fatal(err)
			}
			return link
		}, "symbolic link"},
		{"data directory is world-writable", func(t *testing.T) string {
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o777); err != nil {
				t.Fatal(err)
			}
			return dir
		}, "writable by other users"},
		{"secret is a directory", func(t *testing.T) string {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, DevSecretFile), 0o700); err != nil {
				t.Fatal(err)
			}
			return dir
		}, "not a regular file"},
	}
	if os.Geteuid() == 0 {
		cases = append(cases, struct {
			name  string
			setup func(t *testing.T) string
			want  string
		}{"secret owned by another user", func(t *testing.T) string {
			dir := t.TempDir()
			p := filepath.Join(dir, DevSecretFile)
			if err := os.WriteFile(p, []byte(good), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(p, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			return dir
		}, "is owned by uid 65534"})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.setup(t)
			secret, _, err := DevSecret(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("DevSecret = %q, %v; want an error containing %q", secret, err, tc.want)
			}
		})
	}
}
