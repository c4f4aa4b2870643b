package entities

// newEvent returns a pointer to a zero event of the given type name, or nil
// for an unknown type. Every event type must be listed here (and in
// EventTypes); the registry test checks both lists agree.
func newEvent(eventType string) Event {
	switch eventType {
	case "UserCreated":
		return &UserCreated{}
	case "ProfileUpdated":
		return &ProfileUpdated{}
	}
	return nil
}

// EventTypes lists every event type name.
func EventTypes() []string {
	return []string{"UserCreated", "ProfileUpdated"}
}

// newState returns a pointer to a zero state of kind k, or nil.
func newState(k Kind) State {
	switch k {
	case KindAccount:
		return &Account{}
	}
	return nil
}
