package main

import (
	"testing"

	"github.com/hubstream/hubstream/internal/cli/clitest"
)

// TestCommandLines: --help exits 0 and lists the flags (documented in
// docs/operations.md) and the sub-command; wrong command lines exit 2.
func TestCommandLines(t *testing.T) {
	clitest.Run(t, []clitest.Case{
		{Name: "--help", Args: []string{"--help"}, Stdout: []string{"usage: ddblocal", "healthcheck", "-metrics-path", "-stream-shards", "-log-level", "no environment variables"}},
		{Name: "help", Args: []string{"help"}, Stdout: []string{"usage: ddblocal"}},
		{Name: "healthcheck --help", Args: []string{"healthcheck", "--help"}, Stdout: []string{"usage: ddblocal healthcheck", "-url"}},
		{Name: "an unknown argument", Args: []string{"serve"}, Code: 2, Stderr: `unexpected argument "serve"`},
		{Name: "an unknown flag", Args: []string{"--port", "8000"}, Code: 2, Stderr: "flag provided but not defined: -port"},
		{Name: "a metrics path that is the engine's", Args: []string{"--metrics-path", "/"}, Code: 2, Stderr: "--metrics-path"},
	}, run)
}
