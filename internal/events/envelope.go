package events

import (
	"encoding/json"
	"time"

	"github.com/hubstream/hubstream/internal/entities"
)

// Envelope is one stored event: the domain event's JSON plus what the
// write side knows about it.
type Envelope struct {
	Kind      entities.Kind   `json:"kind"`
	Aggregate string          `json:"agg"`  // entities.ID.String()
	Type      string          `json:"type"` // entities.Event.EventType()
	Version   int64           `json:"v"`    // 1-based position in the aggregate's log
	At        time.Time       `json:"at"`
	Actor     string          `json:"actor,omitempty"`
	Command   string          `json:"cmd,omitempty"` // id of the command that appended it
	Schema    int             `json:"sv"`            // schema version of Data
	Data      json.RawMessage `json:"data"`
}
