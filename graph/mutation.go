package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"

	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
)

// execute runs cmd for viewer through the Executor: every mutation goes
// through it. The viewer must be a user account (events.AsUser: an
// organization's login is never a viewer, and a login without an account
// may only create it), which the Executor checks on the write side in the
// same read as the command's heads.
//
// When the mutation's input carries an idempotencyKey (key non-nil), the
// run is idempotent under it (events.Idempotent): a retry with the same
// key by the same viewer within 24 hours returns the first run's Result —
// from which the resolver builds the same payload — and appends nothing,
// as long as the viewer may still see what it shows (NOT_FOUND
// otherwise); the same key with another input is BAD_USER_INPUT. input is
// the mutation's input object: its fingerprint, with the mutation's name,
// tells retries from other requests.
func (r *Resolver) execute(ctx context.Context, viewer auth.Viewer, key *string, input any, cmd entities.Command) (events.Result, error) {
	opts := []events.ExecOption{events.AsUser()}
	if key != nil {
		if err := events.ValidateIdempotencyKey(*key); err != nil {
			return events.Result{}, err
		}
		fp, err := fingerprint(ctx, input)
		if err != nil {
			return events.Result{}, err
		}
		opts = append(opts, events.Idempotent(*key, fp))
	}
	res, err := r.Executor.Execute(ctx, viewer.Login, cmd, opts...)
	if err == nil {
		// The write side just established that the viewer is a user:
		// the payload's reads need not wait for its account's projection.
		markViewerUser(ctx, viewer.Login)
		// The payload is resolved next: it reflects the write once the
		// projection has applied it (bounded; readyourwrites.go).
		awaitOwnWrite(ctx, res)
	}
	return res, err
}

// fingerprint identifies a mutation request: a SHA-256 of the mutation's
// field name and its input as canonical JSON (object keys sorted), without
// the idempotency key itself.
func fingerprint(ctx context.Context, input any) (string, error) {
	raw, err := json.Marshal(input)
	if err != nil {
		return "", err
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return "", err
	}
	delete(fields, "idempotencyKey")
	canonical, err := json.Marshal(fields) // encoding/json sorts map keys
	if err != nil {
		return "", err
	}
	name := ""
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil {
		name = fc.Field.Name
	}
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// mutate is the body of a mutation's resolver: it runs the command cmd
// builds for the signed-in viewer's login (UNAUTHENTICATED without a
// viewer; the command's and execute's errors as they are) and builds the
// payload from the result with out, whose error it returns alone.
func mutate[P any](ctx context.Context, r *Resolver, key *string, input any, cmd func(actor string) entities.Command, out func(events.Result) (P, error)) (P, error) {
	var none P
	viewer, err := requireViewer(ctx)
	if err != nil {
		return none, err
	}
	res, err := r.execute(ctx, viewer, key, input, cmd(viewer.Login))
	if err != nil {
		return none, err
	}
	p, err := out(res)
	if err != nil {
		return none, err
	}
	return p, nil
}
