package compose

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// dockerignore returns a matcher of the paths .dockerignore keeps out of
// the build context, with the rules Docker itself applies.
func dockerignore(t *testing.T) *patternmatcher.PatternMatcher {
	t.Helper()
	f, err := os.Open(filepath.Join(repositoryRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	return pm
}

func excluded(t *testing.T, pm *patternmatcher.PatternMatcher, path string) bool {
	t.Helper()
	ex, err := pm.MatchesOrParentMatches(path)
	if err != nil {
		t.Fatalf("matching %s: %v", path, err)
	}
	return ex
}

func TestDockerignoreKeepsOut(t *testing.T) {
	pm := dockerignore(t)
	for _, path := range []string{
		".git/HEAD",
		".git/objects/pack/pack-1.pack",
		".hubstream/ddb/MANIFEST-000001",
		".hubstream/dev-jwt-secret",
		"cmd/server/.hubstream/ddb/000002.log",
		"deploy/dev-jwt-secret",
		".env",
		".env.production",
		"deploy/tls.key",
		"deploy/tls.pem",
		".aws/credentials",
		"server",
		"projector",
		"ddblocal",
		"graph/graph.test",
	} {
		t.Run(path, func(t *testing.T) {
			if !excluded(t, pm, path) {
				t.Errorf("%s would be sent to the Docker build", path)
			}
		})
	}
}

// TestDockerignoreKeepsIn: every tracked file the build compiles or embeds
// (go:embed reads third_party/ and internal/playground/static/) is in the
// build context.
func TestDockerignoreKeepsIn(t *testing.T) {
	pm := dockerignore(t)
	cmd := exec.Command("git", "ls-files", "go.mod", "go.sum", "cmd", "internal", "graph", "third_party")
	cmd.Dir = repositoryRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	files := strings.Fields(string(out))
	embedded := 0
	for _, f := range files {
		if excluded(t, pm, f) {
			t.Errorf("%s is needed by the build but .dockerignore keeps it out", f)
		}
		if strings.HasPrefix(f, "third_party/") || strings.HasPrefix(f, "internal/playground/static/") {
			embedded++
		}
	}
	if len(files) < 100 || embedded < 5 {
		t.Fatalf("git ls-files listed %d files (%d embedded assets): too few for this check to mean anything", len(files), embedded)
	}
}
