package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/table"
)

// Read-your-writes (docs/consistency.md). Reads come from the projected
// read model, which follows the event log by milliseconds in process and
// by more with a separate projector or on AWS. So:
//
//   - a mutation waits, bounded by HandlerOptions.ConsistencyWait, until
//     the projection markers of the versions it appended are reached
//     before its payload is resolved: the payload reflects its own write
//     everywhere in it;
//   - its response carries a consistency token (the extension
//     consistency.token and the header X-Hubstream-Token): the written
//     versions, sealed and bound to the viewer;
//   - a request sent with the token in X-Hubstream-After waits, bounded
//     the same way, until the read model reflects those versions. Other
//     requests never wait.
//
// Either wait that times out answers anyway, with consistency.status
// STALE: what the response shows may not include the write yet.

// Header names of read-your-writes.
const (
	// ConsistencyTokenHeader carries a mutation's consistency token.
	ConsistencyTokenHeader = "X-Hubstream-Token"
	// ConsistencyAfterHeader carries a token a request must read after.
	ConsistencyAfterHeader = "X-Hubstream-After"
)

// DefaultConsistencyWait bounds how long a mutation waits for its own
// projection, and a request for the projection of a token, by default.
const DefaultConsistencyWait = 2 * time.Second

// maxTokenBytes bounds a token a request may send: one holds at most
// loaders.MaxMarks marks.
const maxTokenBytes = 16 << 10

// Consistency statuses (the extension consistency.status).
const (
	consistencyCurrent   = "CURRENT"       // the read model reflects the writes
	consistencyStale     = "STALE"         // the wait timed out (or could not read the markers)
	consistencyUnchecked = "UNCHECKED"     // waiting is turned off (ConsistencyWait < 0)
	consistencyInvalid   = "INVALID_TOKEN" // the token is not one this server issued to this viewer
)

// consistencyState is one request's read-your-writes bookkeeping.
type consistencyState struct {
	wait  time.Duration // < 0: never wait
	pager *loaders.Pager
	w     http.ResponseWriter

	mu      sync.Mutex
	marks   map[table.Partition]int64 // versions this request's mutations appended
	written string                    // status of the mutations' own waits
	after   string                    // status of the X-Hubstream-After wait ("" without the header)
	waited  time.Duration             // how long the X-Hubstream-After wait took
}

type consistencyKey struct{}

func consistencyFrom(ctx context.Context) *consistencyState {
	st, _ := ctx.Value(consistencyKey{}).(*consistencyState)
	return st
}

// tokenBinding binds a token to the viewer it was issued to: another
// viewer's request cannot use it (and so never waits on it).
func tokenBinding(viewer string) string { return "consistency/" + strings.ToLower(viewer) }

// withConsistency prepares the request's read-your-writes state and, when
// the request carries X-Hubstream-After, waits for the projection of the
// token's versions first (bounded by wait). A token that does not open for
// this viewer is not waited for and reported INVALID_TOKEN.
func withConsistency(ctx context.Context, w http.ResponseWriter, req *http.Request, wait time.Duration, pager *loaders.Pager) context.Context {
	st := &consistencyState{wait: wait, pager: pager, w: w}
	ctx = context.WithValue(ctx, consistencyKey{}, st)
	token := req.Header.Get(ConsistencyAfterHeader)
	if token == "" {
		return ctx
	}
	viewer := ""
	if v, ok := auth.ViewerFrom(ctx); ok {
		viewer = v.Login
	}
	marks, ok := openToken(pager, viewer, token)
	switch {
	case !ok:
		st.after = consistencyInvalid
	case wait < 0:
		st.after = consistencyUnchecked
	default:
		start := time.Now()
		done, err := loaders.From(ctx).Await(ctx, marks, wait)
		st.waited = time.Since(start)
		st.after = consistencyCurrent
		if err != nil || !done {
			st.after = consistencyStale
		}
	}
	return ctx
}

// tokenMarks is a token's sealed content: versions by partition.
type tokenMarks map[table.Partition]int64

