package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/cli/clitest"
)

// TestCommandLines drives the binary's entry point as a shell would:
// help exits 0 on stdout and lists the sub-commands, flags and
// environment variables (each documented in docs/operations.md); a wrong
// command line exits 2 and says what was wrong.
func TestCommandLines(t *testing.T) {
	clitest.Run(t, []clitest.Case{
		{Name: "--help", Args: []string{"--help"}, Stdout: []string{"usage: server", "token", "healthcheck", "environment:", "DYNAMODB_ENDPOINT", "AWS_ENDPOINT_URL_DYNAMODB", "AUTH_JWT_SECRET", "-shutdown-delay", "-log-level"}},
		{Name: "-h", Args: []string{"-h"}, Stdout: []string{"usage: server"}},
		{Name: "help", Args: []string{"help"}, Stdout: []string{"usage: server"}},
		{Name: "token --help", Args: []string{"token", "--help"}, Stdout: []string{"usage: server token <login>", "-ttl", "-data-dir", "AUTH_JWT_SECRET"}},
		{Name: "healthcheck --help", Args: []string{"healthcheck", "--help"}, Stdout: []string{"usage: server healthcheck", "-url"}},
		{Name: "an unknown argument", Args: []string{"serve"}, Code: 2, Stderr: `unexpected argument "serve"`},
		{Name: "an unknown flag", Args: []string{"--port", "80"}, Code: 2, Stderr: "flag provided but not defined: -port"},
		{Name: "a bad value", Args: []string{"--shutdown-timeout", "soon"}, Code: 2, Stderr: "invalid value"},
		{Name: "a bad log level", Args: []string{"--log-level", "loud"}, Code: 2, Stderr: "log-level"},
		{Name: "token without a login", Args: []string{"token"}, Code: 2, Stderr: "want a login"},
		{Name: "token with two logins", Args: []string{"token", "a", "b"}, Code: 2, Stderr: `unexpected argument "b"`},
		{Name: "healthcheck with an argument", Args: []string{"healthcheck", "--url", "http://127.0.0.1:1", "x"}, Code: 2, Stderr: `unexpected argument "x"`},
	}, run)
}

// TestTokenSaysWhereItIsValid: `server token` warns when it creates a new
// development secret and names the data directory whose server accepts
// the token; the second time it only says where the token is valid.
func TestTokenSaysWhereItIsValid(t *testing.T) {
	for _, k := range []string{"AUTH_JWT_SECRET", "AUTH_JWKS_URL", "AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_MAX_TOKEN_LIFETIME"} {
		t.Setenv(k, "")
	}
	dir := filepath.Join(t.TempDir(), "data")
	steps := []struct {
		name, want, notWant string
	}{
		{"a fresh data directory", "warning: created a new development secret in " + filepath.Join(dir, "dev-jwt-secret"), ""},
		{"the secret exists", "accepted by the server started with --data-dir " + dir, "warning"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), []string{"token", "octocat", "--data-dir", dir}, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if strings.Count(out.String(), ".") != 2 || strings.Contains(out.String(), " ") {
				t.Errorf("stdout is not just a token: %q", out.String())
			}
			if !strings.Contains(errOut.String(), s.want) || s.notWant != "" && strings.Contains(errOut.String(), s.notWant) {
				t.Errorf("stderr %q, want %q", errOut.String(), s.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "dev-jwt-secret")); err != nil {
		t.Fatal(err)
	}
}
