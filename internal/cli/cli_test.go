package cli_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/hubstream/hubstream/internal/cli"
	"github.com/hubstream/hubstream/internal/cli/clitest"
)

// TestRun: the parsing rules every binary follows, through Run — help on
// stdout with exit 0, a wrong command line exit 2 and a failure exit 1,
// each error on stderr after the binary's name.
func TestRun(t *testing.T) {
	demo := cli.Command{Name: "demo", Args: "[word] [flags]", Summary: "Show the rules.", Env: []cli.Env{{Name: "DEMO_MODE", Meaning: "unused"}}}
	cmd := func(_ context.Context, args []string, stdout, _ io.Writer) error {
		fs := demo.NewFlagSet()
		n := fs.Int("n", 1, "how many")
		if err := demo.Parse(fs, args, 1, stdout); err != nil {
			return err
		}
		switch {
		case *n < 0:
			return cli.Usagef("-n must not be negative")
		case fs.Arg(0) == "fail":
			return errors.New("it failed")
		}
		return nil
	}
	run := func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return cli.Run(ctx, "demo", cmd, args, stdout, stderr)
	}
	clitest.Check(t, run, []clitest.Case{
		{Name: "success", Args: []string{"word"}},
		{Name: "--help", Args: []string{"--help"}, Stdout: []string{"usage: demo [word] [flags]", "Show the rules.", "-n", "environment:", "DEMO_MODE"}},
		{Name: "-h", Args: []string{"-h"}, Stdout: []string{"usage: demo"}},
		{Name: "a failure", Args: []string{"fail"}, Code: 1, Stderr: "demo: it failed"},
		{Name: "a bad value", Args: []string{"-n", "-1"}, Code: cli.ExitUsage, Stderr: "demo: -n must not be negative"},
		{Name: "not a number", Args: []string{"-n", "many"}, Code: cli.ExitUsage, Stderr: `(run "demo --help")`},
		{Name: "an unknown flag", Args: []string{"--x"}, Code: cli.ExitUsage, Stderr: "flag provided but not defined: -x"},
		{Name: "a flag after an argument", Args: []string{"a", "-n", "2"}, Code: cli.ExitUsage, Stderr: `flags must come before arguments: "-n"`},
		{Name: "two arguments", Args: []string{"a", "b"}, Code: cli.ExitUsage, Stderr: `unexpected argument "b"`},
	})
}
