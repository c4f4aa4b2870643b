package graph

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/hubstream/hubstream/internal/entities"
)

// Node IDs (nodeID in convert.go) are base64url("Type:key"), key being
// the entity's aggregate ID text in lower case: opaque to clients, but
// decodable, so mutations that take an ID (editComment, deleteComment,
// addReaction, removeReaction) find the aggregate without a lookup
// table. Comment IDs are lower case by construction, so lower-casing
// keys loses nothing.

// nodeTypes are the GraphQL types whose node IDs name an aggregate by its
// ID (so mutations can take them), with the aggregate kind: the one list
// both directions use.
var nodeTypes = []struct {
	typeName string
	kind     entities.Kind
}{
	{"Issue", entities.KindIssue},
	{"PullRequest", entities.KindPullRequest},
	{"IssueComment", entities.KindComment},
}

// nodeKind returns the aggregate kind of GraphQL type typeName.
func nodeKind(typeName string) (entities.Kind, bool) {
	for _, t := range nodeTypes {
		if t.typeName == typeName {
			return t.kind, true
		}
	}
	return "", false
}

// decodeNodeID splits a node ID into its type name and key.
func decodeNodeID(id string) (typeName, key string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", "", false
	}
	typeName, key, ok = strings.Cut(string(raw), ":")
	return typeName, key, ok && typeName != "" && key != ""
}

// aggregateNodeID is the node ID of aggregate id, "" for a kind without
// a node type.
func aggregateNodeID(id entities.ID) string {
	for _, t := range nodeTypes {
		if t.kind == id.Kind() {
			return nodeID(t.typeName, id.String())
		}
	}
	return ""
}

// issueNodeID is the node ID of issue n of owner/repo.
func issueNodeID(owner, repo string, n int) string {
	return aggregateNodeID(entities.NewIssueID(entities.NewRepositoryID(owner, repo), n))
}

// pullRequestNodeID is the node ID of pull request n of owner/repo.
func pullRequestNodeID(owner, repo string, n int) string {
	return aggregateNodeID(entities.NewPullRequestID(entities.NewRepositoryID(owner, repo), n))
}

// commentNodeID is the node ID of comment id on number n of owner/repo.
func commentNodeID(owner, repo string, n int, id string) string {
	return aggregateNodeID(entities.NewCommentID(entities.NewRepositoryID(owner, repo), n, id))
}

// parseNodeID returns the aggregate a node ID names, if it is one of
// the kinds wanted. Anything else — not an ID, another type, a malformed
// key — is NOT_FOUND, as GitHub answers for a global ID it cannot
// resolve.
func parseNodeID(id string, wanted ...entities.Kind) (entities.ID, error) {
	notFound := entities.NotFound("could not resolve to a node with the global id of %q", clip(id))
	typeName, key, ok := decodeNodeID(id)
	if !ok {
		return nil, notFound
	}
	kind, ok := nodeKind(typeName)
	if !ok {
		return nil, notFound
	}
	allowed := false
	for _, k := range wanted {
		allowed = allowed || k == kind
	}
	if !allowed {
		return nil, notFound
	}
	parsed, err := entities.ParseID(kind, key)
	if err != nil {
		return nil, notFound
	}
	return parsed, nil
}

// clip shortens a client's value for an error message: enough to
// recognise it, never the whole of an oversized input.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
