package entities

// repositoryEvent returns a zero event of the repository area's type t, or nil.
func repositoryEvent(t string) Event {
	switch t {
	}
	return nil
}

// repositoryEventTypes lists the repository area's event type names.
func repositoryEventTypes() []string { return nil }

// repositoryState returns a zero state of kind k if the repository area owns it.
func repositoryState(k Kind) State {
	switch k {
	}
	return nil
}
