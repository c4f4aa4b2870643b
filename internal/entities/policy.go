package entities

// The access policy: the one place that says who may see and change
// what. Commands apply it in Decide to the snapshots they loaded (the
// helpers at the end of this file); the read side (graph, loaders) applies
// the same functions to the read model, through the viewer's Relation to
// an account. Nothing else decides visibility or authority.
//
// The rules (DESIGN.md §7):
//
//   - Users, organizations and memberships are public.
//   - A public repository and everything under it (issues, pull requests,
//     comments, reactions, stars, forks, history, counters) is visible to
//     everyone, anonymous clients included.
//   - A private repository and everything under it exists only for its
//     owner (a user) or the members (any role) of its owning
//     organization. To everyone else every path behaves as if it did not
//     exist: queries return null or leave it out of connections (counts
//     included), mutations answer NOT_FOUND, never FORBIDDEN, so a private
//     name does not leak.
//   - Every mutation needs a signed-in actor (UNAUTHENTICATED) who is a
//     user account (FORBIDDEN otherwise): an organization's login never
//     acts, and a login without an account may only create it
//     (CheckActor).
//   - A stored result of a command (an idempotent retry's answer) is
//     given again only while the actor may still see what it shows
//     (CheckReplay).
//   - Repository administration — creating repositories for an owner,
//     updating, deleting, changing visibility, merging pull requests — is
//     for the owner or an ADMIN of the owning organization.
//   - Issues and pull requests are edited, closed and reopened by their
//     author or a repository administrator; comments are edited and
//     deleted by their author or a repository administrator.
//   - Anyone who can see a repository may open issues and pull requests,
//     comment, react, star and fork it.
//   - Organization ADMINs manage the organization and its members; any
//     member may leave.
//   - A user edits only their own profile (and creates only their own
//     account).

// Relation is what an actor is to an account that owns repositories.
// Relations are ordered: each includes the rights of the ones before it.
type Relation int

// The relations.
const (
	// RelationNone: anonymous, or not related to the account.
	RelationNone Relation = iota
	// RelationMember: a MEMBER of the owning organization.
	RelationMember
	// RelationAdmin: an ADMIN of the owning organization.
	RelationAdmin
	// RelationOwner: the owning user itself.
	RelationOwner
)

// String names the relation.
func (r Relation) String() string {
	switch r {
	case RelationMember:
		return "member"
	case RelationAdmin:
		return "admin"
	case RelationOwner:
		return "owner"
	}
	return "none"
}

// RelationOf returns actor's relation to the account called owner, given
// role, actor's role in an active membership of owner ("" when there is
// none, which is always the case for user owners). Logins compare
// case-insensitively; an empty actor is anonymous.
func RelationOf(actor, owner string, role MemberRole) Relation {
	switch {
	case actor == "":
		return RelationNone
	case EqualFoldASCII(actor, owner):
		return RelationOwner
	case role == RoleAdmin:
		return RelationAdmin
	case role == RoleMember:
		return RelationMember
	}
	return RelationNone
}

// NeedsMembership reports whether actor's relation to owner depends on a
// membership (actor is signed in and is not owner itself): only then does
// the read side have to load one.
func NeedsMembership(actor, owner string) bool {
	return actor != "" && !EqualFoldASCII(actor, owner)
}

// CanSeeRepository reports whether an actor with relation rel to a
// repository's owner may see it and everything under it.
func CanSeeRepository(isPrivate bool, rel Relation) bool {
	return !isPrivate || rel >= RelationMember
}

// CanAdministerRepository reports whether an actor with relation rel to
// an owner may create repositories for it and update (visibility
// included), delete and merge pull requests in its repositories, and
// moderate their issues, pull requests and comments.
func CanAdministerRepository(rel Relation) bool {
	return rel >= RelationAdmin
}

// CanMergePullRequest reports whether an actor with relation rel to the
// repository's owner may merge its pull requests: repository
// administrators only.
func CanMergePullRequest(rel Relation) bool { return CanAdministerRepository(rel) }

// CanModifyWork reports whether actor may edit, close or reopen an issue
// or pull request, or edit or delete a comment, written by author in a
// repository whose owner actor has relation rel to: its author or a
// repository administrator. asAdmin tells whether that took administrator
// rights (so the decision relied on them).
func CanModifyWork(actor, author string, rel Relation) (ok, asAdmin bool) {
	if actor != "" && EqualFoldASCII(actor, author) {
		return true, false
	}
	admin := CanAdministerRepository(rel)
	return admin, admin
}

