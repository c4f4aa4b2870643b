package entities

import (
	"errors"
	"strings"
	"testing"
)

// orgFixture is: users alice, bob, carol and dave; organization "Acme"
// created by alice (ADMIN), with bob a MEMBER and dave an ADMIN when
// twoAdmins; and a second organization "other".
func orgFixture(t *testing.T, twoAdmins bool) Input {
	t.Helper()
	in := Input{Now: t0}
	for _, u := range []string{"alice", "Bob", "carol", "dave"} {
		in = apply(t, in, []Change{{ID: NewAccountID(u), Events: []Event{&UserCreated{Login: u}}}})
	}
	cmds := []Command{
		CreateOrganization{Login: "Acme", Name: "Acme Inc.", Description: "Widgets", Actor: "alice"},
		CreateOrganization{Login: "other", Actor: "alice"},
		AddMember{Org: "acme", Login: "bob", Role: RoleMember, Actor: "alice"},
	}
	if twoAdmins {
		cmds = append(cmds, AddMember{Org: "acme", Login: "dave", Role: RoleAdmin, Actor: "alice"})
	}
	for _, c := range cmds {
		// apply drops the actor: set it for every command.
		in = apply(t, in, decide(t, withActor(in, "alice"), c))
	}
	return in
}

func orgState(t *testing.T, in Input, login string) *Account {
	t.Helper()
	a, ok := in.Snapshot(NewAccountID(login)).State.(*Account)
	if !ok || a.Type != AccountOrganization {
		t.Fatalf("%s: state %#v is not an organization", login, in.Snapshot(NewAccountID(login)).State)
	}
	return a
}

func orgMemberState(in Input, org, login string) *Membership {
	m, _ := in.Snapshot(NewMembershipID(org, login)).State.(*Membership)
	return m
}

// memberCase is a case of a membership command test: cmd run by actor on
// in wants the error with code and field or, with no code, leaves acme
// with wantAdmins admins (-1: the command changes nothing).
type memberCase[C Command] struct {
	name       string
	in         Input
	actor      string
	cmd        C
	wantCode   Code
	wantField  string
	wantAdmins int
}

// wantAdmins checks acme's number of admins in in.
func wantAdmins(t *testing.T, in Input, n int) {
	t.Helper()
	if got := orgState(t, in, "acme").Admins; got != n {
		t.Fatalf("Admins = %d, want %d", got, n)
	}
}

func TestCreateOrganization(t *testing.T) {
	base := orgFixture(t, false)
	tests := []struct {
		name      string
		actor     string
		cmd       CreateOrganization
		wantCode  Code
		wantField string
	}{
		{"ok", "carol", CreateOrganization{Login: "Initech", Name: "Initech", Description: strings.Repeat("é", 160)}, "", ""},
		{"ok, actor in other case", "CAROL", CreateOrganization{Login: "initech"}, "", ""},
		{"unauthenticated", "", CreateOrganization{Login: "initech"}, CodeUnauthenticated, ""},
		{"actor differs from the executing one", "carol", CreateOrganization{Login: "initech", Actor: "bob"}, CodeInternal, ""},
		{"bad login", "carol", CreateOrganization{Login: "no_underscores"}, CodeBadInput, "login"},
		{"name too long", "carol", CreateOrganization{Login: "initech", Name: strings.Repeat("x", MaxNameLen+1)}, CodeBadInput, "name"},
		{"description too long", "carol", CreateOrganization{Login: "initech", Description: strings.Repeat("x", MaxOrgDescriptionLen+1)}, CodeBadInput, "description"},
		{"login of a user", "carol", CreateOrganization{Login: "BOB"}, CodeAlreadyExists, ""},
		{"login of an organization", "carol", CreateOrganization{Login: "ACME"}, CodeAlreadyExists, ""},
		{"own login", "carol", CreateOrganization{Login: "carol"}, CodeAlreadyExists, ""},
		{"creator has no account", "ghost", CreateOrganization{Login: "initech"}, CodeNotFound, ""},
		{"creator is an organization", "acme", CreateOrganization{Login: "initech"}, CodeForbidden, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := withActor(base, tc.actor)
			if tc.cmd.Actor == "" {
				tc.cmd.Actor = tc.actor
			}
			for _, id := range []ID{NewAccountID(tc.cmd.Login), NewAccountID(tc.cmd.Actor), NewMembershipID(tc.cmd.Login, tc.cmd.Actor)} {
				if !hasID(tc.cmd.Targets(), id) {
					t.Fatalf("Targets %v miss %v", tc.cmd.Targets(), id)
				}
			}
			changes, ok := decideWant(t, in, tc.cmd, tc.wantCode, tc.wantField)
			if !ok {
				return
			}
			after := apply(t, in, changes)
			o := orgState(t, after, tc.cmd.Login)
			if o.Login != tc.cmd.Login || o.Name != tc.cmd.Name || o.Description != tc.cmd.Description || o.Admins != 1 || !o.CreatedAt.Equal(t0) {
				t.Fatalf("organization = %+v", o)
			}
			m := orgMemberState(after, tc.cmd.Login, tc.actor)
			if m == nil || !m.Active() || m.Role != RoleAdmin || m.Login != "carol" || m.Org != tc.cmd.Login {
				t.Fatalf("creator's membership = %+v", m)
			}
			if created := changes[0].Events[0].(*OrganizationCreated); created.Creator != "carol" {
				t.Fatalf("Creator = %q, want the creator's login as created", created.Creator)
			}
		})
	}
}

