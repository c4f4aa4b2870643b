package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/cli"
)

// TestCommandLines: help exits 0 and lists every flag, each documented in
// docs/operations.md; a wrong command line exits 2 and says what was
// wrong.
func TestCommandLines(t *testing.T) {
	doc, err := cli.OperationsDoc()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   string
		checkDoc bool
	}{
		{"--help", []string{"--help"}, 0, []string{"usage: hubbench", "-clients", "-duration", "-rounds", "-queries", "-cpuprofile", "-memprofile"}, "", true},
		{"an unknown flag", []string{"--port", "80"}, 2, nil, "flag provided but not defined: -port", false},
		{"an argument", []string{"now"}, 2, nil, `unexpected argument "now"`, false},
		{"no clients", []string{"--clients", "0"}, 2, nil, "must be positive", false},
		{"a negative warmup", []string{"--warmup", "-1s"}, 2, nil, "not negative", false},
		{"an unknown query", []string{"--queries", "user,orgs"}, 2, nil, `unknown query "orgs"`, false},
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
			if tc.checkDoc {
				if missing := cli.Undocumented(doc, out.String()); len(missing) > 0 {
					t.Errorf("docs/operations.md does not document %v", missing)
				}
			}
		})
	}
}
