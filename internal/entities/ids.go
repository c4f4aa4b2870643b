package entities

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The aggregate kinds beyond accounts (see aggregate.go for KindAccount).
const (
	KindMembership  Kind = "MEMBER"
	KindRepository  Kind = "REPO"
	KindIssue       Kind = "ISSUE"
	KindPullRequest Kind = "PR"
	KindComment     Kind = "COMMENT"
	KindStar        Kind = "STAR"
	KindReaction    Kind = "REACTION"
)

// IDs print as slash-separated parts ("owner/name"); logins, repository
// names, numbers and comment ids never contain a slash, so ParseID can
// split them back.

// MembershipID names login's membership of an organization.
type MembershipID struct{ org, login string }

// NewMembershipID returns the ID of login's membership of org.
func NewMembershipID(org, login string) MembershipID {
	return MembershipID{org: LowerASCII(org), login: LowerASCII(login)}
}

// Kind returns KindMembership.
func (MembershipID) Kind() Kind { return KindMembership }

// String returns "org/login".
func (id MembershipID) String() string { return id.org + "/" + id.login }

// Org returns the organization's login.
func (id MembershipID) Org() string { return id.org }

// Login returns the member's login.
func (id MembershipID) Login() string { return id.login }

// PartitionKey returns "MEMBER#org#login".
func (id MembershipID) PartitionKey() string { return "MEMBER#" + id.org + "#" + id.login }

// membershipAggregate registers memberships of organizations.
func membershipAggregate() Aggregate {
	return Aggregate{
		Kind: KindMembership,
		parse: func(p []string, _ string) (ID, bool) {
			if len(p) != 2 {
				return nil, false
			}
			return NewMembershipID(p[0], p[1]), true
		},
		zero:   func() State { return &Membership{} },
		events: []Event{&MemberAdded{}, &MemberRoleChanged{}, &MemberRemoved{}},
	}
}

// RepositoryID names a repository by owner and name (case-insensitive).
type RepositoryID struct{ owner, name string }

// NewRepositoryID returns the ID of owner/name.
func NewRepositoryID(owner, name string) RepositoryID {
	return RepositoryID{owner: LowerASCII(owner), name: LowerASCII(name)}
}

// Kind returns KindRepository.
func (RepositoryID) Kind() Kind { return KindRepository }

// String returns "owner/name".
func (id RepositoryID) String() string { return id.owner + "/" + id.name }

// Owner returns the owner's login.
func (id RepositoryID) Owner() string { return id.owner }

// Name returns the repository name.
func (id RepositoryID) Name() string { return id.name }

// PartitionKey returns "REPO#owner#name".
func (id RepositoryID) PartitionKey() string { return "REPO#" + id.owner + "#" + id.name }

// parseRepositoryID parses "owner/name".
func parseRepositoryID(p []string) (RepositoryID, bool) {
	if len(p) != 2 {
		return RepositoryID{}, false
	}
	return NewRepositoryID(p[0], p[1]), true
}

// repositoryAggregate registers repositories.
func repositoryAggregate() Aggregate {
	return Aggregate{
		Kind:   KindRepository,
		parse:  func(p []string, _ string) (ID, bool) { return parseRepositoryID(p) },
		zero:   func() State { return &Repository{} },
		events: []Event{&RepositoryCreated{}, &RepositoryForked{}, &RepositoryUpdated{}, &RepositoryDeleted{}, &LabelCreated{}, &LabelUpdated{}, &LabelDeleted{}},
	}
}

// IssueID names issue number n of a repository.
type IssueID struct {
	repo   RepositoryID
	number int
}

// NewIssueID returns the ID of issue n of repo.
func NewIssueID(repo RepositoryID, n int) IssueID { return IssueID{repo: repo, number: n} }

// Kind returns KindIssue.
func (IssueID) Kind() Kind { return KindIssue }

// String returns "owner/name/n".
func (id IssueID) String() string { return id.repo.String() + "/" + strconv.Itoa(id.number) }

// Repository returns the repository.
func (id IssueID) Repository() RepositoryID { return id.repo }

// Number returns the issue number.
func (id IssueID) Number() int { return id.number }

// PartitionKey returns "ISSUE#owner#name#n" (n zero-padded to 8 digits).
func (id IssueID) PartitionKey() string { return numberedPartition("ISSUE", id.repo, id.number) }

// numberedPartition is the partition key of number n of repo.
func numberedPartition(prefix string, repo RepositoryID, n int) string {
	return fmt.Sprintf("%s#%s#%s#%08d", prefix, repo.owner, repo.name, n)
}

// parseNumberedID parses "owner/name/n".
func parseNumberedID(p []string) (RepositoryID, int, bool) {
	if len(p) != 3 {
		return RepositoryID{}, 0, false
	}
	n, ok := idNumber(p[2])
	return NewRepositoryID(p[0], p[1]), n, ok
}

