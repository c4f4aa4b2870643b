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

// Organization area: organization account items (besides the account
// attributes above), membership items and the membership counters.
const (
	// ReadDescription is an organization's description.
	ReadDescription = "description"
	// ReadMemberCount counts an organization's members (on its account item).
	ReadMemberCount = "memberCount"
	// ReadOrganizationCount counts a user's organizations (on the user's
	// account item).
	ReadOrganizationCount = "organizationCount"
	// ReadOrg is the organization login of a membership item (its member's
	// login is ReadLogin).
	ReadOrg = "org"
	// ReadRole is a membership's role, ADMIN or MEMBER.
	ReadRole = "role"
	// ReadJoinedAt is when a membership began.
	ReadJoinedAt = "joinedAt"
)

// Work area: issue, pull request, comment and reaction items, and the
// counters they keep on repository, issue, pull request and comment items.
const (
	// ReadRepoOwner and ReadRepoName name the repository (as it spells
	// itself) of an issue, pull request or comment item.
	ReadRepoOwner = "repoOwner"
	ReadRepoName  = "repoName"
	// ReadNumber is the issue or pull request number (N).
	ReadNumber = "number"
	ReadTitle  = "title"
	ReadBody   = "body"
	// ReadAuthor is the author's login (lower case).
	ReadAuthor = "author"
	// ReadState is OPEN or CLOSED (issues) or OPEN, CLOSED or MERGED (pull
	// requests).
	ReadState       = "state"
	ReadStateReason = "stateReason"
	ReadClosedAt    = "closedAt"
	ReadHeadRef     = "headRef"
	ReadBaseRef     = "baseRef"
	ReadMergedAt    = "mergedAt"
	ReadMergedBy    = "mergedBy"
	// ReadCommentID is a comment's own (time-sortable) id.
	ReadCommentID = "commentId"
	// ReadSubjectKind is what a comment is on: ISSUE or PR.
	ReadSubjectKind = "subjectKind"
	// ReadDeleted marks a deleted comment's item (BOOL true), which stays,
	// without body and author, so that counters moved on it after the
	// delete never leave residue and replay order does not matter.
	ReadDeleted = "deleted"
	// ReadContent is a reaction's content (THUMBS_UP, …); its user is
	// ReadLogin.
	ReadContent = "content"
	// ReadCommentCount counts the comments of an issue or pull request (on
	// its item).
	ReadCommentCount = "commentCount"
	// Issue and pull request counters on the repository item.
	ReadOpenIssueCount   = "openIssueCount"
	ReadClosedIssueCount = "closedIssueCount"
	ReadOpenPullCount    = "openPullCount"
	ReadClosedPullCount  = "closedPullCount"
	ReadMergedPullCount  = "mergedPullCount"
)

// ReadReactionCount is the attribute counting reactions with content on a
// subject item (issue, pull request or comment), e.g. "reactions_HEART".
func ReadReactionCount(content string) string { return "reactions_" + content }

// Repository area: repository items, fork links, star items and the
// counters they keep on repository and account items. A repository item
// also uses ReadName and ReadDescription; a star item ReadLogin (the
// stargazer), ReadOwner and ReadName (the repository).
const (
	// ReadOwner is the owner login of a repository (as the owner spells
	// it).
	ReadOwner     = "owner"
	ReadIsPrivate = "isPrivate"
	ReadIsFork    = "isFork"
	// ReadParentOwner, ReadParentName and ReadParentLife name the
	// repository (and its life) a fork was made from.
	ReadParentOwner = "parentOwner"
	ReadParentName  = "parentName"
	ReadParentLife  = "parentLife"
	// ReadLife is the life of a repository (entities.Repository.Life) on
	// its item; ReadRepoLife is the life of the repository a star or fork
	// link belongs to, which purges match on.
	ReadLife     = "life"
	ReadRepoLife = "repoLife"
	// ReadForkOwner, ReadForkName and ReadForkLife name the fork of a fork
	// link item (in the parent's partition).
	ReadForkOwner = "forkOwner"
	ReadForkName  = "forkName"
	ReadForkLife  = "forkLife"
	// ReadStarredAt is when a star was given.
	ReadStarredAt = "starredAt"
	// ReadStargazerCount and ReadForkCount are counters on a repository
	// item.
	ReadStargazerCount = "stargazerCount"
	ReadForkCount      = "forkCount"
	// ReadRepositoryCount and ReadPrivateRepositoryCount count an owner's
	// live repositories, and the private ones among them, on its account
	// item; ReadStarredCount counts a user's stars there.
	ReadRepositoryCount        = "repositoryCount"
	ReadPrivateRepositoryCount = "privateRepositoryCount"
	ReadStarredCount           = "starredCount"
)
