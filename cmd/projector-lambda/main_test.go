package main

import (
	"context"
	"io"
	"testing"

	"github.com/hubstream/hubstream/internal/cli/clitest"
)

// TestCommandLines: the runtime passes no arguments (run); --help lists
// the environment (documented in docs/operations.md) and exits 0;
// anything else exits 2.
func TestCommandLines(t *testing.T) {
	clitest.Run(t, []clitest.Case{
		{Name: "no arguments: run", Code: -1},
		{Name: "--help", Args: []string{"--help"}, Stdout: []string{"HUBSTREAM_PROJECTOR_PARK"}},
		{Name: "an argument", Args: []string{"run"}, Code: 2},
		{Name: "a flag", Args: []string{"--table", "x"}, Code: 2},
	}, func(_ context.Context, args []string, stdout, stderr io.Writer) int {
		return checkArgs(args, stdout, stderr)
	})
}