// issueAggregate registers issues.
func issueAggregate() Aggregate {
	return Aggregate{
		Kind: KindIssue,
		parse: func(p []string, _ string) (ID, bool) {
			repo, n, ok := parseNumberedID(p)
			return NewIssueID(repo, n), ok
		},
		zero:      func() State { return &Issue{} },
		events:    []Event{&IssueOpened{}, &IssueEdited{}, &IssueClosed{}, &IssueReopened{}, &LabelsAdded{}, &LabelsRemoved{}},
		upcasters: []Upcaster{{EventType: "IssueOpened", From: 1, Up: upcastIssueOpenedV1}},
	}
}

// PullRequestID names pull request number n of a repository.
type PullRequestID struct {
	repo   RepositoryID
	number int
}

// NewPullRequestID returns the ID of pull request n of repo.
func NewPullRequestID(repo RepositoryID, n int) PullRequestID {
	return PullRequestID{repo: repo, number: n}
}

// Kind returns KindPullRequest.
func (PullRequestID) Kind() Kind { return KindPullRequest }

// String returns "owner/name/n".
func (id PullRequestID) String() string { return id.repo.String() + "/" + strconv.Itoa(id.number) }

// Repository returns the repository.
func (id PullRequestID) Repository() RepositoryID { return id.repo }

// Number returns the pull request number.
func (id PullRequestID) Number() int { return id.number }

// PartitionKey returns "PR#owner#name#n".
func (id PullRequestID) PartitionKey() string { return numberedPartition("PR", id.repo, id.number) }

// pullRequestAggregate registers pull requests.
func pullRequestAggregate() Aggregate {
	return Aggregate{
		Kind: KindPullRequest,
		parse: func(p []string, _ string) (ID, bool) {
			repo, n, ok := parseNumberedID(p)
			return NewPullRequestID(repo, n), ok
		},
		zero:   func() State { return &PullRequest{} },
		events: []Event{&PullRequestOpened{}, &PullRequestEdited{}, &PullRequestClosed{}, &PullRequestReopened{}, &PullRequestMerged{}, &LabelsAdded{}, &LabelsRemoved{}},
	}
}

// CommentID names a comment on issue or pull request n (numbers are shared
// between the two) of a repository.
type CommentID struct {
	repo   RepositoryID
	number int
	id     string
}

// NewCommentID returns the ID of comment id on number n of repo.
func NewCommentID(repo RepositoryID, n int, id string) CommentID {
	return CommentID{repo: repo, number: n, id: id}
}

// Kind returns KindComment.
func (CommentID) Kind() Kind { return KindComment }

// String returns "owner/name/n/id".
func (id CommentID) String() string {
	return id.repo.String() + "/" + strconv.Itoa(id.number) + "/" + id.id
}

// Repository returns the repository.
func (id CommentID) Repository() RepositoryID { return id.repo }

// Number returns the issue or pull request number.
func (id CommentID) Number() int { return id.number }

// Local returns the comment's own id (time-sortable).
func (id CommentID) Local() string { return id.id }

// PartitionKey returns "COMMENT#owner#name#n#id".
func (id CommentID) PartitionKey() string {
	return numberedPartition("COMMENT", id.repo, id.number) + "#" + id.id
}

// commentAggregate registers comments.
func commentAggregate() Aggregate {
	return Aggregate{
		Kind: KindComment,
		parse: func(p []string, _ string) (ID, bool) {
			if len(p) != 4 {
				return nil, false
			}
			repo, n, ok := parseNumberedID(p[:3])
			return NewCommentID(repo, n, p[3]), ok
		},
		zero:   func() State { return &Comment{} },
		events: []Event{&CommentAdded{}, &CommentEdited{}, &CommentDeleted{}},
	}
}

// StarID names login's star on a repository.
type StarID struct {
	login string
	repo  RepositoryID
}

// NewStarID returns the ID of login's star on repo.
func NewStarID(login string, repo RepositoryID) StarID {
	return StarID{login: LowerASCII(login), repo: repo}
}

// Kind returns KindStar.
func (StarID) Kind() Kind { return KindStar }

// String returns "login/owner/name".
func (id StarID) String() string { return id.login + "/" + id.repo.String() }

// Login returns the stargazer's login.
func (id StarID) Login() string { return id.login }

// Repository returns the starred repository.
func (id StarID) Repository() RepositoryID { return id.repo }

// PartitionKey returns "STAR#login#owner#name".
func (id StarID) PartitionKey() string {
	return "STAR#" + id.login + "#" + id.repo.owner + "#" + id.repo.name
}

