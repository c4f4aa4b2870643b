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
// A cursor seals "version/total" with the Pager, bound to the aggregate:
// the version to continue below, and the totalCount the first page saw.
// Carrying the total keeps later pages free of a second read and keeps
// totalCount consistent with the snapshot of the log the client is
// paging (pages continue below a fixed version, so events appended
// meanwhile are not in them either).
func historyConnection(ctx context.Context, store *events.Store, id entities.ID, first *int32, after *string) (*model.HistoryConnection, error) {
	if first == nil {
		return nil, entities.BadInput("first", "you must provide a first value to paginate")
	}
	if *first < 1 || *first > loaders.MaxPageSize {
		return nil, entities.BadInput("first", "must be between 1 and %d (got %d)", loaders.MaxPageSize, *first)
	}
	pager := loadersFrom(ctx).Pager
	binding := "history/" + string(id.Kind()) + "/" + id.String()
	var before, total int64
	if after != nil {
		tok, err := pager.OpenToken(binding, *after)
		if err != nil {
			return nil, err
		}
		if before, total, err = parseHistoryToken(tok); err != nil {
			return nil, err
		}
	}
	page, err := store.History(ctx, id, before, *first)
	if err != nil {
		return nil, err
	}
	if after == nil && len(page.Events) > 0 {
		total = page.Events[0].Version
	}
	conn := &model.HistoryConnection{
		Edges:      make([]*model.HistoryEventEdge, 0, len(page.Events)),
		Nodes:      make([]*model.HistoryEvent, 0, len(page.Events)),
		PageInfo:   &model.PageInfo{HasNextPage: page.Next != 0, HasPreviousPage: after != nil},
		TotalCount: int32(total),
	}
	codec := store.Codec()
	for _, env := range page.Events {
		cursor, err := pager.SealToken(binding, fmt.Sprintf("%d/%d", env.Version, total))
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

// parseHistoryToken splits a history cursor's "version/total".
func parseHistoryToken(tok string) (before, total int64, err error) {
	v, t, ok := strings.Cut(tok, "/")
	before, err1 := strconv.ParseInt(v, 10, 64)
	total, err2 := strconv.ParseInt(t, 10, 64)
	if !ok || err1 != nil || err2 != nil || before < 1 {
		return 0, 0, entities.BadInput("after", "the cursor is invalid or belongs to another connection")
	}
	return before, total, nil
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
