package graph

import (
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/graph/model"
)

// TestValueBytes: the budget's estimate of a resolved value is at least
// its JSON size for texts, and never panics on what resolvers return —
// nil pointers of enum types included (a nil *IssueStateReason of an
// open issue did).
func TestValueBytes(t *testing.T) {
	body := strings.Repeat("a\"\n", 1000)
	var nilReason *model.IssueStateReason
	var nilString *string
	reason := model.IssueStateReason("COMPLETED")
	tests := []struct {
		name string
		v    any
		min  int64
		max  int64
	}{
		{"a text with quotes and line breaks", body, int64(len(body)) + 2 + 2000, int64(len(body)) + 2 + 2000},
		{"a pointer to a text", &body, int64(len(body)) + 2000, int64(len(body)) + 2002},
		{"a control character", "\x01", 8, 8},
		{"a nil *string", nilString, 0, 0},
		{"a nil enum pointer", nilReason, 0, 0},
		{"an enum pointer", &reason, 0, 0},
		{"a time", time.Now(), 32, 32},
		{"a list of texts", []string{"ab", "cd"}, 10, 10},
		{"nil", nil, 0, 0},
		{"an object", &model.Issue{}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := valueBytes(tt.v); got < tt.min || got > tt.max {
				t.Fatalf("valueBytes = %d, want %d..%d", got, tt.min, tt.max)
			}
		})
	}
}
