package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/obs"
)

type gqlResponse struct {
	status int
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

func post(t *testing.T, url, token, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	out.status = res.StatusCode
	return out
}

const (
	createUser    = `mutation($in: CreateUserInput!) { createUser(input: $in) { user { login name } } }`
	updateProfile = `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) { user { login bio } } }`
)

// TestMutationsRequireTheirUser drives the real app over HTTP: mutations
// need a token, and a token acts only for its own login.
func TestMutationsRequireTheirUser(t *testing.T) {
	a, err := New(context.Background(), Config{MemoryOnly: true, NoProjector: true, Logger: obs.PrintfLogger(t.Logf, slog.LevelDebug)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	tok := func(login string) string {
		s, err := a.DevToken(login)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	octocat := map[string]any{"in": map[string]any{"login": "octocat", "name": "The Octocat"}}
	bio := map[string]any{"in": map[string]any{"login": "octocat", "bio": "hi"}}

	tests := []struct {
		name      string
		token     string
		query     string
		vars      map[string]any
		status    int
		code      string // "" for success
		wantLogin string
	}{
		{"createUser without a token", "", createUser, octocat, 200, "UNAUTHENTICATED", ""},
		{"createUser with another login's token", tok("hubot"), createUser, octocat, 200, "FORBIDDEN", ""},
		{"createUser with a bad token", tok("octocat") + "x", createUser, octocat, 401, "UNAUTHENTICATED", ""},
		{"createUser with a token of another secret", foreignToken(t, "octocat"), createUser, octocat, 401, "UNAUTHENTICATED", ""},
		{"createUser with an invalid login", tok("octocat"), createUser, map[string]any{"in": map[string]any{"login": "-bad"}}, 200, "BAD_USER_INPUT", ""},
		{"createUser with the user's token", tok("octocat"), createUser, octocat, 200, "", "octocat"},
		{"updateProfile without a token", "", updateProfile, bio, 200, "UNAUTHENTICATED", ""},
		{"updateProfile by another user", tok("hubot"), updateProfile, bio, 200, "FORBIDDEN", ""},
		{"updateProfile by the user, login in another case", tok("OctoCat"), updateProfile, bio, 200, "", "octocat"},
		{"queries stay anonymous", "", `{ user(login: "nobody") { login } }`, nil, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := post(t, srv.URL, tt.token, tt.query, tt.vars)
			if res.status != tt.status || res.code() != tt.code {
				t.Fatalf("status %d, code %q (errors %+v); want %d, %q", res.status, res.code(), res.Errors, tt.status, tt.code)
			}
			if tt.wantLogin != "" && !strings.Contains(string(res.Data), `"login":"`+tt.wantLogin+`"`) {
				t.Fatalf("data = %s, want login %s", res.Data, tt.wantLogin)
			}
			if tt.code != "" {
				for _, e := range res.Errors {
					if strings.Contains(e.Message, "jwt") || strings.Contains(e.Message, "signature") {
						t.Errorf("error message leaks detail: %q", e.Message)
					}
				}
			}
		})
	}
}

func foreignToken(t *testing.T, login string) string {
	t.Helper()
	a, err := auth.New(auth.DevOptions(auth.NewDevSecret()))
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.Mint(login, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuthConfiguration(t *testing.T) {
	t.Run("endpoint without AUTH_* fails at startup", func(t *testing.T) {
		_, err := New(context.Background(), Config{Endpoint: "http://127.0.0.1:1", Logger: obs.PrintfLogger(t.Logf, slog.LevelDebug)})
		if err == nil || !strings.Contains(err.Error(), "AUTH_JWT_SECRET") {
			t.Fatalf("New = %v, want an error naming AUTH_JWT_SECRET", err)
		}
	})
	t.Run("endpoint with a bad AUTH_* fails at startup", func(t *testing.T) {
		_, err := New(context.Background(), Config{Endpoint: "http://127.0.0.1:1", Auth: auth.Options{Secret: []byte("short")}, Logger: obs.PrintfLogger(t.Logf, slog.LevelDebug)})
		if err == nil || !strings.Contains(err.Error(), "32 bytes") {
			t.Fatalf("New = %v, want the short-secret error", err)
		}
	})
	t.Run("MintToken signs with the data directory's development secret", func(t *testing.T) {
		dir := t.TempDir()
		tok, err := MintToken(Config{DataDir: dir}, "octocat", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		opts, path, err := authOptions(Config{DataDir: dir})
		if err != nil || path != filepath.Join(dir, auth.DevSecretFile) {
			t.Fatalf("authOptions = %s, %v", path, err)
		}
		authn, err := auth.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := authn.Authenticate(context.Background(), tok); err != nil || v.Login != "octocat" {
			t.Fatalf("Authenticate = %+v, %v", v, err)
		}
	})
	t.Run("MintToken with AUTH_JWT_SECRET ignores the data directory", func(t *testing.T) {
		secret := []byte(strings.Repeat("s", 40))
		tok, err := MintToken(Config{DataDir: t.TempDir(), Endpoint: "http://127.0.0.1:1", Auth: auth.Options{Secret: secret, Audience: "api"}}, "octocat", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		authn, _ := auth.New(auth.Options{Secret: secret, Audience: "api"})
		if _, err := authn.Authenticate(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("MintToken with a JWKS only fails", func(t *testing.T) {
		if _, err := MintToken(Config{Auth: auth.Options{JWKSURL: "https://idp.example/jwks"}}, "octocat", time.Hour); err == nil {
			t.Fatal("MintToken succeeded without a secret")
		}
	})
}