func TestUpdateOrganization(t *testing.T) {
	base := orgFixture(t, false)
	tests := []struct {
		name       string
		actor      string
		cmd        UpdateOrganization
		wantCode   Code
		wantEvents int
		check      func(*Account) bool
	}{
		{"change name", "alice", UpdateOrganization{Login: "ACME", Name: ptr("Acme Corp")}, "", 1, func(a *Account) bool { return a.Name == "Acme Corp" && a.Description == "Widgets" }},
		{"clear description", "alice", UpdateOrganization{Login: "acme", Description: ptr("")}, "", 1, func(a *Account) bool { return a.Description == "" && a.Name == "Acme Inc." }},
		{"no change", "alice", UpdateOrganization{Login: "acme", Name: ptr("Acme Inc.")}, "", 0, nil},
		{"unauthenticated", "", UpdateOrganization{Login: "acme", Name: ptr("x")}, CodeUnauthenticated, 0, nil},
		{"member is not admin", "bob", UpdateOrganization{Login: "acme", Name: ptr("x")}, CodeForbidden, 0, nil},
		{"outsider", "carol", UpdateOrganization{Login: "acme", Name: ptr("x")}, CodeForbidden, 0, nil},
		{"missing organization", "alice", UpdateOrganization{Login: "ghost", Name: ptr("x")}, CodeNotFound, 0, nil},
		{"a user is not an organization", "alice", UpdateOrganization{Login: "alice", Name: ptr("x")}, CodeNotFound, 0, nil},
		{"description too long", "alice", UpdateOrganization{Login: "acme", Description: ptr(strings.Repeat("x", 161))}, CodeBadInput, 0, nil},
		{"name too long", "alice", UpdateOrganization{Login: "acme", Name: ptr(strings.Repeat("x", 256))}, CodeBadInput, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := withActor(base, tc.actor)
			in.Now = t0.Add(1e9)
			tc.cmd.Actor = tc.actor
			changes, err := tc.cmd.Decide(in)
			if tc.wantCode != "" {
				wantCode(t, err, tc.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			written, checked := writtenAndChecked(changes)
			if len(written) != min(tc.wantEvents, 1) {
				t.Fatalf("changes write %v, want %d aggregates", written, tc.wantEvents)
			}
			if tc.check == nil {
				return
			}
			if !hasID(checked, NewMembershipID("acme", "alice")) {
				t.Fatalf("changes do not assert the actor's membership: checked %v", checked)
			}
			o := orgState(t, apply(t, in, changes), "acme")
			if !tc.check(o) || !o.UpdatedAt.Equal(in.Now) || !o.CreatedAt.Equal(t0) {
				t.Fatalf("organization after update = %+v", o)
			}
		})
	}
}

func TestAddMember(t *testing.T) {
	base := orgFixture(t, false)
	removed := apply(t, base, decide(t, withActor(base, "alice"), RemoveMember{Org: "acme", Login: "bob", Actor: "alice"}))
	tests := []memberCase[AddMember]{
		{"add member", base, "alice", AddMember{Org: "acme", Login: "Carol", Role: RoleMember}, "", "", 1},
		{"add admin", base, "alice", AddMember{Org: "ACME", Login: "carol", Role: RoleAdmin}, "", "", 2},
		{"re-add a removed member", removed, "alice", AddMember{Org: "acme", Login: "bob", Role: RoleAdmin}, "", "", 2},
		{"unauthenticated", base, "", AddMember{Org: "acme", Login: "carol", Role: RoleMember}, CodeUnauthenticated, "", 0},
		{"bad role", base, "alice", AddMember{Org: "acme", Login: "carol", Role: "OWNER"}, CodeBadInput, "role", 0},
		{"bad organization login", base, "alice", AddMember{Org: "-acme", Login: "carol", Role: RoleMember}, CodeBadInput, "organization", 0},
		{"bad user login", base, "alice", AddMember{Org: "acme", Login: "", Role: RoleMember}, CodeBadInput, "login", 0},
		{"missing organization", base, "alice", AddMember{Org: "ghost", Login: "carol", Role: RoleMember}, CodeNotFound, "", 0},
		{"member is not admin", base, "bob", AddMember{Org: "acme", Login: "carol", Role: RoleMember}, CodeForbidden, "", 0},
		{"outsider", base, "carol", AddMember{Org: "acme", Login: "carol", Role: RoleAdmin}, CodeForbidden, "", 0},
		{"missing user", base, "alice", AddMember{Org: "acme", Login: "ghost", Role: RoleMember}, CodeNotFound, "", 0},
		{"an organization cannot be a member", base, "alice", AddMember{Org: "acme", Login: "other", Role: RoleMember}, CodeNotFound, "", 0},
		{"already a member", base, "alice", AddMember{Org: "acme", Login: "BOB", Role: RoleAdmin}, CodeAlreadyExists, "", 0},
		{"admin adds themself", base, "alice", AddMember{Org: "acme", Login: "alice", Role: RoleMember}, CodeAlreadyExists, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := withActor(tc.in, tc.actor)
			tc.cmd.Actor = tc.actor
			changes, ok := decideWant(t, in, tc.cmd, tc.wantCode, tc.wantField)
			if !ok {
				return
			}
			written, checked := writtenAndChecked(changes)
			orgID := NewAccountID("acme")
			if hasID(written, orgID) != (tc.cmd.Role == RoleAdmin) {
				t.Fatalf("organization changed = %v, want it changed only for an admin", hasID(written, orgID))
			}
			if !hasID(checked, NewMembershipID("acme", tc.actor)) {
				t.Fatalf("changes do not assert the actor's membership: checked %v", checked)
			}
			after := apply(t, in, changes)
			m := orgMemberState(after, "acme", tc.cmd.Login)
			if m == nil || !m.Active() || m.Role != tc.cmd.Role || !m.JoinedAt.Equal(t0) {
				t.Fatalf("membership = %+v", m)
			}
			if m.Login != strings.ToLower(tc.cmd.Login) && m.Login != "Bob" {
				t.Fatalf("membership login %q, want the user's login as created", m.Login)
			}
			wantAdmins(t, after, tc.wantAdmins)
		})
	}
}

