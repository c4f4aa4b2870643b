package events

import (
	"encoding/json"
	"fmt"

	"github.com/hubstream/hubstream/internal/entities"
)

// CurrentSchema is the schema version new events are written with.
const CurrentSchema = 1

// Upcaster rewrites the JSON data of an old schema version of one event
// type into the next version. Upcasters are chained until CurrentSchema.
type Upcaster func(data json.RawMessage) (json.RawMessage, error)

// Codec turns domain events into envelopes' data and back, upcasting old
// schema versions on the way in. The zero Codec has no upcasters.
type Codec struct {
	// upcasters[type][v] turns version v of type into version v+1.
	upcasters map[string]map[int]Upcaster
}

// NewCodec returns a codec with no upcasters.
func NewCodec() *Codec { return &Codec{upcasters: map[string]map[int]Upcaster{}} }

// RegisterUpcaster installs the upcaster from schema version from to
// from+1 for eventType. Call it during start-up only.
func (c *Codec) RegisterUpcaster(eventType string, from int, u Upcaster) {
	if c.upcasters[eventType] == nil {
		c.upcasters[eventType] = map[int]Upcaster{}
	}
	c.upcasters[eventType][from] = u
}

// Encode returns the JSON data of e at CurrentSchema.
func (c *Codec) Encode(e entities.Event) (json.RawMessage, error) {
	return marshalStored(e)
}

// Decode returns the domain event of an envelope, upcasting its data to
// CurrentSchema first. It fails for unknown types, missing upcasters and
// undecodable data: all signs of a corrupt or too-new log.
func (c *Codec) Decode(env Envelope) (entities.Event, error) {
	data := env.Data
	for v := env.Schema; v < CurrentSchema; v++ {
		u := c.upcasters[env.Type][v]
		if u == nil {
			return nil, fmt.Errorf("events: no upcaster for %s schema %d", env.Type, v)
		}
		var err error
		if data, err = u(data); err != nil {
			return nil, fmt.Errorf("events: upcasting %s from schema %d: %w", env.Type, v, err)
		}
	}
	if env.Schema > CurrentSchema {
		return nil, fmt.Errorf("events: %s has schema %d, newer than this build's %d", env.Type, env.Schema, CurrentSchema)
	}
	return entities.DecodeEvent(env.Type, data)
}