// CanManageOrganization reports whether a member with role (its active
// membership's; "" for none) may change the organization and its
// memberships.
func CanManageOrganization(role MemberRole) bool { return role == RoleAdmin }

// CanRemoveMember reports whether actor, with role in the organization,
// may remove login from it: admins remove anyone, members leave.
func CanRemoveMember(actor, login string, role MemberRole) bool {
	return CanManageOrganization(role) || (actor != "" && EqualFoldASCII(actor, login))
}

// CanEditAccount reports whether actor may create or change the user
// account login: only the user themself.
func CanEditAccount(actor, login string) bool {
	return actor != "" && EqualFoldASCII(actor, login)
}

// RequireActor returns UNAUTHENTICATED unless there is a signed-in actor.
func RequireActor(actor string) error {
	if actor == "" {
		return &Error{Code: CodeUnauthenticated, Message: "you must be signed in"}
	}
	return nil
}

// The actor of a command.
//
// A token names a login; only a user account is an actor. An
// organization's login never is — organizations act through their
// members — so a token for one is refused whatever an identity provider
// put in it. A login without an account may create its own user account
// and nothing else.

// accountCreator is implemented by the commands a signed-in login without
// an account may run (CreateUser).
type accountCreator interface{ createsActorAccount() }

func (CreateUser) createsActorAccount() {}

// ActorTargets returns the aggregates to load for running cmd as actor
// under CheckActor: the command's own targets and the actor's account,
// each once.
func ActorTargets(cmd Command, actor string) []ID {
	ids := cmd.Targets()
	if actor != "" {
		ids = append(ids, NewAccountID(actor))
	}
	return uniqueIDs(ids)
}

// CheckActor applies the actor rule to a command about to run, with the
// snapshots of ActorTargets(cmd, actor) in in: UNAUTHENTICATED without an actor, and
// FORBIDDEN — one code, whatever the command — when the actor is an
// organization, or has no account and the command is not the creation of
// its own user account.
func CheckActor(cmd Command, in Input) error {
	if err := RequireActor(in.Actor); err != nil {
		return err
	}
	a, _ := in.Snapshot(NewAccountID(in.Actor)).State.(*Account)
	switch {
	case a != nil && a.Type != AccountUser:
		return Forbidden("%q is an organization: organizations act through their members, sign in as a user", a.Login)
	case a == nil:
		if _, ok := cmd.(accountCreator); !ok {
			return Forbidden("there is no user account for %q yet: create it with createUser first", LowerASCII(in.Actor))
		}
	}
	return nil
}

// Replays.
//
// A command's stored result (an idempotent retry's answer) shows the
// aggregates as they were then, and the caller resolves more from there
// (a repository's issues, its history). It is handed out again only while
// the actor may still see every repository it shows, in the same life:
// otherwise a key used while a repository was public, or while the actor
// was a member, would keep showing it after it went private, the member
// left, or the name was reused by another repository.

// CheckReplay returns NOT_FOUND — the answer the command would get if it
// ran now — unless the actor of in may see every repository that the
// stored snapshots belong to, alive in the life they show. in holds the
// current snapshots of the command's targets, which include every
// repository a command's result can show; a repository missing from in
// is refused (fail closed). A repository the command itself deleted shows
// nothing but its ID and is not checked.
func CheckReplay(stored map[ID]Snapshot, in Input) error {
	lives := map[RepositoryID]int{}
	for id, snap := range stored {
		repo, ok := repositoryOf(id)
		if !ok {
			continue
		}
		if r, ok := snap.State.(*Repository); ok && r != nil {
			if r.Deleted {
				continue
			}
			lives[repo] = r.Life
		} else if _, seen := lives[repo]; !seen {
			lives[repo] = 0 // any life: the work item's own repository snapshot, when stored, decides
		}
	}
	for repo, life := range lives {
		if _, ok := in.Snapshots[repo]; !ok {
			return Hidden("repository %s not found", repo)
		}
		a, err := accessRepository(in, repo)
		if err != nil {
			return err
		}
		if life != 0 && a.repo.Life != life {
			return Hidden("repository %s not found", repo)
		}
	}
	return nil
}

// repositoryOf returns the repository an aggregate belongs to: itself,
// or the repository of an issue, pull request, comment, star or reaction.
func repositoryOf(id ID) (RepositoryID, bool) {
	switch id := id.(type) {
	case RepositoryID:
		return id, true
	case StarID:
		return id.Repository(), true
	case ReactionID:
		return SubjectRepository(id.Subject())
	}
	return SubjectRepository(id)
}