func TestChangeMemberRole(t *testing.T) {
	one := orgFixture(t, false)
	two := orgFixture(t, true)
	tests := []memberCase[ChangeMemberRole]{
		{"promote", one, "alice", ChangeMemberRole{Org: "acme", Login: "BOB", Role: RoleAdmin}, "", "", 2},
		{"demote another admin", two, "alice", ChangeMemberRole{Org: "acme", Login: "dave", Role: RoleMember}, "", "", 1},
		{"demote themself, not the last admin", two, "alice", ChangeMemberRole{Org: "acme", Login: "alice", Role: RoleMember}, "", "", 1},
		{"same role is a no-op", one, "alice", ChangeMemberRole{Org: "acme", Login: "bob", Role: RoleMember}, "", "", -1},
		{"demote the last admin", one, "alice", ChangeMemberRole{Org: "acme", Login: "alice", Role: RoleMember}, CodeForbidden, "", 0},
		{"unauthenticated", one, "", ChangeMemberRole{Org: "acme", Login: "bob", Role: RoleAdmin}, CodeUnauthenticated, "", 0},
		{"bad role", one, "alice", ChangeMemberRole{Org: "acme", Login: "bob", Role: ""}, CodeBadInput, "role", 0},
		{"missing organization", one, "alice", ChangeMemberRole{Org: "ghost", Login: "bob", Role: RoleAdmin}, CodeNotFound, "", 0},
		{"member promotes themself", one, "bob", ChangeMemberRole{Org: "acme", Login: "bob", Role: RoleAdmin}, CodeForbidden, "", 0},
		{"outsider", one, "carol", ChangeMemberRole{Org: "acme", Login: "bob", Role: RoleAdmin}, CodeForbidden, "", 0},
		{"not a member", one, "alice", ChangeMemberRole{Org: "acme", Login: "carol", Role: RoleAdmin}, CodeNotFound, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := withActor(tc.in, tc.actor)
			tc.cmd.Actor = tc.actor
			changes, ok := decideWant(t, in, tc.cmd, tc.wantCode, tc.wantField)
			if !ok {
				return
			}
			if tc.wantAdmins < 0 {
				if len(changes) != 0 {
					t.Fatalf("changes = %v, want none", changes)
				}
				return
			}
			written, checked := writtenAndChecked(changes)
			if !hasID(written, NewAccountID("acme")) {
				t.Fatal("a role change must change the organization's admin count")
			}
			self := strings.EqualFold(tc.actor, tc.cmd.Login)
			if !self && !hasID(checked, NewMembershipID("acme", tc.actor)) {
				t.Fatalf("changes do not assert the actor's membership: checked %v", checked)
			}
			after := apply(t, in, changes)
			if m := orgMemberState(after, "acme", tc.cmd.Login); m == nil || m.Role != tc.cmd.Role || !m.Active() {
				t.Fatalf("membership = %+v", m)
			}
			wantAdmins(t, after, tc.wantAdmins)
		})
	}
}

