package app

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"
)

// privateDataDir creates dir owner-only (0700; the engine's files, made
// by pebblestore, are 0600 and the development secret 0600), or, when it
// exists and others may read or enter it, warns how to close it: a data
// directory holds every table's data and the secret that signs tokens.
// An existing directory's mode is the operator's to change, not ours.
func privateDataDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
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
