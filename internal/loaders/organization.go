package loaders

import (
	"context"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// kindOrganization is an organization's readmodel.Account.Kind.
const kindOrganization = "ORGANIZATION"

// Organization loads an organization by login (case-insensitive); nil if
// there is none (or the login is a user's).
func (l *Loaders) Organization(ctx context.Context, login string) (*readmodel.Account, error) {
	a, err := l.Account(ctx, login)
	if a == nil || a.Kind != kindOrganization {
		return nil, err
	}
	return a, nil
}

// Organizations loads organizations by login in one batch, aligned with
// logins; an entry is nil where there is no such organization.
func (l *Loaders) Organizations(ctx context.Context, logins []string) ([]*readmodel.Account, error) {
	out, err := l.AccountsByLogin(ctx, logins)
	for i, a := range out {
		if a != nil && a.Kind != kindOrganization {
			out[i] = nil
		}
	}
	return out, err
}

// MembersOf lists an organization's memberships in login order.
func (l *Loaders) MembersOf(ctx context.Context, org string, args PageArgs) (Page[readmodel.Membership], error) {
	pk, prefix := table.MembersOf(org)
	return queryPage[readmodel.Membership](ctx, l.Pager, Collection{
		PK: pk, SKPrefix: prefix, Ascending: true,
		Binding: "Organization.members/" + entities.LowerASCII(org),
	}, args)
}

// OrganizationsOf lists a user's memberships in organization login order.
func (l *Loaders) OrganizationsOf(ctx context.Context, login string, args PageArgs) (Page[readmodel.Membership], error) {
	index, pk, prefix := table.OrganizationsOf(login)
	return queryPage[readmodel.Membership](ctx, l.Pager, Collection{
		Index: index, PK: pk, SKPrefix: prefix, Ascending: true,
		Binding: "User.organizations/" + entities.LowerASCII(login),
	}, args)
}
