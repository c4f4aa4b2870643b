package table

// Attribute names of read items, shared by the projections that write them
// and the loaders that read them.
const (
	ReadLogin     = "login"
	ReadKind      = "kind"
	ReadName      = "name"
	ReadEmail     = "email"
	ReadBio       = "bio"
	ReadCreatedAt = "createdAt"
	ReadUpdatedAt = "updatedAt"
)
