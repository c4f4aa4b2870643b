package entities

// The registry of event and state types, used to decode the log. Each
// aggregate area contributes one lookup function per table below; the
// registry test checks that every listed type name decodes to itself.

// eventLookups returns, per area, a function from an event type name to a
// zero event (nil if the name is not the area's).
func eventLookups() []func(string) Event {
	return []func(string) Event{accountEvent, organizationEvent, repositoryEvent, workEvent}
}

// eventTypeLists returns, per area, the area's event type names.
func eventTypeLists() [][]string {
	return [][]string{accountEventTypes(), organizationEventTypes(), repositoryEventTypes(), workEventTypes()}
}

// stateLookups returns, per area, a function from a kind to a zero state
// (nil if the kind is not the area's).
func stateLookups() []func(Kind) State {
	return []func(Kind) State{accountState, organizationState, repositoryState, workState}
}

func newEvent(eventType string) Event {
	for _, f := range eventLookups() {
		if e := f(eventType); e != nil {
			return e
		}
	}
	return nil
}

// EventTypes lists every event type name.
func EventTypes() []string {
	var out []string
	for _, l := range eventTypeLists() {
		out = append(out, l...)
	}
	return out
}

func newState(k Kind) State {
	for _, f := range stateLookups() {
		if s := f(k); s != nil {
			return s
		}
	}
	return nil
}

func accountEvent(t string) Event {
	switch t {
	case "UserCreated":
		return &UserCreated{}
	case "ProfileUpdated":
		return &ProfileUpdated{}
	}
	return nil
}

func accountEventTypes() []string { return []string{"UserCreated", "ProfileUpdated"} }

func accountState(k Kind) State {
	if k == KindAccount {
		return &Account{}
	}
	return nil
}
