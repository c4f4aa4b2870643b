package projections

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// projectComment writes a comment's read item (in its repository's
// partition, after the comments of the same number that are older) and
// moves the commentCount of the issue or pull request it is on in the same
// append. Writes are guarded by the tombstone of the repository life the
// comment belongs to.
//
// A deleted comment's item is kept, marked deleted and stripped of body
// and author, rather than deleted: reactions given before the delete may
// be projected after it (they are other aggregates), and their counters
// must land on an item that stays, or replaying the log in another order
// would leave counter residue where live projection left none. Loaders
// treat the marked item as absent.
func projectComment(ev Event) ([]Write, error) {
	c, ok := ev.After.(*entities.Comment)
	if !ok || c == nil {
		return nil, fmt.Errorf("projections: %s left no comment state", ev.Env.Type)
	}
	key := table.CommentKey(c.Owner, c.Repo, c.Number, c.LocalID)
	subject := events.SubjectKey(c.SubjectID())
	guard := RepoGuard(c.Owner, c.Repo, c.Life)
	count := func(d int64) Write {
		return Write{Key: subject, Add: map[string]int64{table.ReadCommentCount: d}, Guard: guard}
	}
	switch ev.Event.(type) {
	case *entities.CommentAdded:
		return []Write{{Key: key, Set: commentAttrs(ev, c), Guard: guard}, count(1)}, nil
	case *entities.CommentEdited:
		return []Write{{Key: key, Set: commentAttrs(ev, c), Guard: guard}}, nil
	case *entities.CommentDeleted:
		set := commentAttrs(ev, c)
		delete(set, table.ReadBody)
		delete(set, table.ReadAuthor)
		set[table.ReadDeleted] = bv(true)
		return []Write{{Key: key, Set: set, Remove: []string{table.ReadBody, table.ReadAuthor}, Guard: guard}, count(-1)}, nil
	}
	return nil, fmt.Errorf("projections: unknown comment event %s", ev.Env.Type)
}

// commentAttrs are a comment item's attributes after ev.
func commentAttrs(ev Event, c *entities.Comment) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		table.AttrType:        sv(table.TypeComment),
		table.AttrVersion:     nv(ev.Env.Version),
		table.ReadRepoOwner:   sv(c.Owner),
		table.ReadRepoName:    sv(c.Repo),
		table.ReadNumber:      nv(int64(c.Number)),
		table.ReadCommentID:   sv(c.LocalID),
		table.ReadSubjectKind: sv(string(c.Subject)),
		table.ReadBody:        sv(c.Body),
		table.ReadAuthor:      sv(c.Author),
		table.ReadCreatedAt:   tv(c.CreatedAt),
		table.ReadUpdatedAt:   tv(c.UpdatedAt),
	}
}
