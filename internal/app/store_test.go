package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/obs"
)

// TestDataDirInUse: a second app on the data directory of a running one
// fails with ErrDataDirInUse and says which directory; so does a tool
// (OpenEmbedded); once the first is closed, the directory opens again.
func TestDataDirInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".hubstream")
	first, err := New(context.Background(), Config{DataDir: dir, NoProjector: true, Logger: obs.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		open func() (func() error, error)
	}{
		{"a second server", func() (func() error, error) {
			a, err := New(context.Background(), Config{DataDir: dir, NoProjector: true, Logger: obs.Discard()})
			if err != nil {
				return nil, err
			}
			return a.Close, nil
		}},
		{"a projector command", func() (func() error, error) {
			e, err := OpenEmbedded(context.Background(), dir, obs.Discard(), nil)
			if err != nil {
				return nil, err
			}
			return e.Close, nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			closeIt, err := tc.open()
			if err == nil {
				_ = closeIt()
				t.Fatal("opened a data directory in use")
			}
			if !errors.Is(err, ErrDataDirInUse) || !strings.Contains(err.Error(), "data directory is in use by another process") || !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q", err)
			}
		})
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	e, err := OpenEmbedded(context.Background(), dir, obs.Discard(), nil)
	if err != nil {
		t.Fatalf("after the server closed: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}
