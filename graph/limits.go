package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/hubstream/hubstream/graph/generated"
	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/loaders"
)

// Limits on what one request may ask for (DESIGN.md §6): the body size,
// the query's size in tokens, its depth and its complexity. Each is
// checked before anything is resolved, and each rejection is a GraphQL
// error with extensions.code, so an abusive request costs its parse and
// nothing else.

// Defaults of HandlerOptions.
const (
	DefaultComplexityLimit = 5000
	DefaultDepthLimit      = 15
	DefaultMaxBodyBytes    = 1 << 20
	DefaultTokenLimit      = 15000
)

// Costs of the complexity calculation. Every field costs 1 plus what it
// selects; a connection costs 1 plus its page size (first or last, at most
// loaders.MaxPageSize) times what each of its items selects; every root
// field costs at least rootQueryCost (it is at least one read, and this is
// what bounds aliasing: 1,000 aliases of even `__typename` exceed the
// default limit), and every mutation mutationCost (it is a transaction).
const (
	rootQueryCost = 10
	mutationCost  = 100
)

// pageCost is the page size a connection's arguments ask for, as the
// resolver will accept it: first, else last, clamped to 1..MaxPageSize
// (larger values are rejected by the resolver, so they cost no more).
func pageCost(first, last *int32) int {
	n := int32(1)
	switch {
	case first != nil:
		n = *first
	case last != nil:
		n = *last
	}
	return int(min(max(n, 1), loaders.MaxPageSize))
}

// connectionCost is the complexity of a connection field.
func connectionCost(child int, first, last *int32) int {
	return satAdd(1, satMul(pageCost(first, last), child))
}

func satAdd(a, b int) int {
	if c := a + b; c >= a {
		return c
	}
	return int(^uint(0) >> 1)
}

func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if c := a * b; c/a == b {
		return c
	}
	return int(^uint(0) >> 1)
}

// perRepositoryReadCost is the complexity of a scalar repository field
// that costs its own read.
const perRepositoryReadCost = 10

// largeTextCost is the complexity of a field holding a long text (a body,
// an event's data): a page of 100 bodies costs 500 of the 5000.
const largeTextCost = 5

// complexityRoot is the cost of every list field (the connections) and of
// the scalar fields that cost a read of their own.
func complexityRoot() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	conn := func(child int, first *int32, _ *string, last *int32, _ *string) int {
		return connectionCost(child, first, last)
	}
	history := func(child int, first *int32, _ *string) int { return connectionCost(child, first, nil) }
	starConn := func(child int, _ *model.StarOrder, first *int32, after *string, last *int32, before *string) int {
		return conn(child, first, after, last, before)
	}

	// One read per ID, each at least a root field's cost.
	c.Query.Nodes = func(child int, ids []string) int { return satMul(len(ids), max(child, rootQueryCost)) }
	c.User.Repositories = conn
	c.User.StarredRepositories = starConn
	c.User.Organizations = conn
	c.User.History = history
	c.Organization.Repositories = conn
	c.Organization.Members = conn
	c.Organization.History = history
	c.Repository.Stargazers = starConn
	c.Repository.Forks = func(child int, _ *model.RepositoryOrder, first *int32, after *string, last *int32, before *string) int {
		return conn(child, first, after, last, before)
	}
	// Per repository, these read a collection rather than a counter when
	// private repositories may hide among the forks or stars (one Query
	// each, or more): charged like a small connection.
	perRepositoryRead := func(child int) int { return child + perRepositoryReadCost }
	c.Repository.ForkCount = perRepositoryRead
	c.Repository.ViewerHasStarred = perRepositoryRead
	c.Repository.History = history
	c.Repository.Issues = func(child int, _ *model.IssueOrder, _ []model.IssueState, _ []string, first *int32, after *string, last *int32, before *string) int {
		return conn(child, first, after, last, before)
	}
	c.Repository.Labels = conn
	c.Issue.Labels = conn
	c.PullRequest.Labels = conn
	c.Label.Issues = func(child int, _ *model.IssueOrder, _ []model.IssueState, first *int32, after *string, last *int32, before *string) int {
		return conn(child, first, after, last, before)
	}
	c.Label.PullRequests = func(child int, _ *model.IssueOrder, _ []model.PullRequestState, first *int32, after *string, last *int32, before *string) int {
		return conn(child, first, after, last, before)
	}
	c.Repository.PullRequests = func(child int, _ *model.IssueOrder, _ []model.PullRequestState, first *int32, after *string, last *int32, before *string) int {
		return conn(child, first, after, last, before)
	}
	c.Issue.Comments = conn
	c.Issue.History = history
	c.PullRequest.Comments = conn
	c.PullRequest.History = history
	c.IssueComment.History = history
	// Texts of up to 96 KiB (bodies, and events' data, which hold them)
	// weigh more than a field: a page of them is most of what a response
	// can carry (the response limit counts the actual bytes).
	text := func(int) int { return largeTextCost }
	c.Issue.Body = text
	c.PullRequest.Body = text
	c.IssueComment.Body = text
	c.HistoryEvent.Data = text
	return c
}

