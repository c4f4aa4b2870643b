// Package e2e_test runs hubstream end to end: the real app (embedded
// engine in memory, in-process projector) behind a loopback HTTP listener,
// driven over GraphQL.
package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// projectionDeadline bounds every wait for the projector. It is generous
// (a slow, loaded CI machine under -race); waits end as soon as the
// condition holds.
const projectionDeadline = 15 * time.Second

const userFields = `id login name email bio createdAt updatedAt`

const createUserMutation = `mutation($in: CreateUserInput!) { createUser(input: $in) { user { ` + userFields + ` } } }`

const updateProfileMutation = `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) { user { ` + userFields + ` } } }`

const userQuery = `query($login: String!) { user(login: $login) { ` + userFields + ` } }`

// user is the GraphQL User as the tests compare it.
type user struct {
	ID        string  `json:"id"`
	Login     string  `json:"login"`
	Name      *string `json:"name"`
	Email     *string `json:"email"`
	Bio       *string `json:"bio"`
	CreatedAt string  `json:"createdAt"`
	UpdatedAt string  `json:"updatedAt"`
}

func str(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return strconv.Quote(*s)
}

func (u user) String() string {
	return "{login=" + u.Login + " name=" + deref(u.Name) + " email=" + deref(u.Email) + " bio=" + deref(u.Bio) + " createdAt=" + u.CreatedAt + " updatedAt=" + u.UpdatedAt + "}"
}

func eqPtr(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func (u user) equal(v user) bool {
	return u.ID == v.ID && u.Login == v.Login && eqPtr(u.Name, v.Name) && eqPtr(u.Email, v.Email) && eqPtr(u.Bio, v.Bio) && u.CreatedAt == v.CreatedAt && u.UpdatedAt == v.UpdatedAt
}

// asLogin returns a client acting as the login of a mutation input: the
// user themself, as the accounts mutations require. Inputs whose login no
// token can name (invalid logins) act as "tester"; they must fail on the
// login before authorization matters.
func asLogin(t testing.TB, srv *testkit.Server, login any) *testkit.Client {
	t.Helper()
	l, _ := login.(string)
	if tok, err := srv.App.DevToken(l); err == nil {
		return srv.GraphQL.WithToken(tok)
	}
	return srv.As(t, "tester")
}

// doAs runs query with vars as login, or anonymously when login is
// empty, and returns the response (errors included).
func doAs(t testing.TB, srv *testkit.Server, login, query string, vars map[string]any) *testkit.Response {
	t.Helper()
	c := srv.GraphQL
	if login != "" {
		c = srv.As(t, login)
	}
	return c.MustDo(t, query, vars)
}

// expectOutcome fails the test unless res is what a scenario step
// expects: the error code wantCode (on the input field wantField when
// set), or else success with data that contains want (compact JSON).
func expectOutcome(t *testing.T, res *testkit.Response, wantCode, wantField, want string) {
	t.Helper()
	if wantCode != "" {
		if res.Code() != wantCode || (wantField != "" && res.Errors[0].Field() != wantField) {
			t.Fatalf("errors %+v, want %s (field %q)", res.Errors, wantCode, wantField)
		}
		return
	}
	if len(res.Errors) > 0 {
		t.Fatalf("errors %+v", res.Errors)
	}
	if got := compactJSON(t, res.Data); !strings.Contains(got, want) {
		t.Fatalf("data %s, want it to contain %s", got, want)
	}
}

// createUser runs createUser and fails the test unless it succeeds.
func createUser(t testing.TB, srv *testkit.Server, in map[string]any) user {
	t.Helper()
	return userMutation(t, srv, "createUser", createUserMutation, in)
}

// updateProfile runs updateProfile and fails the test unless it succeeds.
func updateProfile(t testing.TB, srv *testkit.Server, in map[string]any) user {
	t.Helper()
	return userMutation(t, srv, "updateProfile", updateProfileMutation, in)
}

// userMutation runs an accounts mutation (field of the Mutation root)
// with input in as the user it names, fails the test unless it succeeds,
// and returns the payload's user.
func userMutation(t testing.TB, srv *testkit.Server, field, mutation string, in map[string]any) user {
	t.Helper()
	res := asLogin(t, srv, in["login"]).MustDo(t, mutation, map[string]any{"in": in})
	if len(res.Errors) > 0 {
		t.Fatalf("%s(%v): errors %+v", field, in, res.Errors)
	}
	var out map[string]struct{ User user }
	if err := res.Decode(&out); err != nil {
		t.Fatalf("%s(%v): %v", field, in, err)
	}
	return out[field].User
}

// queryUser returns user(login), nil when it is null.
func queryUser(t testing.TB, srv *testkit.Server, login string) *user {
	t.Helper()
	res := srv.GraphQL.MustDo(t, userQuery, map[string]any{"login": login})
	if len(res.Errors) > 0 {
		t.Fatalf("user(%q): errors %+v", login, res.Errors)
	}
	var out struct{ User *user }
	if err := res.Decode(&out); err != nil {
		t.Fatalf("user(%q): %v", login, err)
	}
	return out.User
}

// awaitUser polls user(login) until it equals want (the projector caught
// up with the write that returned want) and returns what it read last.
func awaitUser(t testing.TB, srv *testkit.Server, login string, want user) {
	t.Helper()
	var last *user
	ok := testkit.Poll(projectionDeadline, func() bool {
		last = queryUser(t, srv, login)
		return last != nil && last.equal(want)
	})
	if !ok {
		got := "<null>"
		if last != nil {
			got = last.String()
		}
		t.Fatalf("user(%q) never matched the write:\n want %v\n last %v", login, want, got)
	}
}

// eventCount counts the event items of an account's partition (the
// history access pattern: Query begins_with EVENT#0).
func eventCount(t testing.TB, srv *testkit.Server, login string) int {
	t.Helper()
	return testkit.CountEvents(t, srv.DB(), srv.Table(), table.AccountPartition(login))
}

// head returns the head item of an account, nil if there is none.
func head(t testing.TB, srv *testkit.Server, login string) testkit.Item {
	t.Helper()
	return partitionHead(t, srv, table.AccountPartition(login))
}

// partitionHead returns the head item of any aggregate partition, read
// consistently from the write side; nil when the aggregate has none.
func partitionHead(t testing.TB, srv *testkit.Server, p table.Partition) testkit.Item {
	t.Helper()
	res, err := srv.DB().GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      aws.String(srv.Table()),
		Key:            table.HeadKey(p).AV(),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("get head of %s: %v", p, err)
	}
	return res.Item
}

// headVersion returns the head's v of an account, 0 without a head.
func headVersion(t testing.TB, srv *testkit.Server, login string) int {
	t.Helper()
	h := head(t, srv, login)
	if h == nil {
		return 0
	}
	v, err := strconv.Atoi(testkit.N(h, "v"))
	if err != nil {
		t.Fatalf("head of %s: v = %q: %v", login, testkit.N(h, "v"), err)
	}
	return v
}
