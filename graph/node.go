package graph

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/table"
)

// Relay object identification: node(id:) and nodes(ids:) resolve every
// type implementing Node from its global ID, under the same visibility
// rules as every other path to it. Anything that does not resolve — an ID
// that is not one of ours, of a deleted or never created object, of an
// earlier life of a repository name, or under a private repository the
// viewer may not see — is null, alike, so that the answer reveals nothing.

// maxNodeIDs bounds nodes(ids:), as a connection's page.
const maxNodeIDs = loaders.MaxPageSize

// resolveNode is node(id:). Only read failures are errors.
func resolveNode(ctx context.Context, id string) (model.Node, error) {
	typeName, key, ok := decodeNodeID(id)
	if !ok {
		return nil, nil
	}
	l := loadersFrom(ctx)
	switch typeName {
	case "User", "Organization":
		if entities.ValidateLogin("id", key) != nil {
			return nil, nil
		}
		a, err := l.Account(ctx, key)
		if err != nil || a == nil {
			return nil, err
		}
		if typeName == "User" {
			if u := userFromRead(a); u != nil {
				return u, nil
			}
			return nil, nil
		}
		if o := orgFromRead(a); o != nil {
			return o, nil
		}
		return nil, nil
	case "Repository":
		return repositoryNode(ctx, key)
	case "Label":
		return labelNode(ctx, id)
	}
	kind, ok := nodeKind(typeName)
	if !ok {
		return nil, nil
	}
	eid, err := parseNodeID(id, kind)
	if err != nil {
		return nil, nil // not one of ours: null, as for a missing one
	}
	var repo entities.RepositoryID
	var n int
	switch eid := eid.(type) {
	case entities.IssueID:
		repo, n = eid.Repository(), eid.Number()
	case entities.PullRequestID:
		repo, n = eid.Repository(), eid.Number()
	case entities.CommentID:
		repo, n = eid.Repository(), eid.Number()
	default:
		return nil, nil
	}
	if r, err := visibleRepository(ctx, repo.Owner(), repo.Name()); err != nil || r == nil {
		return nil, err
	}
	switch eid := eid.(type) {
	case entities.IssueID:
		i, err := l.Issue(ctx, repo.Owner(), repo.Name(), n)
		if err != nil || i == nil {
			return nil, err
		}
		return issueFromRead(i), nil
	case entities.PullRequestID:
		p, err := l.PullRequest(ctx, repo.Owner(), repo.Name(), n)
		if err != nil || p == nil {
			return nil, err
		}
		return pullRequestFromRead(p), nil
	case entities.CommentID:
		c, err := l.Comment(ctx, repo.Owner(), repo.Name(), n, eid.Local())
		if err != nil || c == nil {
			return nil, err
		}
		return commentFromRead(c), nil
	}
	return nil, nil
}

// repositoryNode resolves a repository's node key, "owner/name/life": the
// repository of that name in that life, if the viewer may see it.
func repositoryNode(ctx context.Context, key string) (model.Node, error) {
	parts := strings.Split(key, "/")
	if len(parts) != 3 || entities.ValidateLogin("id", parts[0]) != nil {
		return nil, nil
	}
	life, err := strconv.Atoi(parts[2])
	if err != nil || life < 1 {
		return nil, nil
	}
	if entities.ValidateRepositoryName("id", parts[1]) != nil {
		return nil, nil
	}
	r, err := visibleRepository(ctx, parts[0], parts[1])
	if err != nil || r == nil || r.Life != life {
		return nil, err
	}
	return repositoryFromRead(r), nil
}

// labelNode resolves a label's node ID, "owner/repo/id": the label with
// that ID in that repository, if the viewer may see the repository.
func labelNode(ctx context.Context, id string) (model.Node, error) {
	repo, labelID, ok := labelNodeTarget(id)
	if !ok {
		return nil, nil
	}
	if r, err := visibleRepository(ctx, repo.Owner(), repo.Name()); err != nil || r == nil {
		return nil, err
	}
	labels, err := loadersFrom(ctx).LabelsByID(ctx, repo.Owner(), repo.Name(), []string{labelID})
	if err != nil || len(labels) == 0 || labels[0] == nil {
		return nil, err
	}
	return labelFromRead(labels[0]), nil
}

// labelNodeTarget returns the repository and label ID a label's node ID
// names, ok false when it is not one a valid repository could hold.
func labelNodeTarget(id string) (entities.RepositoryID, string, bool) {
	repo, labelID, err := parseLabelNodeID(id)
	if err != nil || entities.ValidateLogin("id", repo.Owner()) != nil || entities.ValidateRepositoryName("id", repo.Name()) != nil {
		return entities.RepositoryID{}, "", false
	}
	return repo, labelID, true
}

// resolveNodes is nodes(ids:): each ID resolved as node(id:) does,
// concurrently, so that the loaders batch their reads. More than
// maxNodeIDs IDs is BAD_USER_INPUT.
func resolveNodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > maxNodeIDs {
		return nil, entities.BadInput("ids", "at most %d IDs (got %d)", maxNodeIDs, len(ids))
	}
	out := make([]model.Node, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = resolveNode(ctx, id)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// nodeKeys returns the read items resolving node ID id reads — the
// account, or the repository and the item under it — and the owner of
// that repository ("" for an account or an ID that is not ours), so that
// primeRootFields reads them all in one batch.
func nodeKeys(id string) ([]table.Key, string) {
	typeName, key, ok := decodeNodeID(id)
	if !ok {
		return nil, ""
	}
	switch typeName {
	case "User", "Organization":
		if entities.ValidateLogin("id", key) != nil {
			return nil, ""
		}
		return []table.Key{table.AccountKey(key)}, ""
	case "Repository":
		parts := strings.Split(key, "/")
		if len(parts) != 3 || entities.ValidateLogin("id", parts[0]) != nil || entities.ValidateRepositoryName("id", parts[1]) != nil {
			return nil, ""
		}
		return []table.Key{table.RepositoryKey(parts[0], parts[1])}, parts[0]
	case "Label":
		repo, labelID, ok := labelNodeTarget(id)
		if !ok {
			return nil, ""
		}
		return []table.Key{table.RepositoryKey(repo.Owner(), repo.Name()), table.LabelKey(repo.Owner(), repo.Name(), labelID)}, repo.Owner()
	}
	kind, ok := nodeKind(typeName)
	if !ok {
		return nil, ""
	}
	eid, err := parseNodeID(id, kind)
	if err != nil {
		return nil, ""
	}
	var repo entities.RepositoryID
	var item table.Key
	switch eid := eid.(type) {
	case entities.IssueID:
		repo = eid.Repository()
		item = table.IssueKey(repo.Owner(), repo.Name(), eid.Number())
	case entities.PullRequestID:
		repo = eid.Repository()
		item = table.PullRequestKey(repo.Owner(), repo.Name(), eid.Number())
	case entities.CommentID:
		repo = eid.Repository()
		item = table.CommentKey(repo.Owner(), repo.Name(), eid.Number(), eid.Local())
	default:
		return nil, ""
	}
	return []table.Key{table.RepositoryKey(repo.Owner(), repo.Name()), item}, repo.Owner()
}