// costedSchema adds the root costs to the generated schema's complexity.
type costedSchema struct{ graphql.ExecutableSchema }

func (s costedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	c, ok := s.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
	if !ok || c < 1 {
		c = satAdd(1, child)
	}
	switch typeName {
	case "Query":
		c = max(c, satAdd(rootQueryCost, child))
	case "Mutation":
		c = max(c, satAdd(mutationCost, child))
	}
	return c, true
}

// limits is the extension that rejects documents of a shape too costly to
// validate (shape.go, before gqlgen parses and validates them), and
// operations nested deeper than depth or costing more than complexity
// (either ≤ 0: no limit), computed in work linear in the document
// (cost.go).
type limits struct {
	depth, complexity int
	tokens            int // the parser's token limit (≤ 0: none)
	es                graphql.ExecutableSchema
	// shapes remembers the documents that passed the shape check.
	shapes shapeCache
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = &limits{}

func (l *limits) ExtensionName() string { return "HubstreamLimits" }

func (l *limits) Validate(es graphql.ExecutableSchema) error {
	l.es = es
	return nil
}

// limitError is a rejection of the query itself: a validation failure
// (HTTP 422), with the limit and the query's value in the extensions.
func limitError(msg string, limit, got int) *gqlerror.Error {
	err := gqlerror.Errorf("%s", msg)
	errcode.Set(err, errcode.ValidationFailed)
	err.Extensions["limit"] = limit
	err.Extensions["value"] = got
	return err
}

// MutateOperationParameters parses the document (with the same token
// limit as gqlgen, so a document too large for it costs no more here) and
// refuses the shapes validation cannot afford, and a string variable given
// for an Int (strict_int.go). A document that does not parse is left to
// gqlgen, which reports why. A document that passed before is not parsed
// again (shapeCache) unless a variable holds a numeric string, which only
// the document's variable types can tell apart from a String's value.
func (l *limits) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if params.Query == "" {
		return nil
	}
	numeric := hasNumericString(params.Variables)
	if !numeric && l.shapes.passed(ctx, params.Query) {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, max(l.tokens, 0)) // 0: no limit
	if err != nil {
		return nil
	}
	if _, shapeErr := checkShape(doc); shapeErr != nil {
		return shapeErr
	}
	l.shapes.pass(ctx, params.Query)
	if numeric {
		return checkIntVariables(l.es.Schema(), doc, params.OperationName, params.Variables)
	}
	return nil
}

