package loaders

import (
	"context"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// Account loads a user or organization by login (case-insensitive); nil if
// there is none.
func (l *Loaders) Account(ctx context.Context, login string) (*readmodel.Account, error) {
	return loadEntity[readmodel.Account](ctx, l, table.AccountKey(entities.LowerASCII(login)))
}

// AccountsByLogin loads users or organizations by login in one batch,
// aligned with logins; an entry is nil where there is no such account.
func (l *Loaders) AccountsByLogin(ctx context.Context, logins []string) ([]*readmodel.Account, error) {
	keys := make([]table.Key, len(logins))
	for i, login := range logins {
		keys[i] = table.AccountKey(entities.LowerASCII(login))
	}
	return loadEntities[readmodel.Account](ctx, l, keys)
}

// AccountCounters reads the counters of login's account item (exact even
// before the item itself is projected).
func (l *Loaders) AccountCounters(ctx context.Context, login string) (readmodel.AccountCounters, error) {
	return loadCounters[readmodel.AccountCounters](ctx, l, table.AccountKey(entities.LowerASCII(login)))
}