// Hidden is the error for something that does not exist for the actor:
// missing, deleted and invisible alike.
func Hidden(format string, args ...any) *Error { return NotFound(format, args...) }

// The policy applied to a command's input.

// signedIn returns UNAUTHENTICATED when the command has no actor. The
// commands carry their actor because Targets (which has no Input) must
// name the actor's memberships; an actor different from the executing one
// would check authority against the wrong membership, so it is refused as
// the wiring bug it is.
func signedIn(in Input, actor string) error {
	if err := RequireActor(in.Actor); err != nil {
		return err
	}
	if actor != "" && !EqualFoldASCII(actor, in.Actor) {
		return &Error{Code: CodeInternal, Message: "internal error: the command's actor is not the executing actor"}
	}
	return nil
}

// activeMembership returns login's active membership of the organization
// called org, or nil (also for users, who have no members).
func activeMembership(in Input, org, login string) *Membership {
	if login == "" {
		return nil
	}
	m, ok := in.Snapshot(NewMembershipID(org, login)).State.(*Membership)
	if !ok || !m.Active() {
		return nil
	}
	return m
}

// roleIn returns login's role in an active membership of org, "" for none.
func roleIn(in Input, org, login string) MemberRole {
	if m := activeMembership(in, org, login); m != nil {
		return m.Role
	}
	return ""
}

// relationIn returns the actor's relation to owner and the membership it
// came from (nil for the owner itself and for no relation). Commands that
// rely on the relation assert that membership unchanged when they write
// (membershipChecks), so a member removed or an admin demoted concurrently
// cannot act on stale rights.
func relationIn(in Input, owner string) (Relation, *MembershipID) {
	if !NeedsMembership(in.Actor, owner) {
		return RelationOf(in.Actor, owner, ""), nil
	}
	rel := RelationOf(in.Actor, owner, roleIn(in, owner, in.Actor))
	if rel == RelationNone {
		return rel, nil
	}
	id := NewMembershipID(owner, in.Actor)
	return rel, &id
}

// canAdminister reports whether the actor may administer the repositories
// owned by owner (CanAdministerRepository), with the membership the
// decision relied on (nil when none).
func canAdminister(in Input, owner string) (bool, *MembershipID) {
	rel, via := relationIn(in, owner)
	if !CanAdministerRepository(rel) {
		return false, nil
	}
	return true, via
}

// repositoryAccess is the actor's standing toward one live repository, as the
// policy decided it from the command's input.
type repositoryAccess struct {
	id   RepositoryID
	repo *Repository
	rel  Relation
	via  *MembershipID // the membership rel came from
}

// seenVia is the membership that made a private repository visible (nil
// for public repositories and for the owner).
func (a repositoryAccess) seenVia() *MembershipID {
	if a.repo.IsPrivate {
		return a.via
	}
	return nil
}

// adminVia is the membership that made the actor an administrator (nil
// when the actor is the owner or not an administrator).
func (a repositoryAccess) adminVia() *MembershipID {
	if CanAdministerRepository(a.rel) {
		return a.via
	}
	return nil
}

// accessRepository returns the live repository id with the actor's
// standing toward it, or NOT_FOUND — for missing, deleted and invisible
// repositories alike, so private names do not leak.
func accessRepository(in Input, id RepositoryID) (repositoryAccess, error) {
	r, ok := LiveRepository(in.Snapshot(id))
	if !ok {
		return repositoryAccess{}, Hidden("repository %s not found", id)
	}
	rel, via := relationIn(in, r.Owner)
	if !CanSeeRepository(r.IsPrivate, rel) {
		return repositoryAccess{}, Hidden("repository %s not found", id)
	}
	return repositoryAccess{id: id, repo: r, rel: rel, via: via}, nil
}

// visibleRepository returns the live repository id if the actor may see
// it, else NOT_FOUND, with the membership visibility relied on.
func visibleRepository(in Input, id RepositoryID) (*Repository, *MembershipID, error) {
	a, err := accessRepository(in, id)
	if err != nil {
		return nil, nil, err
	}
	return a.repo, a.seenVia(), nil
}

// membershipChecks returns condition-check changes asserting that the
// memberships a decision relied on are unchanged when it is written, so an
// admin demoted (or a member removed) concurrently cannot act on stale
// authority. Memberships the command changes itself are skipped.
func membershipChecks(ms ...*MembershipID) []Change {
	var out []Change
	seen := map[MembershipID]bool{}
	for _, m := range ms {
		if m != nil && !seen[*m] {
			seen[*m] = true
			out = append(out, Change{ID: *m})
		}
	}
	return out
}
