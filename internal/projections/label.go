package projections

import (
	"fmt"
	"slices"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// Labels' projections (entities/label.go, table.LabelKey). They wrap the
// projections of the aggregates labels live in: a repository's label
// events write the label's item (withLabels), and an issue's or pull
// request's events write its label links (withLabelLinks).

// withLabels projects a repository's label events, and adds the purge of
// every label of a deleted life to a repository's delete; every other
// event goes to project.
func withLabels(project projection) projection {
	return func(ev Event) ([]Write, error) {
		switch e := ev.Event.(type) {
		case *entities.LabelCreated:
			return labelItem(ev, e.Label.ID)
		case *entities.LabelUpdated:
			return labelItem(ev, e.ID)
		case *entities.LabelDeleted:
			return labelPurge(ev, e.ID)
		}
		ws, err := project(ev)
		if r, ok := ev.Before.(*entities.Repository); ok && r != nil && err == nil {
			if _, deleted := ev.Event.(*entities.RepositoryDeleted); deleted {
				// Each label of the deleted life is purged as if deleted:
				// its tombstone also stops the label counters that issues'
				// late events would move (the repository's tombstone does
				// not guard them).
				for _, l := range r.Labels {
					p, err := labelPurge(ev, l.ID)
					if err != nil {
						return nil, err
					}
					ws = append(ws, p...)
				}
			}
		}
		return ws, err
	}
}

// labelItem writes label id's item from the repository after ev, guarded
// by the repository life's tombstone. A rename rewrites the item in place
// (its key is the ID); its counters are left alone.
func labelItem(ev Event, id string) ([]Write, error) {
	r, ok := ev.After.(*entities.Repository)
	if !ok || r == nil || r.LabelByID(id) == nil {
		return nil, fmt.Errorf("projections: %s left no label %s", ev.Env.Type, id)
	}
	l := r.LabelByID(id)
	w, err := itemWrite(table.LabelKey(r.Owner, r.Name, l.ID), readmodel.Label{
		Header:          readmodel.Header{Version: ev.Env.Version},
		RepositoryOwner: r.Owner, RepositoryName: r.Name, Life: r.Life,
		ID: l.ID, Name: l.Name, Color: l.Color, Description: l.Description, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt,
	}, table.LabelIndexKeys(r.Owner, r.Name, l.Name)...)
	w.Guard = RepositoryGuard(r.Owner, r.Name, r.Life)
	return []Write{w}, err
}

// labelPurge deletes label id everywhere: its item and its links to issues
// and pull requests, behind the label's tombstone, so a link projected
// late (an issue's event ordered before the delete but applied after it)
// is dropped.
func labelPurge(ev Event, id string) ([]Write, error) {
	r, ok := ev.Before.(*entities.Repository)
	if !ok || r == nil {
		return nil, fmt.Errorf("projections: %s of a missing repository", ev.Env.Type)
	}
	tomb := table.LabelTombstoneKey(r.Owner, r.Name, id)
	spec := &PurgeSpec{Tombstone: &tomb, Items: []PurgeItem{{Key: table.LabelKey(r.Owner, r.Name, id)}}}
	for _, kind := range []entities.Kind{entities.KindIssue, entities.KindPullRequest} {
		pk, prefix := table.LabeledBy(r.Owner, r.Name, id, string(kind))
		spec.Collections = append(spec.Collections, PurgeCollection{Index: table.GSI1, PK: pk, SKPrefix: prefix})
	}
	return []Write{{Purge: spec}}, nil
}

// withLabelLinks adds to an issue's or pull request's writes its label
// links: one per label after the event (carrying the item's state, which
// Repository.issues(labels:) filters on), the links of removed labels
// deleted, and the labels' counters moved — each guarded by its label's
// tombstone, so nothing is linked to a deleted label.
func withLabelLinks(project projection) projection {
	return func(ev Event) ([]Write, error) {
		ws, err := project(ev)
		if err != nil {
			return nil, err
		}
		after, state := labeled(ev.After)
		if after == nil {
			return ws, nil
		}
		before, _ := labeled(ev.Before)
		var had []string
		if before != nil {
			had = before.Labels
		}
		kind := string(ev.Env.Kind)
		counter := readmodel.AttrIssueCount
		if ev.Env.Kind == entities.KindPullRequest {
			counter = readmodel.AttrPullRequestCount
		}
		subject := table.Partition(entities.NewIssueID(entities.NewRepositoryID(after.Owner, after.Repository), after.Number).PartitionKey())
		if ev.Env.Kind == entities.KindPullRequest {
			subject = table.Partition(entities.NewPullRequestID(entities.NewRepositoryID(after.Owner, after.Repository), after.Number).PartitionKey())
		}
		for _, id := range after.Labels {
			guard := table.LabelTombstoneKey(after.Owner, after.Repository, id)
			w, err := itemWrite(table.LabelLinkKey(subject, id), readmodel.LabelLink{
				Header:  readmodel.Header{Version: ev.Env.Version},
				LabelID: id, Kind: kind, RepositoryOwner: after.Owner, RepositoryName: after.Repository, Number: after.Number, State: state,
			}, table.LabelLinkIndexKeys(after.Owner, after.Repository, id, kind, after.Number, state, table.FormatTime(after.UpdatedAt))...)
			if err != nil {
				return nil, err
			}
			w.Guard = &guard
			ws = append(ws, w)
			if !slices.Contains(had, id) {
				ws = append(ws, Write{Key: table.LabelKey(after.Owner, after.Repository, id), Add: map[string]int64{counter: 1}, Guard: &guard})
			}
		}
		for _, id := range had {
			if !slices.Contains(after.Labels, id) {
				guard := table.LabelTombstoneKey(after.Owner, after.Repository, id)
				ws = append(ws,
					Write{Key: table.LabelLinkKey(subject, id), Delete: true, Guard: &guard},
					Write{Key: table.LabelKey(after.Owner, after.Repository, id), Add: map[string]int64{counter: -1}, Guard: &guard})
			}
		}
		return ws, nil
	}
}

// labeled returns the shared state and the state name of an issue or pull
// request state (nil for anything else).
func labeled(s entities.State) (*entities.Work, string) {
	switch s := s.(type) {
	case *entities.Issue:
		if s != nil {
			return &s.Work, string(s.State)
		}
	case *entities.PullRequest:
		if s != nil {
			return &s.Work, string(s.State)
		}
	}
	return nil, ""
}