func TestRemoveMember(t *testing.T) {
	one := orgFixture(t, false)
	two := orgFixture(t, true)
	tests := []memberCase[RemoveMember]{
		{"admin removes a member", one, "alice", RemoveMember{Org: "acme", Login: "Bob"}, "", "", 1},
		{"admin removes an admin", two, "alice", RemoveMember{Org: "acme", Login: "dave"}, "", "", 1},
		{"member leaves", one, "bob", RemoveMember{Org: "acme", Login: "bob"}, "", "", 1},
		{"admin leaves, not the last", two, "dave", RemoveMember{Org: "acme", Login: "dave"}, "", "", 1},
		{"last admin leaves", one, "alice", RemoveMember{Org: "acme", Login: "alice"}, CodeForbidden, "", 0},
		{"member removes another", two, "bob", RemoveMember{Org: "acme", Login: "dave"}, CodeForbidden, "", 0},
		{"outsider", one, "carol", RemoveMember{Org: "acme", Login: "bob"}, CodeForbidden, "", 0},
		{"outsider leaves", one, "carol", RemoveMember{Org: "acme", Login: "carol"}, CodeNotFound, "", 0},
		{"not a member", one, "alice", RemoveMember{Org: "acme", Login: "carol"}, CodeNotFound, "", 0},
		{"missing organization", one, "alice", RemoveMember{Org: "ghost", Login: "bob"}, CodeNotFound, "", 0},
		{"unauthenticated", one, "", RemoveMember{Org: "acme", Login: "bob"}, CodeUnauthenticated, "", 0},
		{"bad login", one, "alice", RemoveMember{Org: "acme", Login: "b b"}, CodeBadInput, "login", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := withActor(tc.in, tc.actor)
			tc.cmd.Actor = tc.actor
			changes, ok := decideWant(t, in, tc.cmd, tc.wantCode, tc.wantField)
			if !ok {
				return
			}
			before := orgMemberState(in, "acme", tc.cmd.Login)
			written, checked := writtenAndChecked(changes)
			if hasID(written, NewAccountID("acme")) != (before.Role == RoleAdmin) {
				t.Fatalf("organization changed = %v, want it changed only when an admin goes", hasID(written, NewAccountID("acme")))
			}
			if self := strings.EqualFold(tc.actor, tc.cmd.Login); !self && !hasID(checked, NewMembershipID("acme", tc.actor)) {
				t.Fatalf("changes do not assert the actor's membership: checked %v", checked)
			}
			after := apply(t, in, changes)
			if m := orgMemberState(after, "acme", tc.cmd.Login); m == nil || m.Active() {
				t.Fatalf("membership after removal = %+v, want inactive", m)
			}
			wantAdmins(t, after, tc.wantAdmins)
		})
	}
}