// starAggregate registers stars.
func starAggregate() Aggregate {
	return Aggregate{
		Kind: KindStar,
		parse: func(p []string, _ string) (ID, bool) {
			if len(p) != 3 {
				return nil, false
			}
			repo, _ := parseRepositoryID(p[1:])
			return NewStarID(p[0], repo), true
		},
		zero:   func() State { return &Star{} },
		events: []Event{&Starred{}, &Unstarred{}},
	}
}

// ReactionID names login's reaction with one content on a subject (an
// issue, pull request or comment).
type ReactionID struct {
	subject ID
	login   string
	content ReactionContent
}

// ReactionContent is one of GitHub's eight reactions.
type ReactionContent string

// The reaction contents.
const (
	ReactionThumbsUp   ReactionContent = "THUMBS_UP"
	ReactionThumbsDown ReactionContent = "THUMBS_DOWN"
	ReactionLaugh      ReactionContent = "LAUGH"
	ReactionHooray     ReactionContent = "HOORAY"
	ReactionConfused   ReactionContent = "CONFUSED"
	ReactionHeart      ReactionContent = "HEART"
	ReactionRocket     ReactionContent = "ROCKET"
	ReactionEyes       ReactionContent = "EYES"
)

// ReactionContents lists the contents in GitHub's display order.
func ReactionContents() []ReactionContent {
	return []ReactionContent{ReactionThumbsUp, ReactionThumbsDown, ReactionLaugh, ReactionHooray, ReactionConfused, ReactionHeart, ReactionRocket, ReactionEyes}
}

// Valid reports whether c is one of the eight contents.
func (c ReactionContent) Valid() bool {
	for _, x := range ReactionContents() {
		if c == x {
			return true
		}
	}
	return false
}

// NewReactionID returns the ID of login's reaction content on subject,
// which must be an IssueID, PullRequestID or CommentID.
func NewReactionID(subject ID, login string, content ReactionContent) ReactionID {
	return ReactionID{subject: subject, login: LowerASCII(login), content: content}
}

// Kind returns KindReaction.
func (ReactionID) Kind() Kind { return KindReaction }

// String returns "SUBJECTKIND:subject/login/CONTENT".
func (id ReactionID) String() string {
	return string(id.subject.Kind()) + ":" + id.subject.String() + "/" + id.login + "/" + string(id.content)
}

// Subject returns the reacted-to entity.
func (id ReactionID) Subject() ID { return id.subject }

// Login returns the reacting user's login.
func (id ReactionID) Login() string { return id.login }

// Content returns the reaction content.
func (id ReactionID) Content() ReactionContent { return id.content }

// PartitionKey returns "REACTION#" + the subject's partition key +
// "#login#CONTENT".
func (id ReactionID) PartitionKey() string {
	return "REACTION#" + id.subject.PartitionKey() + "#" + id.login + "#" + string(id.content)
}

// reactionAggregate registers reactions.
func reactionAggregate() Aggregate {
	return Aggregate{
		Kind: KindReaction, parse: parseReactionID, emptyParts: true,
		zero:   func() State { return &Reaction{} },
		events: []Event{&ReactionAdded{}, &ReactionRemoved{}},
	}
}

// ParseID rebuilds an aggregate ID from its kind and String form, with
// the parser its kind registered (registry.go). Any other string,
// including one with an empty part, is an error; it never panics
// (FuzzParseID), since IDs also come from clients (node IDs).
func ParseID(kind Kind, s string) (ID, error) {
	bad := fmt.Errorf("entities: malformed %s id %q", kind, s)
	a, ok := aggregateOf(kind)
	if !ok {
		return nil, bad
	}
	parts := strings.Split(s, "/")
	if a.parse == nil || (!a.emptyParts && slices.Contains(parts, "")) {
		return nil, bad
	}
	id, ok := a.parse(parts, s)
	if !ok {
		return nil, bad
	}
	return id, nil
}

// idNumber parses an issue or pull request number of an ID: a positive
// decimal.
func idNumber(p string) (int, bool) {
	n, err := strconv.Atoi(p)
	return n, err == nil && n > 0
}

// parseReactionID parses "SUBJECTKIND:subject/login/CONTENT".
func parseReactionID(_ []string, s string) (ID, bool) {
	subjectKind, rest, ok := strings.Cut(s, ":")
	if !ok || subjectKind == "" || Kind(subjectKind) == KindReaction {
		return nil, false
	}
	rest, content, ok1 := cutLast(rest, "/")
	subjectText, login, ok2 := cutLast(rest, "/")
	if !ok1 || !ok2 || login == "" || !ReactionContent(content).Valid() {
		return nil, false
	}
	subject, err := ParseID(Kind(subjectKind), subjectText)
	if err != nil {
		return nil, false
	}
	return NewReactionID(subject, login, ReactionContent(content)), true
}

// cutLast slices s around the last instance of sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
