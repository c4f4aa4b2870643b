package storagetest

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"testing"
)

// Child is a copy of the running test binary started by StartChild, for
// tests that kill a process writing to a store and check what survives.
type Child struct {
	Cmd *exec.Cmd
	// Stdout is the child's standard output, where it reports progress.
	Stdout io.ReadCloser
	// Stderr collects the child's standard error, for failure messages.
	Stderr *bytes.Buffer
}

// StartChild starts the test binary again with args (a -test.run selecting
// the child's role, say) and env added to this process's environment.
func StartChild(tb testing.TB, args []string, env ...string) *Child {
	tb.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), env...)
	c := &Child{Cmd: cmd, Stderr: new(bytes.Buffer)}
	cmd.Stderr = c.Stderr
	var err error
	if c.Stdout, err = cmd.StdoutPipe(); err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting child: %v", err)
	}
	return c
}
