package main

import (
	"time"

	"github.com/hubstream/hubstream/internal/projections"
)

// The JSON of `projector status --json`: a stable, documented shape with
// snake_case keys, decoupled from projections' Go types so that renaming
// a field there cannot break a script (status_json_test.go holds it to a
// golden file). Times are RFC 3339 in UTC, null when unknown; durations
// are in seconds.

type statusOut struct {
	Name    string       `json:"name"`
	Table   string       `json:"table"`
	At      time.Time    `json:"at"`
	Workers []workerOut  `json:"workers"`
	Shards  []shardOut   `json:"shards"`
	Blocked []blockedOut `json:"blocked"`
	Parked  int          `json:"parked_events"`
	Losses  []lossOut    `json:"losses"`
	Sweep   sweepOut     `json:"sweep"`
}

type workerOut struct {
	ID      string     `json:"id"`
	Host    string     `json:"host"`
	Alive   bool       `json:"alive"`
	Started *time.Time `json:"started"`
	Expiry  *time.Time `json:"heartbeat_expiry"`
	Metrics string     `json:"metrics_url"`
}

type shardOut struct {
	ID         string     `json:"id"`
	Parent     string     `json:"parent"`
	State      string     `json:"state"` // open, closed, done, gone
	InStream   bool       `json:"in_stream"`
	CaughtUp   bool       `json:"caught_up"`
	Trimmed    bool       `json:"trimmed"`
	Owner      string     `json:"owner"`
	LeaseUntil *time.Time `json:"lease_expiry"`
	Fence      int64      `json:"fence"`
	Checkpoint string     `json:"checkpoint"`
	Behind     int        `json:"behind"`
	BehindCap  bool       `json:"behind_capped"`
	Pending    int        `json:"pending"`
	LagSeconds float64    `json:"lag_seconds"`
}

type blockedOut struct {
	Partition string     `json:"partition"`
	Mode      string     `json:"mode"`
	First     int64      `json:"first_version"`
	MaxSeen   int64      `json:"max_version"`
	Held      int64      `json:"held_records"`
	Error     string     `json:"error"`
	Since     *time.Time `json:"since"`
	Shard     string     `json:"shard"`
	Worker    string     `json:"worker"`
}

type lossOut struct {
	Kind     string     `json:"kind"`
	Where    string     `json:"where"`
	Detail   string     `json:"detail"`
	Count    int64      `json:"count"`
	First    *time.Time `json:"first"`
	Last     *time.Time `json:"last"`
	Repaired *time.Time `json:"repaired"`
}

type sweepOut struct {
	Owner     string          `json:"owner"`
	Pending   bool            `json:"pass_due"`
	Requested *time.Time      `json:"requested"`
	Running   *time.Time      `json:"running_since"`
	Progress  sweepSummaryOut `json:"progress"`
	LastStart *time.Time      `json:"last_start"`
	LastEnd   *time.Time      `json:"last_end"`
	Last      sweepSummaryOut `json:"last"`
}

type sweepSummaryOut struct {
	Aggregates int64   `json:"aggregates"`
	Behind     int64   `json:"behind"`
	Repaired   int64   `json:"repaired"`
	InFlight   int64   `json:"in_flight"`
	Blocked    int64   `json:"blocked"`
	Failed     int64   `json:"failed"`
	Scanned    int64   `json:"items_scanned"`
	ReadUnits  float64 `json:"read_units"`
}

// utc returns t in UTC, or nil for the zero time.
func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func summaryJSON(s projections.SweepSummary) sweepSummaryOut {
	return sweepSummaryOut{Aggregates: s.Aggregates, Behind: s.Behind, Repaired: s.Repaired, InFlight: s.InFlight,
		Blocked: s.Blocked, Failed: s.Failed, Scanned: s.Scanned, ReadUnits: s.ReadUnits}
}

// statusJSON converts a status to its JSON shape. Lists are never null.
func statusJSON(st projections.Status, tbl string) statusOut {
	out := statusOut{Name: st.Name, Table: tbl, At: st.At.UTC(), Parked: st.Parked,
		Workers: []workerOut{}, Shards: []shardOut{}, Blocked: []blockedOut{}, Losses: []lossOut{}}
	for _, w := range st.Workers {
		out.Workers = append(out.Workers, workerOut{ID: w.ID, Host: w.Host, Alive: w.Alive(st.At), Started: utc(w.Started), Expiry: utc(w.Expiry), Metrics: w.Metrics})
	}
	for _, s := range st.Shards {
		state := "open"
		switch {
		case !s.InStream:
			state = "gone"
		case s.Lease.Done:
			state = "done"
		case s.Shard.Closed():
			state = "closed"
		}
		out.Shards = append(out.Shards, shardOut{ID: s.Shard.ID, Parent: s.Shard.Parent, State: state, InStream: s.InStream,
			CaughtUp: s.CaughtUp, Trimmed: s.Trimmed, Owner: s.Lease.Owner, LeaseUntil: utc(s.Lease.Expiry), Fence: s.Lease.Fence,
			Checkpoint: s.Lease.Checkpoint, Behind: s.Behind, BehindCap: s.Capped, Pending: s.Pending, LagSeconds: s.Lag.Seconds()})
	}
	for _, b := range st.Blocked {
		out.Blocked = append(out.Blocked, blockedOut{Partition: b.Partition, Mode: b.Mode, First: b.First, MaxSeen: b.MaxSeen,
			Held: b.Held, Error: b.Error, Since: utc(b.Since), Shard: b.Shard, Worker: b.Worker})
	}
	for _, l := range st.Losses {
		out.Losses = append(out.Losses, lossOut{Kind: l.Kind, Where: l.Where, Detail: l.Detail, Count: l.Count,
			First: utc(l.First), Last: utc(l.Last), Repaired: utc(l.Repaired)})
	}
	sw := st.Sweep
	out.Sweep = sweepOut{Owner: sw.Owner, Pending: sw.Pending(), Requested: utc(sw.Requested), Running: utc(sw.Running),
		Progress: summaryJSON(sw.Progress), LastStart: utc(sw.LastStart), LastEnd: utc(sw.LastEnd), Last: summaryJSON(sw.Last)}
	return out
}
