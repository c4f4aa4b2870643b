package projections

import (
	"fmt"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// projectReaction writes or deletes a reaction's read item (next to its
// subject's item) and moves the subject's per-content counter in the same
// append, guarded by the tombstone of the repository life the subject
// belongs to. The reaction's subject, user and content come from its
// aggregate ID.
func projectReaction(ev Event, r *entities.Reaction) ([]Write, error) {
	parsed, err := entities.ParseID(entities.KindReaction, ev.Env.Aggregate)
	if err != nil {
		return nil, fmt.Errorf("projections: %w", err)
	}
	id := parsed.(entities.ReactionID)
	subject := events.SubjectKey(id.Subject())
	if subject == (table.Key{}) {
		return nil, fmt.Errorf("projections: reaction on unsupported subject %v", id.Subject())
	}
	content := string(id.Content())
	key := table.ReactionKey(subject, content, id.Login())
	repo, _ := entities.SubjectRepository(id.Subject())
	guard := RepositoryGuard(repo.Owner(), repo.Name(), r.Life)
	count := func(d int64) Write {
		return Write{Key: subject, Add: map[string]int64{readmodel.AttrReactionCount(content): d}, Guard: guard}
	}
	switch ev.Event.(type) {
	case *entities.ReactionAdded:
		w, err := itemWrite(key, readmodel.Reaction{
			Header:  readmodel.Header{Version: ev.Env.Version},
			Content: content, Login: id.Login(), CreatedAt: r.UpdatedAt,
		})
		w.Guard = guard
		return []Write{w, count(1)}, err
	case *entities.ReactionRemoved:
		return []Write{{Key: key, Delete: true, Guard: guard}, count(-1)}, nil
	}
	return nil, fmt.Errorf("projections: unknown reaction event %s", ev.Env.Type)
}
