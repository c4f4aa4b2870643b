package deploy_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/deploy"
	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// serverOff are the functions the deployed server never runs: the
// in-process projector (the container runs with --no-projector; the
// Lambda projects), the subscriptions' stream reader (--no-subscriptions:
// N tasks and the Lambda would exceed the stream's two readers per shard;
// docs/subscriptions.md, "Scaling") and table creation
// (--create-table=false; the stack creates the table).
var serverOff = []string{
	"(*github.com/hubstream/hubstream/internal/projector.Runner).Run",
	"(*github.com/hubstream/hubstream/internal/live.Follower).Run",
	"github.com/hubstream/hubstream/internal/table.EnsureTable",
}

// eventSourceMapping are the stream actions Lambda's event source mapping
// performs with the function's role; the function's code calls none.
var eventSourceMapping = []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}

// statement is one IAM policy statement.
type statement struct {
	Sid       string
	Actions   []string
	Resources []any
}

// roleStatements returns the statements of the inline policies of role.
func roleStatements(t *testing.T, tpl *deploy.Template, role string) []statement {
	t.Helper()
	r, ok := tpl.Resources[role]
	if !ok || r.Type != "AWS::IAM::Role" {
		t.Fatalf("%s is not a role of the template", role)
	}
	if r.Properties["ManagedPolicyArns"] != nil {
		t.Fatalf("%s attaches managed policies: their actions cannot be checked here", role)
	}
	var out []statement
	for _, p := range list(r.Properties["Policies"]) {
		if alt := list(get(p, "Fn::If")); len(alt) == 3 {
			p = alt[1]
		}
		for _, s := range list(get(p, "PolicyDocument", "Statement")) {
			if get(s, "Effect") != "Allow" {
				t.Fatalf("%s: only Allow statements are expected", role)
			}
			st := statement{Sid: fmt.Sprint(get(s, "Sid"))}
			switch a := get(s, "Action").(type) {
			case string:
				st.Actions = []string{a}
			default:
				for _, x := range list(a) {
					st.Actions = append(st.Actions, fmt.Sprint(x))
				}
			}
			if res, ok := get(s, "Resource").([]any); ok {
				st.Resources = res
			} else {
				st.Resources = []any{get(s, "Resource")}
			}
			for _, a := range st.Actions {
				if strings.Contains(a, "*") {
					t.Errorf("%s: wildcard action %s", role, a)
				}
			}
			for _, r := range st.Resources {
				if r == "*" {
					t.Errorf("%s: statement %s applies to every resource", role, st.Sid)
				}
			}
			out = append(out, st)
		}
	}
	return out
}

// dynamoActions returns the dynamodb:* actions of the statements whose
// resources are the table or its indexes, and those on its stream.
func dynamoActions(sts []statement, tableName string) (onTable, onStream []string) {
	tableArn := map[string]any{"Fn::GetAtt": []any{tableName, "Arn"}}
	for _, st := range sts {
		stream, tbl := false, false
		for _, r := range st.Resources {
			switch {
			case reflect.DeepEqual(r, tableArn), reflect.DeepEqual(r, map[string]any{"Fn::Sub": "${" + tableName + ".Arn}/index/*"}):
				tbl = true
			case reflect.DeepEqual(r, map[string]any{"Fn::Sub": "${" + tableName + ".Arn}/stream/*"}):
				stream = true
			}
		}
		for _, a := range st.Actions {
			if !strings.HasPrefix(a, "dynamodb:") {
				continue
			}
			switch {
			case tbl && stream:
				onTable, onStream = append(onTable, a), append(onStream, a)
			case stream:
				onStream = append(onStream, a)
			default:
				// Any other resource (or none) counts as the table: an
				// action there is as unwanted.
				onTable = append(onTable, a)
			}
		}
	}
	sort.Strings(onTable)
	sort.Strings(onStream)
	return onTable, onStream
}

// TestIAMFollowsTheCode: each role's DynamoDB actions are exactly those
// the code of its binary can reach — no more (least privilege), no fewer
// (the deployment would fail with AccessDenied).
func TestIAMFollowsTheCode(t *testing.T) {
	tpl := load(t)
	tableName, _ := one(t, tpl, "AWS::DynamoDB::Table")
	_, fn := one(t, tpl, "AWS::Lambda::Function")
	_, td := one(t, tpl, "AWS::ECS::TaskDefinition")
	lambdaRole := fmt.Sprint(get(fn.Properties["Role"], "Fn::GetAtt").([]any)[0])
	taskRole := fmt.Sprint(get(td.Properties["TaskRoleArn"], "Fn::GetAtt").([]any)[0])

	tests := []struct {
		name       string
		role       string
		cmd        string
		off        []string
		wantStream []string
	}{
		{"projector function", lambdaRole, "cmd/projector-lambda", nil, eventSourceMapping},
		{"server task", taskRole, "cmd/server", serverOff, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := reachableCalls(t, tt.cmd, tt.off...)
			want := c.IAMActions()
			onTable, onStream := dynamoActions(roleStatements(t, tpl, tt.role), tableName)
			if !reflect.DeepEqual(onTable, want) {
				t.Errorf("%s may call %v on the table; the code of %s calls %v (SDK operations %v, transaction actions %v)",
					tt.role, onTable, tt.cmd, want, keys(c.Ops), keys(c.TxActions))
			}
			if !reflect.DeepEqual(onStream, tt.wantStream) {
				t.Errorf("%s may call %v on the stream, want %v", tt.role, onStream, tt.wantStream)
			}
			for _, a := range append(onTable, onStream...) {
				if a == "dynamodb:Scan" {
					t.Errorf("%s may scan", tt.role)
				}
			}
		})
	}
}

