package readmodel

import (
	"time"

	"github.com/hubstream/hubstream/internal/table"
)

// Account is the read item of a user or an organization (Kind tells them
// apart), in the account's partition.
type Account struct {
	Header
	Login       string    `dynamodbav:"login"`
	Kind        string    `dynamodbav:"kind"` // USER or ORGANIZATION
	Name        string    `dynamodbav:"name,omitempty"`
	Email       string    `dynamodbav:"email,omitempty"`
	Bio         string    `dynamodbav:"bio,omitempty"`
	Description string    `dynamodbav:"description,omitempty"` // organizations only
	CreatedAt   time.Time `dynamodbav:"createdAt"`
	UpdatedAt   time.Time `dynamodbav:"updatedAt"`
	AccountCounters
}

// AccountCounters are the counters other aggregates' projections keep on
// an account item; they may exist before the item does (counter residue).
type AccountCounters struct {
	RepositoryCount        int `dynamodbav:"repositoryCount" readmodel:"counter"`
	PrivateRepositoryCount int `dynamodbav:"privateRepositoryCount" readmodel:"counter"`
	StarredCount           int `dynamodbav:"starredCount" readmodel:"counter"`
	MemberCount            int `dynamodbav:"memberCount" readmodel:"counter"`       // organizations
	OrganizationCount      int `dynamodbav:"organizationCount" readmodel:"counter"` // users
}

// The account counters' attribute names, for projections' ADDs.
const (
	AttrRepositoryCount        = "repositoryCount"
	AttrPrivateRepositoryCount = "privateRepositoryCount"
	AttrStarredCount           = "starredCount"
	AttrMemberCount            = "memberCount"
	AttrOrganizationCount      = "organizationCount"
)

// ItemType returns table.TypeAccount.
func (Account) ItemType() string { return table.TypeAccount }

// Membership is the read item of a user's membership of an organization
// (in the organization's partition, indexed under the member's account).
type Membership struct {
	Header
	Org      string    `dynamodbav:"org"`   // the organization's login as created
	Login    string    `dynamodbav:"login"` // the member's login as created
	Role     string    `dynamodbav:"role"`  // ADMIN or MEMBER
	JoinedAt time.Time `dynamodbav:"joinedAt"`
}

// ItemType returns table.TypeMembership.
func (Membership) ItemType() string { return table.TypeMembership }
