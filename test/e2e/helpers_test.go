// Package e2e_test runs hubstream end to end: the real app (embedded
// engine in memory, in-process projector) behind a loopback HTTP listener,
// driven over GraphQL.
package e2e_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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

// createUser runs createUser and fails the test unless it succeeds.
func createUser(t testing.TB, srv *testkit.Server, in map[string]any) user {
	t.Helper()
	res := asLogin(t, srv, in["login"]).MustDo(t, createUserMutation, map[string]any{"in": in})
	if len(res.Errors) > 0 {
		t.Fatalf("createUser(%v): errors %+v", in, res.Errors)
	}
	var out struct {
		CreateUser struct{ User user } `json:"createUser"`
	}
	if err := res.Decode(&out); err != nil {
		t.Fatalf("createUser(%v): %v", in, err)
	}
	return out.CreateUser.User
}

// updateProfile runs updateProfile and fails the test unless it succeeds.
func updateProfile(t testing.TB, srv *testkit.Server, in map[string]any) user {
	t.Helper()
	res := asLogin(t, srv, in["login"]).MustDo(t, updateProfileMutation, map[string]any{"in": in})
	if len(res.Errors) > 0 {
		t.Fatalf("updateProfile(%v): errors %+v", in, res.Errors)
	}
	var out struct {
		UpdateProfile struct{ User user } `json:"updateProfile"`
	}
	if err := res.Decode(&out); err != nil {
		t.Fatalf("updateProfile(%v): %v", in, err)
	}
	return out.UpdateProfile.User
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
	p := table.AccountPartition(login)
	pager := dynamodb.NewQueryPaginator(srv.DB(), &dynamodb.QueryInput{
		TableName:              aws.String(srv.Table()),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :ev)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: string(p)},
			":ev": &types.AttributeValueMemberS{Value: table.EventSKPrefix},
		},
		ConsistentRead: aws.Bool(true),
	})
	n := 0
	for pager.HasMorePages() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatalf("query events of %s: %v", login, err)
		}
		n += len(page.Items)
	}
	return n
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
