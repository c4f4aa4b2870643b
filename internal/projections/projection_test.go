package projections_test

import (
	"testing"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/projections"
)

// TestEveryKindIsProjected: registering an aggregate kind in entities
// without registering its projection fails here, not in production.
func TestEveryKindIsProjected(t *testing.T) {
	for _, k := range entities.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			if !projections.Projects(k) {
				t.Fatalf("kind %s has no projection", k)
			}
		})
	}
}
