package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// Run executes one command line with cmd and returns the exit status
// (ExitCode): an error other than help is printed to stderr after the
// binary's name, as "name: error".
func Run(ctx context.Context, name string, cmd func(ctx context.Context, args []string, stdout, stderr io.Writer) error, args []string, stdout, stderr io.Writer) int {
	err := cmd(ctx, args, stdout, stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
	}
	return ExitCode(err)
}
