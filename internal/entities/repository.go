package entities

import (
	"strings"
	"time"
)

// Repositories and forks.
//
// A repository is an aggregate (RepositoryID, state *Repository) owned by a
// user or an organization. Only the owning user, or an ADMIN of the owning
// organization, may create, change or delete it; private repositories are
// invisible (NOT_FOUND, so their names do not leak) to everyone but the
// owner and the organization's members.
//
// Deleting a repository keeps the aggregate (its history stays in the log)
// with Deleted set; every command then treats it as missing. GitHub lets
// the name be reused: RepositoryCreated (or RepositoryForked) on a deleted
// repository starts a new life. Lives are numbered (Life), because
// everything that hangs off a repository from other aggregates — stars,
// fork links, issues — must not leak from one life into the next: such
// aggregates record the life they belong to, and the read model keeps a
// tombstone per deleted life (see internal/projector). Issue and pull
// request numbers continue across lives (the head's sequence counter is
// never reset, because the old numbers' aggregates still exist); numbers up
// to NumberBase belong to earlier lives.

// Repository limits, as GitHub's.
const (
	MaxRepositoryNameLen        = 100
	MaxRepositoryDescriptionLen = 350
)

// Repository is the state of a repository.
type Repository struct {
	Owner       string `json:"owner"` // the owner's login as the owner created it
	Name        string `json:"name"`  // as typed at creation
	Description string `json:"description,omitempty"`
	IsPrivate   bool   `json:"isPrivate,omitempty"`
	// ParentOwner and ParentName name the repository this one was forked
	// from ("" when it is not a fork); ParentLife is the parent's life at
	// the time, so a re-created parent is not mistaken for the original.
	ParentOwner string    `json:"parentOwner,omitempty"`
	ParentName  string    `json:"parentName,omitempty"`
	ParentLife  int       `json:"parentLife,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	Deleted     bool      `json:"deleted,omitempty"`
	// Life is 1 for a repository's first creation and grows by one each
	// time the name is reused after a delete.
	Life int `json:"life"`
	// NumberBase is the issue/pull-request counter when this life began:
	// numbers up to it belong to earlier lives.
	NumberBase int64 `json:"numberBase,omitempty"`
	// Labels are the repository's labels (label.go).
	Labels []Label `json:"labels,omitempty"`
}

// Kind returns KindRepository.
func (*Repository) Kind() Kind { return KindRepository }

// IsFork reports whether the repository was created as a fork.
func (r *Repository) IsFork() bool { return r.ParentOwner != "" }

// HasNumber reports whether issue or pull request number n belongs to the
// repository's current life (numbers of earlier lives are not found).
func (r *Repository) HasNumber(n int) bool { return int64(n) > r.NumberBase }

// LiveRepository returns the repository in s unless it is missing or
// deleted.
func LiveRepository(s Snapshot) (*Repository, bool) {
	r, ok := s.State.(*Repository)
	if !ok || r == nil || r.Deleted {
		return nil, false
	}
	return r, true
}

// nextLife returns the life of a repository (re-)created on top of s: 1
// for a new aggregate, the deleted life plus one for a deleted one, and
// false when s is a live repository (or not a repository at all).
func nextLife(s State) (int, bool) {
	if s == nil {
		return 1, true
	}
	r, ok := s.(*Repository)
	if !ok || r == nil || !r.Deleted {
		return 0, false
	}
	return r.Life + 1, true
}

// RepositoryCreated records a new repository, or a new life of a deleted
// one.
type RepositoryCreated struct {
	Owner       string `json:"owner"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	IsPrivate   bool   `json:"isPrivate,omitempty"`
	NumberBase  int64  `json:"numberBase,omitempty"`
}

// EventType returns "RepositoryCreated".
func (*RepositoryCreated) EventType() string { return "RepositoryCreated" }

func (e *RepositoryCreated) evolve(s State, at time.Time) (State, error) {
	life, ok := nextLife(s)
	if !ok {
		return nil, errWrongState(e, s)
	}
	return &Repository{Owner: e.Owner, Name: e.Name, Description: e.Description, IsPrivate: e.IsPrivate, CreatedAt: at, UpdatedAt: at, Life: life, NumberBase: e.NumberBase}, nil
}

