package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/hubstream/hubstream/graph/model"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/loaders"
)

// historyConnection lists the event log of aggregate id, newest first: the
// `history(first, after)` field of every entity. It is one Query of the
// aggregate's partition (events.Store.History).
//
// A cursor seals "version/total/floor" with the Pager, bound to the
// aggregate: the version to continue below, the totalCount the first page
// saw, and the oldest version the connection shows (see
// repositoryHistory).
// Carrying the total keeps later pages free of a second read and keeps
// totalCount consistent with the snapshot of the log the client is
// paging (pages continue below a fixed version, so events appended
// meanwhile are not in them either).
func historyConnection(ctx context.Context, store *events.Store, id entities.ID, first *int32, after *string) (*model.HistoryConnection, error) {
	return historySince(ctx, store, id, nil, first, after)
}

// repositoryHistory is the history of repository obj: the events of its
// current life only. A name reused after a delete is another repository
// (its node ID differs), and an earlier life may have been private, so
// its events are not this repository's to show.
func repositoryHistory(ctx context.Context, store *events.Store, obj *model.Repository, first *int32, after *string) (*model.HistoryConnection, error) {
	id := entities.NewRepositoryID(obj.OwnerLogin, obj.Name)
	floor := func(ctx context.Context) (int64, error) {
		if obj.Life <= 1 {
			return 1, nil
		}
		return lifeStart(ctx, store, id)
	}
	return historySince(ctx, store, id, floor, first, after)
}

// lifeStart returns the version of the newest creation event
// (RepositoryCreated or RepositoryForked) of repository id: where its
// current life begins. It pages back from the newest event.
func lifeStart(ctx context.Context, store *events.Store, id entities.ID) (int64, error) {
	var before int64
	for {
		page, err := store.History(ctx, id, before, loaders.MaxPageSize)
		if err != nil {
			return 0, err
		}
		for _, env := range page.Events {
			if env.Type == "RepositoryCreated" || env.Type == "RepositoryForked" {
				return env.Version, nil
			}
		}
		if page.Next == 0 {
			return 1, nil
		}
		before = page.Next
	}
}

// historySince lists the events of id from version floor(ctx) on (all of
// them when floor is nil), newest first.
func historySince(ctx context.Context, store *events.Store, id entities.ID, floorOf func(context.Context) (int64, error), first *int32, after *string) (*model.HistoryConnection, error) {
	if first == nil {
		return nil, entities.BadInput("first", "you must provide a first value to paginate")
	}
	if *first < 1 || *first > loaders.MaxPageSize {
		return nil, entities.BadInput("first", "must be between 1 and %d (got %d)", loaders.MaxPageSize, *first)
	}
	pager := loadersFrom(ctx).Pager
	binding := "history/" + string(id.Kind()) + "/" + id.String()
	var before, total int64
	floor := int64(1)
	if after != nil {
		tok, err := pager.OpenToken(binding, *after)
		if err != nil {
			return nil, err
		}
		if before, total, floor, err = parseHistoryToken(tok); err != nil {
			return nil, err
		}
	} else if floorOf != nil {
		f, err := floorOf(ctx)
		if err != nil {
			return nil, err
		}
		floor = max(f, 1)
	}
	page, err := store.History(ctx, id, before, *first)
	if err != nil {
		return nil, err
	}
	// Events below the floor belong to an earlier life.
	for n := len(page.Events); n > 0 && page.Events[n-1].Version < floor; n-- {
		page.Events, page.Next = page.Events[:n-1], 0
	}
	if n := len(page.Events); n > 0 && page.Events[n-1].Version <= floor {
		page.Next = 0
	}
	if after == nil && len(page.Events) > 0 {
		total = page.Events[0].Version - floor + 1
	}
	conn := &model.HistoryConnection{
		Edges:      make([]*model.HistoryEventEdge, 0, len(page.Events)),
		Nodes:      make([]*model.HistoryEvent, 0, len(page.Events)),
		PageInfo:   &model.PageInfo{HasNextPage: page.Next != 0, HasPreviousPage: after != nil},
		TotalCount: int32(total),
	}
	codec := store.Codec()
	for _, env := range page.Events {
		cursor, err := pager.SealToken(binding, fmt.Sprintf("%d/%d/%d", env.Version, total, floor))
		if err != nil {
			return nil, err
		}
		node := historyEvent(codec, env)
		conn.Edges = append(conn.Edges, &model.HistoryEventEdge{Cursor: cursor, Node: node})
		conn.Nodes = append(conn.Nodes, node)
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &conn.Edges[0].Cursor, &conn.Edges[n-1].Cursor
	}
	return conn, nil
}

// parseHistoryToken splits a history cursor's "version/total/floor".
func parseHistoryToken(tok string) (before, total, floor int64, err error) {
	parts := strings.Split(tok, "/")
	bad := entities.BadInput("after", "the cursor is invalid or belongs to another connection")
	if len(parts) != 3 {
		return 0, 0, 0, bad
	}
	before, err1 := strconv.ParseInt(parts[0], 10, 64)
	total, err2 := strconv.ParseInt(parts[1], 10, 64)
	floor, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || before < 1 || floor < 1 {
		return 0, 0, 0, bad
	}
	return before, total, floor, nil
}

// historyEvent renders one envelope. Data is the event upcast to the
// current schema, as the domain sees it; an event this build cannot
// decode is shown as stored rather than hiding the log's record.
func historyEvent(codec *events.Codec, env events.Envelope) *model.HistoryEvent {
	data := string(env.Data)
	if ev, err := codec.Decode(env); err == nil {
		if b, err := json.Marshal(ev); err == nil {
			data = string(b)
		}
	}
	return &model.HistoryEvent{Type: env.Type, Version: int32(env.Version), At: env.At, Actor: optional(env.Actor), Data: data}
}
