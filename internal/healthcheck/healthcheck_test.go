package healthcheck

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		wantErr bool
	}{
		{"ready", http.StatusOK, false},
		{"a DynamoDB endpoint answering a bare GET with 400 is up", http.StatusBadRequest, false},
		{"not ready", http.StatusServiceUnavailable, true},
		{"broken", http.StatusInternalServerError, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tc.status) }))
			defer srv.Close()
			err := Run(t.Context(), "test", []string{"--url", srv.URL}, io.Discard)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Run = %v, want error %v", err, tc.wantErr)
			}
		})
	}
	for _, args := range [][]string{{}, {"--url", "ftp://x"}, {"--url", "http://127.0.0.1:1"}} {
		if err := Run(t.Context(), "test", args, io.Discard); err == nil {
			t.Fatalf("Run(%v) succeeded", args)
		}
	}
}
