package e2e_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

// TestRequestHardening drives the review's second round of small
// findings over HTTP against the real server: trailing data after the
// JSON request, caching of per-viewer responses, values that do not fit
// an Int, repository names GitHub refuses, and persisted queries.
func TestRequestHardening(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	createUser(t, srv, map[string]any{"login": "hard"})
	hard := srv.As(t, "hard")
	hard.MustDo(t, `mutation { createRepository(input: {name: "repo"}) { repository { name } } }`, nil)
	repositoryAwait(t, srv, "hard", `{ repository(owner: "hard", name: "repo") { name } }`, nil, `"name":"repo"`)

	t.Run("trailing data after the JSON body", func(t *testing.T) {
		for _, body := range []string{
			`{"query":"{ ok }"} trailing`,
			`{"query":"{ ok }"}{"query":"mutation { createUser(input: {login: \"x\"}) { user { login } } }"}`,
			`{"query":"{ ok }"}]`,
		} {
			res, err := srv.GraphQL.Post(t.Context(), "application/json", []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != http.StatusBadRequest || res.Code() != "BAD_USER_INPUT" || !strings.Contains(res.Errors[0].Message, "after its JSON object") {
				t.Errorf("%s: status %d, %.200s; want 400 BAD_USER_INPUT about the data after the object", body, res.Status, res.Body)
			}
		}
		for _, body := range []string{`{"query":"{ ok }"}`, "{\"query\":\"{ ok }\"}\r\n\t "} {
			res, err := srv.GraphQL.Post(t.Context(), "application/json", []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != http.StatusOK || string(res.Data) != `{"ok":true}` {
				t.Errorf("%q: status %d, %.200s", body, res.Status, res.Body)
			}
		}
	})

	t.Run("responses are never cached", func(t *testing.T) {
		for name, do := range map[string]func() (*testkit.Response, error){
			"a query":  func() (*testkit.Response, error) { return hard.Do(t.Context(), `{ viewer { login } }`, nil) },
			"a GET":    func() (*testkit.Response, error) { return hard.Get(t.Context(), "query=%7B%20ok%20%7D") },
			"an error": func() (*testkit.Response, error) { return srv.GraphQL.Do(t.Context(), `{ nope }`, nil) },
			"a refused token": func() (*testkit.Response, error) {
				return srv.GraphQL.WithToken("not-a-token").Do(t.Context(), `{ ok }`, nil)
			},
		} {
			res, err := do()
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s (status %d): Cache-Control %q, want no-store", name, res.Status, got)
			}
		}
	})

	t.Run("values that do not fit an Int", func(t *testing.T) {
		const byVar = `query($n: Int) { repository(owner: "hard", name: "repo") { issues(first: $n) { totalCount } } }`
		cases := []struct {
			name  string
			query string
			vars  map[string]any
		}{
			{"a float variable", byVar, map[string]any{"n": 1.5}},
			{"a huge variable", byVar, map[string]any{"n": 1e20}},
			{"a variable past 2^31", byVar, map[string]any{"n": 2147483648}},
			// Review 2, F-low-2: gqlgen coerced a numeric string to an Int.
			{"a numeric string variable", byVar, map[string]any{"n": "1"}},
			{"a numeric string for a non-null Int", `query($n: Int!) { repository(owner: "hard", name: "repo") { issue(number: $n) { id } } }`, map[string]any{"n": "1"}},
			{"a numeric string inside an input object", `mutation($in: EditIssueInput!) { editIssue(input: $in) { issue { id } } }`, map[string]any{"in": map[string]any{"owner": "hard", "repository": "repo", "number": "1", "title": "x"}}},
			{"a float literal", `{ repository(owner: "hard", name: "repo") { issues(first: 1.5) { totalCount } } }`, nil},
			{"a literal past 2^31", `{ repository(owner: "hard", name: "repo") { issues(first: 2147483648) { totalCount } } }`, nil},
			{"a huge literal", `{ repository(owner: "hard", name: "repo") { issues(last: 99999999999999999999) { totalCount } } }`, nil},
			{"an issue number past 2^31", `{ repository(owner: "hard", name: "repo") { issue(number: 4294967297) { id } } }`, nil},
			{"a negative page", `{ repository(owner: "hard", name: "repo") { issues(first: -2147483648) { totalCount } } }`, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res, err := srv.GraphQL.Do(t.Context(), tc.query, tc.vars)
				if err != nil {
					t.Fatal(err)
				}
				if res.Status >= 500 || len(res.Errors) == 0 || res.Code() != "BAD_USER_INPUT" {
					t.Fatalf("status %d, %.300s; want BAD_USER_INPUT", res.Status, res.Body)
				}
				if strings.Contains(string(res.Body), "value 0") {
					t.Errorf("the message names a value the client did not send: %s", res.Errors[0].Message)
				}
			})
		}
	})

	t.Run("repository names GitHub refuses", func(t *testing.T) {
		for _, name := range []string{".", "..", ".git", "x.git", "X.GIT"} {
			res, err := hard.Do(t.Context(), `mutation($n: String!) { createRepository(input: {name: $n}) { repository { name } } }`, map[string]any{"n": name})
			if err != nil {
				t.Fatal(err)
			}
			if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Field() != "name" {
				t.Errorf("%q: %.200s, want BAD_USER_INPUT on name", name, res.Body)
			}
		}
	})

	t.Run("direction controls in titles, not in bodies", func(t *testing.T) {
		// Review 2, F-low-3: "x\u202ey" was stored as a title.
		const open = `mutation($t: String!, $b: String) { openIssue(input: {owner: "hard", repository: "repo", title: $t, body: $b}) { issue { title body } } }`
		for _, tc := range []struct {
			name, title, body, code string
		}{
			{"override in the title", "fix\u202etxt.exe", "", "BAD_USER_INPUT"},
			{"isolate in the title", "a\u2066b", "", "BAD_USER_INPUT"},
			{"override in the body", "ok", "\u202eright to left", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := hard.Do(t.Context(), open, map[string]any{"t": tc.title, "b": tc.body})
				if err != nil {
					t.Fatal(err)
				}
				if res.Code() != tc.code || (tc.code != "" && res.Errors[0].Field() != "title") {
					t.Fatalf("%.300s, want code %q", res.Body, tc.code)
				}
			})
		}
	})

	t.Run("persisted queries", func(t *testing.T) {
		apq := func(query, hash string) *testkit.Response {
			t.Helper()
			body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
			if query != "" {
				body["query"] = query
			}
			raw, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			res, err := srv.GraphQL.Post(t.Context(), "application/json", raw)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		sum := func(q string) string { h := sha256.Sum256([]byte(q)); return hex.EncodeToString(h[:]) }
		const q = `{ ok }`
		if res := apq(q, sum(`{ __typename }`)); res.Code() == "" || res.Data != nil && string(res.Data) != "null" {
			t.Errorf("a query sent with another query's hash: %.200s, want refused", res.Body)
		}
		if res := apq("", sum(`{ __typename }`)); res.Code() != "PERSISTED_QUERY_NOT_FOUND" {
			t.Errorf("the other query's hash was stored: %.200s", res.Body)
		}
		if res := apq(q, sum(q)); string(res.Data) != `{"ok":true}` {
			t.Fatalf("registering: %.200s", res.Body)
		}
		if res := apq("", sum(q)); string(res.Data) != `{"ok":true}` {
			t.Errorf("by hash: %.200s", res.Body)
		}
		// A query larger than a cache entry may hold is answered, not kept.
		big := "{ ok " + strings.Repeat("ok ", 12000) + "}"
		if res := apq(big, sum(big)); len(res.Errors) > 0 && res.Code() == "PERSISTED_QUERY_NOT_FOUND" {
			t.Fatalf("a large query with its hash: %.200s", res.Body)
		}
		if res := apq("", sum(big)); res.Code() != "PERSISTED_QUERY_NOT_FOUND" {
			t.Errorf("a 36 KB query was kept in the cache: %.200s", res.Body)
		}
	})

	t.Run("suggestions while the schema is public", func(t *testing.T) {
		res, err := srv.GraphQL.Do(t.Context(), `{ repositry(owner: "a", name: "b") { name } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(res.Body), `Did you mean \"repository\"`) {
			t.Errorf("with introspection on, no suggestion: %.300s", res.Body)
		}
	})
}
