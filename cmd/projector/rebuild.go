package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/table"
)

func (c *cmdline) rebuildCmd(ctx context.Context, args []string) error {
	fs := c.flags("rebuild")
	name := fs.String("name", "main", "projector name (whose workers must be stopped for a live rebuild)")
	into := fs.String("into", "", "rebuild into this table (created like the main table if missing) instead of the live one")
	catchUp := fs.Bool("catch-up", false, "only repair aggregates whose read model is behind their head (after stream records were trimmed); the projector may keep running")
	force := fs.Bool("force", false, "rebuild the live table even though projector workers are alive")
	viaMemory := fs.Bool("via-memory", false, "live rebuild: replay into an in-memory engine first and copy the result over the live read model with batched writes, deleting only what the replay lacks — the read model is never empty and DynamoDB charges half (no transactions), but it needs memory for the whole read model; default: delete the read model, then replay into the table")
	segments := fs.Int("segments", 8, "parallel Scan segments")
	workers := fs.Int("workers", 16, "aggregates applied at once")
	clients, err := c.connect(ctx, fs, args)
	if err != nil {
		return err
	}
	src := table.Name()
	opts := projector.RebuildOptions{
		SourceDB: clients.DB, SourceTable: src, Codec: events.NewCodec(), Name: *name,
		Segments: *segments, Workers: *workers, Progress: &projector.RebuildProgress{}, Logger: c.logger(),
	}
	target := src
	switch {
	case *catchUp:
		if *into != "" {
			return exitError{code: 2, msg: "--catch-up repairs the live table; it cannot be combined with --into"}
		}
		opts.CatchUp = true
	case *into != "" && *into != src:
		target = *into
		if err := table.EnsureTable(ctx, clients.DB, target, 2*time.Minute); err != nil {
			return err
		}
		opts.TargetDB, opts.TargetTable, opts.Purge = clients.DB, target, true
	default:
		// A live rebuild deletes the read model first: a running projector
		// would race with it.
		ws, held, err := projector.Active(ctx, clients.DB, src, *name)
		if err != nil {
			return err
		}
		if (len(ws) > 0 || len(held) > 0) && !*force {
			var ids []string
			for _, w := range ws {
				ids = append(ids, w.ID)
			}
			return exitError{code: 2, msg: fmt.Sprintf("projector %q is running (workers %s; %d leases held): stop it before a live rebuild, use --into, or --force", *name, strings.Join(ids, ", "), len(held))}
		}
		opts.Purge = true
		if *viaMemory {
			mem, scratch, closeScratch, err := memoryScratch(ctx)
			if err != nil {
				return err
			}
			defer closeScratch()
			opts.ScratchDB, opts.ScratchTable = mem, scratch
		}
	}
	// Failures are listed in the summary (Logf would garble the bar).
	stop := c.showProgress(ctx, clients.DB, src, opts.Progress, map[bool]string{true: "catch-up", false: "rebuild"}[*catchUp])
	st, err := projector.Rebuild(ctx, opts)
	stop()
	if err != nil {
		return err
	}
	what := "replayed into " + target
	if *catchUp {
		what = "repaired in " + target
	}
	fmt.Fprintf(c.stdout, "rebuild: %d events of %d aggregates %s in %v (%.0f events/s); %d items scanned, %d read items copied, %d read items purged, %d repaired from the log, %d failed\n",
		st.Events, st.Aggregates, what, st.Duration.Round(time.Millisecond), st.EventsPerSecond(), st.Scanned, st.Copied, st.Purged, st.Repaired, st.Failed)
	for _, f := range st.Failures {
		fmt.Fprintf(c.stdout, "  failed %s: %v\n", f.Partition, f.Err)
	}
	if st.Failed > 0 {
		return exitError{code: 1, msg: fmt.Sprintf("%d aggregates could not be rebuilt", st.Failed)}
	}
	return nil
}

