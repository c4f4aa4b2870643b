//go:build !unix

package fsperm

import (
	"io/fs"
	"os"
)

// supported says the system has POSIX owners and modes.
const supported = false

func owner(fs.FileInfo) (int, bool) { return 0, false }

// OpenNoFollow opens path for reading (links are followed where the
// system has no O_NOFOLLOW).
func OpenNoFollow(path string) (*os.File, error) { return os.Open(path) }
