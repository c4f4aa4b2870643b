package pebblestore

import (
	"io"
	"os"
	"runtime"

	"github.com/cockroachdb/pebble/vfs"
)

// The store's directory and files are its owner's only (0700 and 0600):
// they hold every table's content, and Pebble creates files 0666 and
// directories as asked, so under a usual umask any local user could read
// them. Permissions cannot be set at creation through Pebble's file
// system, so privateFS sets them right after.

// privateFS is the OS file system with owner-only modes.
type privateFS struct{ vfs.FS }

// chmod makes name owner-only, keeping err if there is one.
func chmod(name string, mode os.FileMode, err error) error {
	if err != nil || runtime.GOOS == "windows" {
		return err
	}
	return os.Chmod(name, mode)
}

func (p privateFS) Create(name string) (vfs.File, error) {
	f, err := p.FS.Create(name)
	return closeOnErr(f, chmod(name, 0o600, err))
}

func (p privateFS) OpenReadWrite(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := p.FS.OpenReadWrite(name, opts...)
	return closeOnErr(f, chmod(name, 0o600, err))
}

func (p privateFS) ReuseForWrite(oldname, newname string) (vfs.File, error) {
	f, err := p.FS.ReuseForWrite(oldname, newname)
	return closeOnErr(f, chmod(newname, 0o600, err))
}

func (p privateFS) Lock(name string) (io.Closer, error) {
	c, err := p.FS.Lock(name)
	if err := chmod(name, 0o600, err); err != nil {
		if c != nil {
			_ = c.Close()
		}
		return nil, err
	}
	return c, nil
}

func (p privateFS) MkdirAll(dir string, _ os.FileMode) error {
	return p.FS.MkdirAll(dir, 0o700)
}

// closeOnErr returns f, or closes it and returns err when there is one.
func closeOnErr(f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, err
	}
	return f, nil
}

// looseMode returns the permission bits of dir and whether anyone but its
// owner may use it.
func looseMode(dir string) (os.FileMode, bool) {
	st, err := os.Stat(dir)
	if err != nil || runtime.GOOS == "windows" {
		return 0, false
	}
	return st.Mode().Perm(), st.Mode().Perm()&0o077 != 0
}
