package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/cli/clitest"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/table"
)

// TestCommandLines: --help on the binary and on every sub-command exits
// 0 and lists what there is (each flag and variable documented in
// docs/operations.md); wrong command lines exit 2 with the reason.
func TestCommandLines(t *testing.T) {
	cc := table.ClientConfig{Endpoint: "http://127.0.0.1:1", StaticCredentials: true}
	clitest.Run(t, []clitest.Case{
		{Name: "--help", Args: []string{"--help"}, Stdout: []string{"usage: projector <command>", "run", "rebuild", "verify", "status", "dlq list", "dlq retry", "environment:", "DYNAMODB_ENDPOINT", "HUBSTREAM_TABLE"}},
		{Name: "help", Args: []string{"help"}, Stdout: []string{"usage: projector"}},
		{Name: "run --help", Args: []string{"run", "--help"}, Stdout: []string{"usage: projector run", "-lease-timeout", "-log-level", "AWS_ENDPOINT_URL_DYNAMODB"}},
		{Name: "rebuild --help", Args: []string{"rebuild", "--help"}, Stdout: []string{"usage: projector rebuild", "-data-dir", "-via-memory"}},
		{Name: "verify --help", Args: []string{"verify", "-h"}, Stdout: []string{"usage: projector verify", "-repair", "-data-dir"}},
		{Name: "status --help", Args: []string{"status", "--help"}, Stdout: []string{"usage: projector status", "-json", "-data-dir"}},
		{Name: "dlq --help", Args: []string{"dlq", "--help"}, Stdout: []string{"usage: projector dlq", "list", "retry"}},
		{Name: "dlq list --help", Args: []string{"dlq", "list", "--help"}, Stdout: []string{"usage: projector dlq list", "-payload"}},
		{Name: "dlq retry --help", Args: []string{"dlq", "retry", "--help"}, Stdout: []string{"usage: projector dlq retry", "-aggregate"}},
		{Name: "no command", Code: 2},
		{Name: "an unknown command", Args: []string{"replay"}, Code: 2, Stderr: `unknown command "replay"`},
		{Name: "an argument after a command", Args: []string{"status", "now"}, Code: 2, Stderr: `unexpected argument "now"`},
		{Name: "an unknown flag", Args: []string{"verify", "--fix"}, Code: 2, Stderr: "flag provided but not defined: -fix"},
		{Name: "an unknown dlq command", Args: []string{"dlq", "purge"}, Code: 2, Stderr: "projector dlq list|retry"},
		{Name: "--data-dir with an endpoint", Args: []string{"status", "--data-dir", "/nonexistent"}, Code: 2, Stderr: "exclude each other"},
	}, func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return run(ctx, args, stdout, stderr, cc)
	})
}

// TestDataDir: verify, status and rebuild work on an embedded data
// directory directly once no server holds it, and say clearly that it is
// in use while one does.
func TestDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".hubstream")
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{DataDir: dir, Logger: obs.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := a.Executor().Execute(ctx, fmt.Sprintf("user%d", i), entities.CreateUser{Login: fmt.Sprintf("user%d", i), Name: "U"}); err != nil {
			t.Fatal(err)
		}
	}
	cmd := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut, table.ClientConfig{})
		return code, out.String() + errOut.String()
	}
	if code, out := cmd("status", "--data-dir", dir); code != 2 || !strings.Contains(out, "data directory is in use by another process") {
		t.Errorf("status on a data directory a server holds: %d\n%s", code, out)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"rebuild", []string{"rebuild", "--data-dir", dir}, "5 events of 5 aggregates"},
		{"verify", []string{"verify", "--data-dir", dir}, "0 drifted"},
		{"status", []string{"status", "--data-dir", dir, "--json"}, `"shards": [`},
		{"dlq list", []string{"dlq", "list", "--data-dir", dir}, "parked events: 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if code, out := cmd(tc.args...); code != 0 || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want 0 and %q:\n%s", code, tc.want, out)
			}
		})
	}
	if code, out := cmd("status", "--data-dir", filepath.Join(t.TempDir(), "empty")); code == 0 || !strings.Contains(out, "holds no embedded engine data") {
		t.Errorf("status on an empty directory: %d\n%s", code, out)
	}
}
