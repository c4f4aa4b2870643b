package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/cli"
)

// TestCommandLines: --help exits 0 and lists the flags (documented in
// docs/operations.md) and the sub-command; wrong command lines exit 2.
func TestCommandLines(t *testing.T) {
	doc, err := cli.OperationsDoc()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"--help", []string{"--help"}, 0, []string{"usage: ddblocal", "healthcheck", "-metrics-path", "-stream-shards", "-log-level", "no environment variables"}, ""},
		{"help", []string{"help"}, 0, []string{"usage: ddblocal"}, ""},
		{"healthcheck --help", []string{"healthcheck", "--help"}, 0, []string{"usage: ddblocal healthcheck", "-url"}, ""},
		{"an unknown argument", []string{"serve"}, 2, nil, `unexpected argument "serve"`},
		{"an unknown flag", []string{"--port", "8000"}, 2, nil, "flag provided but not defined: -port"},
		{"a metrics path that is the engine's", []string{"--metrics-path", "/"}, 2, nil, "--metrics-path"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut)
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
