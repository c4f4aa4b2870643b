package projections

import (
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// projectAccount writes the account read item of a user or organization
// from the state after the event: every account event changes only the
// account's own item. Its counters (an organization's memberCount, an
// owner's repository counts, …) are moved by other aggregates' events, in
// their own appends, so they are never set here.
func projectAccount(ev Event, a *entities.Account) ([]Write, error) {
	item := readmodel.Account{
		Header: readmodel.Header{Version: ev.Env.Version},
		Login:  a.Login, Kind: string(a.Type), Name: a.Name, Email: a.Email, Bio: a.Bio, Description: a.Description,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
	w, err := itemWrite(table.AccountKey(a.Login), item, table.AccountIndexKeys(a.Login)...)
	return []Write{w}, err
}
