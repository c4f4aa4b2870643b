package projections

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// projectIssue writes an issue's read item from its state after the event
// (its GSI4 key follows the state) and, when the state changes, moves the
// repository's open/closed issue counters in the same append. Every write
// is guarded by the tombstone of the repository life the issue belongs
// to, so an issue event projected after its repository's purge writes
// nothing back.
func projectIssue(ev Event) ([]Write, error) {
	i, ok := ev.After.(*entities.Issue)
	if !ok || i == nil {
		return nil, fmt.Errorf("projections: %s left no issue state", ev.Env.Type)
	}
	set := map[string]types.AttributeValue{
		table.AttrType:      sv(table.TypeIssue),
		table.AttrVersion:   nv(ev.Env.Version),
		table.ReadRepoOwner: sv(i.Owner),
		table.ReadRepoName:  sv(i.Repo),
		table.ReadNumber:    nv(int64(i.Number)),
		table.ReadTitle:     sv(i.Title),
		table.ReadAuthor:    sv(i.Author),
		table.ReadState:     sv(string(i.State)),
		table.ReadCreatedAt: tv(i.CreatedAt),
		table.ReadUpdatedAt: tv(i.UpdatedAt),
	}
	remove := workOptional(set, nil, table.ReadBody, i.Body)
	remove = workOptional(set, remove, table.ReadStateReason, string(i.StateReason))
	remove = workOptionalTime(set, remove, table.ReadClosedAt, i.ClosedAt)
	withIndexKeys(set, table.IssueIndexKeys(i.Owner, i.Repo, i.Number, string(i.State)))
	guard := RepoGuard(i.Owner, i.Repo, i.Life)
	writes := []Write{{Key: table.IssueKey(i.Owner, i.Repo, i.Number), Set: set, Remove: remove, Guard: guard}}
	var before entities.IssueStatus
	if b, ok := ev.Before.(*entities.Issue); ok && b != nil {
		before = b.State
	}
	counters := map[entities.IssueStatus]string{entities.IssueStateOpen: table.ReadOpenIssueCount, entities.IssueStateClosed: table.ReadClosedIssueCount}
	if add := workMoveCounter(counters[before], counters[i.State]); add != nil {
		writes = append(writes, Write{Key: table.RepositoryKey(i.Owner, i.Repo), Add: add, Guard: guard, Life: i.Life})
	}
	return writes, nil
}

// workMoveCounter returns the counter changes of an entity moving from
// the collection counted by from to the one counted by to ("" for none),
// or nil when it stays.
func workMoveCounter(from, to string) map[string]int64 {
	if from == to {
		return nil
	}
	add := map[string]int64{}
	if from != "" {
		add[from] = -1
	}
	if to != "" {
		add[to] = 1
	}
	return add
}

// workOptional sets attribute name to v, or removes it when v is empty,
// so an item never carries an empty string.
func workOptional(set map[string]types.AttributeValue, remove []string, name, v string) []string {
	if v == "" {
		return append(remove, name)
	}
	set[name] = sv(v)
	return remove
}

// workOptionalTime is workOptional for an optional time.
func workOptionalTime(set map[string]types.AttributeValue, remove []string, name string, t *time.Time) []string {
	if t == nil {
		return append(remove, name)
	}
	set[name] = tv(*t)
	return remove
}
