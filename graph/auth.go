package graph

import (
	"context"
	"strings"

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

// requireSelf returns FORBIDDEN with msg unless v is the account login
// (logins compare case-insensitively).
func requireSelf(v auth.Viewer, login, msg string) error {
	if !strings.EqualFold(v.Login, login) {
		return &entities.Error{Code: entities.CodeForbidden, Message: msg}
	}
	return nil
}