// TestLastAdminsRemovedConcurrently: two admins each removing the other
// (or each leaving) decide from the same state; both decisions change the
// organization, so the Executor's version condition lets only one commit,
// and the retry of the other, on the new state, is refused.
func TestLastAdminsRemovedConcurrently(t *testing.T) {
	two := orgFixture(t, true)
	orgID := NewAccountID("acme")
	tests := []struct {
		name   string
		first  RemoveMember
		second RemoveMember
	}{
		{"each removes the other", RemoveMember{Org: "acme", Login: "dave", Actor: "alice"}, RemoveMember{Org: "acme", Login: "alice", Actor: "dave"}},
		{"both leave", RemoveMember{Org: "acme", Login: "alice", Actor: "alice"}, RemoveMember{Org: "acme", Login: "dave", Actor: "dave"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := decide(t, withActor(two, tc.first.Actor), tc.first)
			b := decide(t, withActor(two, tc.second.Actor), tc.second)
			wa, _ := writtenAndChecked(a)
			wb, _ := writtenAndChecked(b)
			if !hasID(wa, orgID) || !hasID(wb, orgID) {
				t.Fatal("both removals must write the organization, so that they conflict")
			}
			after := apply(t, two, a)
			_, err := tc.second.Decide(withActor(after, tc.second.Actor))
			if err == nil {
				t.Fatal("the retried second removal succeeded: the organization would have no admin")
			}
			if !errors.Is(err, ErrForbidden) {
				t.Fatalf("retry error = %v, want FORBIDDEN", err)
			}
		})
	}
}

func TestOrganizationEvolveRejectsMisfits(t *testing.T) {
	user := &Account{Login: "u", Type: AccountUser}
	org := &Account{Login: "o", Type: AccountOrganization, Admins: 1}
	active := &Membership{Org: "o", Login: "u", Role: RoleMember}
	gone := &Membership{Org: "o", Login: "u", Role: RoleMember, Removed: true}
	tests := []struct {
		name string
		s    State
		e    Event
	}{
		{"OrganizationCreated on an existing account", user, &OrganizationCreated{Login: "u"}},
		{"OrganizationUpdated on a user", user, &OrganizationUpdated{}},
		{"OrganizationUpdated on nothing", nil, &OrganizationUpdated{}},
		{"OrganizationAdminsChanged on a user", user, &OrganizationAdminsChanged{Admins: 2}},
		{"MemberAdded on an active membership", active, &MemberAdded{Org: "o", Login: "u", Role: RoleAdmin}},
		{"MemberAdded on an organization", org, &MemberAdded{Org: "o", Login: "u", Role: RoleAdmin}},
		{"MemberRoleChanged on nothing", nil, &MemberRoleChanged{Role: RoleAdmin}},
		{"MemberRoleChanged on a removed membership", gone, &MemberRoleChanged{Role: RoleAdmin}},
		{"MemberRemoved on a removed membership", gone, &MemberRemoved{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Evolve(tc.s, tc.e, t0); err == nil {
				t.Fatalf("Evolve(%T, %s) succeeded", tc.s, tc.e.EventType())
			}
		})
	}
	t.Run("MemberAdded revives a removed membership", func(t *testing.T) {
		s, err := Evolve(gone, &MemberAdded{Org: "o", Login: "u", Role: RoleAdmin}, t0)
		if m, ok := s.(*Membership); err != nil || !ok || !m.Active() || m.Role != RoleAdmin {
			t.Fatalf("Evolve = %+v, %v", s, err)
		}
	})
	t.Run("OrganizationAdminsChanged keeps updatedAt", func(t *testing.T) {
		s, err := Evolve(org, &OrganizationAdminsChanged{Admins: 3}, t0)
		if a, ok := s.(*Account); err != nil || !ok || a.Admins != 3 || !a.UpdatedAt.IsZero() {
			t.Fatalf("Evolve = %+v, %v", s, err)
		}
	})
}

func TestMembershipStateRoundTrip(t *testing.T) {
	s, err := DecodeState(KindMembership, []byte(`{"org":"Acme","login":"bob","role":"ADMIN"}`))
	if m, ok := s.(*Membership); err != nil || !ok || m.Role != RoleAdmin || !m.Active() {
		t.Fatalf("DecodeState = %+v, %v", s, err)
	}
}
