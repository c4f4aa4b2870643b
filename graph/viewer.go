package graph

import (
	"context"
	"sync"

	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/entities"
)

// The viewer of a read. A token names a login, but only a user account is
// a viewer: an organization's login never is (its token would otherwise
// be the owner of the organization's private repositories), and a login
// without an account is no one yet. Every read that depends on who is
// asking — private repositories, viewerHasStarred, viewerHasReacted, the
// lists filtered per viewer — takes the viewer from viewerLogin, which
// establishes this once per request from the account's read item (one
// key, primed with the root fields' keys). Mutations establish it on the
// write side instead (events.AsUser), before anything is decided.

// viewerState is the request's resolved viewer.
type viewerState struct {
	mu       sync.Mutex
	resolved bool
	login    string // "" when the request has no user viewer
}

type viewerStateKey struct{}

// withViewerState returns ctx with a fresh, unresolved viewer state.
func withViewerState(ctx context.Context) context.Context {
	return context.WithValue(ctx, viewerStateKey{}, &viewerState{})
}

func viewerStateFrom(ctx context.Context) *viewerState {
	st, _ := ctx.Value(viewerStateKey{}).(*viewerState)
	return st
}

// viewerLogin returns the login of the request's viewer when it is a user
// account, "" when the request is anonymous or its token names an
// organization or a login without an account. The first call reads the
// account (later ones share its answer); a read error is returned and not
// remembered.
func viewerLogin(ctx context.Context) (string, error) {
	v, ok := auth.ViewerFrom(ctx)
	if !ok {
		return "", nil
	}
	st := viewerStateFrom(ctx)
	if st == nil {
		// Outside NewHandler's requests nobody established the viewer:
		// fail closed, as anonymous.
		return "", nil
	}
	st.mu.Lock()
	resolved, login := st.resolved, st.login
	st.mu.Unlock()
	if resolved {
		return login, nil
	}
	// Not under the lock: concurrent first callers share the one load
	// through the loader's cache, each waiting as a loader's waiter, which
	// the batch scheduler counts (a caller blocked on this lock instead
	// would hold its level's batch until the loaders' window).
	a, err := loadersFrom(ctx).Account(ctx, v.Login)
	if err != nil {
		return "", err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.resolved {
		if a != nil && a.Kind == string(entities.AccountUser) {
			st.login = v.Login
		}
		st.resolved = true
	}
	return st.login, nil
}

// markViewerUser records that the write side found login to be a user
// account (a mutation ran as it), so that the mutation's payload reads as
// that user even before the account's read item is projected.
func markViewerUser(ctx context.Context, login string) {
	if st := viewerStateFrom(ctx); st != nil {
		st.mu.Lock()
		st.resolved, st.login = true, entities.LowerASCII(login)
		st.mu.Unlock()
	}
}
