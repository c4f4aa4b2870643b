package graph

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/readmodel"
)

// nodeID is the opaque global ID of an entity: GitHub-like, stable, and
// carrying nothing a client should parse.
func nodeID(typeName, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typeName + ":" + entities.LowerASCII(key)))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// loadersFrom returns the request's loaders. The HTTP handler always
// installs them; their absence is a wiring bug.
func loadersFrom(ctx context.Context) *loaders.Loaders {
	l := loaders.From(ctx)
	if l == nil {
		panic("graph: no loaders in request context")
	}
	return l
}

func userFromRead(a *readmodel.Account) *model.User {
	if a == nil || a.Kind != string(entities.AccountUser) {
		return nil
	}
	return &model.User{ID: nodeID("User", a.Login), Login: a.Login, Name: optional(a.Name), Email: optional(a.Email), Bio: optional(a.Bio), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// userFromState builds the payload user from the write side's new state,
// so a mutation's response reflects the write without waiting for the
// projection.
func userFromState(s entities.Snapshot) (*model.User, error) {
	a, ok := s.State.(*entities.Account)
	if !ok {
		return nil, fmt.Errorf("graph: no account state for %v", s.ID)
	}
	return &model.User{ID: nodeID("User", a.Login), Login: a.Login, Name: optional(a.Name), Email: optional(a.Email), Bio: optional(a.Bio), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}, nil
}
