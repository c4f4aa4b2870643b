package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hubstream/hubstream/internal/cli"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/table"
)

func (c *cmdline) statusCmd(ctx context.Context, args []string) error {
	fs := c.flags("status")
	name := fs.String("name", "main", "projector name")
	maxCount := fs.Int("max-count", 10000, "records read per shard to measure its backlog (beyond: a lower bound)")
	all := fs.Bool("all", false, "also list finished shards, every dead worker and every loss note")
	asJSON := fs.Bool("json", false, "print the status as JSON (docs/projector.md, \"Status\")")
	clients, err := c.connect(ctx, fs, args)
	if err != nil {
		return err
	}
	st, err := projector.GetStatus(ctx, projector.StatusOptions{DB: clients.DB, Streams: clients.Streams, Table: table.Name(), Name: *name, MaxCount: *maxCount})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(statusJSON(st, table.Name()))
	}
	writeStatus(c.stdout, st, table.Name(), *all)
	return nil
}

// Status output limits without --all: dead workers are listed while
// their heartbeat expired recently (their items linger an hour, and on
// DynamoDB TTL deletes them up to days later), and loss notes of one kind
// beyond a few are summarised (a week of trims on a busy stream is
// hundreds of notes, one per shard).
const (
	recentlyDead = 10 * time.Minute
	listedLosses = 10
)

