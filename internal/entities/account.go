package entities

import (
	"time"
)

// AccountID names a user or organization by login. Logins are
// case-insensitive: IDs compare by their lower-cased form.
type AccountID struct{ login string }

// NewAccountID returns the ID of the account called login.
func NewAccountID(login string) AccountID { return AccountID{login: LowerASCII(login)} }

// Kind returns KindAccount.
func (AccountID) Kind() Kind { return KindAccount }

// String returns the lower-cased login.
func (id AccountID) String() string { return id.login }

// Login returns the lower-cased login.
func (id AccountID) Login() string { return id.login }

// PartitionKey returns "ACCOUNT#login".
func (id AccountID) PartitionKey() string { return "ACCOUNT#" + id.login }

// accountAggregate registers accounts: users and organizations.
func accountAggregate() Aggregate {
	return Aggregate{
		Kind: KindAccount,
		parse: func(p []string, _ string) (ID, bool) {
			if len(p) != 1 {
				return nil, false
			}
			return NewAccountID(p[0]), true
		},
		zero:   func() State { return &Account{} },
		events: []Event{&UserCreated{}, &ProfileUpdated{}, &OrganizationCreated{}, &OrganizationUpdated{}, &OrganizationAdminsChanged{}},
	}
}

// AccountType distinguishes users from organizations.
type AccountType string

// Account types.
const (
	AccountUser         AccountType = "USER"
	AccountOrganization AccountType = "ORGANIZATION"
)

// Account is the state of a user or organization.
type Account struct {
	Login string      `json:"login"` // as the owner typed it
	Type  AccountType `json:"type"`
	Name  string      `json:"name,omitempty"`
	Email string      `json:"email,omitempty"`
	Bio   string      `json:"bio,omitempty"`
	// Description and Admins are organizations' (organization.go): the
	// public description and the number of ADMIN members, kept on the
	// organization so that the last admin cannot be removed or demoted.
	Description string    `json:"description,omitempty"`
	Admins      int       `json:"admins,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Kind returns KindAccount.
func (*Account) Kind() Kind { return KindAccount }

// UserCreated records a new user account.
type UserCreated struct {
	Login string `json:"login"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Bio   string `json:"bio,omitempty"`
}

// EventType returns "UserCreated".
func (*UserCreated) EventType() string { return "UserCreated" }

func (e *UserCreated) evolve(s State, at time.Time) (State, error) {
	if s != nil {
		return nil, errWrongState(e, s)
	}
	return &Account{Login: e.Login, Type: AccountUser, Name: e.Name, Email: e.Email, Bio: e.Bio, CreatedAt: at, UpdatedAt: at}, nil
}

// ProfileUpdated records changed profile fields; nil fields are unchanged.
type ProfileUpdated struct {
	Name  *string `json:"name,omitempty"`
	Email *string `json:"email,omitempty"`
	Bio   *string `json:"bio,omitempty"`
}

// EventType returns "ProfileUpdated".
func (*ProfileUpdated) EventType() string { return "ProfileUpdated" }

func (e *ProfileUpdated) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, nil, func(next *Account) {
		patch(&next.Name, e.Name)
		patch(&next.Email, e.Email)
		patch(&next.Bio, e.Bio)
		next.UpdatedAt = at
	})
}

// CreateUser creates a user account. Login must be free
// (case-insensitively); Email is optional.
type CreateUser struct {
	Login string
	Name  string
	Email string
	Bio   string
}

// Targets names the account to create.
func (c CreateUser) Targets() []ID { return []ID{NewAccountID(c.Login)} }

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c CreateUser) Validate() error {
	if err := ValidateLogin("login", c.Login); err != nil {
		return err
	}
	if err := validateText("name", c.Name, NameLimit); err != nil {
		return err
	}
	if c.Email != "" {
		if err := ValidateEmail("email", c.Email); err != nil {
			return err
		}
	}
	return validateText("bio", c.Bio, BioLimit)
}

// Decide returns a UserCreated event, BAD_USER_INPUT for invalid fields,
// FORBIDDEN unless the actor is the login itself (CanEditAccount: a token
// creates only its own account), or ALREADY_EXISTS when the login is
// taken.
func (c CreateUser) Decide(in Input) ([]Change, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if !CanEditAccount(in.Actor, c.Login) {
		return nil, Forbidden("a user can only be created with a token whose subject is its login")
	}
	id := NewAccountID(c.Login)
	if in.Snapshot(id).Exists() {
		return nil, AlreadyExists("login %q is already taken", c.Login)
	}
	return []Change{{ID: id, Events: []Event{&UserCreated{Login: c.Login, Name: c.Name, Email: c.Email, Bio: c.Bio}}}}, nil
}

// UpdateProfile changes a user's profile; nil fields stay as they are.
type UpdateProfile struct {
	Login string
	Name  *string
	Email *string
	Bio   *string
}

// Targets names the account to update.
func (c UpdateProfile) Targets() []ID { return []ID{NewAccountID(c.Login)} }

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c UpdateProfile) Validate() error {
	if err := ValidateLogin("login", c.Login); err != nil {
		return err
	}
	if c.Name != nil {
		if err := validateText("name", *c.Name, NameLimit); err != nil {
			return err
		}
	}
	if c.Email != nil && *c.Email != "" {
		if err := ValidateEmail("email", *c.Email); err != nil {
			return err
		}
	}
	if c.Bio != nil {
		return validateText("bio", *c.Bio, BioLimit)
	}
	return nil
}

// Decide returns a ProfileUpdated event with the fields that actually
// change (none if nothing changes), BAD_USER_INPUT for invalid fields, or
// FORBIDDEN unless the actor is the user themself, or NOT_FOUND for a
// missing user.
func (c UpdateProfile) Decide(in Input) ([]Change, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if !CanEditAccount(in.Actor, c.Login) {
		return nil, Forbidden("only the user themself can update their profile")
	}
	id := NewAccountID(c.Login)
	snap := in.Snapshot(id)
	a, ok := snap.State.(*Account)
	if !ok || a.Type != AccountUser {
		return nil, NotFound("user %q not found", c.Login)
	}
	ev := &ProfileUpdated{}
	changed := false
	if c.Name != nil && *c.Name != a.Name {
		ev.Name, changed = c.Name, true
	}
	if c.Email != nil && *c.Email != a.Email {
		ev.Email, changed = c.Email, true
	}
	if c.Bio != nil && *c.Bio != a.Bio {
		ev.Bio, changed = c.Bio, true
	}
	if !changed {
		return nil, nil
	}
	return []Change{{ID: id, Events: []Event{ev}}}, nil
}
