package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/hubstream/hubstream/internal/fsperm"
)

// The development default: an HS256 secret of the embedded engine's data
// directory, with its own issuer so that its tokens are recognisable.
const (
	// DevSecretFile is the secret's file name in the data directory.
	DevSecretFile = "dev-jwt-secret"
	// DevIssuer is the `iss` of development tokens (checked).
	DevIssuer = "hubstream-dev"
)

// NewDevSecret returns a fresh random secret: 32 random bytes, hex-encoded
// (the secret is the 64 ASCII characters, as if read from AUTH_JWT_SECRET).
func NewDevSecret() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return []byte(hex.EncodeToString(b))
}

// DevSecret returns the development secret kept in dir/dev-jwt-secret and
// the file's path, creating the directory and the file (mode 0600) on
// first use. Concurrent first uses agree on one secret. A file that others
// can read or that holds too short a secret is an error.
func DevSecret(dir string) (secret []byte, path string, err error) {
	path = filepath.Join(dir, DevSecretFile)
	if err := fsperm.CheckPath("data directory", dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, path, fmt.Errorf("auth: %w", err)
	}
	secret, err = readDevSecret(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return secret, path, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, path, fmt.Errorf("auth: data directory: %w", err)
	}
	if err := fsperm.CheckPath("data directory", dir); err != nil {
		return nil, path, fmt.Errorf("auth: %w", err)
	}
	// Write a temporary file and link it into place: the link fails if
	// another process got there first, and nobody reads a partial file.
	tmp, err := os.CreateTemp(dir, DevSecretFile+".tmp*")
	if err != nil {
		return nil, path, fmt.Errorf("auth: creating the development secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return nil, path, fmt.Errorf("auth: creating the development secret: %w", err)
	}
	fresh := NewDevSecret()
	_, werr := tmp.Write(append(fresh, '\n'))
	serr := tmp.Sync()
	if cerr := tmp.Close(); werr == nil && serr == nil && cerr != nil {
		werr = cerr
	}
	if err := errors.Join(werr, serr); err != nil {
		return nil, path, fmt.Errorf("auth: writing the development secret: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, path, fmt.Errorf("auth: storing the development secret: %w", err)
	}
	secret, err = readDevSecret(path)
	return secret, path, err
}

// readDevSecret reads the secret at path, refusing a symbolic link (the
// open does not follow it), anything but a regular file, and a file owned
// by another user or accessible to others: checked on the file opened, so
// it cannot be swapped between the check and the read.
func readDevSecret(path string) ([]byte, error) {
	f, err := fsperm.OpenNoFollow(path)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("auth: %s is a symbolic link: refusing it (another user could point it elsewhere); delete it to generate a new secret", path)
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("auth: %s is not a regular file; delete it to generate a new secret", path)
	}
	if err := fsperm.CheckInfo("development secret", path, st); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("auth: %s is accessible to other users (mode %v); run chmod 600 on it", path, st.Mode().Perm())
	}
	raw, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("auth: reading %s: %w", path, err)
	}
	secret := bytes.TrimSpace(raw)
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("auth: %s holds less than %d bytes; delete it to generate a new secret", path, MinSecretLen)
	}
	return secret, nil
}

// DevOptions returns the Options of the development default for secret:
// HS256 only, issuer DevIssuer.
func DevOptions(secret []byte) Options {
	return Options{Secret: secret, Issuer: DevIssuer, Algorithms: []string{HS256}}
}
