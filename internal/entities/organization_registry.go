package entities

// organizationEvent returns a zero event of the organization area's type t, or nil.
func organizationEvent(t string) Event {
	switch t {
	case "OrganizationCreated":
		return &OrganizationCreated{}
	case "OrganizationUpdated":
		return &OrganizationUpdated{}
	case "OrganizationAdminsChanged":
		return &OrganizationAdminsChanged{}
	case "MemberAdded":
		return &MemberAdded{}
	case "MemberRoleChanged":
		return &MemberRoleChanged{}
	case "MemberRemoved":
		return &MemberRemoved{}
	}
	return nil
}

// organizationEventTypes lists the organization area's event type names.
func organizationEventTypes() []string {
	return []string{"OrganizationCreated", "OrganizationUpdated", "OrganizationAdminsChanged", "MemberAdded", "MemberRoleChanged", "MemberRemoved"}
}

// organizationState returns a zero state of kind k if the organization area owns it.
func organizationState(k Kind) State {
	switch k {
	case KindMembership:
		return &Membership{}
	}
	return nil
}
