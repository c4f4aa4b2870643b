package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/graph"
	"github.com/hubstream/hubstream/internal/auth"
)

// gqlResponse is a GraphQL response as a client decodes it.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// serve posts query to h as viewer ("" for anonymous) and decodes the
// answer.
func serve(t *testing.T, h http.Handler, viewer, query string) (int, gqlResponse, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if viewer != "" {
		req = req.WithContext(auth.WithViewer(req.Context(), auth.Viewer{Login: viewer}))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, rec.Body.String())
	}
	return rec.Code, out, rec.Body.String()
}

// TestPanicIsInternal: a resolver that panics (here: a resolver without
// an Executor) answers INTERNAL with no internals, and the handler keeps
// serving.
func TestPanicIsInternal(t *testing.T) {
	h := graph.NewHandler(&graph.Resolver{}, graph.HandlerOptions{})
	for range 2 {
		_, res, raw := serve(t, h, "pat", `mutation { createUser(input: {login: "pat"}) { user { login } } }`)
		if len(res.Errors) != 1 {
			t.Fatalf("errors %s", raw)
		}
		e := res.Errors[0]
		if e.Extensions["code"] != "INTERNAL" || e.Message != "internal error" {
			t.Fatalf("error %+v, want INTERNAL \"internal error\"", e)
		}
		for _, leak := range []string{"nil pointer", "runtime", "goroutine", "panic", ".go"} {
			if strings.Contains(raw, leak) {
				t.Fatalf("response shows internals (%q): %s", leak, raw)
			}
		}
	}
	if _, res, raw := serve(t, h, "", `{ ok }`); len(res.Errors) != 0 || string(res.Data) != `{"ok":true}` {
		t.Fatalf("after a panic: %s", raw)
	}
}

// TestMutationsNeedAViewer: every mutation answers UNAUTHENTICATED to an
// anonymous client before it looks at its input.
func TestMutationsNeedAViewer(t *testing.T) {
	h := graph.NewHandler(&graph.Resolver{}, graph.HandlerOptions{})
	for _, m := range []string{
		`createUser(input: {login: "x"}) { user { login } }`,
		`updateProfile(input: {login: "x"}) { user { login } }`,
		`createOrganization(input: {login: "x"}) { organization { login } }`,
		`updateOrganization(input: {login: "x"}) { organization { login } }`,
		`addMember(input: {organization: "x", login: "y", role: MEMBER}) { role }`,
		`changeMemberRole(input: {organization: "x", login: "y", role: ADMIN}) { role }`,
		`removeMember(input: {organization: "x", login: "y"}) { organization { login } }`,
		`createRepository(input: {name: "x"}) { repository { name } }`,
		`updateRepository(input: {owner: "x", name: "y"}) { repository { name } }`,
		`deleteRepository(input: {owner: "x", name: "y"}) { deletedRepositoryId }`,
		`forkRepository(input: {owner: "x", name: "y"}) { repository { name } }`,
		`starRepository(input: {owner: "x", name: "y"}) { repository { name } }`,
		`unstarRepository(input: {owner: "x", name: "y"}) { repository { name } }`,
		`openIssue(input: {owner: "x", repository: "y", title: "t"}) { issue { number } }`,
		`editIssue(input: {owner: "x", repository: "y", number: 1}) { issue { number } }`,
		`closeIssue(input: {owner: "x", repository: "y", number: 1}) { issue { number } }`,
		`reopenIssue(input: {owner: "x", repository: "y", number: 1}) { issue { number } }`,
		`openPullRequest(input: {owner: "x", repository: "y", title: "t", headRef: "a", baseRef: "b"}) { pullRequest { number } }`,
		`editPullRequest(input: {owner: "x", repository: "y", number: 1}) { pullRequest { number } }`,
		`closePullRequest(input: {owner: "x", repository: "y", number: 1}) { pullRequest { number } }`,
		`reopenPullRequest(input: {owner: "x", repository: "y", number: 1}) { pullRequest { number } }`,
		`mergePullRequest(input: {owner: "x", repository: "y", number: 1}) { pullRequest { number } }`,
		`addComment(input: {owner: "x", repository: "y", number: 1, body: "b"}) { comment { id } }`,
		`editComment(input: {id: "not-an-id", body: "b"}) { comment { id } }`,
		`deleteComment(input: {id: "not-an-id"}) { deletedCommentId }`,
		`addReaction(input: {subjectId: "not-an-id", content: HEART}) { reactionGroups { count } }`,
		`removeReaction(input: {subjectId: "not-an-id", content: HEART}) { reactionGroups { count } }`,
	} {
		_, res, raw := serve(t, h, "", "mutation { "+m+" }")
		if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Errorf("%s: %s, want UNAUTHENTICATED", strings.Fields(m)[0], raw)
		}
	}
}

// TestLimitOptions: the depth and complexity limits are on by default,
// configurable, and off when negative; rejected queries are never
// resolved (this handler has no data source at all).
func TestLimitOptions(t *testing.T) {
	deep := `{ repository(owner: "a", name: "b") { owner { repositories(first: 1) { nodes { owner { login } } } } } }` // depth 6
	costly := `{ user(login: "a") { repositories(first: 100) { nodes { issues(first: 100) { nodes { title } } } } } }`
	for _, tc := range []struct {
		name       string
		opts       graph.HandlerOptions
		query      string
		wantReject bool
		wantMsg    string
	}{
		{"default depth allows 6", graph.HandlerOptions{}, deep, false, ""},
		{"depth limit 5", graph.HandlerOptions{DepthLimit: 5}, deep, true, "nested more than 5 levels"},
		{"default complexity rejects 100×100", graph.HandlerOptions{}, costly, true, "complexity"},
		{"complexity limit raised", graph.HandlerOptions{ComplexityLimit: 100000}, costly, false, ""},
		{"complexity limit off", graph.HandlerOptions{ComplexityLimit: -1}, costly, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := graph.NewHandler(&graph.Resolver{}, tc.opts)
			status, res, raw := serve(t, h, "", tc.query)
			rejected := status == http.StatusUnprocessableEntity && len(res.Errors) > 0 && res.Errors[0].Extensions["code"] == "GRAPHQL_VALIDATION_FAILED"
			if rejected != tc.wantReject {
				t.Fatalf("status %d %s; want rejected=%v", status, raw, tc.wantReject)
			}
			if tc.wantReject && !strings.Contains(res.Errors[0].Message, tc.wantMsg) {
				t.Fatalf("message %q, want %q", res.Errors[0].Message, tc.wantMsg)
			}
		})
	}
}

// TestBodyLimit: a body over MaxBytes is answered 413 with a GraphQL
// error before anything reads it further.
func TestBodyLimit(t *testing.T) {
	h := graph.NewHandler(&graph.Resolver{}, graph.HandlerOptions{MaxBodyBytes: 100})
	body := `{"query":"{ ok }","variables":{"pad":"` + strings.Repeat("x", 200) + `"}}`
	for _, chunked := range []bool{false, true} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if chunked {
			req.ContentLength = -1 // no Content-Length: the limit applies while reading
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"code":"BAD_USER_INPUT"`) || !strings.Contains(rec.Body.String(), "larger than 100 bytes") {
			t.Fatalf("chunked=%v: %d %s", chunked, rec.Code, rec.Body.String())
		}
	}
	if _, res, raw := serve(t, h, "", `{ ok }`); string(res.Data) != `{"ok":true}` {
		t.Fatalf("a small body: %s", raw)
	}
}
