package projections

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// Write is one change to one read item. Writes of one append to the same
// key are merged before they are applied, so projections may emit them
// freely.
type Write struct {
	Key table.Key
	// Set assigns attributes (creating the item if needed).
	Set map[string]types.AttributeValue
	// Remove deletes attributes.
	Remove []string
	// Add adds to number attributes (counters), starting from 0.
	Add map[string]int64
	// Delete removes the whole item; it wins over every other write to the
	// same key in the append.
	Delete bool
	// Guard, when set, names an item (a tombstone) whose existence cancels
	// this write, and only this write: the applier drops it and applies the
	// rest of the append. Relation projections guard their writes with the
	// tombstone of the repository life they belong to, so nothing of a
	// deleted repository is written after its purge (see apply.go, "Deletes:
	// purges, tombstones and guards").
	Guard *table.Key
	// Life, when > 0, makes the write life-aware: Key is an item that the
	// successive lives of a repository share (its read item), and the
	// write belongs to life Life. The applier applies it only to an item
	// of that life, or to one with no life yet (a counter-only item, which
	// it stamps with Life); it drops it when the item belongs to a later
	// life, and deletes an item of an earlier life first (see apply.go,
	// "Repository lives"). Every write to such an item must carry its life.
	Life int
	// Purge, when set, makes this write a purge step instead of an item
	// write (Key and the other fields are ignored): the applier deletes what
	// the spec names before it commits the event (see purge.go).
	Purge *PurgeSpec
}

// Event is one event as a projection sees it: the envelope, the decoded
// domain event, and the aggregate's state before and after it.
type Event struct {
	Env    events.Envelope
	Event  entities.Event
	Before entities.State
	After  entities.State
}

// projection turns one event of an aggregate kind into read-item writes.
type projection func(Event) ([]Write, error)

// ofState adapts a projection of the aggregate state *S that every event
// of its kind leaves (none ends the aggregate) to a projection: the state
// is asserted here once rather than at the top of each projection, and
// what names the aggregate in the error of a wiring mistake.
func ofState[S any](what string, p func(Event, *S) ([]Write, error)) projection {
	return func(ev Event) ([]Write, error) {
		s, err := stateAfter[S](ev, what)
		if err != nil {
			return nil, err
		}
		return p(ev, s)
	}
}

// projections registers each aggregate kind's projection once; a kind
// without one (TestEveryKindIsProjected) is an error.
var projections = sync.OnceValue(func() map[entities.Kind]projection {
	return map[entities.Kind]projection{
		entities.KindAccount:     ofState("account", projectAccount),
		entities.KindMembership:  ofState("membership", projectMembership),
		entities.KindRepository:  withLabels(projectRepository),
		entities.KindStar:        projectStar,
		entities.KindIssue:       withLabelLinks(ofState("issue", projectIssue)),
		entities.KindPullRequest: withLabelLinks(ofState("pull request", projectPullRequest)),
		entities.KindComment:     ofState("comment", projectComment),
		entities.KindReaction:    ofState("reaction", projectReaction),
	}
})

// Projects reports whether kind has a projection.
func Projects(kind entities.Kind) bool {
	_, ok := projections()[kind]
	return ok
}

// Project returns the read-item writes of one event. It is pure; an error
// means the event cannot be projected (a poison event).
func Project(ev Event) ([]Write, error) {
	p, ok := projections()[ev.Env.Kind]
	if !ok {
		return nil, fmt.Errorf("projections: no projection for aggregate kind %q", ev.Env.Kind)
	}
	return p(ev)
}

// Attribute value helpers for projections.

func sv(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func nv(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func bv(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }

// formatTime renders times in read items: UTC, fixed width, so that they
// sort as text.
func formatTime(t time.Time) string { return table.FormatTime(t) }

// itemWrite is the write of v as the whole read item at key, with the GSI
// keys idx: its optional attributes that are empty are removed, so an item
// never keeps what an earlier version had; its counters are left alone.
func itemWrite(key table.Key, v readmodel.Entity, idx ...table.IndexKey) (Write, error) {
	set, remove, err := readmodel.Encode(v)
	if err != nil {
		return Write{}, fmt.Errorf("projections: %w", err)
	}
	for _, k := range idx {
		for n, v := range k.Attrs() {
			set[n] = v
		}
	}
	return Write{Key: key, Set: set, Remove: remove}, nil
}

// stateAfter is the state of type *S the event left. A projection is
// registered for its aggregate's events only, so an error here is a
// wiring mistake; what names the aggregate in it.
func stateAfter[S any](ev Event, what string) (*S, error) {
	s, ok := any(ev.After).(*S)
	if !ok || s == nil {
		return nil, fmt.Errorf("projections: %s left no %s state", ev.Env.Type, what)
	}
	return s, nil
}

// stateBefore is the state of type *S the event found, for the events
// that end an aggregate (its After is nil); what names the aggregate in
// the error.
func stateBefore[S any](ev Event, what string) (*S, error) {
	s, ok := any(ev.Before).(*S)
	if !ok || s == nil {
		return nil, fmt.Errorf("projections: %s of a missing %s", ev.Env.Type, what)
	}
	return s, nil
}
