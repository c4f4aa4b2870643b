package entities

// workEvent returns a zero event of the work area's type t, or nil.
func workEvent(t string) Event {
	switch t {
	}
	return nil
}

// workEventTypes lists the work area's event type names.
func workEventTypes() []string { return nil }

// workState returns a zero state of kind k if the work area owns it.
func workState(k Kind) State {
	switch k {
	}
	return nil
}
