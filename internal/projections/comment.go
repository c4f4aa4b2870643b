package projections

import (
	"fmt"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/readmodel"
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
func projectComment(ev Event, c *entities.Comment) ([]Write, error) {
	key := table.CommentKey(c.Owner, c.Repository, c.Number, c.LocalID)
	subject := events.SubjectKey(c.SubjectID())
	guard := RepositoryGuard(c.Owner, c.Repository, c.Life)
	count := func(d int64) Write {
		return Write{Key: subject, Add: map[string]int64{readmodel.AttrCommentCount: d}, Guard: guard}
	}
	item := readmodel.Comment{
		Header:          readmodel.Header{Version: ev.Env.Version},
		RepositoryOwner: c.Owner, RepositoryName: c.Repository, Number: c.Number, ID: c.LocalID, Subject: string(c.Subject),
		Body: c.Body, Author: c.Author, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	var delta int64
	switch ev.Event.(type) {
	case *entities.CommentAdded:
		delta = 1
	case *entities.CommentEdited:
	case *entities.CommentDeleted:
		item.Body, item.Author, item.Deleted = "", "", true
		delta = -1
	default:
		return nil, fmt.Errorf("projections: unknown comment event %s", ev.Env.Type)
	}
	w, err := itemWrite(key, item)
	if err != nil {
		return nil, err
	}
	w.Guard = guard
	if delta == 0 {
		return []Write{w}, nil
	}
	return []Write{w, count(delta)}, nil
}
