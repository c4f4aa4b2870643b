package projections

import (
	"fmt"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// projectMembership writes a membership's read item (in the
// organization's partition, indexed under the member's account) and moves
// the two counters it is counted in — the organization's memberCount and
// the user's organizationCount — in the same append, so redelivery never
// double-counts.
func projectMembership(ev Event, m *entities.Membership) ([]Write, error) {
	key := table.MembershipKey(m.Org, m.Login)
	counters := func(d int64) []Write {
		return []Write{
			{Key: table.AccountKey(m.Org), Add: map[string]int64{readmodel.AttrMemberCount: d}},
			{Key: table.AccountKey(m.Login), Add: map[string]int64{readmodel.AttrOrganizationCount: d}},
		}
	}
	item := readmodel.Membership{
		Header: readmodel.Header{Version: ev.Env.Version},
		Org:    m.Org, Login: m.Login, Role: string(m.Role), JoinedAt: m.JoinedAt,
	}
	switch ev.Event.(type) {
	case *entities.MemberAdded:
		w, err := itemWrite(key, item, table.MembershipIndexKeys(m.Org, m.Login)...)
		return append([]Write{w}, counters(1)...), err
	case *entities.MemberRoleChanged:
		w, err := itemWrite(key, item)
		return []Write{w}, err
	case *entities.MemberRemoved:
		return append([]Write{{Key: key, Delete: true}}, counters(-1)...), nil
	}
	return nil, fmt.Errorf("projections: unknown membership event %s", ev.Env.Type)
}
