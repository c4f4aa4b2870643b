package entities

import (
	"time"
)

// Organizations and memberships.
//
// An organization is an account (KindAccount, Type ORGANIZATION): it shares
// the login namespace with users. Each user's membership of an
// organization is its own aggregate (MembershipID, state *Membership), so
// that adding or removing one member never contends with another.
//
// The one rule that spans memberships — an organization always keeps at
// least one ADMIN — is enforced by keeping the number of admins on the
// organization (Account.Admins). Every command that changes the number of
// admins appends OrganizationAdminsChanged to the organization in the same
// transaction as the membership event, so two concurrent removals of the
// last two admins conflict on the organization's head and the retried one
// sees a single admin and is refused. Commands that do not change the
// number of admins leave the organization alone (adding a MEMBER does not
// serialize with other additions).
//
// Authority is checked against the actor's own membership, which every
// management command loads; when the command does not change that
// membership it asserts it unchanged (a condition check in the
// transaction), so an admin demoted concurrently cannot act on stale
// authority.

// MaxOrgDescriptionLen is the longest organization description, GitHub's
// limit.
const MaxOrgDescriptionLen = 160

// MemberRole is a member's role in an organization.
type MemberRole string

// The member roles.
const (
	RoleAdmin  MemberRole = "ADMIN"
	RoleMember MemberRole = "MEMBER"
)

// Valid reports whether r is ADMIN or MEMBER.
func (r MemberRole) Valid() bool { return r == RoleAdmin || r == RoleMember }

// Membership is the state of a user's membership of an organization. A
// removed member keeps the aggregate (its history) with Removed set; a
// later MemberAdded revives it.
type Membership struct {
	Org      string     `json:"org"`   // the organization's login as created
	Login    string     `json:"login"` // the member's login as created
	Role     MemberRole `json:"role"`
	Removed  bool       `json:"removed,omitempty"`
	JoinedAt time.Time  `json:"joinedAt"`
}

// Kind returns KindMembership.
func (*Membership) Kind() Kind { return KindMembership }

// Active reports whether m is a current membership; nil-safe, so callers
// can ask of a membership that never existed.
func (m *Membership) Active() bool { return m != nil && !m.Removed }

