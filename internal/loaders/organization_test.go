package loaders_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

func i32(n int32) *int32 { return &n }

// seedOrgs: users alice, bob, carol, dave; Acme (alice ADMIN; bob, carol
// MEMBER; dave added then removed) and Initech (bob ADMIN).
func seedOrgs(t *testing.T) *workWorld {
	w := newWorkWorld(t)
	for _, u := range []string{"Alice", "bob", "carol", "dave"} {
		w.do(u, entities.CreateUser{Login: u})
	}
	w.do("alice", entities.CreateOrganization{Login: "Acme", Name: "Acme Inc.", Description: "Widgets", Actor: "alice"})
	w.do("alice", entities.AddMember{Org: "acme", Login: "carol", Role: entities.RoleMember, Actor: "alice"})
	w.do("alice", entities.AddMember{Org: "acme", Login: "bob", Role: entities.RoleMember, Actor: "alice"})
	w.do("alice", entities.AddMember{Org: "acme", Login: "dave", Role: entities.RoleAdmin, Actor: "alice"})
	w.do("alice", entities.RemoveMember{Org: "acme", Login: "dave", Actor: "alice"})
	w.do("bob", entities.CreateOrganization{Login: "initech", Actor: "bob"})
	return w
}

func TestOrganizationLoader(t *testing.T) {
	w := seedOrgs(t)
	ctx := context.Background()
	l := w.loaders()
	tests := []struct {
		name  string
		login string
		want  *readmodel.Account
	}{
		{"by login, other case", "ACME", &readmodel.Account{Login: "Acme", Name: "Acme Inc.", Description: "Widgets", AccountCounters: readmodel.AccountCounters{MemberCount: 3}}},
		{"second organization", "initech", &readmodel.Account{Login: "initech", AccountCounters: readmodel.AccountCounters{MemberCount: 1}}},
		{"a user is not an organization", "alice", nil},
		{"missing", "ghost", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := l.Organization(ctx, tc.login)
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) {
				t.Fatalf("Organization(%q) = %+v, want %+v", tc.login, got, tc.want)
			}
			if got == nil {
				return
			}
			if got.Login != tc.want.Login || got.Name != tc.want.Name || got.Description != tc.want.Description || got.MemberCount != tc.want.MemberCount || got.CreatedAt.IsZero() {
				t.Fatalf("Organization(%q) = %+v, want %+v", tc.login, got, tc.want)
			}
		})
	}
	t.Run("batched", func(t *testing.T) {
		orgs, err := l.Organizations(ctx, []string{"initech", "alice", "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) != 3 || orgs[0] == nil || orgs[0].Login != "initech" || orgs[1] != nil || orgs[2] == nil || orgs[2].Login != "Acme" {
			t.Fatalf("Organizations = %+v", orgs)
		}
		accts, err := l.AccountsByLogin(ctx, []string{"bob", "ghost", "acme"})
		if err != nil {
			t.Fatal(err)
		}
		if accts[0] == nil || accts[0].Kind != "USER" || accts[1] != nil || accts[2] == nil || accts[2].Kind != "ORGANIZATION" {
			t.Fatalf("AccountsByLogin = %+v", accts)
		}
	})
	t.Run("organization counts", func(t *testing.T) {
		for login, want := range map[string]int{"alice": 1, "bob": 2, "carol": 1, "dave": 0, "ghost": 0} {
			if got, err := l.AccountCounters(ctx, login); err != nil || got.OrganizationCount != want {
				t.Errorf("AccountCounters(%s) = %+v, %v; want %d organizations", login, got, err, want)
			}
		}
	})
}

// members decodes a page of memberships into "login:ROLE" strings.
func members(t *testing.T, p loaders.Page[readmodel.Membership], org bool) []string {
	t.Helper()
	var out []string
	for _, m := range p.Items {
		if org {
			out = append(out, m.Org+":"+m.Role)
		} else {
			out = append(out, m.Login+":"+m.Role)
		}
	}
	return out
}

