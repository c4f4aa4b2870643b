package e2e_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// idemEvents counts the event items of partition p.
func idemEvents(t *testing.T, srv *testkit.Server, p table.Partition) int {
	t.Helper()
	return testkit.CountEvents(t, srv.DB(), srv.Table(), p)
}

// idemSend runs a mutation as login with input (idempotencyKey included by
// the caller) and returns its data as compact JSON, or its error code.
func idemSend(t *testing.T, srv *testkit.Server, login, mutation string, input map[string]any) (data, code string) {
	t.Helper()
	res, err := srv.As(t, login).Do(context.Background(), mutation, map[string]any{"in": input})
	if err != nil {
		t.Fatalf("%v", err)
	}
	if len(res.Errors) > 0 {
		return "", res.Code()
	}
	return compactJSON(t, res.Data), ""
}

// idemConcurrently sends n copies of one mutation at once and returns the
// payloads (failing the test on any error).
func idemConcurrently(t *testing.T, srv *testkit.Server, n int, login, mutation string, input map[string]any) []string {
	t.Helper()
	client := srv.As(t, login)
	out := make([]string, n)
	errs := make([]string, n)
	testkit.Concurrently(n, func(i int) {
		res, err := client.Do(context.Background(), mutation, map[string]any{"in": input})
		switch {
		case err != nil:
			errs[i] = err.Error()
		case len(res.Errors) > 0:
			errs[i] = fmt.Sprintf("%+v", res.Errors)
		default:
			out[i] = string(res.Data)
		}
	})
	for i, e := range errs {
		if e != "" {
			t.Fatalf("copy %d: %s", i, e)
		}
	}
	return out
}

func idemAllEqual(t *testing.T, what string, payloads []string) {
	t.Helper()
	for i, p := range payloads {
		if p != payloads[0] {
			t.Fatalf("%s: copy %d answered %s, copy 0 %s", what, i, p, payloads[0])
		}
	}
}

