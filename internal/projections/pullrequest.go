package projections

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// projectPullRequest writes a pull request's read item from its state
// after the event (its GSI4 key follows the state) and, when the state
// changes, moves the repository's open/closed/merged counters in the same
// append, guarded like projectIssue's.
func projectPullRequest(ev Event) ([]Write, error) {
	p, ok := ev.After.(*entities.PullRequest)
	if !ok || p == nil {
		return nil, fmt.Errorf("projections: %s left no pull request state", ev.Env.Type)
	}
	set := map[string]types.AttributeValue{
		table.AttrType:      sv(table.TypePullRequest),
		table.AttrVersion:   nv(ev.Env.Version),
		table.ReadRepoOwner: sv(p.Owner),
		table.ReadRepoName:  sv(p.Repo),
		table.ReadNumber:    nv(int64(p.Number)),
		table.ReadTitle:     sv(p.Title),
		table.ReadAuthor:    sv(p.Author),
		table.ReadState:     sv(string(p.State)),
		table.ReadHeadRef:   sv(p.HeadRef),
		table.ReadBaseRef:   sv(p.BaseRef),
		table.ReadCreatedAt: tv(p.CreatedAt),
		table.ReadUpdatedAt: tv(p.UpdatedAt),
	}
	remove := workOptional(set, nil, table.ReadBody, p.Body)
	remove = workOptional(set, remove, table.ReadMergedBy, p.MergedBy)
	remove = workOptionalTime(set, remove, table.ReadClosedAt, p.ClosedAt)
	remove = workOptionalTime(set, remove, table.ReadMergedAt, p.MergedAt)
	withIndexKeys(set, table.PullRequestIndexKeys(p.Owner, p.Repo, p.Number, string(p.State)))
	guard := RepoGuard(p.Owner, p.Repo, p.Life)
	writes := []Write{{Key: table.PullRequestKey(p.Owner, p.Repo, p.Number), Set: set, Remove: remove, Guard: guard}}
	var before entities.PullRequestStatus
	if b, ok := ev.Before.(*entities.PullRequest); ok && b != nil {
		before = b.State
	}
	counters := map[entities.PullRequestStatus]string{
		entities.PullRequestStateOpen:   table.ReadOpenPullCount,
		entities.PullRequestStateClosed: table.ReadClosedPullCount,
		entities.PullRequestStateMerged: table.ReadMergedPullCount,
	}
	if add := workMoveCounter(counters[before], counters[p.State]); add != nil {
		writes = append(writes, Write{Key: table.RepositoryKey(p.Owner, p.Repo), Add: add, Guard: guard, Life: p.Life})
	}
	return writes, nil
}
