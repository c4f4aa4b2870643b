package loaders

import (
	"context"
	"time"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// Organization is the read model of an organization account.
type Organization struct {
	Login       string
	Name        string
	Description string
	MemberCount int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Membership is the read model of a user's membership of an organization.
type Membership struct {
	Org      string // the organization's login as created
	Login    string // the member's login as created
	Role     string // ADMIN or MEMBER
	JoinedAt time.Time
}

// DecodeOrganization decodes an organization's account item; nil for a
// missing item, counter residue, or a user's item.
func DecodeOrganization(it Item) *Organization {
	if !isType(it, table.TypeAccount) || attrS(it, table.ReadKind) != string(entities.AccountOrganization) {
		return nil
	}
	return &Organization{
		Login:       attrS(it, table.ReadLogin),
		Name:        attrS(it, table.ReadName),
		Description: attrS(it, table.ReadDescription),
		MemberCount: attrInt(it, table.ReadMemberCount),
		CreatedAt:   attrTime(it, table.ReadCreatedAt),
		UpdatedAt:   attrTime(it, table.ReadUpdatedAt),
	}
}

// DecodeMembership decodes a membership item (an item of MembersOf or
// OrganizationsOf); ok is false for anything else.
func DecodeMembership(it Item) (*Membership, bool) {
	if !isType(it, table.TypeMembership) {
		return nil, false
	}
	return &Membership{
		Org:      attrS(it, table.ReadOrg),
		Login:    attrS(it, table.ReadLogin),
		Role:     attrS(it, table.ReadRole),
		JoinedAt: attrTime(it, table.ReadJoinedAt),
	}, true
}

// Organization loads an organization by login (case-insensitive); nil if
// there is none (or the login is a user's).
func (l *Loaders) Organization(ctx context.Context, login string) (*Organization, error) {
	it, err := l.ItemByKey.Load(ctx, table.AccountKey(entities.LowerASCII(login)))()
	if err != nil {
		return nil, err
	}
	return DecodeOrganization(it), nil
}

// accountItems loads the account items of logins in one batch (all keys
// join the same BatchGetItem), aligned with logins.
func (l *Loaders) accountItems(ctx context.Context, logins []string) ([]Item, error) {
	keys := make([]table.Key, len(logins))
	for i, login := range logins {
		keys[i] = table.AccountKey(entities.LowerASCII(login))
	}
	items, errs := l.ItemByKey.LoadMany(ctx, keys)()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return items, nil
}

// Organizations loads organizations by login in one batch, aligned with
// logins; an entry is nil where there is no such organization.
func (l *Loaders) Organizations(ctx context.Context, logins []string) ([]*Organization, error) {
	items, err := l.accountItems(ctx, logins)
	if err != nil {
		return nil, err
	}
	out := make([]*Organization, len(items))
	for i, it := range items {
		out[i] = DecodeOrganization(it)
	}
	return out, nil
}

// AccountsByLogin loads users or organizations by login in one batch,
// aligned with logins; an entry is nil where there is no such account.
func (l *Loaders) AccountsByLogin(ctx context.Context, logins []string) ([]*Account, error) {
	items, err := l.accountItems(ctx, logins)
	if err != nil {
		return nil, err
	}
	out := make([]*Account, len(items))
	for i, it := range items {
		if isType(it, table.TypeAccount) {
			out[i] = decodeAccount(it)
		}
	}
	return out, nil
}

// OrganizationCount is the number of organizations login belongs to (the
// counter on the user's account item).
func (l *Loaders) OrganizationCount(ctx context.Context, login string) (int, error) {
	it, err := l.ItemByKey.Load(ctx, table.AccountKey(entities.LowerASCII(login)))()
	if err != nil {
		return 0, err
	}
	return attrInt(it, table.ReadOrganizationCount), nil
}

// MembersOf lists an organization's memberships in login order; decode
// the items with DecodeMembership.
func (l *Loaders) MembersOf(ctx context.Context, org string, args PageArgs) (Page, error) {
	pk, prefix := table.MembersOf(org)
	return l.Pager.Query(ctx, Collection{
		PK: pk, SKPrefix: prefix, Ascending: true,
		Binding: "Organization.members/" + entities.LowerASCII(org),
	}, args)
}

// OrganizationsOf lists a user's memberships in organization login order;
// decode the items with DecodeMembership.
func (l *Loaders) OrganizationsOf(ctx context.Context, login string, args PageArgs) (Page, error) {
	index, pk, prefix := table.OrganizationsOf(login)
	return l.Pager.Query(ctx, Collection{
		Index: index, PK: pk, SKPrefix: prefix, Ascending: true,
		Binding: "User.organizations/" + entities.LowerASCII(login),
	}, args)
}
