package e2e_test

import (
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

// TestOpenIssueLabelIdsHostile: openIssue's labelIds attacked — a deleted
// label, garbage and oversized strings, an empty list, and an idempotent
// replay whose labelIds differ — each answers with a clear code (never
// INTERNAL), and an accepted replay opens nothing new.
func TestOpenIssueLabelIdsHostile(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	createUser(t, srv, map[string]any{"login": "octo"})
	octo := srv.As(t, "octo")
	trustOK(t, octo, repositoryCreateMutation, in("name", "hello"))
	bug := labelID(t, octo, "octo", "hello", "bug", "d73a4a")
	docs := labelID(t, octo, "octo", "hello", "docs", "0075ca")
	gone := labelID(t, octo, "octo", "hello", "gone", "000000")
	trustOK(t, octo, `mutation($in: DeleteLabelInput!) { deleteLabel(input: $in) { deletedLabelId } }`, in("id", gone))
	const openLabelled = `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { number labels(first: 5) { nodes { name } } } } }`
	open := func(key string, labels any) map[string]any {
		m := in("owner", "octo", "repository", "hello", "title", "t", "labelIds", labels)
		if key != "" {
			m["in"].(map[string]any)["idempotencyKey"] = key
		}
		return m
	}

	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			labels any
			codes  []string // acceptable codes
		}{
			{"a deleted label", []string{bug, gone}, []string{"NOT_FOUND"}},
			{"an empty string", []string{""}, []string{"NOT_FOUND", "BAD_USER_INPUT"}},
			{"garbage", []string{"!!not base64!!"}, []string{"NOT_FOUND", "BAD_USER_INPUT"}},
			{"a label id of another kind, base64", []string{"TGFiZWw6"}, []string{"NOT_FOUND", "BAD_USER_INPUT"}},
			{"a huge id", []string{strings.Repeat("A", 100000)}, []string{"NOT_FOUND", "BAD_USER_INPUT"}},
			{"a null in the list", []any{bug, nil}, []string{"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}},
			{"numbers (IDs accept them)", []any{1, 2}, []string{"NOT_FOUND"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := trustDo(t, octo, openLabelled, open("", tc.labels))
				ok := false
				for _, c := range tc.codes {
					ok = ok || res.Code() == c
				}
				if !ok {
					t.Fatalf("code %q, want one of %v: %.300s", res.Code(), tc.codes, res.Body)
				}
				// The message says what is wrong: no blank where an ID should be.
				if strings.Contains(string(res.Body), "label  not found") {
					t.Errorf("unclear message: %.300s", res.Body)
				}
				if len(res.Body) > 2000 {
					t.Errorf("the answer echoes the input: %d bytes", len(res.Body))
				}
			})
		}
	})

	t.Run("an empty list opens an unlabelled issue", func(t *testing.T) {
		res := trustOK(t, octo, openLabelled, open("", []string{}))
		if !strings.Contains(string(res.Data), `"labels":{"nodes":[]}`) {
			t.Fatalf("payload %s", res.Data)
		}
	})

	t.Run("idempotent replay", func(t *testing.T) {
		first := trustOK(t, octo, openLabelled, open("k-labels", []string{bug}))
		for _, tc := range []struct {
			name   string
			labels any
			code   string
		}{
			{"the same labels: the first run's payload", []string{bug}, ""},
			{"other labels", []string{docs}, "BAD_USER_INPUT"},
			{"more labels", []string{bug, docs}, "BAD_USER_INPUT"},
			{"no labels", nil, "BAD_USER_INPUT"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := trustDo(t, octo, openLabelled, open("k-labels", tc.labels))
				if res.Code() != tc.code {
					t.Fatalf("code %q, want %q: %s", res.Code(), tc.code, res.Body)
				}
				if tc.code == "" && string(res.Data) != string(first.Data) {
					t.Fatalf("replay %s, first run %s", res.Data, first.Data)
				}
			})
		}
	})
}
