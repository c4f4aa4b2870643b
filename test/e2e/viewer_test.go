package e2e_test

import (
	"testing"
	"time"

	"github.com/hubstream/hubstream/test/testkit"
)

// TestViewer checks the viewer query for each kind of caller.
func TestViewer(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	created := createUser(t, srv, map[string]any{"login": "Viewer-One", "name": "V"})
	awaitUser(t, srv, "Viewer-One", created)

	tests := []struct {
		name      string
		client    *testkit.Client
		wantLogin string
		wantCode  string
	}{
		{"anonymous", srv.GraphQL, "", "UNAUTHENTICATED"},
		{"the user", srv.As(t, "viewer-one"), "Viewer-One", ""},
		{"a token before createUser", srv.As(t, "not-created-yet"), "", "NOT_FOUND"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var res *testkit.Response
			testkit.Eventually(t, 5*time.Second, func() bool {
				var err error
				res, err = tc.client.Do(t.Context(), `{ viewer { login name } }`, nil)
				return err == nil
			})
			if tc.wantCode != "" {
				if res.Code() != tc.wantCode {
					t.Fatalf("viewer: code %q (errors %+v), want %s", res.Code(), res.Errors, tc.wantCode)
				}
				return
			}
			var data struct {
				Viewer struct{ Login, Name string }
			}
			if len(res.Errors) > 0 {
				t.Fatalf("viewer: errors %+v", res.Errors)
			}
			if err := res.Decode(&data); err != nil {
				t.Fatal(err)
			}
			if data.Viewer.Login != tc.wantLogin || data.Viewer.Name != "V" {
				t.Fatalf("viewer = %+v, want %s", data.Viewer, tc.wantLogin)
			}
		})
	}
}
