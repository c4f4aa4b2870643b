package app

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"

	"github.com/hubstream/hubstream/internal/fsperm"
)

// privateDataDir creates dir owner-only (0700; the engine's files, made
// by pebblestore, are 0600 and the development secret 0600). An existing
// one is refused when it is a symbolic link, is owned by another user or
// is writable by others (fsperm.CheckPath): whoever controls it controls
// the data and the secret that signs tokens. One that others may only
// read or enter is used with a warning saying how to close it.
func privateDataDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if err := fsperm.CheckPath("data directory", dir); err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		log.Warn("the data directory is accessible to other users; it holds all data and the development token secret: chmod 700 "+dir,
			slog.String("data_dir", dir), slog.String("mode", perm.String()))
	}
	return nil
}
