package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/test/testkit"
)

// trustEventItems counts every event item in the table (a consistent
// Scan: the test's own world is small), so a test can show that refused
// requests wrote nothing.
func trustEventItems(t *testing.T, srv *testkit.Server) int {
	t.Helper()
	n := 0
	p := dynamodb.NewScanPaginator(srv.DB(), &dynamodb.ScanInput{
		TableName:                 aws.String(srv.Table()),
		FilterExpression:          aws.String("begins_with(SK, :ev)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":ev": &types.AttributeValueMemberS{Value: "EVENT#0"}},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Items)
	}
	return n
}

// trustNodeIDs creates octo/hello with issue #1 and a comment on it as
// octo, and returns the node IDs of the issue and the comment.
func trustNodeIDs(t *testing.T, srv *testkit.Server) (issueID, commentID string) {
	t.Helper()
	octo := srv.As(t, "octo")
	createUser(t, srv, map[string]any{"login": "octo"})
	trustOK(t, octo, repositoryCreateMutation, in("name", "hello"))
	var issue struct {
		OpenIssue struct{ Issue struct{ ID string } } `json:"openIssue"`
	}
	if err := trustOK(t, octo, `mutation { openIssue(input: {owner: "octo", repository: "hello", title: "t"}) { issue { id } } }`, nil).Decode(&issue); err != nil {
		t.Fatal(err)
	}
	var comment struct {
		AddComment struct{ Comment struct{ ID string } } `json:"addComment"`
	}
	if err := trustOK(t, octo, `mutation { addComment(input: {owner: "octo", repository: "hello", number: 1, body: "b"}) { comment { id } } }`, nil).Decode(&comment); err != nil {
		t.Fatal(err)
	}
	return issue.OpenIssue.Issue.ID, comment.AddComment.Comment.ID
}

// trustLabelRecipe adds to recipe what label mutations need — a label of
// octo/hello, the issue as the labelable — and returns the recipe of
// mutation m: a label's id for updateLabel and deleteLabel.
func trustLabelRecipe(t *testing.T, srv *testkit.Server, recipe map[string]any, issueID string) func(m string) map[string]any {
	t.Helper()
	label := labelID(t, srv.As(t, "octo"), "octo", "hello", "recipe", "ededed")
	recipe["labelableId"], recipe["labelIds"], recipe["color"] = issueID, []any{label}, "ededed"
	return func(m string) map[string]any {
		if m != "updateLabel" && m != "deleteLabel" {
			return recipe
		}
		out := map[string]any{}
		for k, v := range recipe {
			out[k] = v
		}
		out["id"] = label
		return out
	}
}

// TestEveryMutationRefusesNonUsers: every mutation in the schema —
// found by introspection, so one added later is covered — refuses an
// anonymous client with UNAUTHENTICATED, and a token for an
// organization's login (in any case) or for a login without an account
// with FORBIDDEN, whatever it names; and nothing is written. Inputs are
// built from the schema, valid in shape, so the refusal is the actor's.
func TestEveryMutationRefusesNonUsers(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	issueID, commentID := trustNodeIDs(t, srv)
	createUser(t, srv, map[string]any{"login": "oadmin"})
	trustOK(t, srv.As(t, "oadmin"), `mutation { createOrganization(input: {login: "acme"}) { organization { login } } }`, nil)
	schema := introspect(t, srv)
	// Recipes for the fields whose shape the type does not say: node IDs,
	// and a base branch that differs from the head's "a".
	recipeFor := trustLabelRecipe(t, srv, map[string]any{"id": commentID, "subjectId": issueID, "baseRef": "b"}, issueID)
	viewers := []struct {
		name   string
		client *testkit.Client
		code   string
	}{
		{"anonymous", srv.GraphQL, "UNAUTHENTICATED"},
		{"organization token", srv.As(t, "acme"), "FORBIDDEN"},
		{"organization token in capitals", srv.As(t, "ACME"), "FORBIDDEN"},
		{"token without an account", srv.As(t, "ghost"), "FORBIDDEN"},
		{"another token without an account, in capitals", srv.As(t, "GHOST2"), "FORBIDDEN"},
	}
	before := trustEventItems(t, srv)
	mutations := schema.mutations()
	if len(mutations) < 28 {
		t.Fatalf("introspection found %d mutations", len(mutations))
	}
	for _, m := range mutations {
		vars := map[string]any{}
		if len(m.Args) > 0 {
			v, ok := schema.inputValue(m.Args[0].Type, "", recipeFor(m.Name))
			if !ok {
				t.Fatalf("%s: no value for a required input field: teach the test a recipe", m.Name)
			}
			vars["in"] = v
			// With a key too: a replay is refused the same way.
			v.(map[string]any)["idempotencyKey"] = "key-" + m.Name
		}
		selection := ""
		if schema.isComposite(m.Type.named().Name) {
			selection = "__typename"
		}
		doc := mutationDoc(m, selection)
		for _, v := range viewers {
			t.Run(m.Name+"/"+v.name, func(t *testing.T) {
				res := trustDo(t, v.client, doc, vars)
				if res.Code() != v.code || len(res.Errors) != 1 {
					t.Fatalf("code %q, want %q; body %.400s", res.Code(), v.code, res.Body)
				}
				if string(res.Data) != "null" && len(res.Data) != 0 && !strings.Contains(string(res.Data), `"`+m.Name+`":null`) {
					t.Errorf("data alongside the refusal: %s", res.Data)
				}
			})
		}
	}
	if after := trustEventItems(t, srv); after != before {
		t.Errorf("refused mutations wrote %d event items", after-before)
	}
}

// TestOversizedInputsAreClientErrors is defect 7 for every mutation: each
// String or ID field of its input set, one at a time, to the review's
// 3,000 characters is never INTERNAL (a long body is simply stored), and
// set to 100,000 characters — over every documented limit — is refused
// with a client error that does not echo it, and writes nothing.
func TestOversizedInputsAreClientErrors(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	issueID, commentID := trustNodeIDs(t, srv)
	schema := introspect(t, srv)
	// The actor's own login where a mutation acts on an account.
	recipeFor := trustLabelRecipe(t, srv, map[string]any{"id": commentID, "subjectId": issueID, "baseRef": "b", "login": "octo"}, issueID)
	octo := srv.As(t, "octo")
	for _, size := range []int{3000, 100000} {
		long := strings.Repeat("x", size)
		before := trustEventItems(t, srv)
		tested := 0
		for _, m := range schema.mutations() {
			for _, field := range schema.stringInputFields(m) {
				t.Run(fmt.Sprintf("%d/%s/%s", size, m.Name, field), func(t *testing.T) {
					r := map[string]any{field: long}
					for k, v := range recipeFor(m.Name) {
						if k != field {
							r[k] = v
						}
					}
					v, ok := schema.inputValue(m.Args[0].Type, "", r)
					if !ok {
						t.Fatalf("no value for a required input field")
					}
					res := trustDo(t, octo, mutationDoc(m, "__typename"), map[string]any{"in": v})
					switch code := res.Code(); {
					case code == "BAD_USER_INPUT" || code == "NOT_FOUND":
					case size < 10000 && code != "INTERNAL" && res.Status < 500:
						// Within some fields' limits: any answer but a fault.
					default:
						t.Fatalf("code %q, want BAD_USER_INPUT (or NOT_FOUND for an ID); body %.300s", res.Code(), res.Body)
					}
					hostileNoInternals(t, res.Body)
					if len(res.Body) > 1024 {
						t.Errorf("the answer echoes the input: %d bytes", len(res.Body))
					}
				})
				tested++
			}
		}
		if tested < 40 {
			t.Fatalf("only %d string fields found", tested)
		}
		if after := trustEventItems(t, srv); size > 10000 && after != before {
			t.Errorf("inputs over every limit wrote %d event items", after-before)
		}
	}
}
