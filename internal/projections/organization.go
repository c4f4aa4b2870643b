package projections

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// isOrganization reports whether an account event is an organization's.
func isOrganization(ev Event) bool {
	a, ok := ev.After.(*entities.Account)
	return ok && a != nil && a.Type == entities.AccountOrganization
}

// projectOrganization writes an organization's account read item: the
// user item's shape (projectAccount) with kind ORGANIZATION, plus the
// description. Its memberCount counter is moved by membership events, in
// their own appends, so it is never set here.
func projectOrganization(ev Event) ([]Write, error) {
	ws, err := projectAccount(ev)
	if err != nil {
		return nil, err
	}
	a := ev.After.(*entities.Account)
	w := &ws[0]
	if a.Description == "" {
		w.Remove = append(w.Remove, table.ReadDescription)
	} else {
		w.Set[table.ReadDescription] = sv(a.Description)
	}
	return ws, nil
}

// projectMembership writes a membership's read item (in the
// organization's partition, indexed under the member's account) and moves
// the two counters it is counted in — the organization's memberCount and
// the user's organizationCount — in the same append, so redelivery never
// double-counts.
func projectMembership(ev Event) ([]Write, error) {
	m, ok := ev.After.(*entities.Membership)
	if !ok || m == nil {
		return nil, fmt.Errorf("projections: %s left no membership state", ev.Env.Type)
	}
	key := table.MembershipKey(m.Org, m.Login)
	counters := func(d int64) []Write {
		return []Write{
			{Key: table.AccountKey(m.Org), Add: map[string]int64{table.ReadMemberCount: d}},
			{Key: table.AccountKey(m.Login), Add: map[string]int64{table.ReadOrganizationCount: d}},
		}
	}
	switch ev.Event.(type) {
	case *entities.MemberAdded:
		set := withIndexKeys(membershipAttrs(ev, m), table.MembershipIndexKeys(m.Org, m.Login))
		return append([]Write{{Key: key, Set: set}}, counters(1)...), nil
	case *entities.MemberRoleChanged:
		return []Write{{Key: key, Set: membershipAttrs(ev, m)}}, nil
	case *entities.MemberRemoved:
		return append([]Write{{Key: key, Delete: true}}, counters(-1)...), nil
	}
	return nil, fmt.Errorf("projections: unknown membership event %s", ev.Env.Type)
}

// membershipAttrs are a membership item's attributes after ev.
func membershipAttrs(ev Event, m *entities.Membership) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		table.AttrType:     sv(table.TypeMembership),
		table.AttrVersion:  nv(ev.Env.Version),
		table.ReadOrg:      sv(m.Org),
		table.ReadLogin:    sv(m.Login),
		table.ReadRole:     sv(string(m.Role)),
		table.ReadJoinedAt: tv(m.JoinedAt),
	}
}
