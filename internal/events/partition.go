package events

import (
	"fmt"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// Partition returns the table partition of an aggregate.
func Partition(id entities.ID) (table.Partition, error) {
	switch id := id.(type) {
	case entities.AccountID:
		return table.AccountPartition(id.Login()), nil
	case entities.MembershipID:
		return table.MembershipPartition(id.Org(), id.Login()), nil
	case entities.RepositoryID:
		return table.RepoPartition(id.Owner(), id.Name()), nil
	case entities.IssueID:
		return table.IssuePartition(id.Repo().Owner(), id.Repo().Name(), id.Number()), nil
	case entities.PullRequestID:
		return table.PullRequestPartition(id.Repo().Owner(), id.Repo().Name(), id.Number()), nil
	case entities.CommentID:
		return table.CommentPartition(id.Repo().Owner(), id.Repo().Name(), id.Number(), id.Local()), nil
	case entities.StarID:
		return table.StarPartition(id.Login(), id.Repo().Owner(), id.Repo().Name()), nil
	case entities.ReactionID:
		subject, err := Partition(id.Subject())
		if err != nil {
			return "", err
		}
		return table.ReactionPartition(subject, id.Login(), string(id.Content())), nil
	}
	return "", fmt.Errorf("events: no partition for aggregate %T", id)
}

// SubjectKey returns the read item of an issue, pull request or comment:
// the item their comment and reaction counters live on. Other IDs give the
// zero Key.
func SubjectKey(id entities.ID) table.Key {
	switch id := id.(type) {
	case entities.IssueID:
		return table.IssueKey(id.Repo().Owner(), id.Repo().Name(), id.Number())
	case entities.PullRequestID:
		return table.PullRequestKey(id.Repo().Owner(), id.Repo().Name(), id.Number())
	case entities.CommentID:
		return table.CommentKey(id.Repo().Owner(), id.Repo().Name(), id.Number(), id.Local())
	}
	return table.Key{}
}
