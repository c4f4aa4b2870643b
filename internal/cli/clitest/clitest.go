// Package clitest is the table-driven command-line test every hubstream
// binary runs on its entry point: the exit status, what stdout and stderr
// say, and that every flag a help text lists is documented in
// docs/operations.md.
package clitest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/cli"
)

// Case is one command line and what running it must give.
type Case struct {
	Name string
	Args []string
	// Code is the exit status.
	Code int
	// Stdout are strings stdout must contain.
	Stdout []string
	// Stderr is a string stderr must contain ("" for anything).
	Stderr string
}

// Run runs every case through run, a binary's entry point, each as a
// subtest. A case that exits 0 (a help text) must list only flags and
// variables that docs/operations.md documents.
func Run(t *testing.T, cases []Case, run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	t.Helper()
	doc, err := cli.OperationsDoc()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.Args, &out, &errOut)
			if code != tc.Code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.Code, out.String(), errOut.String())
			}
			for _, want := range tc.Stdout {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
			if !strings.Contains(errOut.String(), tc.Stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.Stderr, errOut.String())
			}
			if tc.Code == 0 {
				if missing := cli.Undocumented(doc, out.String()); len(missing) > 0 {
					t.Errorf("docs/operations.md does not document %v", missing)
				}
			}
		})
	}
}
