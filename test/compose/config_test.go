package compose

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// composeCommand returns the command line that runs Docker Compose v2:
// $HUBSTREAM_DOCKER_COMPOSE (a standalone docker-compose v2 binary, as
// .ci/run installs it), else `docker compose` when the docker CLI has the
// plugin, else a docker-compose on PATH that is v2 or later. It skips the
// test when there is none: Compose is a tool some machines lack, and the
// static checks above run regardless.
func composeCommand(t *testing.T) []string {
	t.Helper()
	var candidates [][]string
	if p := os.Getenv("HUBSTREAM_DOCKER_COMPOSE"); p != "" {
		candidates = append(candidates, []string{p})
	}
	if p, err := exec.LookPath("docker"); err == nil {
		candidates = append(candidates, []string{p, "compose"})
	}
	if p, err := exec.LookPath("docker-compose"); err == nil {
		candidates = append(candidates, []string{p})
	}
	for _, c := range candidates {
		out, err := exec.Command(c[0], append(c[1:], "version", "--short")...).Output()
		v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
		// Compose v1 (Python) does not know the compose specification
		// this file uses; a build from source reports "dev".
		if err == nil && (v == "dev" || v != "" && v[0] >= '2' && v[0] <= '9') {
			return c
		}
	}
	if os.Getenv("HUBSTREAM_DOCKER_COMPOSE") != "" {
		t.Fatalf("HUBSTREAM_DOCKER_COMPOSE=%s is not a working Docker Compose v2", os.Getenv("HUBSTREAM_DOCKER_COMPOSE"))
	}
	t.Skip("Docker Compose v2 is not installed (neither `docker compose` nor docker-compose v2; .ci/run installs it)")
	return nil
}

// TestDockerComposeConfig runs `docker compose config`, which needs no
// Docker engine: Compose itself loads, interpolates and validates the file
// against the Compose specification, for the default and every profile.
func TestDockerComposeConfig(t *testing.T) {
	compose := composeCommand(t)
	cf := loadCompose(t)
	runs := [][]string{nil}
	for _, p := range cf.profiles() {
		runs = append(runs, []string{"--profile", p})
	}
	for _, profile := range runs {
		name := "default"
		if profile != nil {
			name = profile[1]
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			args := append(append(append([]string{}, compose[1:]...), profile...), "config", "--services")
			cmd := exec.CommandContext(ctx, compose[0], args...)
			cmd.Dir = repositoryRoot
			// The file requires a secret from the environment.
			cmd.Env = append(os.Environ(), "AUTH_JWT_SECRET=config-test-0123456789abcdef0123456789abcdef")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
			}
			if strings.Contains(strings.ToLower(stderr.String()), "warn") {
				t.Errorf("%s warns:\n%s", strings.Join(cmd.Args, " "), stderr.String())
			}
			services := strings.Fields(stdout.String())
			for _, want := range []string{"server", "projector"} {
				if !contains(services, want) {
					t.Errorf("services %v lack %s", services, want)
				}
			}
			backEnd := "ddblocal"
			if profile != nil {
				backEnd = profile[1]
			}
			if !contains(services, backEnd) {
				t.Errorf("services %v lack the %s back end", services, backEnd)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
