package main

import (
	"testing"

	"github.com/hubstream/hubstream/internal/cli/clitest"
)

// TestCommandLines: help exits 0 and lists every flag, each documented in
// docs/operations.md; a wrong command line exits 2 and says what was
// wrong.
func TestCommandLines(t *testing.T) {
	clitest.Run(t, []clitest.Case{
		{Name: "--help", Args: []string{"--help"}, Stdout: []string{"usage: hubbench", "-clients", "-duration", "-rounds", "-queries", "-cpuprofile", "-memprofile"}},
		{Name: "an unknown flag", Args: []string{"--port", "80"}, Code: 2, Stderr: "flag provided but not defined: -port"},
		{Name: "an argument", Args: []string{"now"}, Code: 2, Stderr: `unexpected argument "now"`},
		{Name: "no clients", Args: []string{"--clients", "0"}, Code: 2, Stderr: "must be positive"},
		{Name: "a negative warmup", Args: []string{"--warmup", "-1s"}, Code: 2, Stderr: "not negative"},
		{Name: "an unknown query", Args: []string{"--queries", "user,orgs"}, Code: 2, Stderr: `unknown query "orgs"`},
	}, run)
}