func (l *limits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Operation
	if op == nil {
		return nil
	}
	if oc.DisableIntrospection && selectsIntrospection(op.SelectionSet, map[string]bool{}) {
		// gqlgen would answer the field with a plain error, which the
		// presenter can only show as INTERNAL: refuse the query instead.
		err := gqlerror.Errorf("introspection is disabled on this server (__schema and __type); the schema is published with the API's documentation")
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	if d := incrementalDirective(op.SelectionSet, map[string]bool{}); d != "" {
		err := gqlerror.Errorf("@%s is not supported: this server answers every request with one complete JSON response (no incremental delivery); remove the directive", d)
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	if n := schemaSelections(op.SelectionSet, map[string]int{}, map[string]bool{}); n > maxSchemaSelections {
		return limitError(fmt.Sprintf("the query selects __schema %d times; one operation may select it at most %d time(s)", n, maxSchemaSelections), maxSchemaSelections, n)
	}
	m := newMeasurer(ctx, l.es, oc.Variables)
	if l.depth > 0 {
		if d := m.depth(op.SelectionSet); d > l.depth {
			return limitError(fmt.Sprintf("the query is nested more than %d levels deep (the limit)", l.depth), l.depth, d)
		}
	}
	if l.complexity > 0 {
		if c := m.cost(op.SelectionSet); c > l.complexity {
			return limitError(fmt.Sprintf("the query's complexity is %d, over the limit of %d: every field costs 1, a connection its page size times its selection, a root field at least %d; ask for smaller pages or fewer fields, or split the query", c, l.complexity, rootQueryCost), l.complexity, c)
		}
	}
	if m.cancelled {
		// The client left while the query was measured: nothing to answer.
		err := gqlerror.Errorf("request cancelled")
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	return nil
}

// limitBody answers a request whose body exceeds max bytes with HTTP 413
// and a GraphQL-shaped error, before anything parses it; a body that does
// not arrive within the server's ReadTimeout with 408; a JSON body with
// anything but white space after its value with 400 (a request is one
// JSON object: what follows it would be silently ignored, and a proxy or
// a WAF could read the body differently); smaller bodies are read (at
// most max bytes) and passed on.
func limitBody(maxBytes int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > maxBytes {
			tooLarge(w, maxBytes)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				tooLarge(w, maxBytes)
				return
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				w.Header().Set("Connection", "close")
				writeGraphQLError(w, http.StatusRequestTimeout, "the request body did not arrive in time", entities.CodeBadInput, nil)
				return
			}
			writeGraphQLError(w, http.StatusBadRequest, "the request body could not be read", entities.CodeBadInput, nil)
			return
		}
		if isJSON(r) && trailingData(body) {
			writeGraphQLError(w, http.StatusBadRequest, "the request body has data after its JSON object: send exactly one GraphQL request", entities.CodeBadInput, nil)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// isJSON reports whether r's body is declared JSON (application/json, or
// the GraphQL-over-HTTP media types, which are JSON too).
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// trailingData reports whether body is one JSON value followed by
// something other than white space. A body that is not JSON at all is
// left to the transport, which says so.
func trailingData(body []byte) bool {
	// The common case, one valid JSON value, is answered by the scanner
	// alone: a Decoder copies the body into its buffer and the value out
	// of it, ~1.5 % of a repository page's CPU.
	if json.Valid(body) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return false
	}
	_, err := dec.Token()
	return !errors.Is(err, io.EOF)
}

func tooLarge(w http.ResponseWriter, maxBytes int64) {
	w.Header().Set("Connection", "close")
	writeGraphQLError(w, http.StatusRequestEntityTooLarge,
		fmt.Sprintf("the request body is larger than %d bytes", maxBytes), entities.CodeBadInput, map[string]any{"limit": maxBytes})
}

// writeGraphQLError answers with a GraphQL response holding one error.
func writeGraphQLError(w http.ResponseWriter, status int, msg string, code entities.Code, ext map[string]any) {
	e := map[string]any{"code": string(code)}
	for k, v := range ext {
		e[k] = v
	}
	body, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": e}}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
