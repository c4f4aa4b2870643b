// Package fsperm checks that the files holding hubstream's data and
// secrets are the current user's alone: not a symbolic link (which
// another user could point elsewhere), owned by the user the process runs
// as, and writable by nobody else. On systems without POSIX ownership
// (Windows) the checks pass.
package fsperm

import (
	"fmt"
	"io/fs"
	"os"
)

// CheckPath checks the file or directory at path without following a
// symbolic link: it returns an error naming what (e.g. "data directory")
// when path is a symbolic link, is owned by another user, or is writable
// by its group or others. A path that does not exist is returned as the
// *fs.PathError of os.Lstat.
func CheckPath(what, path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s %s is a symbolic link: refusing it (another user could point it elsewhere); pass the path it points to", what, path)
	}
	return CheckInfo(what, path, fi)
}

// CheckInfo applies CheckPath's ownership and mode rules to fi, the
// result of a stat that did not follow links (os.Lstat, or Stat on a file
// opened with OpenNoFollow).
func CheckInfo(what, path string, fi fs.FileInfo) error {
	if uid, ok := owner(fi); ok && uid != os.Geteuid() {
		return fmt.Errorf("%s %s is owned by uid %d, not by the user this process runs as (uid %d): refusing it; chown it or use another path", what, path, uid, os.Geteuid())
	}
	if supported && fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s %s is writable by other users (mode %v): refusing it; run chmod go-w %s", what, path, fi.Mode().Perm(), path)
	}
	return nil
}
