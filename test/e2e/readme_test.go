package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/hubstream/hubstream/test/testkit"
)

// TestReadmeExamplesRun (review 2, F-doc-6): every ```graphql block of
// the README, in order, as octocat against a fresh server, runs as
// written: a block is one valid document, each of its operations is sent
// with its operationName (a block of several anonymous operations is
// refused by GraphQL itself), and none answers an error. A subscription
// is opened over WebSocket, as the playground does, and must have
// delivered an event without errors once the blocks after it ran.
func TestReadmeExamplesRun(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(raw), -1)
	if len(blocks) < 4 {
		t.Fatalf("found %d graphql blocks in the README", len(blocks))
	}
	srv := testkit.Start(t, testkit.Options{})
	octo := srv.As(t, "octocat")
	var subs []*testkit.WS
	for _, b := range blocks {
		doc := b[1]
		parsed, perr := parser.ParseQuery(&ast.Source{Input: doc})
		if perr != nil {
			t.Fatalf("block does not parse: %v\n%s", perr, doc)
		}
		for _, op := range parsed.Operations {
			name := op.Name
			if name == "" && len(parsed.Operations) > 1 {
				t.Fatalf("a block with %d operations has an anonymous one: pasted as written it is refused\n%s", len(parsed.Operations), doc)
			}
			if op.Operation == ast.Subscription {
				subs = append(subs, readmeSubscribe(t, srv, doc, len(subs)))
				continue
			}
			t.Run(strings.TrimSpace(string(op.Operation)+" "+name+" "+firstField(op)), func(t *testing.T) {
				body, _ := json.Marshal(map[string]any{"query": doc, "operationName": name})
				res, err := octo.Post(t.Context(), "application/json", body)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Errors) > 0 || res.Status != 200 {
					t.Fatalf("status %d: %.400s", res.Status, res.Body)
				}
				// Reads come from the projection: the next block reads
				// what this one wrote.
				testkit.AwaitProjected(t, srv, 10*time.Second)
			})
		}
	}
	if len(subs) == 0 {
		t.Fatal("the README shows no subscription (the playground's subscription example)")
	}
	for i, ws := range subs {
		msg, err := ws.NextWithin(10 * time.Second)
		if err != nil {
			t.Fatalf("subscription %d of the README delivered nothing: %v", i, err)
		}
		if msg.Type != "next" || len(msg.Errors()) > 0 {
			t.Fatalf("subscription %d of the README: %s %s", i, msg.Type, msg.Payload)
		}
	}
}

// readmeSubscribe opens doc's subscription as octocat over WebSocket.
func readmeSubscribe(t *testing.T, srv *testkit.Server, doc string, n int) *testkit.WS {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ws, err := testkit.DialWS(ctx, srv.URL, nil, map[string]any{"Authorization": "Bearer " + srv.Token(t, "octocat")})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(ws.Close)
	if err := ws.Subscribe(ctx, fmt.Sprint("readme-", n), doc, nil); err != nil {
		t.Fatalf("subscribe: %v\n%s", err, doc)
	}
	return ws
}

// firstField names an operation's first root field, for the subtest name.
func firstField(op *ast.OperationDefinition) string {
	if len(op.SelectionSet) > 0 {
		if f, ok := op.SelectionSet[0].(*ast.Field); ok {
			return f.Name
		}
	}
	return ""
}