// TestIdempotentMutations: a mutation retried with the same
// idempotencyKey — one after the other or at the same time — appends one
// set of events and answers the same payload; the same key with another
// input is BAD_USER_INPUT.
func TestIdempotentMutations(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	for _, u := range []string{"idem", "other"} {
		createUser(t, srv, map[string]any{"login": u})
	}

	t.Run("sequential createRepository", func(t *testing.T) {
		input := map[string]any{"name": "seq", "description": "d", "idempotencyKey": "create-seq"}
		first, code := idemSend(t, srv, "idem", repositoryCreateMutation, input)
		if code != "" {
			t.Fatalf("first: %s", code)
		}
		for i := range 3 {
			again, code := idemSend(t, srv, "idem", repositoryCreateMutation, input)
			if code != "" || again != first {
				t.Fatalf("retry %d: %s %s, want %s", i, again, code, first)
			}
		}
		if n := idemEvents(t, srv, table.RepositoryPartition("idem", "seq")); n != 1 {
			t.Fatalf("repository events = %d, want 1", n)
		}
		// Without a key the same request is a new one: ALREADY_EXISTS.
		if _, code := idemSend(t, srv, "idem", repositoryCreateMutation, map[string]any{"name": "seq"}); code != "ALREADY_EXISTS" {
			t.Fatalf("without a key: %s, want ALREADY_EXISTS", code)
		}
	})

	t.Run("sequential openIssue and addComment", func(t *testing.T) {
		open := `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { id number title createdAt state } } }`
		input := map[string]any{"owner": "idem", "repository": "seq", "title": "once", "idempotencyKey": "open-1"}
		first, code := idemSend(t, srv, "idem", open, input)
		if code != "" || !strings.Contains(first, `"number":1`) {
			t.Fatalf("first: %s %s", first, code)
		}
		if again, code := idemSend(t, srv, "idem", open, input); again != first {
			t.Fatalf("retry: %s %s, want %s", again, code, first)
		}
		if n := idemEvents(t, srv, table.IssuePartition("idem", "seq", 2)); n != 0 {
			t.Fatalf("the retry opened issue #2")
		}
		add := `mutation($in: AddCommentInput!) { addComment(input: $in) { comment { id body createdAt author { login } } } }`
		cin := map[string]any{"owner": "idem", "repository": "seq", "number": 1, "body": "hello", "idempotencyKey": "comment-1"}
		c1, code := idemSend(t, srv, "idem", add, cin)
		if code != "" {
			t.Fatalf("addComment: %s", code)
		}
		if c2, _ := idemSend(t, srv, "idem", add, cin); c2 != c1 {
			t.Fatalf("addComment retry %s, want %s", c2, c1)
		}
		repositoryAwait(t, srv, "idem", `{ repository(owner: "idem", name: "seq") { issue(number: 1) { comments(first: 10) { totalCount } } } }`, nil, `"totalCount":1`)
	})

	// Copies that lose the race after deciding answer the winner's result
	// under the heads as the winner left them (what it created exists).
	// The subtest makes its own repository, so it runs alone too (-run).
	t.Run("concurrent duplicates", func(t *testing.T) {
		const n = 8
		payloads := idemConcurrently(t, srv, n, "idem", repositoryCreateMutation, map[string]any{"name": "race", "idempotencyKey": "create-race"})
		idemAllEqual(t, "createRepository", payloads)
		if n := idemEvents(t, srv, table.RepositoryPartition("idem", "race")); n != 1 {
			t.Fatalf("repository events = %d, want 1", n)
		}
		open := `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { id number createdAt } } }`
		payloads = idemConcurrently(t, srv, n, "idem", open, map[string]any{"owner": "idem", "repository": "race", "title": "racing", "idempotencyKey": "open-race"})
		idemAllEqual(t, "openIssue", payloads)
		if !strings.Contains(payloads[0], `"number":1`) || idemEvents(t, srv, table.IssuePartition("idem", "race", 2)) != 0 {
			t.Fatalf("openIssue duplicates opened more than issue #1: %s", payloads[0])
		}
		add := `mutation($in: AddCommentInput!) { addComment(input: $in) { comment { id body createdAt } } }`
		payloads = idemConcurrently(t, srv, n, "idem", add, map[string]any{"owner": "idem", "repository": "race", "number": 1, "body": "racing", "idempotencyKey": "comment-race"})
		idemAllEqual(t, "addComment", payloads)
		payloads = idemConcurrently(t, srv, n, "other", repositoryStarMutation, map[string]any{"owner": "idem", "name": "race", "idempotencyKey": "star-race"})
		idemAllEqual(t, "starRepository", payloads)
		if n := idemEvents(t, srv, table.StarPartition("other", "idem", "race")); n != 1 {
			t.Fatalf("star events = %d, want 1", n)
		}
		// One comment was added by the racing copies.
		got := repositoryAwait(t, srv, "idem", `{ repository(owner: "idem", name: "race") { issue(number: 1) { comments(first: 10) { totalCount nodes { body } } } } }`, nil, `"totalCount":1`)
		if strings.Count(got, "racing") != 1 {
			t.Fatalf("comments %s, want one racing comment", got)
		}
	})

	t.Run("same key, another input", func(t *testing.T) {
		update := `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) { user { bio } } }`
		if _, code := idemSend(t, srv, "idem", update, map[string]any{"login": "idem", "bio": "one", "idempotencyKey": "profile"}); code != "" {
			t.Fatalf("first: %s", code)
		}
		before := idemEvents(t, srv, table.AccountPartition("idem"))
		res := srv.As(t, "idem").MustDo(t, update, map[string]any{"in": map[string]any{"login": "idem", "bio": "two", "idempotencyKey": "profile"}})
		if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Field() != "idempotencyKey" {
			t.Fatalf("another input: %+v, want BAD_USER_INPUT on idempotencyKey", res.Errors)
		}
		// Another mutation with the same key is another request too.
		if _, code := idemSend(t, srv, "idem", repositoryCreateMutation, map[string]any{"name": "x", "idempotencyKey": "profile"}); code != "BAD_USER_INPUT" {
			t.Fatalf("another mutation: %s, want BAD_USER_INPUT", code)
		}
		if after := idemEvents(t, srv, table.AccountPartition("idem")); after != before {
			t.Fatalf("a refused retry appended events (%d → %d)", before, after)
		}
		// The key is the viewer's own: another viewer may use it.
		if _, code := idemSend(t, srv, "other", update, map[string]any{"login": "other", "bio": "two", "idempotencyKey": "profile"}); code != "" {
			t.Fatalf("another viewer's same key: %s", code)
		}
	})

	t.Run("invalid keys", func(t *testing.T) {
		for _, key := range []string{"", "has space", strings.Repeat("k", 256)} {
			if _, code := idemSend(t, srv, "idem", repositoryCreateMutation, map[string]any{"name": "never", "idempotencyKey": key}); code != "BAD_USER_INPUT" {
				t.Errorf("key %q: %s, want BAD_USER_INPUT", key, code)
			}
		}
		if n := idemEvents(t, srv, table.RepositoryPartition("idem", "never")); n != 0 {
			t.Fatalf("an invalid key ran the mutation")
		}
	})
}

// TestIdempotencyRequestBudget: a key costs no extra request — its item is
// read in the mutation's one BatchGetItem and written in its one
// TransactWriteItems — and a retry is answered from that one read.
func TestIdempotencyRequestBudget(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{NoProjector: true, CountRequests: true})
	createUser(t, srv, map[string]any{"login": "budget"})
	input := map[string]any{"login": "budget", "bio": "counted", "idempotencyKey": "budget-1"}
	for i, want := range []map[string]int{
		{"BatchGetItem": 1, "TransactWriteItems": 1}, // first run
		{"BatchGetItem": 1},                          // retry: replayed
	} {
		srv.Counter.Reset()
		if _, code := idemSend(t, srv, "budget", updateProfileMutation, input); code != "" {
			t.Fatalf("run %d: %s", i, code)
		}
		if got := srv.Counter.Counts(); !maps.Equal(got, want) {
			t.Errorf("run %d: DynamoDB requests %s, want %v", i, srv.Counter, want)
		}
	}
}
