package graph

import (
	"context"

	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/entities"
)

// requireViewer returns the authenticated viewer of ctx, or an
// UNAUTHENTICATED error for an anonymous request. Every mutation starts
// with it.
func requireViewer(ctx context.Context) (auth.Viewer, error) {
	v, ok := auth.ViewerFrom(ctx)
	if !ok {
		return auth.Viewer{}, &entities.Error{Code: entities.CodeUnauthenticated, Message: "authentication required: send Authorization: Bearer <token>"}
	}
	return v, nil
}

// requireUserViewer returns the viewer's login when it is a user account
// as the read model knows it: UNAUTHENTICATED when anonymous, FORBIDDEN
// otherwise, the codes the write side gives a mutation (events.AsUser).
// It is for mutations that do not run a command.
func requireUserViewer(ctx context.Context) (string, error) {
	v, err := requireViewer(ctx)
	if err != nil {
		return "", err
	}
	login, err := viewerLogin(ctx)
	if err != nil {
		return "", err
	}
	if login == "" {
		return "", entities.Forbidden("%q is not a user account: organizations act through their members, and a new login must createUser first", v.Login)
	}
	return login, nil
}
