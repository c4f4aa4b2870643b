package live

import (
	"strings"

	"github.com/hubstream/hubstream/internal/entities"
)

// Topic names what a subscription listens to. Events are published to every
// topic they concern (EventTopics); a subscription receives the events of
// any of its topics, once each.
type Topic string

// RepositoryTopic carries every event under repository owner/name: the
// repository's own, its issues', pull requests', comments', stars' and
// reactions', and forks made of it.
func RepositoryTopic(owner, name string) Topic {
	return Topic("repo:" + strings.ToLower(owner) + "/" + strings.ToLower(name))
}

// OwnerTopic carries the events that can change who may read owner's
// private repositories without touching them: owner's memberships (an
// organization's members). Subscriptions under owner listen to it to
// re-check access.
func OwnerTopic(owner string) Topic { return Topic("owner:" + strings.ToLower(owner)) }

// AggregateTopic carries the events of one aggregate.
func AggregateTopic(id entities.ID) Topic {
	return Topic("agg:" + string(id.Kind()) + ":" + id.String())
}

// AllRepositories carries every repository-scoped event (viewerActivity
// filters it per viewer).
const AllRepositories Topic = "repos:*"

// RepositoryOf returns the repository an aggregate belongs to, and false
// for aggregates outside any repository (accounts, memberships).
func RepositoryOf(id entities.ID) (entities.RepositoryID, bool) {
	switch id := id.(type) {
	case entities.RepositoryID:
		return id, true
	case entities.IssueID:
		return id.Repository(), true
	case entities.PullRequestID:
		return id.Repository(), true
	case entities.CommentID:
		return id.Repository(), true
	case entities.StarID:
		return id.Repository(), true
	case entities.ReactionID:
		return RepositoryOf(id.Subject())
	}
	return entities.RepositoryID{}, false
}

// EventTopics returns the topics ev is published to.
func EventTopics(ev *Event) []Topic {
	out := []Topic{AggregateTopic(ev.ID)}
	if m, ok := ev.ID.(entities.MembershipID); ok {
		return append(out, OwnerTopic(m.Org()))
	}
	repo, ok := RepositoryOf(ev.ID)
	if !ok {
		return out
	}
	out = append(out, RepositoryTopic(repo.Owner(), repo.Name()), AllRepositories)
	if f, ok := ev.Data.(*entities.RepositoryForked); ok {
		// The fork is news for its parent's watchers too.
		out = append(out, RepositoryTopic(f.ParentOwner, f.ParentName))
	}
	return out
}
