package entities

// repositoryEvent returns a zero event of the repository area's type t, or nil.
func repositoryEvent(t string) Event {
	switch t {
	case "RepositoryCreated":
		return &RepositoryCreated{}
	case "RepositoryForked":
		return &RepositoryForked{}
	case "RepositoryUpdated":
		return &RepositoryUpdated{}
	case "RepositoryDeleted":
		return &RepositoryDeleted{}
	case "Starred":
		return &Starred{}
	case "Unstarred":
		return &Unstarred{}
	}
	return nil
}

// repositoryEventTypes lists the repository area's event type names.
func repositoryEventTypes() []string {
	return []string{"RepositoryCreated", "RepositoryForked", "RepositoryUpdated", "RepositoryDeleted", "Starred", "Unstarred"}
}

// repositoryState returns a zero state of kind k if the repository area owns it.
func repositoryState(k Kind) State {
	switch k {
	case KindRepository:
		return &Repository{}
	case KindStar:
		return &Star{}
	}
	return nil
}