func TestMembersOf(t *testing.T) {
	w := seedOrgs(t)
	ctx := context.Background()
	l := w.loaders()
	all, err := l.MembersOf(ctx, "ACME", loaders.PageArgs{First: i32(10)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := members(t, all, false), []string{"Alice:ADMIN", "bob:MEMBER", "carol:MEMBER"}; !slices.Equal(got, want) {
		t.Fatalf("members = %v, want %v (login order, removed dave absent)", got, want)
	}
	tests := []struct {
		name              string
		args              loaders.PageArgs
		want              []string
		hasNext, hasPrev  bool
		wantErrCode       entities.Code
		otherOrganization bool
	}{
		{"first page", loaders.PageArgs{First: i32(2)}, []string{"Alice:ADMIN", "bob:MEMBER"}, true, false, "", false},
		{"after the first", loaders.PageArgs{First: i32(2), After: &all.Cursors[0]}, []string{"bob:MEMBER", "carol:MEMBER"}, false, true, "", false},
		{"last one", loaders.PageArgs{Last: i32(1)}, []string{"carol:MEMBER"}, false, true, "", false},
		{"before the last", loaders.PageArgs{Last: i32(5), Before: &all.Cursors[2]}, []string{"Alice:ADMIN", "bob:MEMBER"}, true, false, "", false},
		{"cursor of another organization", loaders.PageArgs{First: i32(2), After: &all.Cursors[0]}, nil, false, false, entities.CodeBadInput, true},
		{"first and last", loaders.PageArgs{First: i32(2), Last: i32(2)}, nil, false, false, entities.CodeBadInput, false},
		{"first too big", loaders.PageArgs{First: i32(101)}, nil, false, false, entities.CodeBadInput, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			org := "acme"
			if tc.otherOrganization {
				org = "initech"
			}
			p, err := l.MembersOf(ctx, org, tc.args)
			if tc.wantErrCode != "" {
				var de *entities.Error
				if !errors.As(err, &de) || de.Code != tc.wantErrCode {
					t.Fatalf("error = %v, want %s", err, tc.wantErrCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := members(t, p, false); !slices.Equal(got, tc.want) || p.HasNext != tc.hasNext || p.HasPrev != tc.hasPrev || len(p.Cursors) != len(p.Items) {
				t.Fatalf("page = %v next=%v prev=%v, want %v next=%v prev=%v", got, p.HasNext, p.HasPrev, tc.want, tc.hasNext, tc.hasPrev)
			}
		})
	}
}

func TestOrganizationsOf(t *testing.T) {
	w := seedOrgs(t)
	ctx := context.Background()
	l := w.loaders()
	tests := []struct {
		login string
		args  loaders.PageArgs
		want  []string
		next  bool
	}{
		{"bob", loaders.PageArgs{First: i32(10)}, []string{"Acme:MEMBER", "initech:ADMIN"}, false},
		{"BOB", loaders.PageArgs{First: i32(1)}, []string{"Acme:MEMBER"}, true},
		{"alice", loaders.PageArgs{First: i32(10)}, []string{"Acme:ADMIN"}, false},
		{"dave", loaders.PageArgs{First: i32(10)}, nil, false},
		{"ghost", loaders.PageArgs{First: i32(10)}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.login, func(t *testing.T) {
			p, err := l.OrganizationsOf(ctx, tc.login, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if got := members(t, p, true); !slices.Equal(got, tc.want) || p.HasNext != tc.next {
				t.Fatalf("OrganizationsOf(%s) = %v next=%v, want %v next=%v", tc.login, got, p.HasNext, tc.want, tc.next)
			}
		})
	}
	t.Run("a members cursor does not page organizations", func(t *testing.T) {
		m, err := l.MembersOf(ctx, "acme", loaders.PageArgs{First: i32(1)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.OrganizationsOf(ctx, "bob", loaders.PageArgs{First: i32(1), After: &m.Cursors[0]}); !errors.Is(err, entities.ErrBadInput) {
			t.Fatalf("error = %v, want BAD_USER_INPUT", err)
		}
	})
}

// TestCounterResidueIsAbsent: a memberCount moved before the organization
// item was projected leaves an item without `_et`; it is no organization.
func TestCounterResidueIsAbsent(t *testing.T) {
	w := newWorkWorld(t)
	ctx := context.Background()
	k := table.AccountKey("pending")
	_, err := w.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(w.table), Key: k.AV(),
		UpdateExpression:          aws.String("ADD #c :one"),
		ExpressionAttributeNames:  map[string]string{"#c": readmodel.AttrMemberCount},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	l := w.loaders()
	if o, err := l.Organization(ctx, "pending"); err != nil || o != nil {
		t.Fatalf("Organization = %+v, %v; want nil", o, err)
	}
	if a, err := l.AccountsByLogin(ctx, []string{"pending"}); err != nil || a[0] != nil {
		t.Fatalf("AccountsByLogin = %+v, %v; want [nil]", a, err)
	}
}

func TestHistoryTokens(t *testing.T) {
	w := newWorkWorld(t)
	c, err := w.pager.SealToken("User.history/alice", "7")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		binding string
		cursor  string
		want    string
		ok      bool
	}{
		{"round trip", "User.history/alice", c, "7", true},
		{"other binding", "User.history/bob", c, "", false},
		{"garbage", "User.history/alice", "not-a-cursor", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.pager.OpenToken(tc.binding, tc.cursor)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("OpenToken = %q, %v; want %q ok=%v", got, err, tc.want, tc.ok)
			}
			if err != nil && !errors.Is(err, entities.ErrBadInput) {
				t.Fatalf("error %v is not BAD_USER_INPUT", err)
			}
		})
	}
	t.Run("a query cursor is not a token", func(t *testing.T) {
		w := seedOrgs(t)
		p, err := w.loaders().MembersOf(context.Background(), "acme", loaders.PageArgs{First: i32(1)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.pager.OpenToken("Organization.members/acme", p.Cursors[0]); err == nil {
			t.Fatal("a Query cursor opened as a token")
		}
	})
}
