package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/ddblocal/storage"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/pebblestore"
	"github.com/hubstream/hubstream/internal/fsperm"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/table"
)

var _ storage.Store = (*pebblestore.Store)(nil)

// ErrDataDirInUse is returned when another process (a server, or a
// projector command) has the data directory open. It wraps
// pebblestore.ErrLocked.
var ErrDataDirInUse = pebblestore.ErrLocked

// OpenStore opens the embedded engine's durable store in dataDir/ddb,
// creating it owner-only. Pebble's own log lines go to log at debug
// level, the store's warnings at warn. When another process has the
// directory open it fails with an error that wraps ErrDataDirInUse and
// names the directory.
func OpenStore(ctx context.Context, dataDir string, log *slog.Logger) (*pebblestore.Store, error) {
	dir := filepath.Join(dataDir, "ddb")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	// The projector's tools open it without the server's privateDataDir.
	for _, d := range []string{dataDir, dir} {
		if err := fsperm.CheckPath("data directory", d); err != nil {
			return nil, err
		}
	}
	log = log.With(slog.String("component", "storage"))
	st, err := pebblestore.Open(dir, pebblestore.Options{
		Logf:  obs.Logf(ctx, log, slog.LevelDebug),
		Warnf: obs.Logf(ctx, log, slog.LevelWarn),
	})
	if errors.Is(err, pebblestore.ErrLocked) {
		return nil, fmt.Errorf("%w: %s (a running server, or a projector command with --data-dir, holds it: stop it first)", ErrDataDirInUse, dataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("opening data directory %s: %w", dir, err)
	}
	return st, nil
}

// Embedded is the embedded engine opened on a data directory by a tool
// (the projector's commands) rather than by a server.
type Embedded struct {
	Engine  *ddblocal.Engine
	Clients table.Clients
}

// OpenEmbedded opens the embedded engine on dataDir, as the server does,
// and returns clients that reach it in process. It fails with an error
// wrapping ErrDataDirInUse while a server holds the directory, and when
// the directory holds no data yet. metrics, when set, counts the clients'
// calls. Close releases the directory.
func OpenEmbedded(ctx context.Context, dataDir string, log *slog.Logger, metrics *table.Metrics) (*Embedded, error) {
	if _, err := os.Stat(filepath.Join(dataDir, "ddb")); err != nil {
		return nil, fmt.Errorf("data directory %s holds no embedded engine data (%w): give the --data-dir the server uses", dataDir, err)
	}
	st, err := OpenStore(ctx, dataDir, log)
	if err != nil {
		return nil, err
	}
	eng, err := ddblocal.New(ddblocal.Options{Store: st, Logf: obs.Logf(ctx, log.With(slog.String("component", "engine")), slog.LevelError)})
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	clients, err := table.NewClients(ctx, table.ClientConfig{Endpoint: "http://ddblocal.embedded", HTTPClient: eng.HTTPClient(), StaticCredentials: true, Metrics: metrics})
	if err != nil {
		_ = eng.Close()
		return nil, err
	}
	return &Embedded{Engine: eng, Clients: clients}, nil
}

// Close closes the engine and releases the data directory.
func (e *Embedded) Close() error { return e.Engine.Close() }
