package events

import (
	"encoding/json"
	"fmt"

	"github.com/hubstream/hubstream/internal/entities"
)

// SchemaOf is the schema version events of eventType are written with
// (entities.SchemaVersion: 1 unless the type declares another).
func SchemaOf(eventType string) int { return entities.SchemaVersion(eventType) }

// Upcaster rewrites the JSON data of an old schema version of one event
// type into the next version. Upcasters are chained until the type's
// SchemaOf.
type Upcaster func(data json.RawMessage) (json.RawMessage, error)

// Codec turns domain events into envelopes' data and back, upcasting old
// schema versions on the way in. The zero Codec has no upcasters.
type Codec struct {
	// upcasters[type][v] turns version v of type into version v+1.
	upcasters map[string]map[int]Upcaster
}

// NewCodec returns a codec with the upcasters the aggregates registered
// (entities.Upcasters).
func NewCodec() *Codec {
	c := &Codec{upcasters: map[string]map[int]Upcaster{}}
	for _, u := range entities.Upcasters() {
		c.RegisterUpcaster(u.EventType, u.From, u.Up)
	}
	return c
}

// RegisterUpcaster installs the upcaster from schema version from to
// from+1 for eventType. Call it during start-up only.
func (c *Codec) RegisterUpcaster(eventType string, from int, u Upcaster) {
	if c.upcasters[eventType] == nil {
		c.upcasters[eventType] = map[int]Upcaster{}
	}
	c.upcasters[eventType][from] = u
}

// Encode returns the JSON data of e at its type's SchemaOf.
func (c *Codec) Encode(e entities.Event) (json.RawMessage, error) {
	return marshalStored(e)
}

// Decode returns the domain event of an envelope, upcasting its data to
// its type's SchemaOf first. It fails for unknown types, missing upcasters and
// undecodable data: all signs of a corrupt or too-new log.
func (c *Codec) Decode(env Envelope) (entities.Event, error) {
	data := env.Data
	current := SchemaOf(env.Type)
	for v := env.Schema; v < current; v++ {
		u := c.upcasters[env.Type][v]
		if u == nil {
			return nil, fmt.Errorf("events: no upcaster for %s schema %d", env.Type, v)
		}
		var err error
		if data, err = u(data); err != nil {
			return nil, fmt.Errorf("events: upcasting %s from schema %d: %w", env.Type, v, err)
		}
	}
	if env.Schema > current {
		return nil, fmt.Errorf("events: %s has schema %d, newer than this build's %d", env.Type, env.Schema, current)
	}
	return entities.DecodeEvent(env.Type, data)
}
