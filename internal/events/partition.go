package events

import (
	"fmt"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// Partition returns the table partition of an aggregate: its ID's
// PartitionKey. The error is a nil ID.
func Partition(id entities.ID) (table.Partition, error) {
	if id == nil {
		return "", fmt.Errorf("events: no partition for a nil aggregate ID")
	}
	return table.Partition(id.PartitionKey()), nil
}

// SubjectKey returns the read item of an issue, pull request or comment:
// the item their comment and reaction counters live on. Other IDs give the
// zero Key.
func SubjectKey(id entities.ID) table.Key {
	switch id := id.(type) {
	case entities.IssueID:
		return table.IssueKey(id.Repository().Owner(), id.Repository().Name(), id.Number())
	case entities.PullRequestID:
		return table.PullRequestKey(id.Repository().Owner(), id.Repository().Name(), id.Number())
	case entities.CommentID:
		return table.CommentKey(id.Repository().Owner(), id.Repository().Name(), id.Number(), id.Local())
	}
	return table.Key{}
}
