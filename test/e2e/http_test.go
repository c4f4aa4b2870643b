package e2e_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

func TestMalformedRequests(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	ctx := context.Background()
	post := func(body string) func() (*testkit.Response, error) {
		return func() (*testkit.Response, error) { return srv.GraphQL.Post(ctx, "application/json", []byte(body)) }
	}
	get := func(params url.Values) func() (*testkit.Response, error) {
		return func() (*testkit.Response, error) { return srv.GraphQL.Get(ctx, params.Encode()) }
	}
	gql := func(query string, vars map[string]any) func() (*testkit.Response, error) {
		return func() (*testkit.Response, error) { return srv.GraphQL.Do(ctx, query, vars) }
	}
	// The GET mutation carries a token that would let it run as a POST, so
	// only the refusal of mutations over GET keeps it from writing.
	viaGet := srv.As(t, "viaget")
	tests := []struct {
		name string
		send func() (*testkit.Response, error)
	}{
		{"syntax error", gql(`{ user(login: "x") { login }`, nil)},
		{"garbage query", gql(`this is not graphql`, nil)},
		{"empty query", gql(``, nil)},
		{"unknown field", gql(`{ user(login: "x") { nope } }`, nil)},
		{"unknown root field", gql(`{ users { login } }`, nil)},
		{"wrong argument type", gql(`{ user(login: 5) { login } }`, nil)},
		{"missing required argument", gql(`{ user { login } }`, nil)},
		{"unknown argument", gql(`{ user(login: "x", id: "y") { login } }`, nil)},
		// A JSON number for a String variable is accepted by gqlparser (it
		// decodes numbers as json.Number, a string kind); booleans and
		// objects are not.
		{"wrong variable type (boolean)", gql(`query($l: String!) { user(login: $l) { login } }`, map[string]any{"l": true})},
		{"wrong variable type (object)", gql(`query($l: String!) { user(login: $l) { login } }`, map[string]any{"l": map[string]any{"a": 1}})},
		{"missing variable", gql(`query($l: String!) { user(login: $l) { login } }`, nil)},
		{"null for non-null input field", gql(createUserMutation, map[string]any{"in": map[string]any{"login": nil}})},
		{"unknown input field", gql(createUserMutation, map[string]any{"in": map[string]any{"login": "valid", "admin": true}})},
		{"input of wrong shape", gql(createUserMutation, map[string]any{"in": "octocat"})},
		{"selection on a scalar", gql(`{ ok { value } }`, nil)},
		{"unknown operation name", func() (*testkit.Response, error) {
			return srv.GraphQL.Post(ctx, "application/json", []byte(`{"query":"query A { ok }","operationName":"B"}`))
		}},
		{"empty body", post(``)},
		{"non-JSON body", post(`user(login: "x")`)},
		{"JSON array body", post(`[{"query":"{ ok }"}]`)},
		{"query is a number", post(`{"query": 5}`)},
		{"variables are a string", post(`{"query":"{ ok }","variables":"x"}`)},
		{"GET without query", get(nil)},
		{"GET with syntax error", get(url.Values{"query": {"{ user("}})},
		{"GET with bad variables", get(url.Values{"query": {"{ ok }"}, "variables": {"{not json"}})},
		{"GET of a mutation", func() (*testkit.Response, error) {
			return viaGet.Get(ctx, url.Values{"query": {`mutation { createUser(input: {login: "viaget"}) { user { login } } }`}}.Encode())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.send()
			if err != nil {
				t.Fatalf("%v", err) // includes a body that is not JSON
			}
			if res.Status >= 500 {
				t.Fatalf("status %d, want < 500; body %s", res.Status, res.Body)
			}
			if len(res.Errors) == 0 {
				t.Fatalf("status %d with no errors array; body %s", res.Status, res.Body)
			}
			for _, e := range res.Errors {
				if e.Message == "" {
					t.Errorf("error without message: %s", res.Body)
				}
				if e.Code() == "" {
					t.Errorf("error %q has no extensions.code: the central error presenter was bypassed", e.Message)
				}
				if e.Code() == "INTERNAL" {
					t.Errorf("client mistake reported as INTERNAL: %s", res.Body)
				}
			}
		})
	}
	// Nothing above crashed or wedged the server, and the GET mutation
	// wrote nothing.
	if got := srv.GraphQL.MustDo(t, `{ ok }`, nil); string(got.Data) != `{"ok":true}` {
		t.Fatalf("server unhealthy after malformed requests: %s", got.Body)
	}
	if headVersion(t, srv, "viaget") != 0 {
		t.Errorf("a mutation sent with GET was executed")
	}
}

// TestUnusableLoginInQuery: a login no account can have must read as a
// missing user (null), not fail — and must not fail the other users read
// in the same batched request.
func TestUnusableLoginInQuery(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	created := createUser(t, srv, map[string]any{"login": "neighbour"})
	awaitUser(t, srv, "neighbour", created)

	tests := []struct {
		name  string
		login string
	}{
		{"empty", ""},
		{"invalid characters", "not a login!"},
		{"40 characters", strings.Repeat("a", 40)},
		{"longer than a DynamoDB sort key (1024 bytes)", strings.Repeat("a", 1100)},
		{"longer than a DynamoDB partition key (2048 bytes)", strings.Repeat("a", 3000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := srv.GraphQL.MustDo(t, `query($l: String!) { bad: user(login: $l) { login } good: user(login: "neighbour") { login } }`, map[string]any{"l": tt.login})
			if res.Status >= 500 {
				t.Fatalf("status %d", res.Status)
			}
			if len(res.Errors) > 0 {
				t.Errorf("errors = %+v, want none (an impossible login is simply not found)", res.Errors)
			}
			var out struct {
				Bad  *struct{ Login string }
				Good *struct{ Login string }
			}
			if err := res.Decode(&out); err != nil {
				t.Fatal(err)
			}
			if out.Bad != nil {
				t.Errorf("bad = %+v, want null", out.Bad)
			}
			if out.Good == nil || out.Good.Login != "neighbour" {
				t.Errorf("good = %+v, want neighbour: one bad key must not fail its batch", out.Good)
			}
		})
	}
}

func TestHealthAndPlayground(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	tests := []struct {
		path        string
		wantStatus  int
		wantType    string // Content-Type prefix; "" to skip
		wantContain string
	}{
		{"/healthz", http.StatusOK, "", "ok"},
		{"/readyz", http.StatusOK, "", "ready"},
		{"/", http.StatusOK, "text/html", "/graphql"},
		{"/no-such-page", http.StatusNotFound, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %q", res.StatusCode, tt.wantStatus, body)
			}
			if ct := res.Header.Get("Content-Type"); tt.wantType != "" && !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("Content-Type %q, want %s", ct, tt.wantType)
			}
			if !strings.Contains(string(body), tt.wantContain) {
				t.Errorf("body does not contain %q: %.200q", tt.wantContain, body)
			}
		})
	}
	t.Run("playground is HTML", func(t *testing.T) {
		res, err := http.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if s := strings.ToLower(string(body)); !strings.Contains(s, "<html") || !strings.Contains(s, "graphiql") {
			t.Errorf("/ is not the GraphiQL playground: %.300q", body)
		}
	})
}
