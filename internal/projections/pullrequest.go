package projections

import (
	"fmt"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
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
	item := readmodel.PullRequest{
		WorkItem: workItem(ev, &p.Work, string(p.State)),
		HeadRef:  p.HeadRef, BaseRef: p.BaseRef, MergedAt: p.MergedAt, MergedBy: p.MergedBy,
	}
	var before entities.PullRequestStatus
	if b, ok := ev.Before.(*entities.PullRequest); ok && b != nil {
		before = b.State
	}
	counters := map[entities.PullRequestStatus]string{
		entities.PullRequestStateOpen:   readmodel.AttrOpenPullCount,
		entities.PullRequestStateClosed: readmodel.AttrClosedPullCount,
		entities.PullRequestStateMerged: readmodel.AttrMergedPullCount,
	}
	return workWrites(&p.Work, item, table.PullRequestKey(p.Owner, p.Repository, p.Number),
		table.PullRequestIndexKeys(p.Owner, p.Repository, p.Number, string(p.State), table.FormatTime(p.UpdatedAt)), counters[before], counters[p.State])
}
