package cli_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/cli"
	"github.com/hubstream/hubstream/internal/cli/clitest"
)

// TestRun: the parsing rules every binary follows, through Run — a wrong
// command line exits 2 and a failure 1, each error on stderr after the
// binary's name; help goes to stdout with exit 0.
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
	clitest.Run(t, []clitest.Case{
		{Name: "success", Args: []string{"word"}},
		{Name: "a failure", Args: []string{"fail"}, Code: 1, Stderr: "demo: it failed"},
		{Name: "a bad value", Args: []string{"-n", "-1"}, Code: cli.ExitUsage, Stderr: "demo: -n must not be negative"},
		{Name: "not a number", Args: []string{"-n", "many"}, Code: cli.ExitUsage, Stderr: `(run "demo --help")`},
		{Name: "an unknown flag", Args: []string{"--x"}, Code: cli.ExitUsage, Stderr: "flag provided but not defined: -x"},
		{Name: "a flag after an argument", Args: []string{"a", "-n", "2"}, Code: cli.ExitUsage, Stderr: `flags must come before arguments: "-n"`},
		{Name: "two arguments", Args: []string{"a", "b"}, Code: cli.ExitUsage, Stderr: `unexpected argument "b"`},
	}, run)
	// Help is checked here, not by clitest: the demo's flag and variable
	// are not docs/operations.md's to document.
	for _, arg := range []string{"--help", "-h", "-help"} {
		t.Run(arg, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(t.Context(), []string{arg}, &out, &errOut); code != 0 || errOut.Len() > 0 {
				t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, errOut.String())
			}
			for _, want := range []string{"usage: demo [word] [flags]", "Show the rules.", "-n", "how many", "environment:", "DEMO_MODE"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("usage lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
