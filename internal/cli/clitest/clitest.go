// Package clitest drives a binary's entry point as a shell would, for
// the command-line tests every hubstream binary has: the exit status,
// what stdout and stderr say, and that a usage text's flags and
// environment variables are documented in docs/operations.md.
package clitest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/cli"
)

// Case is one command line and what it must do.
type Case struct {
	Name string
	Args []string
	// Code is the exit status.
	Code int
	// Stdout lists what stdout must contain.
	Stdout []string
	// Stderr is what stderr must contain ("": anything).
	Stderr string
	// CheckDoc asks that every flag and variable stdout lists (a usage
	// text) be documented in docs/operations.md.
	CheckDoc bool
}

// Run is a binary's entry point: it executes one command line and
// returns the exit status.
type Run func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// Check runs each case through run as a named subtest.
func Check(t *testing.T, run Run, cases []Case) {
	t.Helper()
	doc, err := cli.OperationsDoc()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(t.Context(), tc.Args, &out, &errOut)
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
			if tc.CheckDoc {
				if missing := cli.Undocumented(doc, out.String()); len(missing) > 0 {
					t.Errorf("docs/operations.md does not document %v", missing)
				}
			}
		})
	}
}
