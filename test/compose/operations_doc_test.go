package compose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOperationsDocNamesEveryVariable: every environment variable
// hubstream's code reads (derived from the source, as for the compose
// file) is documented in docs/operations.md. The binaries' flags are held
// to the same document by the TestCommandLines tests of cmd/*.
func TestOperationsDocNamesEveryVariable(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repositoryRoot, "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name := range knownEnv(t).ours {
		if !strings.Contains(string(doc), "`"+name+"`") && !strings.Contains(string(doc), "`"+name+",") {
			t.Errorf("docs/operations.md does not document %s, which the code reads", name)
		}
	}
}