// openToken returns the marks of a token issued to viewer, or false.
func openToken(pager *loaders.Pager, viewer, token string) ([]loaders.Mark, bool) {
	if pager == nil || viewer == "" || len(token) > maxTokenBytes {
		return nil, false
	}
	raw, err := pager.OpenToken(tokenBinding(viewer), token)
	if err != nil {
		return nil, false
	}
	var m tokenMarks
	if err := json.Unmarshal([]byte(raw), &m); err != nil || len(m) > loaders.MaxMarks {
		return nil, false
	}
	marks := make([]loaders.Mark, 0, len(m))
	for p, v := range m {
		marks = append(marks, loaders.Mark{Partition: p, Version: v})
	}
	return marks, true
}

// awaitOwnWrite is called by a mutation after its command appended res:
// it waits (bounded) until the projection reflects every appended version,
// so that the payload, resolved next, shows the write everywhere, and
// records the versions for the response's token. A replay appended
// nothing and waits for nothing.
func awaitOwnWrite(ctx context.Context, res events.Result) {
	st := consistencyFrom(ctx)
	if st == nil || len(res.Appended) == 0 {
		return
	}
	own := map[table.Partition]int64{}
	for _, env := range res.Appended {
		id, err := events.ParseID(env.Kind, env.Aggregate)
		if err != nil {
			continue // the executor wrote it, so it parses; nothing to wait for otherwise
		}
		p, err := events.Partition(id)
		if err != nil {
			continue
		}
		own[p] = max(own[p], env.Version)
	}
	status := consistencyUnchecked
	if st.wait >= 0 {
		marks := make([]loaders.Mark, 0, len(own))
		for p, v := range own {
			marks = append(marks, loaders.Mark{Partition: p, Version: v})
		}
		status = consistencyCurrent
		if done, err := loaders.From(ctx).Await(ctx, marks, st.wait); err != nil || !done {
			status = consistencyStale
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.marks == nil {
		st.marks = map[table.Partition]int64{}
	}
	for p, v := range own {
		st.marks[p] = max(st.marks[p], v)
	}
	// One stale wait makes the whole response's payloads possibly stale.
	if st.written == "" || status != consistencyCurrent {
		st.written = status
	}
}

// consistencyExtension is the response middleware that reports the
// request's read-your-writes outcome in extensions.consistency, and issues
// the token of its mutations (also in the X-Hubstream-Token header).
func consistencyExtension(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	st := consistencyFrom(ctx)
	if resp == nil || st == nil {
		return resp
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	ext := map[string]any{}
	if st.after != "" {
		ext["after"] = st.after
		if st.after == consistencyCurrent || st.after == consistencyStale {
			ext["waitedMs"] = st.waited.Milliseconds()
		}
	}
	if len(st.marks) > 0 {
		if token, ok := st.token(ctx); ok {
			ext["token"] = token
			st.w.Header().Set(ConsistencyTokenHeader, token)
		}
		ext["status"] = st.written
	}
	if len(ext) == 0 {
		return resp
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["consistency"] = ext
	return resp
}

// token seals the request's marks for its viewer (held mu).
func (st *consistencyState) token(ctx context.Context) (string, bool) {
	v, ok := auth.ViewerFrom(ctx)
	if !ok || st.pager == nil {
		return "", false
	}
	marks := st.marks
	if len(marks) > loaders.MaxMarks {
		// Keep the first partitions in key order: a token too large for
		// one wait covers some of the writes rather than failing.
		keys := make([]table.Partition, 0, len(marks))
		for p := range marks {
			keys = append(keys, p)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		marks = map[table.Partition]int64{}
		for _, p := range keys[:loaders.MaxMarks] {
			marks[p] = st.marks[p]
		}
	}
	raw, err := json.Marshal(tokenMarks(marks))
	if err != nil {
		return "", false
	}
	token, err := st.pager.SealToken(tokenBinding(v.Login), string(raw))
	return token, err == nil
}
