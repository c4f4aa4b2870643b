package main

import (
	"time"

	"github.com/hubstream/hubstream/internal/projector"
)

// The JSON of `projector status --json`: a document for scripts and
// alerts, documented in docs/projector.md ("Status"). Names are
// snake_case, times RFC 3339 (absent when unknown), durations in
// milliseconds with the unit in the name — the Go types behind it are
// free to change.

type jsonStatus struct {
	Name          string        `json:"name"`
	Table         string        `json:"table"`
	At            time.Time     `json:"at"`
	Workers       []jsonWorker  `json:"workers"`
	Shards        []jsonShard   `json:"shards"`
	Blocked       []jsonBlocked `json:"blocked"`
	Parked        int           `json:"parked"`
	Losses        []jsonLoss    `json:"losses"`
	UnnotedLosses []jsonLoss    `json:"unnoted_losses"`
	Sweep         jsonSweep     `json:"sweep"`
}

type jsonWorker struct {
	ID              string     `json:"id"`
	Host            string     `json:"host"`
	Started         *time.Time `json:"started,omitempty"`
	HeartbeatExpiry time.Time  `json:"heartbeat_expiry"`
	Alive           bool       `json:"alive"`
	Metrics         string     `json:"metrics,omitempty"`
}

type jsonShard struct {
	Shard       string     `json:"shard"`
	Parent      string     `json:"parent,omitempty"`
	State       string     `json:"state"` // as in the text output
	InStream    bool       `json:"in_stream"`
	Closed      bool       `json:"closed"`
	Done        bool       `json:"done"`
	Owner       string     `json:"owner,omitempty"`
	OwnerAlive  bool       `json:"owner_alive"`
	Fence       int64      `json:"fence"`
	LeaseExpiry *time.Time `json:"lease_expiry,omitempty"`
	Checkpoint  string     `json:"checkpoint,omitempty"`
	Behind      int        `json:"behind"`
	Pending     int        `json:"pending"`
	Capped      bool       `json:"capped"`
	LagMS       int64      `json:"lag_ms"`
	CaughtUp    bool       `json:"caught_up"`
	Trimmed     bool       `json:"trimmed"`
	TrimNoted   bool       `json:"trim_noted"`
	Vanished    bool       `json:"vanished"`
}

type jsonBlocked struct {
	Partition string    `json:"partition"`
	Mode      string    `json:"mode"`
	First     int64     `json:"first_failing_version"`
	MaxSeen   int64     `json:"max_seen_version"`
	Held      int64     `json:"held"`
	Error     string    `json:"error"`
	Since     time.Time `json:"since"`
	Shard     string    `json:"shard"`
	Worker    string    `json:"worker"`
}

type jsonLoss struct {
	Kind     string     `json:"kind"`
	Where    string     `json:"where"`
	Detail   string     `json:"detail"`
	First    *time.Time `json:"first,omitempty"`
	Last     *time.Time `json:"last,omitempty"`
	Count    int64      `json:"count"`
	Worker   string     `json:"worker,omitempty"`
	Repaired *time.Time `json:"repaired,omitempty"`
}

type jsonSweepSummary struct {
	Aggregates int64   `json:"aggregates"`
	Behind     int64   `json:"behind"`
	Repaired   int64   `json:"repaired"`
	InFlight   int64   `json:"in_flight"`
	Blocked    int64   `json:"blocked"`
	Failed     int64   `json:"failed"`
	Scanned    int64   `json:"items_read"`
	ReadUnits  float64 `json:"read_units"`
}

type jsonSweep struct {
	Owner        string            `json:"owner,omitempty"`
	RunningSince *time.Time        `json:"running_since,omitempty"`
	Progress     *jsonSweepSummary `json:"progress,omitempty"`
	LastStart    *time.Time        `json:"last_start,omitempty"`
	LastEnd      *time.Time        `json:"last_end,omitempty"`
	Cutoff       *time.Time        `json:"last_cutoff,omitempty"`
	Last         *jsonSweepSummary `json:"last,omitempty"`
	Pending      bool              `json:"pending"`
	Requested    *time.Time        `json:"requested,omitempty"`
}