// showProgress reports a running rebuild, verify or repair on stderr: a
// bar on a terminal, else a log line every progressLogEvery with items
// read, events applied, events/s and the ETA. The total is the table's
// item count (DynamoDB refreshes it about every six hours: an estimate),
// read again when a purge is over, since the purge shrinks the table the
// replay then reads. The returned function stops it.
func (c *cmdline) showProgress(ctx context.Context, db *dynamodb.Client, tbl string, p *projector.RebuildProgress, what string) func() {
	itemCount := func() int64 {
		if d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tbl)}); err == nil && aws.ToInt64(d.Table.ItemCount) > 0 {
			return aws.ToInt64(d.Table.ItemCount)
		}
		return -1
	}
	total := itemCount()
	var bar *progressbar.ProgressBar
	every := c.progressEvery
	if every <= 0 {
		every = 10 * time.Second
	}
	if f, ok := c.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("items"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
			// The bar's own estimate counts from its creation, a purge
			// included; the description carries the scan's (progressRate).
			progressbar.OptionSetPredictTime(false),
		)
		every = 200 * time.Millisecond
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	meter := &progressRate{start: time.Now()}
	go func() {
		defer close(stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		purging := false
		for {
			select {
			case <-done:
				if bar != nil {
					_ = bar.Finish()
				}
				return
			case <-t.C:
			}
			scanned, evts := p.Scanned.Load(), p.Events.Load()
			if p.Purged.Load() > 0 && scanned == 0 {
				purging = true
			} else if purging && scanned > 0 {
				purging = false
				total = itemCount() // the table the replay reads, after the purge
				if bar != nil {
					bar.ChangeMax64(total)
				}
			}
			rate, eta := meter.observe(time.Now(), scanned, evts, p.Purged.Load(), total)
			desc := fmt.Sprintf("%s: %d events (%.0f/s), %d aggregates, %d purged, ETA %s", what, evts, rate, p.Aggregates.Load(), p.Purged.Load(), eta)
			if bar != nil {
				bar.Describe(desc)
				_ = bar.Set64(scanned)
				continue
			}
			of := "?"
			if total > 0 {
				of = fmt.Sprintf("≈%d (%.0f%%)", total, 100*float64(scanned)/float64(total))
			}
			fmt.Fprintf(c.stderr, "%s %s; %d items read of %s\n", time.Now().UTC().Format(time.RFC3339), desc, scanned, of)
		}
	}()
	return func() { close(done); <-stopped }
}

// progressRate measures a run's events/s and ETA from its progress
// counters, sampled at each tick. Both are measured over the scan of the
// log only: a live rebuild purges the read model first (items deleted,
// none read), and counting that time, or the items read before the first
// tick that saw the scan, would make the rate wrong and the ETA too short.
// The scan's start is the run's start when nothing was purged; after a
// purge, the first tick that sees items read (its counts the baseline).
type progressRate struct {
	start                   time.Time
	marked                  bool
	markAt                  time.Time
	markScanned, markEvents int64
}

// observe takes the counters at now and returns the events/s and the ETA
// of the scan ("unknown" until it can tell) against total items (≤ 0:
// unknown).
func (m *progressRate) observe(now time.Time, scanned, events, purged, total int64) (float64, string) {
	switch {
	case purged > 0 && scanned == 0:
		m.marked = false // purging: the scan has not begun
	case !m.marked && purged == 0:
		m.marked, m.markAt = true, m.start
	case !m.marked:
		m.marked, m.markAt, m.markScanned, m.markEvents = true, now, scanned, events
	}
	el := now.Sub(m.markAt)
	if !m.marked || el <= 0 {
		return 0, "unknown"
	}
	rate := float64(events-m.markEvents) / el.Seconds()
	read := scanned - m.markScanned
	if total <= 0 || read <= 0 || scanned >= total {
		return rate, "unknown"
	}
	eta := time.Duration(float64(total-scanned) * float64(el) / float64(read))
	return rate, eta.Round(time.Second).String()
}
