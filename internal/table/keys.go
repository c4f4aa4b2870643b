package table

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
)

// Partition is an aggregate partition key: every event item, the head and
// (for accounts and repositories) the entity's own read item live under it.
type Partition string

// Key is an item's primary key.
type Key struct {
	PK string
	SK string
}

// DynamoDB's key size limits.
const (
	MaxPartitionKeyBytes = 2048
	MaxSortKeyBytes      = 1024
)

// Storable reports whether DynamoDB accepts k as a key: both parts
// non-empty and within the size limits.
func (k Key) Storable() bool {
	return k.PK != "" && k.SK != "" && len(k.PK) <= MaxPartitionKeyBytes && len(k.SK) <= MaxSortKeyBytes
}

// AV returns the key as DynamoDB attribute values.
func (k Key) AV() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: k.PK},
		AttrSK: &types.AttributeValueMemberS{Value: k.SK},
	}
}

// IndexKey is an item's key in one GSI.
type IndexKey struct {
	Index string
	PK    string
	SK    string
}

// Attrs returns the GSI key attributes to store on an item.
func (k IndexKey) Attrs() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		k.Index + "PK": &types.AttributeValueMemberS{Value: k.PK},
		k.Index + "SK": &types.AttributeValueMemberS{Value: k.SK},
	}
}

// Item types (_et).
const (
	TypeEvent        = "EVENT"
	TypeHead         = "HEAD"
	TypeIdempotency  = "IDEMPOTENCY"
	TypeAccount      = "ACCOUNT"
	TypeRepository   = "REPO"
	TypeIssue        = "ISSUE"
	TypePullRequest  = "PR"
	TypeComment      = "COMMENT"
	TypeStar         = "STAR"
	TypeFork         = "FORK"
	TypeMembership   = "MEMBER"
	TypeReaction     = "REACTION"
	TypeShardLease   = "LEASE"
	TypeParkedEvent  = "DLQ"
	TypeProjectorRun = "PROJECTOR"
	TypeMarker       = "PROJECTION" // an aggregate's projection marker
	TypeLabel        = "LABEL"
	TypeLabelLink    = "LABELED"
)

