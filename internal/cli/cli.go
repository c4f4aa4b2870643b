// Package cli is what hubstream's binaries share on their command lines:
// usage texts that list sub-commands and environment variables, the
// parsing rules (-h and --help exit 0, unknown flags and stray arguments
// exit 2 with a message), and the environment variables each binary
// honours, described once. docs/operations.md documents the same, and
// its test holds the two together.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Env describes an environment variable a binary reads.
type Env struct {
	Name    string
	Meaning string
}

// Command describes a command or sub-command for its usage text.
type Command struct {
	// Name is how it is called: "server", "projector dlq list".
	Name string
	// Args is the synopsis after the name: "[flags]", "<login> [flags]".
	Args string
	// Summary says what it does, in a sentence or two.
	Summary string
	// Commands are its sub-commands: name and summary.
	Commands [][2]string
	// Env are the environment variables it reads.
	Env []Env
}

// ExitUsage is the exit status of a command line that is wrong: an
// unknown command, flag or argument, or a bad flag value.
const ExitUsage = 2

// UsageError is a command line that is wrong; its message says how.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error { return &UsageError{Msg: fmt.Sprintf(format, args...)} }

// NewFlagSet returns an empty flag set for c that prints nothing itself:
// Parse returns its errors and prints c's usage on -h.
func (c Command) NewFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// PrintUsage writes c's usage text, with fs's flags when fs is not nil.
func PrintUsage(w io.Writer, c Command, fs *flag.FlagSet) {
	args := c.Args
	if args == "" {
		args = "[flags]"
	}
	fmt.Fprintf(w, "usage: %s %s\n", c.Name, args)
	if c.Summary != "" {
		fmt.Fprintf(w, "\n%s\n", c.Summary)
	}
	if len(c.Commands) > 0 {
		fmt.Fprintf(w, "\ncommands:\n")
		width := 0
		for _, sc := range c.Commands {
			width = max(width, len(sc[0]))
		}
		for _, sc := range c.Commands {
			fmt.Fprintf(w, "  %-*s  %s\n", width, sc[0], sc[1])
		}
		fmt.Fprintf(w, "\nRun \"%s <command> --help\" for a command's flags.\n", c.Name)
	}
	if fs != nil {
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(w, "\nflags:\n")
			out := fs.Output()
			fs.SetOutput(w)
			fs.PrintDefaults()
			fs.SetOutput(out)
		}
	}
	if len(c.Env) > 0 {
		fmt.Fprintf(w, "\nenvironment:\n")
		width := 0
		for _, e := range c.Env {
			width = max(width, len(e.Name))
		}
		for _, e := range c.Env {
			fmt.Fprintf(w, "  %-*s  %s\n", width, e.Name, e.Meaning)
		}
	}
}

// Parse parses args with fs (made by NewFlagSet) and allows at most
// maxArgs positional arguments. On -h or --help it writes c's usage,
// flags included, to stdout and returns flag.ErrHelp. An unknown flag, a
// bad value or a stray argument is a *UsageError that says what was
// wrong and how to get help.
func (c Command) Parse(fs *flag.FlagSet, args []string, maxArgs int, stdout io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			PrintUsage(stdout, c, fs)
			return err
		}
		return Usagef("%v (run %q)", err, c.Name+" --help")
	}
	if fs.NArg() > maxArgs {
		extra := fs.Args()[maxArgs]
		if strings.HasPrefix(extra, "-") {
			return Usagef("flags must come before arguments: %q (run %q)", extra, c.Name+" --help")
		}
		return Usagef("unexpected argument %q (run %q)", extra, c.Name+" --help")
	}
	return nil
}

// IsHelp reports whether args asks for help: -h, -help, --help or help.
func IsHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// ExitCode maps the error a command returned to its exit status: 0 for
// none and for help, ExitUsage for a wrong command line, 1 otherwise.
func ExitCode(err error) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return ExitUsage
	}
	return 1
}
