package projections

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// projectAccount writes the account read item from the state after the
// event: every account event changes only the account's own item.
func projectAccount(ev Event) ([]Write, error) {
	a, ok := ev.After.(*entities.Account)
	if !ok || a == nil {
		return nil, fmt.Errorf("projections: %s left no account state", ev.Env.Type)
	}
	set := map[string]types.AttributeValue{
		table.AttrType:      sv(table.TypeAccount),
		table.AttrVersion:   nv(ev.Env.Version),
		table.ReadLogin:     sv(a.Login),
		table.ReadKind:      sv(string(a.Type)),
		table.ReadCreatedAt: tv(a.CreatedAt),
		table.ReadUpdatedAt: tv(a.UpdatedAt),
	}
	var remove []string
	optional := []struct{ name, val string }{{table.ReadName, a.Name}, {table.ReadEmail, a.Email}, {table.ReadBio, a.Bio}}
	for _, o := range optional {
		if o.val == "" {
			remove = append(remove, o.name)
		} else {
			set[o.name] = sv(o.val)
		}
	}
	withIndexKeys(set, table.AccountIndexKeys(a.Login))
	return []Write{{Key: table.AccountKey(a.Login), Set: set, Remove: remove}}, nil
}
