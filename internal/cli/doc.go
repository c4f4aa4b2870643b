package cli

import (
	"os"
	"path/filepath"
	"strings"
)

// Undocumented returns the flags (as "--name") and environment variables
// that a usage text printed by PrintUsage lists and doc does not mention:
// the check that keeps docs/operations.md true to the binaries.
func Undocumented(doc, usage string) []string {
	var missing []string
	inEnv := false
	for _, line := range strings.Split(usage, "\n") {
		switch {
		case line == "environment:":
			inEnv = true
		case strings.HasPrefix(line, "  -"):
			name := "--" + strings.TrimPrefix(strings.Fields(line)[0], "-")
			if !strings.Contains(doc, "`"+name) {
				missing = append(missing, name)
			}
		case inEnv && strings.HasPrefix(line, "  "):
			name := strings.Fields(line)[0]
			if !strings.Contains(doc, "`"+name+"`") && !strings.Contains(doc, "`"+name+",") {
				missing = append(missing, name)
			}
		}
	}
	return missing
}

// OperationsDoc returns docs/operations.md, found from the working
// directory of a test in the repository.
func OperationsDoc() (string, error) {
	dir, _ := os.Getwd()
	for {
		b, err := os.ReadFile(filepath.Join(dir, "docs", "operations.md"))
		if err == nil {
			return string(b), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", err
		}
		dir = parent
	}
}
