package graph

import (
	"context"
	"fmt"

	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/readmodel"
)

// Conversions of the organization area: read items and write-side states
// into GraphQL models, and membership pages into connections.

func orgFromRead(o *readmodel.Account) *model.Organization {
	if o == nil || o.Kind != string(entities.AccountOrganization) {
		return nil
	}
	return &model.Organization{ID: nodeID("Organization", o.Login), Login: o.Login, Name: optional(o.Name), Description: optional(o.Description), CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// orgFromState builds a payload organization from the write side's new
// state, so a mutation's response reflects the write without waiting for
// the projection.
func orgFromState(s entities.Snapshot) (*model.Organization, error) {
	a, ok := s.State.(*entities.Account)
	if !ok || a == nil || a.Type != entities.AccountOrganization {
		return nil, fmt.Errorf("graph: no organization state for %v", s.ID)
	}
	return &model.Organization{ID: nodeID("Organization", a.Login), Login: a.Login, Name: optional(a.Name), Description: optional(a.Description), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}, nil
}

// memberEdge pairs a membership with its user.
type memberEdge struct {
	user *model.User
	role model.OrganizationMemberRole
}

// membersConnection turns a page of an organization's memberships into
// its members connection, loading the members' accounts in one batch.
func membersConnection(ctx context.Context, l *loaders.Loaders, org string, page loaders.Page[readmodel.Membership]) (*model.OrganizationMemberConnection, error) {
	c := buildConnection(page, keepAll[readmodel.Membership])
	logins := make([]string, len(c.Items))
	for i, m := range c.Items {
		logins[i] = m.Login
	}
	accounts, err := l.AccountsByLogin(ctx, logins)
	if err != nil {
		return nil, err
	}
	// A member whose account item is not projected yet is left out of the
	// page rather than shown half-empty.
	members := connection[memberEdge]{PageInfo: c.PageInfo}
	for i, m := range c.Items {
		if u := userFromRead(accounts[i]); u != nil {
			members.Items = append(members.Items, memberEdge{user: u, role: model.OrganizationMemberRole(m.Role)})
			members.Cursors = append(members.Cursors, c.Cursors[i])
		}
	}
	total, err := totalOf(members.PageInfo, len(members.Items), func() (int, error) {
		o, err := l.Organization(ctx, org)
		if err != nil || o == nil {
			return 0, err
		}
		return o.MemberCount, nil
	})
	if err != nil {
		return nil, err
	}
	return &model.OrganizationMemberConnection{
		Edges: edgesOf(members, func(cursor string, e memberEdge) *model.OrganizationMemberEdge {
			return &model.OrganizationMemberEdge{Cursor: cursor, Node: e.user, Role: e.role}
		}),
		Nodes:      nodesOf(members, func(e memberEdge) *model.User { return e.user }),
		PageInfo:   members.PageInfo,
		TotalCount: int32(total),
	}, nil
}

// organizationsConnection turns a page of a user's memberships into the
// user's organizations connection, loading the organizations in one batch.
func organizationsConnection(ctx context.Context, l *loaders.Loaders, login string, page loaders.Page[readmodel.Membership]) (*model.OrganizationConnection, error) {
	c := buildConnection(page, keepAll[readmodel.Membership])
	logins := make([]string, len(c.Items))
	for i, m := range c.Items {
		logins[i] = m.Org
	}
	orgs, err := l.Organizations(ctx, logins)
	if err != nil {
		return nil, err
	}
	out := connection[*model.Organization]{PageInfo: c.PageInfo}
	for i := range c.Items {
		if o := orgFromRead(orgs[i]); o != nil {
			out.Items = append(out.Items, o)
			out.Cursors = append(out.Cursors, c.Cursors[i])
		}
	}
	total, err := totalOf(out.PageInfo, len(out.Items), func() (int, error) {
		counters, err := l.AccountCounters(ctx, login)
		return counters.OrganizationCount, err
	})
	if err != nil {
		return nil, err
	}
	return &model.OrganizationConnection{
		Edges: edgesOf(out, func(cursor string, o *model.Organization) *model.OrganizationEdge {
			return &model.OrganizationEdge{Cursor: cursor, Node: o}
		}),
		Nodes:      nodesOf(out, identity[*model.Organization]),
		PageInfo:   out.PageInfo,
		TotalCount: int32(total),
	}, nil
}

// memberPayload returns the organization and member of a membership
// mutation from its result's snapshots.
func memberPayload(orgSnap, userSnap entities.Snapshot) (*model.Organization, *model.User, error) {
	o, err := orgFromState(orgSnap)
	if err != nil {
		return nil, nil, err
	}
	u, err := userFromState(userSnap)
	if err != nil {
		return nil, nil, err
	}
	return o, u, nil
}