// writeStatus renders st as text.
func writeStatus(out io.Writer, st projector.Status, tbl string, all bool) {
	fmt.Fprintf(out, "projector %q on table %s at %s\n", st.Name, tbl, st.At.UTC().Format(time.RFC3339))
	live := 0
	for _, w := range st.Workers {
		if w.Alive(st.At) {
			live++
		}
	}
	fmt.Fprintf(out, "workers (%d live, %d dead):\n", live, len(st.Workers)-live)
	alive := map[string]bool{}
	var oldDead []projector.Worker
	for _, w := range st.Workers {
		metrics := ""
		if w.Metrics != "" {
			metrics = ", metrics on " + w.Metrics
		}
		switch {
		case w.Alive(st.At):
			alive[w.ID] = true
			fmt.Fprintf(out, "  %s on %s, up since %s, heartbeat valid for %v%s\n", w.ID, w.Host, w.Started.UTC().Format(time.RFC3339), w.Expiry.Sub(st.At).Round(100*time.Millisecond), metrics)
		case all || st.At.Sub(w.Expiry) < recentlyDead:
			fmt.Fprintf(out, "  DEAD %s on %s: heartbeat expired %v ago (up since %s); its shards are taken over once their leases expire\n", w.ID, w.Host, st.At.Sub(w.Expiry).Round(100*time.Millisecond), w.Started.UTC().Format(time.RFC3339))
		default:
			oldDead = append(oldDead, w)
		}
	}
	if len(oldDead) > 0 {
		newest := oldDead[0].Expiry
		for _, w := range oldDead {
			if w.Expiry.After(newest) {
				newest = w.Expiry
			}
		}
		fmt.Fprintf(out, "  and %d workers dead for longer (the latest heartbeat expired %v ago; --all lists them)\n", len(oldDead), st.At.Sub(newest).Round(time.Second))
	}
	losses := map[string]projector.Loss{}
	for _, l := range st.Losses {
		losses[l.Kind+"#"+l.Where] = l
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARD\tPARENT\tSTATE\tOWNER\tFENCE\tLEASE\tCHECKPOINT\tBEHIND\tPENDING\tLAG")
	finished := 0
	for _, s := range st.Shards {
		if s.Lease.Done && !all {
			finished++
			continue
		}
		owner, lease := "-", "-"
		if s.Lease.Owner != "" {
			owner = s.Lease.Owner
			if d := s.Lease.Expiry.Sub(st.At); d > 0 {
				lease = "valid " + d.Round(100*time.Millisecond).String()
			} else {
				lease = "expired"
			}
			if !alive[owner] {
				owner += " (dead)"
			}
		} else if s.HasLease {
			lease = "free"
		}
		behind := fmt.Sprint(s.Behind)
		if s.Capped {
			behind = "≥" + behind
		}
		lag := "0s"
		if s.Lag > 0 {
			lag = s.Lag.Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%d\t%s\n", s.Shard.ID, dash(s.Shard.Parent), shardState(s, losses), owner, s.Lease.Fence, lease, dash(s.Lease.Checkpoint), behind, s.Pending, lag)
	}
	_ = tw.Flush()
	fmt.Fprintln(out, "(BEHIND: stream records after the checkpoint, the projector's own writes included; PENDING: appends among them still to project; LAG: age of the oldest pending append, from its commit time; TRIMMED: records were trimmed before they were read; VANISHED: the shard left the stream before it was finished)")
	if finished > 0 {
		fmt.Fprintf(out, "(%d finished shards not shown; --all lists them)\n", finished)
	}
	if len(st.Blocked) == 0 {
		fmt.Fprintln(out, "blocked aggregates: none")
	} else {
		fmt.Fprintf(out, "blocked aggregates: %d (projector dlq list; projector dlq retry after a fix)\n", len(st.Blocked))
		for _, b := range st.Blocked {
			fmt.Fprintf(out, "  %s %s since %s: first failing v%d, %d records held (up to v%d): %s\n", b.Partition, strings.ToUpper(b.Mode), b.Since.UTC().Format(time.RFC3339), b.First, b.Held, b.MaxSeen, firstLine(b.Error))
		}
	}
	fmt.Fprintf(out, "parked events: %d\n", st.Parked)
	sw := st.Sweep
	switch {
	case !sw.Running.IsZero():
		fmt.Fprintf(out, "sweep: pass started %s running on %s: %d aggregates compared, %d repaired so far\n", sw.Running.UTC().Format(time.RFC3339), dash(sw.Owner), sw.Progress.Aggregates, sw.Progress.Repaired)
	case !sw.LastEnd.IsZero():
		fmt.Fprintf(out, "sweep: last pass %s–%s: %d aggregates compared, %d behind, %d repaired, %d failed, %.0f read units\n",
			sw.LastStart.UTC().Format(time.RFC3339), sw.LastEnd.UTC().Format(time.RFC3339), sw.Last.Aggregates, sw.Last.Behind, sw.Last.Repaired, sw.Last.Failed, sw.Last.ReadUnits)
	default:
		fmt.Fprintln(out, "sweep: no pass yet")
	}
	if sw.Pending() {
		fmt.Fprintf(out, "sweep: a pass is due for losses noted since %s (a running projector starts it; or run `projector verify --repair`)\n", sw.Requested.UTC().Format(time.RFC3339))
	}
	writeLosses(out, st, all)
}

// shardState is a shard's STATE column.
func shardState(s projector.ShardStatus, losses map[string]projector.Loss) string {
	state := "open"
	switch {
	case s.Vanished:
		state = "VANISHED"
	case !s.InStream:
		state = "gone"
	case s.Lease.Done:
		state = "done"
	case s.Shard.Closed():
		state = "closed"
	}
	switch {
	case s.Trimmed && !s.TrimNoted:
		state += ",TRIMMED"
	case s.TrimNoted && losses[projector.LossTrimmed+"#"+s.Shard.ID].Repaired.IsZero():
		// Noted by its holder, which reads on; the LOSS line says when
		// it is repaired. Once it is, nothing is left to say here.
		state += ",trim-noted"
	}
	if s.CaughtUp && !s.Lease.Done && s.InStream {
		state += ",caught-up"
	}
	return state
}

// writeLosses lists the losses: those no note records yet, then the
// notes — each one still due, and, per kind, the repaired ones in one line
// (every note with all).
func writeLosses(out io.Writer, st projector.Status, all bool) {
	for i, l := range st.Unnoted {
		if i == listedLosses && !all {
			fmt.Fprintf(out, "LOSS … and %d more not yet noted (--all lists them)\n", len(st.Unnoted)-i)
			break
		}
		fmt.Fprintf(out, "LOSS %s %s: %s: NOT NOTED YET — a running projector notes it and sweeps; `projector verify --repair` repairs what it lost now\n", strings.ToUpper(l.Kind), l.Where, l.Detail)
	}
	type summary struct {
		notes, detections int64
		first, last, rep  time.Time
	}
	repaired := map[string]*summary{}
	var kinds []string
	due := 0
	for _, l := range st.Losses {
		if l.Repaired.IsZero() || all {
			if !l.Repaired.IsZero() || due < listedLosses || all {
				fmt.Fprintf(out, "LOSS %s %s: %s (%d times, first %s, last %s): %s\n", strings.ToUpper(l.Kind), l.Where, l.Detail, l.Count,
					l.First.UTC().Format(time.RFC3339), l.Last.UTC().Format(time.RFC3339), lossState(l))
			}
			if l.Repaired.IsZero() {
				due++
			}
			continue
		}
		sm := repaired[l.Kind]
		if sm == nil {
			sm = &summary{first: l.First}
			repaired[l.Kind] = sm
			kinds = append(kinds, l.Kind)
		}
		sm.notes++
		sm.detections += l.Count
		if l.First.Before(sm.first) {
			sm.first = l.First
		}
		if l.Last.After(sm.last) {
			sm.last = l.Last
		}
		if l.Repaired.After(sm.rep) {
			sm.rep = l.Repaired
		}
	}
	if due > listedLosses && !all {
		fmt.Fprintf(out, "LOSS … and %d more notes with a repair due (--all lists them)\n", due-listedLosses)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		sm := repaired[k]
		fmt.Fprintf(out, "LOSS %s: %d notes (%d detections, first %s, last %s): all repaired, the latest %s (--all lists them)\n", strings.ToUpper(k), sm.notes, sm.detections,
			sm.first.UTC().Format(time.RFC3339), sm.last.UTC().Format(time.RFC3339), sm.rep.UTC().Format(time.RFC3339))
	}
}

func lossState(l projector.Loss) string {
	if l.Repaired.IsZero() {
		return "REPAIR DUE: a sweep pass repairs it (automatic while a projector runs; or `projector verify --repair`)"
	}
	return "repaired " + l.Repaired.UTC().Format(time.RFC3339)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (c *cmdline) dlqCmd(ctx context.Context, args []string) error {
	if len(args) > 0 && cli.IsHelp(args[0]) {
		cli.PrintUsage(c.stdout, cli.Command{Name: "projector dlq", Args: "list|retry [flags]", Commands: [][2]string{
			{"list", subcommands["dlq list"].Summary}, {"retry", subcommands["dlq retry"].Summary}}}, nil)
		return flag.ErrHelp
	}
	if len(args) == 0 || (args[0] != "list" && args[0] != "retry") {
		return cli.Usagef("usage: projector dlq list|retry [flags] (run %q)", "projector dlq --help")
	}
	fs := c.flags("dlq " + args[0])
	name := fs.String("name", "main", "projector name")
	payload := fs.Bool("payload", false, "list: print each parked record's events")
	aggregate := fs.String("aggregate", "", "retry: only this aggregate partition (e.g. ACCOUNT#octocat)")
	if err := c.parse(fs, args[1:]); err != nil {
		return err
	}
	clients, err := c.clients(ctx)
	if err != nil {
		return err
	}
	tbl := table.Name()
	q := projector.NewDLQ(clients.DB, tbl, *name, projector.NewApplier(clients.DB, tbl, events.NewCodec()))
	out := c.stdout
	if args[0] == "list" {
		blocked, parked, err := q.List(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "blocked aggregates: %d\n", len(blocked))
		for _, b := range blocked {
			fmt.Fprintf(out, "  %s (%s:%s) %s since %s on shard %s by %s: first failing v%d, %d records held (up to v%d)\n    error: %s\n",
				b.Partition, b.Kind, b.Aggregate, strings.ToUpper(b.Mode), b.Since.UTC().Format(time.RFC3339), b.Shard, b.Worker, b.First, b.Held, b.MaxSeen, b.Error)
		}
		fmt.Fprintf(out, "parked events: %d\n", len(parked))
		for _, p := range parked {
			var types []string
			for _, e := range p.Events {
				types = append(types, e.Type)
			}
			fmt.Fprintf(out, "  %s v%d..%d [%s] %s, parked %s (shard %s, seq %s)\n    error: %s\n", p.Partition, p.First, p.Last, strings.Join(types, ","), p.Cause, p.ParkedAt.UTC().Format(time.RFC3339), p.Shard, p.Seq, p.Error)
			if *payload {
				b, _ := json.MarshalIndent(p.Events, "    ", "  ")
				fmt.Fprintf(out, "    events: %s\n", b)
			}
		}
		return nil
	}
	res, err := q.Retry(ctx, *aggregate)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range res {
		if r.Err != nil {
			failed++
			fmt.Fprintf(out, "FAILED %s: %v (kept in the DLQ)\n", r.Partition, r.Err)
			continue
		}
		fmt.Fprintf(out, "ok     %s: read model repaired up to v%d, %d parked records removed\n", r.Partition, r.UpTo, r.Removed)
	}
	fmt.Fprintf(out, "dlq retry: %d aggregates retried, %d failed\n", len(res), failed)
	if failed > 0 {
		return exitError{code: 1, msg: fmt.Sprintf("%d aggregates still fail", failed)}
	}
	return nil
}
