package auth

import (
	"context"
	"strings"
)

// Viewer is the authenticated account behind a request.
type Viewer struct {
	// Login is the token's subject, lower-cased.
	Login string
}

type viewerKey struct{}

// WithViewer returns ctx carrying v.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	v.Login = strings.ToLower(v.Login)
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer of ctx and whether the request is
// authenticated.
func ViewerFrom(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok && v.Login != ""
}