// OrganizationCreated records a new organization; its creator is its first
// admin (the creator's MemberAdded is appended in the same command).
type OrganizationCreated struct {
	Login       string `json:"login"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Creator     string `json:"creator"`
}

// EventType returns "OrganizationCreated".
func (*OrganizationCreated) EventType() string { return "OrganizationCreated" }

func (e *OrganizationCreated) evolve(s State, at time.Time) (State, error) {
	if s != nil {
		return nil, errWrongState(e, s)
	}
	return &Account{Login: e.Login, Type: AccountOrganization, Name: e.Name, Description: e.Description, Admins: 1, CreatedAt: at, UpdatedAt: at}, nil
}

// OrganizationUpdated records changed organization profile fields; nil
// fields are unchanged.
type OrganizationUpdated struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// EventType returns "OrganizationUpdated".
func (*OrganizationUpdated) EventType() string { return "OrganizationUpdated" }

func (e *OrganizationUpdated) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, (*Account).isOrganization, func(next *Account) {
		patch(&next.Name, e.Name)
		patch(&next.Description, e.Description)
		next.UpdatedAt = at
	})
}

// OrganizationAdminsChanged records the organization's new number of
// admins, after a membership change in the same command. It is
// bookkeeping for the last-admin rule, so it does not touch UpdatedAt.
type OrganizationAdminsChanged struct {
	Admins int `json:"admins"`
}

// EventType returns "OrganizationAdminsChanged".
func (*OrganizationAdminsChanged) EventType() string { return "OrganizationAdminsChanged" }

func (e *OrganizationAdminsChanged) evolve(s State, _ time.Time) (State, error) {
	return evolveState(e, s, (*Account).isOrganization, func(next *Account) { next.Admins = e.Admins })
}

// isOrganization is the condition of the organization events.
func (a *Account) isOrganization() bool { return a.Type == AccountOrganization }

// MemberAdded records a user joining an organization with a role. It
// creates the membership, or revives a removed one.
type MemberAdded struct {
	Org   string     `json:"org"`
	Login string     `json:"login"`
	Role  MemberRole `json:"role"`
}

// EventType returns "MemberAdded".
func (*MemberAdded) EventType() string { return "MemberAdded" }

func (e *MemberAdded) evolve(s State, at time.Time) (State, error) {
	if s != nil {
		if m, ok := s.(*Membership); !ok || m == nil || m.Active() {
			return nil, errWrongState(e, s)
		}
	}
	return &Membership{Org: e.Org, Login: e.Login, Role: e.Role, JoinedAt: at}, nil
}

// MemberRoleChanged records a member's new role.
type MemberRoleChanged struct {
	Role MemberRole `json:"role"`
}

// EventType returns "MemberRoleChanged".
func (*MemberRoleChanged) EventType() string { return "MemberRoleChanged" }

func (e *MemberRoleChanged) evolve(s State, _ time.Time) (State, error) {
	return evolveState(e, s, (*Membership).Active, func(next *Membership) { next.Role = e.Role })
}

// MemberRemoved records a member leaving (or being removed from) an
// organization.
type MemberRemoved struct{}

// EventType returns "MemberRemoved".
func (*MemberRemoved) EventType() string { return "MemberRemoved" }

func (e *MemberRemoved) evolve(s State, _ time.Time) (State, error) {
	return evolveState(e, s, (*Membership).Active, func(next *Membership) { next.Removed = true })
}

// Helpers shared by the commands.

// orgActor returns UNAUTHENTICATED when the command has no actor. The
// commands carry their actor because Targets (which has no Input) must
// name the actor's membership; an actor different from the executing one
// would check authority against the wrong membership, so it is refused as
// the wiring bug it is.
func orgActor(in Input, actor string) error {
	if err := RequireActor(in.Actor); err != nil {
		return err
	}
	if !EqualFoldASCII(actor, in.Actor) {
		return &Error{Code: CodeInternal, Message: "internal error: the command's actor is not the executing actor"}
	}
	return nil
}

// orgAccount returns the organization called login, or NOT_FOUND.
func orgAccount(in Input, login string) (*Account, error) {
	a, ok := in.Snapshot(NewAccountID(login)).State.(*Account)
	if !ok || a == nil || a.Type != AccountOrganization {
		return nil, NotFound("organization %q not found", login)
	}
	return a, nil
}

// orgMembership returns login's active membership of org, or nil.
func orgMembership(in Input, org, login string) *Membership {
	return activeMembership(in, org, login)
}

// orgRequireAdmin returns FORBIDDEN unless the actor may manage org
// (CanManageOrganization).
func orgRequireAdmin(in Input, org string) error {
	if !CanManageOrganization(roleIn(in, org, in.Actor)) {
		return Forbidden("only admins of %q can manage it", org)
	}
	return nil
}

// orgCommand is how every Decide on an existing organization starts: it
// checks the actor (orgActor), then the command's fields (validate), then
// returns the organization called org (orgAccount), so the errors come in
// that order for every command.
func orgCommand(in Input, actor string, validate func() error, org string) (*Account, error) {
	if err := orgActor(in, actor); err != nil {
		return nil, err
	}
	if err := validate(); err != nil {
		return nil, err
	}
	return orgAccount(in, org)
}

// orgAdminCommand is orgCommand for the commands only the
// organization's admins may run (orgRequireAdmin).
func orgAdminCommand(in Input, actor string, validate func() error, org string) (*Account, error) {
	a, err := orgCommand(in, actor, validate, org)
	if err != nil {
		return nil, err
	}
	if err := orgRequireAdmin(in, org); err != nil {
		return nil, err
	}
	return a, nil
}

// orgActorCheck is the change asserting the actor's membership unchanged,
// unless the command already changes it (the same membership as target).
func orgActorCheck(in Input, org string, target MembershipID) []Change {
	id := NewMembershipID(org, in.Actor)
	if id == target {
		return nil
	}
	return []Change{{ID: id}}
}

// orgAdminsChange is the organization-side change recording n admins.
func orgAdminsChange(org string, n int) Change {
	return Change{ID: NewAccountID(org), Events: []Event{&OrganizationAdminsChanged{Admins: n}}}
}

// orgDedupe drops repeated IDs, keeping the first (an actor may also be the
// target of a command).
func orgDedupe(ids []ID) []ID {
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

// orgValidateRole checks a role argument.
func orgValidateRole(field string, r MemberRole) error {
	if !r.Valid() {
		return BadInput(field, "role must be ADMIN or MEMBER")
	}
	return nil
}

// CreateOrganization creates an organization; the actor becomes its first
// ADMIN.
//
// The organization commands carry Actor, the viewer's login, because
// their Targets name the actor's account or membership; it must equal the
// executing actor (Input.Actor), which Decide checks.
type CreateOrganization struct {
	Login       string
	Name        string
	Description string
	Actor       string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c CreateOrganization) Validate() error {
	if err := ValidateLogin("login", c.Login); err != nil {
		return err
	}
	if err := validateText("name", c.Name, NameLimit); err != nil {
		return err
	}
	return validateText("description", c.Description, OrgDescriptionLimit)
}

// Targets names the organization, the creator's account and the creator's
// membership.
func (c CreateOrganization) Targets() []ID {
	return orgDedupe([]ID{NewAccountID(c.Login), NewAccountID(c.Actor), NewMembershipID(c.Login, c.Actor)})
}

// Decide returns OrganizationCreated on the organization and MemberAdded
// (ADMIN) on the creator's membership; UNAUTHENTICATED without an actor,
// BAD_USER_INPUT for invalid fields, ALREADY_EXISTS when any account has
// the login, NOT_FOUND when the actor is not a user.
func (c CreateOrganization) Decide(in Input) ([]Change, error) {
	if err := orgActor(in, c.Actor); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	creator, ok := in.Snapshot(NewAccountID(in.Actor)).State.(*Account)
	if !ok || creator == nil {
		return nil, NotFound("user %q not found", in.Actor)
	}
	if creator.Type != AccountUser {
		return nil, Forbidden("only users can create organizations")
	}
	org := NewAccountID(c.Login)
	if in.Snapshot(org).Exists() {
		return nil, AlreadyExists("login %q is already taken", c.Login)
	}
	return []Change{
		{ID: org, Events: []Event{&OrganizationCreated{Login: c.Login, Name: c.Name, Description: c.Description, Creator: creator.Login}}},
		{ID: NewMembershipID(c.Login, in.Actor), Events: []Event{&MemberAdded{Org: c.Login, Login: creator.Login, Role: RoleAdmin}}},
	}, nil
}

// UpdateOrganization changes an organization's profile; nil fields stay
// as they are. Only its admins may.
type UpdateOrganization struct {
	Login       string
	Name        *string
	Description *string
	Actor       string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c UpdateOrganization) Validate() error {
	if err := ValidateLogin("login", c.Login); err != nil {
		return err
	}
	if c.Name != nil {
		if err := validateText("name", *c.Name, NameLimit); err != nil {
			return err
		}
	}
	if c.Description != nil {
		return validateText("description", *c.Description, OrgDescriptionLimit)
	}
	return nil
}

// Targets names the organization and the actor's membership.
func (c UpdateOrganization) Targets() []ID {
	return []ID{NewAccountID(c.Login), NewMembershipID(c.Login, c.Actor)}
}

// Decide returns OrganizationUpdated with the fields that change (nothing
// if none do); UNAUTHENTICATED, BAD_USER_INPUT, NOT_FOUND for a missing
// organization, FORBIDDEN unless the actor is an admin.
func (c UpdateOrganization) Decide(in Input) ([]Change, error) {
	org, err := orgAdminCommand(in, c.Actor, c.Validate, c.Login)
	if err != nil {
		return nil, err
	}
	ev := &OrganizationUpdated{}
	changed := false
	if c.Name != nil && *c.Name != org.Name {
		ev.Name, changed = c.Name, true
	}
	if c.Description != nil && *c.Description != org.Description {
		ev.Description, changed = c.Description, true
	}
	if !changed {
		return nil, nil
	}
	return append([]Change{{ID: NewAccountID(c.Login), Events: []Event{ev}}}, orgActorCheck(in, c.Login, MembershipID{})...), nil
}

// AddMember adds a user to an organization with a role. Only its admins
// may.
type AddMember struct {
	Org   string
	Login string
	Role  MemberRole
	Actor string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c AddMember) Validate() error { return orgValidateMember(c.Org, c.Login, c.Role, true) }

// orgValidateMember checks the organization, login and (when withRole)
// role of a membership command.
func orgValidateMember(org, login string, role MemberRole, withRole bool) error {
	if err := ValidateLogin("organization", org); err != nil {
		return err
	}
	if err := ValidateLogin("login", login); err != nil {
		return err
	}
	if withRole {
		return orgValidateRole("role", role)
	}
	return nil
}

// Targets names the organization, the user, the new membership and the
// actor's membership.
func (c AddMember) Targets() []ID {
	return orgDedupe([]ID{NewAccountID(c.Org), NewAccountID(c.Login), NewMembershipID(c.Org, c.Login), NewMembershipID(c.Org, c.Actor)})
}

// Decide returns MemberAdded (and OrganizationAdminsChanged for an ADMIN);
// UNAUTHENTICATED, BAD_USER_INPUT, NOT_FOUND for a missing organization or
// user, FORBIDDEN unless the actor is an admin, ALREADY_EXISTS when the
// user is already a member.
func (c AddMember) Decide(in Input) ([]Change, error) {
	org, err := orgAdminCommand(in, c.Actor, c.Validate, c.Org)
	if err != nil {
		return nil, err
	}
	user, ok := in.Snapshot(NewAccountID(c.Login)).State.(*Account)
	if !ok || user == nil || user.Type != AccountUser {
		return nil, NotFound("user %q not found", c.Login)
	}
	if orgMembership(in, c.Org, c.Login) != nil {
		return nil, AlreadyExists("%q is already a member of %q", c.Login, c.Org)
	}
	id := NewMembershipID(c.Org, c.Login)
	changes := []Change{{ID: id, Events: []Event{&MemberAdded{Org: org.Login, Login: user.Login, Role: c.Role}}}}
	if c.Role == RoleAdmin {
		changes = append(changes, orgAdminsChange(c.Org, org.Admins+1))
	}
	return append(changes, orgActorCheck(in, c.Org, id)...), nil
}

// ChangeMemberRole changes a member's role. Only admins may; the last
// admin cannot be demoted.
type ChangeMemberRole struct {
	Org   string
	Login string
	Role  MemberRole
	Actor string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c ChangeMemberRole) Validate() error { return orgValidateMember(c.Org, c.Login, c.Role, true) }

// Targets names the organization, the membership and the actor's
// membership, and the member's account, which Decide does not need but
// the caller's payload does (loading it costs nothing: one BatchGetItem).
func (c ChangeMemberRole) Targets() []ID {
	return orgDedupe([]ID{NewAccountID(c.Org), NewMembershipID(c.Org, c.Login), NewMembershipID(c.Org, c.Actor), NewAccountID(c.Login)})
}

// Decide returns MemberRoleChanged and OrganizationAdminsChanged (nothing
// if the role is already the one asked for); UNAUTHENTICATED,
// BAD_USER_INPUT, NOT_FOUND for a missing organization or membership,
// FORBIDDEN unless the actor is an admin or when it would demote the last
// admin.
func (c ChangeMemberRole) Decide(in Input) ([]Change, error) {
	org, err := orgAdminCommand(in, c.Actor, c.Validate, c.Org)
	if err != nil {
		return nil, err
	}
	m := orgMembership(in, c.Org, c.Login)
	if m == nil {
		return nil, NotFound("%q is not a member of %q", c.Login, c.Org)
	}
	if m.Role == c.Role {
		return nil, nil
	}
	admins := org.Admins + 1
	if c.Role == RoleMember {
		if org.Admins <= 1 {
			return nil, Forbidden("%q is the last admin of %q; promote another member first", c.Login, c.Org)
		}
		admins = org.Admins - 1
	}
	id := NewMembershipID(c.Org, c.Login)
	changes := []Change{{ID: id, Events: []Event{&MemberRoleChanged{Role: c.Role}}}, orgAdminsChange(c.Org, admins)}
	return append(changes, orgActorCheck(in, c.Org, id)...), nil
}

// RemoveMember removes a member from an organization. Admins may remove
// anyone; any member may leave (remove themself). The last admin cannot
// be removed.
type RemoveMember struct {
	Org   string
	Login string
	Actor string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c RemoveMember) Validate() error { return orgValidateMember(c.Org, c.Login, "", false) }

// Targets names the organization, the membership and the actor's
// membership.
func (c RemoveMember) Targets() []ID {
	return orgDedupe([]ID{NewAccountID(c.Org), NewMembershipID(c.Org, c.Login), NewMembershipID(c.Org, c.Actor)})
}

// Decide returns MemberRemoved (and OrganizationAdminsChanged for an
// admin); UNAUTHENTICATED, BAD_USER_INPUT, NOT_FOUND for a missing
// organization or membership, FORBIDDEN unless the actor is an admin or
// the member themself, or when it would remove the last admin.
func (c RemoveMember) Decide(in Input) ([]Change, error) {
	org, err := orgCommand(in, c.Actor, c.Validate, c.Org)
	if err != nil {
		return nil, err
	}
	if !CanRemoveMember(in.Actor, c.Login, roleIn(in, c.Org, in.Actor)) {
		return nil, Forbidden("only admins of %q can manage it", c.Org)
	}
	m := orgMembership(in, c.Org, c.Login)
	if m == nil {
		return nil, NotFound("%q is not a member of %q", c.Login, c.Org)
	}
	id := NewMembershipID(c.Org, c.Login)
	changes := []Change{{ID: id, Events: []Event{&MemberRemoved{}}}}
	if m.Role == RoleAdmin {
		if org.Admins <= 1 {
			return nil, Forbidden("%q is the last admin of %q; promote another member first", c.Login, c.Org)
		}
		changes = append(changes, orgAdminsChange(c.Org, org.Admins-1))
	}
	return append(changes, orgActorCheck(in, c.Org, id)...), nil
}
