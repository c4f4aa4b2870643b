//go:build unix

package fsperm

import (
	"io/fs"
	"os"
	"syscall"
)

// supported says the system has POSIX owners and modes.
const supported = true

// owner returns the uid that owns fi's file.
func owner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// OpenNoFollow opens path for reading, failing if its last element is a
// symbolic link (ELOOP), so that a check of the opened file's Stat is a
// check of the file read.
func OpenNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
}
