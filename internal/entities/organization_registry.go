package entities

// organizationEvent returns a zero event of the organization area's type t, or nil.
func organizationEvent(t string) Event {
	switch t {
	}
	return nil
}

// organizationEventTypes lists the organization area's event type names.
func organizationEventTypes() []string { return nil }

// organizationState returns a zero state of kind k if the organization area owns it.
func organizationState(k Kind) State {
	switch k {
	}
	return nil
}