// statusJSON is st as the documented JSON document.
func statusJSON(st projector.Status, tbl string) jsonStatus {
	out := jsonStatus{Name: st.Name, Table: tbl, At: st.At.UTC(), Parked: st.Parked,
		Workers: []jsonWorker{}, Shards: []jsonShard{}, Blocked: []jsonBlocked{}, Losses: []jsonLoss{}, UnnotedLosses: []jsonLoss{}}
	alive := map[string]bool{}
	for _, w := range st.Workers {
		alive[w.ID] = w.Alive(st.At)
		out.Workers = append(out.Workers, jsonWorker{ID: w.ID, Host: w.Host, Started: opt(w.Started), HeartbeatExpiry: w.Expiry.UTC(), Alive: alive[w.ID], Metrics: w.Metrics})
	}
	losses := map[string]projector.Loss{}
	for _, l := range st.Losses {
		losses[l.Kind+"#"+l.Where] = l
		out.Losses = append(out.Losses, lossJSON(l))
	}
	for _, l := range st.Unnoted {
		out.UnnotedLosses = append(out.UnnotedLosses, lossJSON(l))
	}
	for _, s := range st.Shards {
		js := jsonShard{Shard: s.Shard.ID, Parent: s.Shard.Parent, State: shardState(s, losses), InStream: s.InStream, Closed: s.Shard.Closed(), Done: s.Lease.Done,
			Owner: s.Lease.Owner, OwnerAlive: alive[s.Lease.Owner], Fence: s.Lease.Fence, Checkpoint: s.Lease.Checkpoint,
			Behind: s.Behind, Pending: s.Pending, Capped: s.Capped, LagMS: s.Lag.Milliseconds(), CaughtUp: s.CaughtUp,
			Trimmed: s.Trimmed && !s.TrimNoted, TrimNoted: s.TrimNoted, Vanished: s.Vanished}
		if s.Lease.Owner != "" {
			js.LeaseExpiry = opt(s.Lease.Expiry)
		}
		out.Shards = append(out.Shards, js)
	}
	for _, b := range st.Blocked {
		out.Blocked = append(out.Blocked, jsonBlocked{Partition: b.Partition, Mode: b.Mode, First: b.First, MaxSeen: b.MaxSeen, Held: b.Held, Error: b.Error, Since: b.Since.UTC(), Shard: b.Shard, Worker: b.Worker})
	}
	sw := st.Sweep
	out.Sweep = jsonSweep{Owner: sw.Owner, RunningSince: opt(sw.Running), LastStart: opt(sw.LastStart), LastEnd: opt(sw.LastEnd), Cutoff: opt(sw.Cutoff), Pending: sw.Pending()}
	if !sw.Running.IsZero() {
		out.Sweep.Progress = sweepJSON(sw.Progress)
	} else {
		out.Sweep.Owner = ""
	}
	if !sw.LastEnd.IsZero() {
		out.Sweep.Last = sweepJSON(sw.Last)
	}
	if sw.Pending() {
		out.Sweep.Requested = opt(sw.Requested)
	}
	return out
}

func lossJSON(l projector.Loss) jsonLoss {
	return jsonLoss{Kind: l.Kind, Where: l.Where, Detail: l.Detail, First: opt(l.First), Last: opt(l.Last), Count: l.Count, Worker: l.Worker, Repaired: opt(l.Repaired)}
}

func sweepJSON(s projector.SweepSummary) *jsonSweepSummary {
	return &jsonSweepSummary{Aggregates: s.Aggregates, Behind: s.Behind, Repaired: s.Repaired, InFlight: s.InFlight, Blocked: s.Blocked, Failed: s.Failed, Scanned: s.Scanned, ReadUnits: s.ReadUnits}
}

// opt is t in UTC, or nil when t is unknown (zero).
func opt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
