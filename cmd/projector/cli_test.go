package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/cli"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/table"
)

// TestCommandLines: --help on the binary and on every sub-command exits
// 0 and lists what there is (each flag and variable documented in
// docs/operations.md); wrong command lines exit 2 with the reason.
func TestCommandLines(t *testing.T) {
	doc, err := cli.OperationsDoc()
	if err != nil {
		t.Fatal(err)
	}
	cc := table.ClientConfig{Endpoint: "http://127.0.0.1:1", StaticCredentials: true}
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"--help", []string{"--help"}, 0, []string{"usage: projector <command>", "run", "rebuild", "verify", "status", "dlq list", "dlq retry", "environment:", "DYNAMODB_ENDPOINT", "HUBSTREAM_TABLE"}, ""},
		{"help", []string{"help"}, 0, []string{"usage: projector"}, ""},
		{"run --help", []string{"run", "--help"}, 0, []string{"usage: projector run", "-lease-timeout", "-log-level", "AWS_ENDPOINT_URL_DYNAMODB"}, ""},
		{"rebuild --help", []string{"rebuild", "--help"}, 0, []string{"usage: projector rebuild", "-data-dir", "-via-memory"}, ""},
		{"verify --help", []string{"verify", "-h"}, 0, []string{"usage: projector verify", "-repair", "-data-dir"}, ""},
		{"status --help", []string{"status", "--help"}, 0, []string{"usage: projector status", "-json", "-data-dir"}, ""},
		{"dlq --help", []string{"dlq", "--help"}, 0, []string{"usage: projector dlq", "list", "retry"}, ""},
		{"dlq list --help", []string{"dlq", "list", "--help"}, 0, []string{"usage: projector dlq list", "-payload"}, ""},
		{"dlq retry --help", []string{"dlq", "retry", "--help"}, 0, []string{"usage: projector dlq retry", "-aggregate"}, ""},
		{"no command", nil, 2, nil, ""},
		{"an unknown command", []string{"replay"}, 2, nil, `unknown command "replay"`},
		{"an argument after a command", []string{"status", "now"}, 2, nil, `unexpected argument "now"`},
		{"an unknown flag", []string{"verify", "--fix"}, 2, nil, "flag provided but not defined: -fix"},
		{"an unknown dlq command", []string{"dlq", "purge"}, 2, nil, "projector dlq list|retry"},
		{"--data-dir with an endpoint", []string{"status", "--data-dir", "/nonexistent"}, 2, nil, "exclude each other"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut, cc)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errOut.String())
			}
			for _, want := range tc.stdout {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
			if !strings.Contains(errOut.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, errOut.String())
			}
			if tc.code == 0 {
				if missing := cli.Undocumented(doc, out.String()); len(missing) > 0 {
					t.Errorf("docs/operations.md does not document %v", missing)
				}
			}
		})
	}
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
