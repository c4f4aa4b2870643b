package entities

import (
	"encoding/json"
	"fmt"
	"time"
)

// Kind names an aggregate type.
type Kind string

// The aggregate kinds.
const (
	KindAccount Kind = "ACCOUNT"
)

// ID identifies one aggregate instance. Implementations are comparable
// structs, so IDs can be map keys.
type ID interface {
	Kind() Kind
	String() string
	// PartitionKey is the aggregate's partition in the table: its events,
	// its head and (for most kinds) its own read item live under it.
	PartitionKey() string
}

// Event is something that happened to one aggregate. Each event type has a
// stable name (EventType) and a JSON form that is its schema; renaming or
// retyping a field needs an upcaster in internal/events.
type Event interface {
	EventType() string
	// evolve folds the event into the state of its aggregate (nil when the
	// aggregate does not exist yet) and returns the new state.
	evolve(s State, at time.Time) (State, error)
}

// State is an aggregate's state, folded from its events.
type State interface {
	Kind() Kind
}

// Snapshot is what the write side knows of one aggregate: its version (the
// number of events), its state (nil if it does not exist) and its
// write-side sequence counter (used to number a repository's issues).
type Snapshot struct {
	ID      ID
	Version int64
	Seq     int64
	State   State
}

// Exists reports whether the aggregate has been created.
func (s Snapshot) Exists() bool { return s.State != nil }

// Evolve returns the state after applying e at time at. It is pure; it
// fails only when e does not fit s (an event for another kind of
// aggregate, or a creation event for an existing one), which means a
// corrupt event log.
func Evolve(s State, e Event, at time.Time) (State, error) {
	return e.evolve(s, at)
}

// Input is everything a command's Decide may look at.
type Input struct {
	Now   time.Time
	Actor string
	// Snapshots holds the current snapshot of every aggregate the command
	// named in Targets (with Version 0 and nil State for missing ones).
	Snapshots map[ID]Snapshot
}

// Snapshot returns the snapshot of id, or an empty one.
func (in Input) Snapshot(id ID) Snapshot {
	if s, ok := in.Snapshots[id]; ok {
		return s
	}
	return Snapshot{ID: id}
}

// Change is a command's effect on one aggregate: events to append and,
// optionally, a new sequence counter. A Change with no events and no new
// Seq asserts that the aggregate is unchanged since it was loaded (a
// condition check on its head).
type Change struct {
	ID     ID
	Events []Event
	// NewSeq, when non-zero, replaces the head's sequence counter; the write
	// is conditioned on the counter still being the loaded one.
	NewSeq int64
	// VersionOnly makes a condition check (no events, no NewSeq) assert
	// the version alone: the aggregate's events are unchanged, while its
	// sequence counter may move (a repository's issues numbered
	// concurrently do not conflict with a comment guarded on it).
	VersionOnly bool
}

// Command is a request to change one or more aggregates.
type Command interface {
	// Validate checks the command's own fields — shapes and lengths of
	// names, logins, numbers and texts — without any state, and returns a
	// BAD_USER_INPUT *Error naming the offending field. The Executor calls
	// it before it loads anything, so no malformed or oversized input ever
	// becomes a key or a read.
	Validate() error
	// Targets names the aggregates whose snapshots Decide needs, primary
	// first.
	Targets() []ID
	// Decide returns the changes the command makes, or a domain *Error. It
	// is pure: same input, same output.
	Decide(in Input) ([]Change, error)
}

// DecodeEvent decodes the JSON data of an event of the given type.
func DecodeEvent(eventType string, data []byte) (Event, error) {
	e := newEvent(eventType)
	if e == nil {
		return nil, fmt.Errorf("entities: unknown event type %q", eventType)
	}
	if err := json.Unmarshal(data, e); err != nil {
		return nil, fmt.Errorf("entities: decoding %s: %w", eventType, err)
	}
	return e, nil
}

// DecodeState decodes a JSON state snapshot of an aggregate of kind k.
func DecodeState(k Kind, data []byte) (State, error) {
	s := newState(k)
	if s == nil {
		return nil, fmt.Errorf("entities: unknown aggregate kind %q", k)
	}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("entities: decoding %s state: %w", k, err)
	}
	return s, nil
}

// errWrongState reports an event that does not fit the state it is applied
// to.
func errWrongState(e Event, s State) error {
	return fmt.Errorf("entities: event %s cannot apply to state %T", e.EventType(), s)
}

// evolveState is the evolve of an event that changes an existing
// aggregate: it returns a copy of s, which must be a non-nil P that fits
// allows (nil: every state fits), with change applied to the copy; any
// other state is errWrongState. The copy is shallow, so change must clone
// a slice before it changes it in place.
func evolveState[S any, P interface {
	*S
	State
}](e Event, s State, fits func(P) bool, change func(P)) (State, error) {
	cur, ok := s.(P)
	if !ok || cur == nil || (fits != nil && !fits(cur)) {
		return nil, errWrongState(e, s)
	}
	next := P(new(S))
	*next = *cur
	change(next)
	return next, nil
}

// patch sets *field to *v when v is set: the optional fields of an
// update event, where nil means unchanged.
func patch[T any](field *T, v *T) {
	if v != nil {
		*field = *v
	}
}
