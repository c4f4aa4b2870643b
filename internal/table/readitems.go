package table

// ReadLife is the attribute holding the life of a repository on its read
// item (readmodel.Repository.Life). The projector's life-aware writes
// (projections.Write.Life) condition on it, so the table layer names it;
// every other read item attribute is defined once, by the struct tags of
// internal/readmodel.
const ReadLife = "life"