// norm makes a login or repository name case-insensitive in keys, as
// GitHub's are: "Octo" and "octo" are the same account. Only ASCII
// letters are folded: Unicode folding would key a look-alike (U+212A
// KELVIN SIGN for "k") as the ASCII account (review 2, F-low-14).
func norm(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Aggregate partitions (DESIGN.md §3, the seed's entity partitions): each
// is its aggregate ID's entities.ID.PartitionKey, the one definition.

func repositoryID(owner, name string) entities.RepositoryID {
	return entities.NewRepositoryID(owner, name)
}

// AccountPartition is the partition of a user or organization.
func AccountPartition(login string) Partition {
	return Partition(entities.NewAccountID(login).PartitionKey())
}

// RepositoryPartition is the partition of a repository.
func RepositoryPartition(owner, name string) Partition {
	return Partition(repositoryID(owner, name).PartitionKey())
}

// IssuePartition is the partition of issue n of a repository.
func IssuePartition(owner, repo string, n int) Partition {
	return Partition(entities.NewIssueID(repositoryID(owner, repo), n).PartitionKey())
}

// PullRequestPartition is the partition of pull request n of a repository.
func PullRequestPartition(owner, repo string, n int) Partition {
	return Partition(entities.NewPullRequestID(repositoryID(owner, repo), n).PartitionKey())
}

// CommentPartition is the partition of a comment on issue or PR n.
func CommentPartition(owner, repo string, n int, id string) Partition {
	return Partition(entities.NewCommentID(repositoryID(owner, repo), n, id).PartitionKey())
}

// StarPartition is the partition of login's star on a repository.
func StarPartition(login, owner, repo string) Partition {
	return Partition(entities.NewStarID(login, repositoryID(owner, repo)).PartitionKey())
}

// ReactionPartition is the partition of login's reaction with content on a
// subject whose partition is subject (entities.ReactionID.PartitionKey).
func ReactionPartition(subject Partition, login, content string) Partition {
	return Partition("REACTION#" + string(subject) + "#" + norm(login) + "#" + content)
}

// MembershipPartition is the partition of login's membership of org.
func MembershipPartition(org, login string) Partition {
	return Partition(entities.NewMembershipID(org, login).PartitionKey())
}

// Write side.

// EventSKPrefix begins the sort key of every event item (and not the head).
const EventSKPrefix = "EVENT#0"

const headSK = "EVENT#HEAD"

// EventKey is the key of event v of an aggregate.
func EventKey(p Partition, v int64) Key {
	return Key{PK: string(p), SK: fmt.Sprintf("EVENT#%010d", v)}
}

// HeadKey is the key of an aggregate's head item.
func HeadKey(p Partition) Key { return Key{PK: string(p), SK: headSK} }

// IsHeadSK reports whether sk is a head item's sort key.
func IsHeadSK(sk string) bool { return sk == headSK }

// IsEventSK reports whether sk is an event item's sort key.
func IsEventSK(sk string) bool { return strings.HasPrefix(sk, "EVENT#") && sk != headSK }

// IdempotencyKey is the key of the stored result of actor's mutation with
// a client idempotency key.
func IdempotencyKey(actor, key string) Key {
	k := "IDEMPOTENCY#" + norm(actor) + "#" + key
	return Key{PK: k, SK: k}
}

// Read side (DESIGN.md §3 "Read side").

// AccountKey is the read item of a user or organization.
func AccountKey(login string) Key {
	p := string(AccountPartition(login))
	return Key{PK: p, SK: p}
}

// AccountIndexKeys are the GSI keys of an account read item.
func AccountIndexKeys(login string) []IndexKey {
	p := string(AccountPartition(login))
	return []IndexKey{{GSI1, p, p}, {GSI3, p, p}}
}

// RepositoryKey is the read item of a repository.
func RepositoryKey(owner, name string) Key {
	p := string(RepositoryPartition(owner, name))
	return Key{PK: p, SK: p}
}

// RepositoryIndexKeys are the GSI keys of a repository read item; GSI3
// orders an owner's repositories by last update.
func RepositoryIndexKeys(owner, name, updatedAt string) []IndexKey {
	p := string(RepositoryPartition(owner, name))
	return []IndexKey{
		{GSI1, p, p},
		{GSI2, p, p},
		{GSI3, string(AccountPartition(owner)), "#" + updatedAt},
		{GSI4, p, "#" + p},
	}
}

// RepositoriesByOwner is the GSI3 partition listing an owner's repositories, and
// the sort-key prefix that selects them.
func RepositoriesByOwner(owner string) (index, pk, skPrefix string) {
	return GSI3, string(AccountPartition(owner)), "#"
}

// IssueKey is the read item of issue n.
func IssueKey(owner, repo string, n int) Key {
	p := string(IssuePartition(owner, repo, n))
	return Key{PK: p, SK: p}
}

// Issues and pull requests are listed in four orders, each a collection
// of its own GSI, so that every ordering × states filter is a Query with
// ScanIndexForward and never a sort in memory (docs/architecture.md):
//
//	GSI1  all states,  by creation:  base + number
//	GSI4  one state,   by creation:  base + state + "#" + number
//	GSI3  all states,  by update:    base + updatedAt + "#" + number
//	GSI2  one state,   by update:    base + state + "#" + updatedAt + "#" + number
//
// The part after a collection's prefix is the item's order value
// (WorkOrderValue): numbers are assigned in creation order, so number
// order is creation order; updatedAt is FormatTime's fixed-width text,
// with the number as a tie-break. Several states are listed by merging
// the one-state collections on that value (internal/loaders, ordered.go).
// An update rewrites the item with its new index keys, which moves it in
// the by-update collections; a label link (LabelLinkIndexKeys) carries the
// same four keys in its label's collection and is rewritten with its item.

// Work orderings (WorkOrderField).
const (
	OrderCreated = "CREATED_AT"
	OrderUpdated = "UPDATED_AT"
)

// workOrderKeys are the four index keys of a listed issue or pull request
// (or its label link) numbered n in the collection pk whose sort keys
// begin with base.
func workOrderKeys(pk, base string, n int, state, updatedAt string) []IndexKey {
	num := fmt.Sprintf("%08d", n)
	return []IndexKey{
		{GSI1, pk, base + num},
		{GSI4, pk, base + state + "#" + num},
		{GSI3, pk, base + updatedAt + "#" + num},
		{GSI2, pk, base + state + "#" + updatedAt + "#" + num},
	}
}

// WorkOrderValue is the order value of number n last updated at
// updatedAt (FormatTime's) in ordering field: what follows a collection's
// prefix in the item's sort key.
func WorkOrderValue(field string, n int, updatedAt string) string {
	if field == OrderUpdated {
		return fmt.Sprintf("%s#%08d", updatedAt, n)
	}
	return fmt.Sprintf("%08d", n)
}

// WorkOrderNumber returns the number an order value ends with, or false
// when v is not an order value.
func WorkOrderNumber(v string) (int, bool) {
	if len(v) < 8 {
		return 0, false
	}
	d := v[len(v)-8:]
	if len(v) > 8 && v[len(v)-9] != '#' {
		return 0, false
	}
	n := 0
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// workOrderCollection returns the index and sort-key prefix of the
// collection listing one state ("" for all) in ordering field.
func workOrderCollection(base, field, state string) (index, skPrefix string) {
	switch {
	case field == OrderUpdated && state == "":
		return GSI3, base
	case field == OrderUpdated:
		return GSI2, base + state + "#"
	case state == "":
		return GSI1, base
	default:
		return GSI4, base + state + "#"
	}
}

// workPK is the GSI partition listing a repository's issues (kind ISSUE)
// or pull requests (PR) in all four orderings.
func workPK(kind, owner, repo string) string {
	return fmt.Sprintf("%s#%s#%s", kind, norm(owner), norm(repo))
}

// IssueIndexKeys are the GSI keys of issue n in state OPEN or CLOSED, last
// updated at updatedAt (FormatTime's).
func IssueIndexKeys(owner, repo string, n int, state, updatedAt string) []IndexKey {
	return workOrderKeys(workPK("ISSUE", owner, repo), "ISSUE#", n, state, updatedAt)
}

// PullRequestKey is the read item of pull request n.
func PullRequestKey(owner, repo string, n int) Key {
	p := string(PullRequestPartition(owner, repo, n))
	return Key{PK: p, SK: p}
}

// PullRequestIndexKeys are the GSI keys of pull request n in state OPEN,
// CLOSED or MERGED, last updated at updatedAt (FormatTime's).
func PullRequestIndexKeys(owner, repo string, n int, state, updatedAt string) []IndexKey {
	return workOrderKeys(workPK("PR", owner, repo), "PR#", n, state, updatedAt)
}

// IssuesOfRepository returns the index, partition and sort-key prefix that
// list a repository's issues ("ISSUE") or pull requests ("PR") in one
// state, or all of them when state is "", in ordering field (OrderCreated
// or OrderUpdated).
func IssuesOfRepository(kind, owner, repo, state, field string) (index, pk, skPrefix string) {
	index, skPrefix = workOrderCollection(kind+"#", field, state)
	return index, workPK(kind, owner, repo), skPrefix
}

// CommentKey is the read item of a comment on issue or PR n; id is
// time-sortable, so comments list oldest first.
func CommentKey(owner, repo string, n int, id string) Key {
	return Key{PK: string(RepositoryPartition(owner, repo)), SK: fmt.Sprintf("ISSUE#%08d#COMMENT#%s", n, id)}
}

// CommentsOf returns the partition and sort-key prefix listing the comments
// of issue or PR n.
func CommentsOf(owner, repo string, n int) (pk, skPrefix string) {
	return string(RepositoryPartition(owner, repo)), fmt.Sprintf("ISSUE#%08d#COMMENT#", n)
}

// StarKey is the read item of login's star on a repository, starred at.
func StarKey(login, owner, repo, at string) Key {
	return Key{PK: string(AccountPartition(login)), SK: "STAR#" + norm(owner) + "#" + norm(repo) + "#" + at}
}

// StarIndexKeys are the GSI keys of a star: the stargazers of the
// repository (GSI1) and the stars the user gave (GSI2), each in the order
// of when the star was given (at is FormatTime's, which sorts as text).
func StarIndexKeys(login, owner, repo, at string) []IndexKey {
	return []IndexKey{
		{GSI1, string(RepositoryPartition(owner, repo)), "STAR#" + at + "#" + norm(login)},
		{GSI2, starredPK(login), "STAR#" + at + "#" + norm(owner) + "#" + norm(repo)},
	}
}

// starredPK is the GSI2 partition of the stars a user gave.
func starredPK(login string) string { return "STARRED#" + string(AccountPartition(login)) }

// StarredBy returns the index, partition and prefix listing the stars
// login gave, in the order they were given.
func StarredBy(login string) (index, pk, skPrefix string) {
	return GSI2, starredPK(login), "STAR#"
}

// StarsOfUser returns the partition and sort-key prefix listing login's
// stars; with owner and repo set, only the star on that repository.
func StarsOfUser(login, owner, repo string) (pk, skPrefix string) {
	if owner != "" {
		return string(AccountPartition(login)), "STAR#" + norm(owner) + "#" + norm(repo) + "#"
	}
	return string(AccountPartition(login)), "STAR#"
}

// Stargazers returns the index, partition and prefix listing a repository's
// stargazers, in the order they starred it.
func Stargazers(owner, repo string) (index, pk, skPrefix string) {
	return GSI1, string(RepositoryPartition(owner, repo)), "STAR#"
}

// ForkKey is the read item linking a repository to its fork owned by
// forkOwner.
func ForkKey(owner, repo, forkOwner string) Key {
	return Key{PK: string(RepositoryPartition(owner, repo)), SK: "FORK#" + norm(forkOwner)}
}

// ForkIndexKeys are the GSI keys of a fork link: by fork owner (GSI2) and
// by when the fork was created (GSI1; createdAt is FormatTime's), which
// Repository.forks lists.
func ForkIndexKeys(owner, repo, forkOwner, createdAt string) []IndexKey {
	p := string(RepositoryPartition(owner, repo))
	return []IndexKey{{GSI2, p, "FORK#" + norm(forkOwner)}, {GSI1, p, "FORK#" + createdAt + "#" + norm(forkOwner)}}
}

// ForksOf returns the index, partition and prefix listing forks by owner
// login.
func ForksOf(owner, repo string) (index, pk, skPrefix string) {
	return GSI2, string(RepositoryPartition(owner, repo)), "FORK#"
}

// ForksByCreation returns the index, partition and prefix listing forks
// in the order they were created.
func ForksByCreation(owner, repo string) (index, pk, skPrefix string) {
	return GSI1, string(RepositoryPartition(owner, repo)), "FORK#"
}

// TombstoneSKPrefix begins the sort key of every tombstone: the permanent
// mark, in a deleted entity's partition, that makes late projections of
// things under it no-ops (see internal/projector, apply.go). No access
// pattern's key range includes it.
const TombstoneSKPrefix = "TOMBSTONE#"

// RepositoryTombstoneKey is the tombstone of one life of a repository (lives
// count the creations of a repository name; see entities.Repository).
func RepositoryTombstoneKey(owner, repo string, life int) Key {
	return Key{PK: string(RepositoryPartition(owner, repo)), SK: fmt.Sprintf("%s%08d", TombstoneSKPrefix, life)}
}

// Labels (entities/label.go). A label's item lives in its repository's
// partition under its ID, so a rename rewrites it in place; GSI1 lists a
// repository's labels by lower-cased name (a name's key ends in "#", so a
// prefix query for one name is exact). A label's link to an issue or pull
// request lives in that item's partition (its purge takes the links) and
// GSI1 lists the items of one label and kind, newest first by number.

// LabelKey is the read item of label id of a repository.
func LabelKey(owner, repo, id string) Key {
	return Key{PK: string(RepositoryPartition(owner, repo)), SK: "LABEL#" + id}
}

// LabelIndexKeys are the GSI keys of a label named name.
func LabelIndexKeys(owner, repo, name string) []IndexKey {
	return []IndexKey{{GSI1, labelsPK(owner, repo), "L#" + norm(name) + "#"}}
}

func labelsPK(owner, repo string) string { return "LABELS#" + norm(owner) + "#" + norm(repo) }

// LabelsOf is the GSI1 collection of a repository's labels by name; with
// a name, the one label of that name (case-insensitive).
func LabelsOf(owner, repo, name string) (index, pk, skPrefix string) {
	if name != "" {
		return GSI1, labelsPK(owner, repo), "L#" + norm(name) + "#"
	}
	return GSI1, labelsPK(owner, repo), "L#"
}

// LabelTombstoneKey is the tombstone of a deleted label: link writes of
// issues and pull requests projected after the label's purge are dropped.
func LabelTombstoneKey(owner, repo, id string) Key {
	return Key{PK: string(RepositoryPartition(owner, repo)), SK: TombstoneSKPrefix + "LABEL#" + id}
}

// LabelLinkKey is the link of label id to the issue or pull request whose
// partition is subject.
func LabelLinkKey(subject Partition, id string) Key {
	return Key{PK: string(subject), SK: "LABEL#" + id}
}

// LabelLinksOf is the prefix of the label links in an issue's or pull
// request's partition.
func LabelLinksOf(subject Partition) (pk, skPrefix string) { return string(subject), "LABEL#" }

// LabelLinkIndexKeys are the GSI keys of the link of label id to number n
// of kind ISSUE or PR, in state, last updated at updatedAt: the four
// orderings of issues and pull requests (workOrderKeys) in the label's
// collection.
func LabelLinkIndexKeys(owner, repo, id, kind string, n int, state, updatedAt string) []IndexKey {
	pk, prefix := LabeledBy(owner, repo, id, kind)
	return workOrderKeys(pk, prefix, n, state, updatedAt)
}

// LabeledBy is the GSI1 collection of the issues (kind ISSUE) or pull
// requests (PR) labeled id, by number (every link of the label has a key
// in it: purges take them from there).
func LabeledBy(owner, repo, id, kind string) (pk, skPrefix string) {
	return "LABELED#" + norm(owner) + "#" + norm(repo) + "#" + id + "#" + kind, "N#"
}

// LabeledOrdered returns the index, partition and prefix listing the
// items of kind labeled id in one state ("" for all) in ordering field.
func LabeledOrdered(owner, repo, id, kind, state, field string) (index, pk, skPrefix string) {
	pk, base := LabeledBy(owner, repo, id, kind)
	index, skPrefix = workOrderCollection(base, field, state)
	return index, pk, skPrefix
}

// MembershipKey is the read item of login's membership of org.
func MembershipKey(org, login string) Key {
	return Key{PK: string(AccountPartition(org)), SK: "MEMBER#" + norm(login)}
}

// MembershipIndexKeys are the GSI keys of a membership (organizations of a
// user).
func MembershipIndexKeys(org, login string) []IndexKey {
	return []IndexKey{{GSI1, string(AccountPartition(login)), "ORG#" + norm(org)}}
}

// MembersOf returns the partition and prefix listing an org's members.
func MembersOf(org string) (pk, skPrefix string) {
	return string(AccountPartition(org)), "MEMBER#"
}

// OrganizationsOf returns the index, partition and prefix listing a user's
// organizations.
func OrganizationsOf(login string) (index, pk, skPrefix string) {
	return GSI1, string(AccountPartition(login)), "ORG#"
}

// ReactionKey is the read item of login's reaction on a subject item. An
// issue or pull request owns its partition (PK = SK), so its reactions
// are "REACTION#{content}#{login}" there; a comment shares its
// repository's partition with every other comment, so its reactions also
// carry the comment's sort key ("REACTION#{commentSK}#{content}#{login}"),
// outside every comment-listing prefix.
func ReactionKey(subject Key, content, login string) Key {
	if subject.PK != subject.SK {
		return Key{PK: subject.PK, SK: "REACTION#" + subject.SK + "#" + content + "#" + norm(login)}
	}
	return Key{PK: subject.PK, SK: "REACTION#" + content + "#" + norm(login)}
}

// Projector bookkeeping.

// ShardLeaseKey is the lease and checkpoint item of one stream shard for
// the projector called name.
func ShardLeaseKey(name, shardID string) Key {
	return Key{PK: "PROJECTOR#" + name, SK: "SHARD#" + shardID}
}

// ParkedEventKey is the DLQ item of a parked event.
func ParkedEventKey(name string, p Partition, v int64) Key {
	return Key{PK: "PROJECTOR#" + name, SK: fmt.Sprintf("DLQ#%s#%010d", p, v)}
}

// ProjectorPartition returns the partition and prefixes of a projector's
// bookkeeping items.
func ProjectorPartition(name string) (pk, shardPrefix, dlqPrefix string) {
	return "PROJECTOR#" + name, "SHARD#", "DLQ#"
}

// FormatTime renders a time as read items and time-ordered keys store it:
// UTC, fixed width, so that it sorts as text.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// StarKeyAt is StarKey for a star made at time at.
func StarKeyAt(login, owner, repo string, at time.Time) Key {
	return StarKey(login, owner, repo, FormatTime(at))
}

// Projection bookkeeping keys (written by internal/projector).

// MarkerKey is an aggregate's projection marker: the version of its events
// the read model reflects, in the aggregate's own partition, outside every
// access pattern's key range.
func MarkerKey(p Partition) Key { return Key{PK: string(p), SK: TypeMarker} }

// IsMarkerSK reports whether sk is a projection marker's sort key.
func IsMarkerSK(sk string) bool { return sk == TypeMarker }

// Sort-key prefixes of a projector's bookkeeping items, in its
// ProjectorPartition.
const (
	WorkerSKPrefix = "WORKER#" // a worker's heartbeat
	HaltSKPrefix   = "HALT#"   // a halted (blocked) aggregate
	LossSKPrefix   = "LOSS#"   // a note that stream records were lost (trimmed, a shard vanished, a version gap)
)

// LossKey is the note of one kind of stream loss ("trimmed", "vanished",
// "gap", "stale") detected on one shard (or by the anti-entropy sweep) by
// the projector called name.
func LossKey(name, kind, where string) Key {
	return Key{PK: "PROJECTOR#" + name, SK: LossSKPrefix + kind + "#" + where}
}

// SweepKey is the state of the projector's anti-entropy sweep: who runs
// it (a lease), where the running pass is, what the last pass found, and
// when a pass was last requested.
func SweepKey(name string) Key { return Key{PK: "PROJECTOR#" + name, SK: "SWEEP"} }

// IsProjectorPK reports whether pk is a projector's bookkeeping partition.
func IsProjectorPK(pk string) bool { return strings.HasPrefix(pk, "PROJECTOR#") }

// CommentRange returns the sort-key range [from, to) of every comment of
// issues and pull requests numbered lo..hi, in the repository partition
// CommentsOf returns. "$" sorts right after "#", so the range ends after
// number hi's items.
func CommentRange(lo, hi int) (from, to string) {
	return fmt.Sprintf("ISSUE#%08d#", lo), fmt.Sprintf("ISSUE#%08d$", hi)
}

// CommentReactionRange returns the sort-key range of the reactions on
// those comments (ReactionKey of a comment subject), in the same partition.
func CommentReactionRange(lo, hi int) (from, to string) {
	return "REACTION#" + fmt.Sprintf("ISSUE#%08d#", lo), "REACTION#" + fmt.Sprintf("ISSUE#%08d$", hi)
}
