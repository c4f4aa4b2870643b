package entities

import "testing"

// TestPolicy is the policy's truth table: relations, visibility and
// authority for every relation.
func TestPolicy(t *testing.T) {
	for _, tc := range []struct {
		actor, owner string
		role         MemberRole
		want         Relation
	}{
		{"", "octo", "", RelationNone},
		{"", "acme", RoleAdmin, RelationNone}, // anonymous has no membership
		{"octo", "octo", "", RelationOwner},
		{"OCTO", "octo", "", RelationOwner},
		{"mona", "octo", "", RelationNone},
		{"mona", "acme", RoleMember, RelationMember},
		{"mona", "acme", RoleAdmin, RelationAdmin},
		{"mona", "acme", "", RelationNone},
	} {
		if got := RelationOf(tc.actor, tc.owner, tc.role); got != tc.want {
			t.Errorf("RelationOf(%q, %q, %q) = %v, want %v", tc.actor, tc.owner, tc.role, got, tc.want)
		}
	}
	type rights struct{ seePrivate, administer, merge bool }
	for rel, want := range map[Relation]rights{
		RelationNone:   {false, false, false},
		RelationMember: {true, false, false},
		RelationAdmin:  {true, true, true},
		RelationOwner:  {true, true, true},
	} {
		got := rights{CanSeeRepository(true, rel), CanAdministerRepository(rel), CanMergePullRequest(rel)}
		if got != want {
			t.Errorf("%v: %+v, want %+v", rel, got, want)
		}
		if !CanSeeRepository(false, rel) {
			t.Errorf("%v cannot see a public repository", rel)
		}
	}
	for _, tc := range []struct {
		actor, author string
		rel           Relation
		ok, asAdmin   bool
	}{
		{"mona", "mona", RelationNone, true, false},
		{"MONA", "mona", RelationMember, true, false},
		{"hubot", "mona", RelationMember, false, false},
		{"hubot", "mona", RelationNone, false, false},
		{"octo", "mona", RelationAdmin, true, true},
		{"octo", "mona", RelationOwner, true, true},
		{"", "", RelationNone, false, false},
	} {
		if ok, asAdmin := CanModifyWork(tc.actor, tc.author, tc.rel); ok != tc.ok || asAdmin != tc.asAdmin {
			t.Errorf("CanModifyWork(%q, %q, %v) = %v, %v; want %v, %v", tc.actor, tc.author, tc.rel, ok, asAdmin, tc.ok, tc.asAdmin)
		}
	}
	if !CanManageOrganization(RoleAdmin) || CanManageOrganization(RoleMember) || CanManageOrganization("") {
		t.Error("CanManageOrganization: only admins")
	}
	if !CanRemoveMember("mona", "Mona", RoleMember) || CanRemoveMember("mona", "hubot", RoleMember) || !CanRemoveMember("octo", "hubot", RoleAdmin) || CanRemoveMember("", "", "") {
		t.Error("CanRemoveMember: admins remove anyone, members leave")
	}
	if !CanEditAccount("mona", "MONA") || CanEditAccount("mona", "octo") || CanEditAccount("", "") {
		t.Error("CanEditAccount: only the user themself")
	}
	if RequireActor("") == nil || RequireActor("mona") != nil {
		t.Error("RequireActor")
	}
}
