package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/table"
)

// primeRootFields reads the keys the root fields of a query name, with
// the signed-in viewer's account, in one BatchGetItem before anything is
// resolved; the resolvers' own loads then hit the loader's cache. The
// batch scheduler (dispatch.go) would batch the root fields' keys too, but
// the viewer's account is only asked for by the first resolver that needs
// to know who is asking, which would cost a level of its own. It reads the
// root fields of the operation (aliases included, variables resolved).
func primeRootFields(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	l := loaders.From(ctx)
	if oc == nil || oc.Operation == nil || l == nil || oc.Operation.Operation != "query" {
		return next(ctx)
	}
	var keys []table.Key
	var owners []string // of repositories looked up: the viewer's memberships decide
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Query"}) {
		args := f.ArgumentMap(oc.Variables)
		str := func(name string) (string, bool) {
			s, ok := args[name].(string)
			return s, ok && s != ""
		}
		switch f.Name {
		case "user", "organization", "repositoryOwner":
			if login, ok := str("login"); ok {
				keys = append(keys, table.AccountKey(login))
			}
		case "repository":
			owner, ok1 := str("owner")
			name, ok2 := str("name")
			if ok1 && ok2 {
				keys = append(keys, table.RepositoryKey(owner, name))
				owners = append(owners, owner)
			}
		case "node":
			if id, ok := str("id"); ok {
				k, owner := nodeKeys(id)
				keys, owners = append(keys, k...), append(owners, owner)
			}
		case "nodes":
			ids, _ := args["ids"].([]any)
			for i, v := range ids {
				if id, ok := v.(string); ok && i < maxNodeIDs {
					k, owner := nodeKeys(id)
					keys, owners = append(keys, k...), append(owners, owner)
				}
			}
		}
	}
	if v, ok := auth.ViewerFrom(ctx); ok && len(keys) > 0 {
		// Reads by a signed-in viewer establish that the viewer is a user
		// (viewerLogin) from its account item: read it in the same batch.
		keys = append(keys, table.AccountKey(v.Login))
		// And the viewer's membership of each repository's owner, whether
		// or not the repository exists or is private: read only when it
		// is, it would cost a second round trip that tells an outsider a
		// private repository is there.
		for _, o := range owners {
			if o != "" && entities.NeedsMembership(v.Login, o) {
				keys = append(keys, table.MembershipKey(o, v.Login))
			}
		}
	}
	if len(keys) > 1 {
		// On failure nothing is cached and the resolvers load (and report)
		// the keys themselves.
		_ = l.PrimeItems(ctx, keys)
	}
	return next(ctx)
}
