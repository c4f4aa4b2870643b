package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/cli"
)

// TestCommandLines: the runtime passes no arguments (run); --help lists
// the environment (documented in docs/operations.md) and exits 0;
// anything else exits 2.
func TestCommandLines(t *testing.T) {
	doc, err := cli.OperationsDoc()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"no arguments: run", nil, -1, ""},
		{"--help", []string{"--help"}, 0, "HUBSTREAM_PROJECTOR_PARK"},
		{"an argument", []string{"run"}, 2, ""},
		{"a flag", []string{"--table", "x"}, 2, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := checkArgs(tc.args, &out, &errOut); code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errOut.String())
			}
			if !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, out.String())
			}
			if tc.code == 0 {
				if missing := cli.Undocumented(doc, out.String()); len(missing) > 0 {
					t.Errorf("docs/operations.md does not document %v", missing)
				}
			}
		})
	}
}
