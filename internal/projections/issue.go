package projections

import (
	"fmt"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
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
	item := readmodel.Issue{WorkItem: workItem(ev, &i.Work, string(i.State)), StateReason: string(i.StateReason)}
	var before entities.IssueStatus
	if b, ok := ev.Before.(*entities.Issue); ok && b != nil {
		before = b.State
	}
	counters := map[entities.IssueStatus]string{entities.IssueStateOpen: readmodel.AttrOpenIssueCount, entities.IssueStateClosed: readmodel.AttrClosedIssueCount}
	return workWrites(&i.Work, item, table.IssueKey(i.Owner, i.Repository, i.Number),
		table.IssueIndexKeys(i.Owner, i.Repository, i.Number, string(i.State), table.FormatTime(i.UpdatedAt)), counters[before], counters[i.State])
}

// workItem is the shared part of an issue's or pull request's read item.
func workItem(ev Event, w *entities.Work, state string) readmodel.WorkItem {
	return readmodel.WorkItem{
		Header:          readmodel.Header{Version: ev.Env.Version},
		RepositoryOwner: w.Owner, RepositoryName: w.Repository, Number: w.Number,
		Title: w.Title, Body: w.Body, Author: w.Author, State: state,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, ClosedAt: w.ClosedAt,
	}
}

// workWrites are the writes of an issue's or pull request's event: its
// item, and the move of the repository counter from the collection counted
// by from to the one counted by to ("" for none) when they differ, all
// guarded by the tombstone of the repository life w belongs to.
func workWrites(w *entities.Work, item readmodel.Entity, key table.Key, idx []table.IndexKey, from, to string) ([]Write, error) {
	guard := RepositoryGuard(w.Owner, w.Repository, w.Life)
	iw, err := itemWrite(key, item, idx...)
	if err != nil {
		return nil, err
	}
	iw.Guard = guard
	writes := []Write{iw}
	if from != to {
		add := map[string]int64{}
		if from != "" {
			add[from] = -1
		}
		if to != "" {
			add[to] = 1
		}
		writes = append(writes, Write{Key: table.RepositoryKey(w.Owner, w.Repository), Add: add, Guard: guard, Life: w.Life})
	}
	return writes, nil
}
