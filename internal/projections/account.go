package projections

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// Read-item attributes of accounts.
const (
	AttrLogin     = "login"
	AttrKind      = "kind"
	AttrName      = "name"
	AttrEmail     = "email"
	AttrBio       = "bio"
	AttrCreatedAt = "createdAt"
	AttrUpdatedAt = "updatedAt"
)

// projectAccount writes the account read item from the state after the
// event: every account event changes only the account's own item.
func projectAccount(ev Event) ([]Write, error) {
	a, ok := ev.After.(*entities.Account)
	if !ok || a == nil {
		return nil, fmt.Errorf("projections: %s left no account state", ev.Env.Type)
	}
	set := map[string]types.AttributeValue{
		table.AttrType:    sv(table.TypeAccount),
		table.AttrVersion: nv(ev.Env.Version),
		AttrLogin:         sv(a.Login),
		AttrKind:          sv(string(a.Type)),
		AttrCreatedAt:     tv(a.CreatedAt),
		AttrUpdatedAt:     tv(a.UpdatedAt),
	}
	var remove []string
	for name, val := range map[string]string{AttrName: a.Name, AttrEmail: a.Email, AttrBio: a.Bio} {
		if val == "" {
			remove = append(remove, name)
		} else {
			set[name] = sv(val)
		}
	}
	withIndexKeys(set, table.AccountIndexKeys(a.Login))
	return []Write{{Key: table.AccountKey(a.Login), Set: set, Remove: remove}}, nil
}
