package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/cli"
)

// TestCommandLines drives the binary's entry point as a shell would:
// help exits 0 on stdout and lists the sub-commands, flags and
// environment variables (each documented in docs/operations.md); a wrong
// command line exits 2 and says what was wrong.
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
		{"--help", []string{"--help"}, 0, []string{"usage: server", "token", "healthcheck", "environment:", "DYNAMODB_ENDPOINT", "AWS_ENDPOINT_URL_DYNAMODB", "AUTH_JWT_SECRET", "-shutdown-delay", "-log-level"}, "", true},
		{"-h", []string{"-h"}, 0, []string{"usage: server"}, "", true},
		{"help", []string{"help"}, 0, []string{"usage: server"}, "", true},
		{"token --help", []string{"token", "--help"}, 0, []string{"usage: server token <login>", "-ttl", "-data-dir", "AUTH_JWT_SECRET"}, "", true},
		{"healthcheck --help", []string{"healthcheck", "--help"}, 0, []string{"usage: server healthcheck", "-url"}, "", true},
		{"an unknown argument", []string{"serve"}, 2, nil, `unexpected argument "serve"`, false},
		{"an unknown flag", []string{"--port", "80"}, 2, nil, "flag provided but not defined: -port", false},
		{"a bad value", []string{"--shutdown-timeout", "soon"}, 2, nil, "invalid value", false},
		{"a bad log level", []string{"--log-level", "loud"}, 2, nil, "log-level", false},
		{"token without a login", []string{"token"}, 2, nil, "want a login", false},
		{"token with two logins", []string{"token", "a", "b"}, 2, nil, `unexpected argument "b"`, false},
		{"healthcheck with an argument", []string{"healthcheck", "--url", "http://127.0.0.1:1", "x"}, 2, nil, `unexpected argument "x"`, false},
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