// RepositoryForked records a new repository (or a new life of a deleted
// one) created as a fork of a parent repository. It is appended to the new
// repository; the parent learns of its fork through the projection.
type RepositoryForked struct {
	Owner       string `json:"owner"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	IsPrivate   bool   `json:"isPrivate,omitempty"`
	ParentOwner string `json:"parentOwner"`
	ParentName  string `json:"parentName"`
	ParentLife  int    `json:"parentLife"`
	NumberBase  int64  `json:"numberBase,omitempty"`
}

// EventType returns "RepositoryForked".
func (*RepositoryForked) EventType() string { return "RepositoryForked" }

func (e *RepositoryForked) evolve(s State, at time.Time) (State, error) {
	life, ok := nextLife(s)
	if !ok {
		return nil, errWrongState(e, s)
	}
	return &Repository{
		Owner: e.Owner, Name: e.Name, Description: e.Description, IsPrivate: e.IsPrivate,
		ParentOwner: e.ParentOwner, ParentName: e.ParentName, ParentLife: e.ParentLife,
		CreatedAt: at, UpdatedAt: at, Life: life, NumberBase: e.NumberBase,
	}, nil
}

// RepositoryUpdated records changed repository fields; nil fields are
// unchanged.
type RepositoryUpdated struct {
	Description *string `json:"description,omitempty"`
	IsPrivate   *bool   `json:"isPrivate,omitempty"`
}

// EventType returns "RepositoryUpdated".
func (*RepositoryUpdated) EventType() string { return "RepositoryUpdated" }

func (e *RepositoryUpdated) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, (*Repository).live, func(next *Repository) {
		patch(&next.Description, e.Description)
		patch(&next.IsPrivate, e.IsPrivate)
		next.UpdatedAt = at
	})
}

// RepositoryDeleted records that a repository was deleted. LastNumber is
// the issue/pull-request counter at the time: the numbers of the deleted
// life are (NumberBase, LastNumber], which bounds what the read model must
// purge.
type RepositoryDeleted struct {
	LastNumber int64 `json:"lastNumber,omitempty"`
}

// EventType returns "RepositoryDeleted".
func (*RepositoryDeleted) EventType() string { return "RepositoryDeleted" }

func (e *RepositoryDeleted) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, (*Repository).live, func(next *Repository) { next.Deleted, next.UpdatedAt = true, at })
}

// live is the condition of the events on an existing repository: it is
// not deleted.
func (r *Repository) live() bool { return !r.Deleted }

// ValidateRepositoryName checks GitHub's repository name rule: 1–100
// letters, digits, '-', '_' and '.', and not "." or "..".
func ValidateRepositoryName(field, name string) error {
	if name == "" {
		return BadInput(field, "name must not be empty")
	}
	if len(name) > MaxRepositoryNameLen {
		return BadInput(field, "name must be at most %d characters", MaxRepositoryNameLen)
	}
	if name == "." || name == ".." {
		return BadInput(field, "name must not be %q", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return BadInput(field, "name may contain only letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}

// repositoryTargets names a repository, its owner's account and the
// actor's membership of the owner (for organization owners).
func repositoryTargets(id RepositoryID, actor string) []ID {
	ids := []ID{id, NewAccountID(id.Owner())}
	if actor != "" && !EqualFoldASCII(actor, id.Owner()) {
		ids = append(ids, NewMembershipID(id.Owner(), actor))
	}
	return ids
}

// uniqueIDs drops repeated IDs, keeping the first.
func uniqueIDs(ids []ID) []ID {
	seen := make(map[ID]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// CreateRepository creates a repository owned by a user or an
// organization.
type CreateRepository struct {
	Owner       string
	Name        string
	Description string
	IsPrivate   bool
	// Actor is the viewer's login; it must be the executing actor.
	Actor string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c CreateRepository) Validate() error {
	if err := validateRepositoryRef("owner", "name", c.Owner, c.Name); err != nil {
		return err
	}
	if err := ValidateNewRepositoryName("name", c.Name); err != nil {
		return err
	}
	return validateText("description", c.Description, RepositoryDescriptionLimit)
}

// ValidateNewRepositoryName checks the name of a repository being
// created: ValidateRepositoryName, and not ending in ".git" in any case
// (".git" itself included) — as GitHub refuses: clone URLs append ".git",
// so "x.git" would be cloned as "x.git.git" or mistaken for "x", and
// ".git" is the name of a repository's own metadata directory. Existing
// names are still looked up with ValidateRepositoryName.
func ValidateNewRepositoryName(field, name string) error {
	if err := ValidateRepositoryName(field, name); err != nil {
		return err
	}
	if strings.HasSuffix(LowerASCII(name), ".git") {
		return BadInput(field, "name must not end in .git (clone URLs add it)")
	}
	return nil
}

// validateRepositoryRef checks an owner login and a repository name given
// in the input fields ownerField and nameField.
func validateRepositoryRef(ownerField, nameField, owner, name string) error {
	if err := ValidateLogin(ownerField, owner); err != nil {
		return err
	}
	return ValidateRepositoryName(nameField, name)
}

// Targets names the repository, its owner and the actor's membership of
// the owner.
func (c CreateRepository) Targets() []ID {
	return repositoryTargets(NewRepositoryID(c.Owner, c.Name), c.Actor)
}

// Decide returns RepositoryCreated; UNAUTHENTICATED without an actor,
// BAD_USER_INPUT for invalid fields, NOT_FOUND for a missing owner,
// FORBIDDEN unless the actor is the owner or an admin of the owning
// organization, ALREADY_EXISTS when the owner has a live repository of
// that name (in any case). A deleted repository's name may be reused.
func (c CreateRepository) Decide(in Input) ([]Change, error) {
	if err := signedIn(in, c.Actor); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	owner, ok := in.Snapshot(NewAccountID(c.Owner)).State.(*Account)
	if !ok || owner == nil {
		return nil, NotFound("account %q not found", c.Owner)
	}
	allowed, m := canAdminister(in, c.Owner)
	if !allowed {
		return nil, Forbidden("you cannot create repositories for %q", owner.Login)
	}
	id := NewRepositoryID(c.Owner, c.Name)
	snap := in.Snapshot(id)
	if _, live := LiveRepository(snap); live {
		return nil, AlreadyExists("repository %s/%s already exists", owner.Login, c.Name)
	}
	if snap.Exists() {
		if _, ok := nextLife(snap.State); !ok {
			return nil, &Error{Code: CodeInternal, Message: "internal error: unexpected repository state"}
		}
	}
	ev := &RepositoryCreated{Owner: owner.Login, Name: c.Name, Description: c.Description, IsPrivate: c.IsPrivate, NumberBase: snap.Seq}
	return append([]Change{{ID: id, Events: []Event{ev}}}, membershipChecks(m)...), nil
}

// UpdateRepository changes a repository's description or visibility; nil
// fields stay as they are.
type UpdateRepository struct {
	Owner       string
	Name        string
	Description *string
	IsPrivate   *bool
	Actor       string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c UpdateRepository) Validate() error {
	if err := validateRepositoryRef("owner", "name", c.Owner, c.Name); err != nil {
		return err
	}
	if c.Description != nil {
		return validateText("description", *c.Description, RepositoryDescriptionLimit)
	}
	return nil
}

// Targets names the repository, its owner and the actor's membership of
// the owner.
func (c UpdateRepository) Targets() []ID {
	return repositoryTargets(NewRepositoryID(c.Owner, c.Name), c.Actor)
}

// Decide returns RepositoryUpdated with the fields that change (nothing if
// none do); UNAUTHENTICATED, BAD_USER_INPUT, NOT_FOUND for a missing,
// deleted or invisible repository, FORBIDDEN unless the actor is the owner
// or an organization admin. As on GitHub, a fork's visibility cannot be
// changed (BAD_USER_INPUT on isPrivate).
func (c UpdateRepository) Decide(in Input) ([]Change, error) {
	id := NewRepositoryID(c.Owner, c.Name)
	r, checks, err := administerRepository(in, c.Actor, c.Validate, id, "change")
	if err != nil {
		return nil, err
	}
	ev := &RepositoryUpdated{}
	changed := false
	if c.Description != nil && *c.Description != r.Description {
		ev.Description, changed = c.Description, true
	}
	if c.IsPrivate != nil && *c.IsPrivate != r.IsPrivate {
		if r.IsFork() {
			return nil, BadInput("isPrivate", "the visibility of a fork cannot be changed")
		}
		ev.IsPrivate, changed = c.IsPrivate, true
	}
	if !changed {
		return nil, nil
	}
	return append([]Change{{ID: id, Events: []Event{ev}}}, checks...), nil
}

// administerRepository is how the commands that only the repository's
// owner or an organization admin may run start: it checks the actor, the
// command's fields (validate), that repository id is visible, and that
// the actor may administer it (FORBIDDEN, naming verb, the action
// refused), in that order. It returns the repository and the membership
// checks the decision relies on.
func administerRepository(in Input, actor string, validate func() error, id RepositoryID, verb string) (*Repository, []Change, error) {
	if err := signedIn(in, actor); err != nil {
		return nil, nil, err
	}
	if err := validate(); err != nil {
		return nil, nil, err
	}
	r, seen, err := visibleRepository(in, id)
	if err != nil {
		return nil, nil, err
	}
	allowed, admin := canAdminister(in, r.Owner)
	if !allowed {
		return nil, nil, Forbidden("only the owner or an organization admin can %s %s/%s", verb, r.Owner, r.Name)
	}
	return r, membershipChecks(seen, admin), nil
}

// DeleteRepository deletes a repository: it and everything under it
// disappear from every query; its history stays in the log.
type DeleteRepository struct {
	Owner string
	Name  string
	Actor string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c DeleteRepository) Validate() error {
	return validateRepositoryRef("owner", "name", c.Owner, c.Name)
}

// Targets names the repository, its owner and the actor's membership of
// the owner.
func (c DeleteRepository) Targets() []ID {
	return repositoryTargets(NewRepositoryID(c.Owner, c.Name), c.Actor)
}

// Decide returns RepositoryDeleted; UNAUTHENTICATED, BAD_USER_INPUT,
// NOT_FOUND for a missing, already deleted or invisible repository,
// FORBIDDEN unless the actor is the owner or an organization admin.
func (c DeleteRepository) Decide(in Input) ([]Change, error) {
	id := NewRepositoryID(c.Owner, c.Name)
	_, checks, err := administerRepository(in, c.Actor, c.Validate, id, "delete")
	if err != nil {
		return nil, err
	}
	ev := &RepositoryDeleted{LastNumber: in.Snapshot(id).Seq}
	return append([]Change{{ID: id, Events: []Event{ev}}}, checks...), nil
}

// ForkRepository forks a repository into NewOwner's account (the actor's
// own by default), under the same name.
type ForkRepository struct {
	Owner    string
	Name     string
	NewOwner string // "" means the actor
	Actor    string
}

// newOwner returns the login the fork will belong to.
func (c ForkRepository) newOwner() string {
	if c.NewOwner == "" {
		return c.Actor
	}
	return c.NewOwner
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c ForkRepository) Validate() error {
	if err := validateRepositoryRef("owner", "name", c.Owner, c.Name); err != nil {
		return err
	}
	if c.NewOwner != "" {
		return ValidateLogin("newOwner", c.NewOwner)
	}
	return nil
}

// Targets names the source, the fork, the new owner and the actor's
// memberships of both owners.
func (c ForkRepository) Targets() []ID {
	src := NewRepositoryID(c.Owner, c.Name)
	ids := []ID{src, NewRepositoryID(c.newOwner(), c.Name), NewAccountID(c.newOwner())}
	if c.Actor != "" {
		ids = append(ids, NewMembershipID(c.Owner, c.Actor), NewMembershipID(c.newOwner(), c.Actor))
	}
	return uniqueIDs(ids)
}

// Decide returns RepositoryForked on the new repository and asserts the
// source unchanged (a concurrent delete or visibility change retries the
// fork); UNAUTHENTICATED, BAD_USER_INPUT, NOT_FOUND for a missing, deleted
// or invisible source or a missing new owner, FORBIDDEN unless the actor
// is the new owner or an admin of it, ALREADY_EXISTS when the new owner
// already has a repository of that name (including the source itself).
func (c ForkRepository) Decide(in Input) ([]Change, error) {
	if err := signedIn(in, c.Actor); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	newOwnerLogin := c.NewOwner
	if newOwnerLogin == "" {
		newOwnerLogin = in.Actor
	}
	srcID := NewRepositoryID(c.Owner, c.Name)
	src, seen, err := visibleRepository(in, srcID)
	if err != nil {
		return nil, err
	}
	owner, ok := in.Snapshot(NewAccountID(newOwnerLogin)).State.(*Account)
	if !ok || owner == nil {
		return nil, NotFound("account %q not found", newOwnerLogin)
	}
	allowed, admin := canAdminister(in, newOwnerLogin)
	if !allowed {
		return nil, Forbidden("you cannot create repositories for %q", owner.Login)
	}
	forkID := NewRepositoryID(newOwnerLogin, src.Name)
	snap := in.Snapshot(forkID)
	if _, live := LiveRepository(snap); live {
		return nil, AlreadyExists("repository %s/%s already exists", owner.Login, src.Name)
	}
	ev := &RepositoryForked{
		Owner: owner.Login, Name: src.Name, Description: src.Description, IsPrivate: src.IsPrivate,
		ParentOwner: src.Owner, ParentName: src.Name, ParentLife: src.Life, NumberBase: snap.Seq,
	}
	changes := []Change{{ID: forkID, Events: []Event{ev}}, {ID: srcID}}
	return append(changes, membershipChecks(seen, admin)...), nil
}