// TestCallAnalysisSeesWhatRuns: the analysis behind TestIAMFollowsTheCode
// is not blind. The operator's projector command reaches its rebuild and
// verify scans; the server reaches the stream and table creation only
// through the functions its deployment switches off; and every DynamoDB
// operation a real server makes while serving a workload over HTTP
// (counted at the HTTP client) is among those the analysis found.
func TestCallAnalysisSeesWhatRuns(t *testing.T) {
	if ops := reachableCalls(t, "cmd/projector").Ops; !ops["Scan"] || !ops["GetRecords"] {
		t.Errorf("cmd/projector reaches %v: the analysis misses its scans or stream reads", keys(ops))
	}
	all := reachableCalls(t, "cmd/server").Ops
	deployed := reachableCalls(t, "cmd/server", serverOff...).Ops
	for _, op := range []string{"CreateTable", "UpdateTimeToLive", "GetRecords", "DescribeStream"} {
		if !all[op] || deployed[op] {
			t.Errorf("%s: reachable from cmd/server %v, with the deployment's switches %v", op, all[op], deployed[op])
		}
	}

	srv := testkit.Start(t, testkit.Options{NoProjector: true, CountRequests: true, Configure: func(c *app.Config) { c.ExistingTable = false }})
	ctx := context.Background()
	ada := srv.As(t, "ada")
	steps := []struct{ query, input string }{
		{`mutation($in: CreateUserInput!) { createUser(input: $in) { user { login } } }`, `{"login": "ada", "idempotencyKey": "k1"}`},
		{`mutation($in: CreateUserInput!) { createUser(input: $in) { user { login } } }`, `{"login": "ada", "idempotencyKey": "k1"}`},
		{`mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { nameWithOwner } } }`, `{"name": "hello"}`},
		{`mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { id number } } }`, `{"owner": "ada", "repository": "hello", "title": "it works"}`},
		{`mutation($in: AddCommentInput!) { addComment(input: $in) { comment { id } } }`, `{"owner": "ada", "repository": "hello", "number": 1, "body": "yes"}`},
		{`mutation($in: StarRepositoryInput!) { starRepository(input: $in) { repository { nameWithOwner } } }`, `{"owner": "ada", "name": "hello"}`},
		{`mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { nameWithOwner } } }`, `{"name": "bye"}`},
		{`mutation($in: DeleteRepositoryInput!) { deleteRepository(input: $in) { deletedRepositoryId } }`, `{"owner": "ada", "name": "bye"}`},
	}
	for _, s := range steps {
		var in map[string]any
		if err := jsonUnmarshal(s.input, &in); err != nil {
			t.Fatal(err)
		}
		res, err := ada.Do(ctx, s.query, map[string]any{"in": in})
		if err != nil || len(res.Errors) > 0 {
			t.Fatalf("%s: %v %v", s.query, err, res)
		}
	}
	mutated := srv.Counter.Counts()
	if mutated["TransactWriteItems"] == 0 || mutated["BatchGetItem"] == 0 {
		t.Fatalf("the mutations made %v", mutated)
	}
	for op := range mutated {
		if !deployed[op] {
			t.Errorf("the server's mutations called %s, which the analysis did not find (counted: %v)", op, mutated)
		}
	}
	// The read model, projected by a runner on its own (uncounted)
	// client, as the Lambda projects it beside the deployed server.
	cc := table.ClientConfig{Endpoint: testkit.Endpoint()}
	if eng := srv.App.Engine(); eng != nil {
		cc = table.ClientConfig{Endpoint: "http://ddblocal.embedded", HTTPClient: eng.HTTPClient(), StaticCredentials: true}
	}
	pc, err := table.NewClients(ctx, cc)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	r := projector.NewRunner(pc.DB, pc.Streams, srv.Table(), projector.NewApplier(pc.DB, srv.Table(), nil), projector.RunnerOptions{PollInterval: 5 * time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	defer func() { stop(); <-done }()
	testkit.Eventually(t, time.Minute, func() bool {
		res, err := ada.Do(ctx, `{ user(login: "ada") { starredRepositories(first: 1) { totalCount } } }`, nil)
		return err == nil && strings.Contains(string(res.Data), `"totalCount":1`)
	}, "the projection of the workload")
	srv.Counter.Reset()
	q := `{ user(login: "ada") { login repositories(first: 10) { nodes { name } } starredRepositories(first: 5) { totalCount } }
	        repository(owner: "ada", name: "hello") { stargazerCount issues(first: 5) { nodes { number comments(first: 5) { totalCount } } } } }`
	if res, err := ada.Do(ctx, q, nil); err != nil || len(res.Errors) > 0 {
		t.Fatalf("query: %v %v", err, res)
	}
	counted := srv.Counter.Counts()
	if counted["Query"] == 0 || counted["BatchGetItem"] == 0 || counted["TransactWriteItems"] != 0 {
		t.Fatalf("the query made %v: want Query and BatchGetItem only", counted)
	}
	for op := range counted {
		if !deployed[op] {
			t.Errorf("the server called %s, which the analysis did not find (counted: %s)", op, srv.Counter)
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
