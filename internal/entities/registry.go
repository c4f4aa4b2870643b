package entities

import (
	"encoding/json"
	"reflect"
	"sync"
)

// The aggregate registry: each aggregate kind is registered once, in its
// own file, by an Aggregate value — its kind, how its ID parses, its zero
// state and its events' prototypes. Everything that needs a per-kind
// answer (ParseID, DecodeEvent, DecodeState, EventTypes) looks it up here;
// there is no other list of kinds. An ID's partition key is its own
// method (ID.PartitionKey), so storage needs no list either.

// Aggregate registers one aggregate kind.
type Aggregate struct {
	Kind Kind
	// parse rebuilds an ID from its String form s, split on "/" into
	// parts; ok false for a malformed one. It must not panic.
	parse func(parts []string, s string) (ID, bool)
	// emptyParts allows empty parts (only reaction IDs, whose subject part
	// is parsed by the subject's kind).
	emptyParts bool
	// zero returns a zero state to decode a snapshot into.
	zero func() State
	// events are prototypes of the kind's events, one per event type. An
	// event type may be shared by kinds (the same Go type: labels of
	// issues and pull requests). A prototype whose type has a
	// SchemaVersion method is written with that version, else with 1.
	events []Event
	// upcasters turn the data of old versions of the kind's events into
	// the next version (see Upcasters).
	upcasters []Upcaster
}

// Upcaster rewrites the JSON data of version From of an event type into
// version From+1. Events are stored with the version they were written
// with; reading chains upcasters up to the type's SchemaVersion, so the
// log is never rewritten.
type Upcaster struct {
	EventType string
	From      int
	Up        func(json.RawMessage) (json.RawMessage, error)
}

// versioned is an event type with a schema version beyond 1.
type versioned interface{ SchemaVersion() int }

// SchemaVersion returns the schema version events of eventType are
// written with: 1 unless the type declares another.
func SchemaVersion(eventType string) int {
	if v, ok := newEvent(eventType).(versioned); ok {
		return v.SchemaVersion()
	}
	return 1
}

// Upcasters lists every registered upcaster.
func Upcasters() []Upcaster {
	var out []Upcaster
	for _, a := range aggregates() {
		out = append(out, a.upcasters...)
	}
	return out
}

// aggregates lists every registered kind. Adding an aggregate is adding
// its registration here (see docs/architecture.md, "Adding an entity").
func aggregates() []Aggregate {
	return []Aggregate{
		accountAggregate(), membershipAggregate(),
		repositoryAggregate(), starAggregate(),
		issueAggregate(), pullRequestAggregate(), commentAggregate(), reactionAggregate(),
	}
}

// registry indexes aggregates() once; it is never changed afterwards.
type registry struct {
	byKind  map[Kind]Aggregate
	byEvent map[string]reflect.Type
	names   []string
}

var (
	registryOnce  sync.Once
	registryIndex *registry // set once by theRegistry, read-only after
)

// theRegistry returns the index of aggregates(), built on first use. (A
// var initialised by sync.OnceValue would form an initialisation cycle:
// reaction IDs parse their subject through the registry.)
func theRegistry() *registry {
	registryOnce.Do(func() { registryIndex = buildRegistry() })
	return registryIndex
}

// buildRegistry indexes aggregates(); a kind or event type registered
// twice is a programming error, caught by the first test that decodes.
func buildRegistry() *registry {
	r := &registry{byKind: map[Kind]Aggregate{}, byEvent: map[string]reflect.Type{}}
	for _, a := range aggregates() {
		if _, dup := r.byKind[a.Kind]; dup {
			panic("entities: kind " + string(a.Kind) + " registered twice")
		}
		r.byKind[a.Kind] = a
		for _, e := range a.events {
			t := reflect.TypeOf(e).Elem()
			if prev, dup := r.byEvent[e.EventType()]; dup {
				if prev != t {
					panic("entities: event type " + e.EventType() + " registered twice with different types")
				}
				continue
			}
			r.byEvent[e.EventType()] = t
			r.names = append(r.names, e.EventType())
		}
	}
	return r
}

// aggregateOf returns the registration of kind k.
func aggregateOf(k Kind) (Aggregate, bool) {
	a, ok := theRegistry().byKind[k]
	return a, ok
}

// Kinds lists the registered aggregate kinds, in registration order.
func Kinds() []Kind {
	var out []Kind
	for _, a := range aggregates() {
		out = append(out, a.Kind)
	}
	return out
}

// newEvent returns a new zero event of type eventType, or nil.
func newEvent(eventType string) Event {
	t, ok := theRegistry().byEvent[eventType]
	if !ok {
		return nil
	}
	return reflect.New(t).Interface().(Event)
}

// EventTypes lists every event type name.
func EventTypes() []string {
	return append([]string(nil), theRegistry().names...)
}

// newState returns a zero state of kind k, or nil.
func newState(k Kind) State {
	if a, ok := aggregateOf(k); ok && a.zero != nil {
		return a.zero()
	}
	return nil
}
