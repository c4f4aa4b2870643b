package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/table"
)

func (c *cmdline) verifyCmd(ctx context.Context, args []string) error {
	fs := c.flags("verify")
	segments := fs.Int("segments", 8, "parallel Scan segments")
	workers := fs.Int("workers", 16, "aggregates replayed at once")
	maxShown := fs.Int("max", 0, "list at most this many drifted items (0: all of them)")
	recheck := fs.Duration("recheck", 3*time.Second, "when drift is found, verify again after this pause and report only what persists (0: report the first pass)")
	asJSON := fs.Bool("json", false, "print the drift as JSON lines")
	repair := fs.Bool("repair", false, "first run an anti-entropy pass: repair from the log every aggregate whose read model is behind its head (safe while the projector runs)")
	name := fs.String("name", "main", "projector name (--repair: whose loss notes it marks repaired and whose blocked aggregates it leaves to `dlq retry`)")
	readRate := fs.Float64("read-rate", 0, "--repair: read capacity units per second the pass may consume (0: unlimited)")
	clients, err := c.connect(ctx, fs, args)
	if err != nil {
		return err
	}
	src := table.Name()
	if *repair {
		progress := &projector.RebuildProgress{}
		stop := c.showProgress(ctx, clients.DB, src, progress, "repair")
		st, err := projector.Rebuild(ctx, projector.RebuildOptions{SourceDB: clients.DB, SourceTable: src, CatchUp: true, Name: *name,
			Segments: *segments, ReadRate: *readRate, Progress: progress, Codec: events.NewCodec(), Logger: c.logger()})
		stop()
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "repair: %d aggregates compared in %v; %d repaired from the log, %d failed\n", st.Aggregates, st.Duration.Round(time.Millisecond), st.Repaired, st.Failed)
		for _, f := range st.Failures {
			fmt.Fprintf(c.stdout, "  repair failed for %s: %v\n", f.Partition, f.Err)
		}
	}
	rep, err := c.verifyOnce(ctx, clients.DB, src, *segments, *workers)
	if err != nil {
		return err
	}
	drift := rep.Drift
	if len(drift) > 0 && *recheck > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(*recheck):
		}
		again, err := c.verifyOnce(ctx, clients.DB, src, *segments, *workers)
		if err != nil {
			return err
		}
		first := map[table.Key]string{}
		for _, d := range drift {
			first[d.Key] = d.Kind
		}
		drift = drift[:0]
		for _, d := range again.Drift {
			if first[d.Key] == d.Kind {
				drift = append(drift, d)
			}
		}
		rep = again
	}
	for i, d := range drift {
		if *maxShown > 0 && i == *maxShown {
			fmt.Fprintf(c.stdout, "… and %d more\n", len(drift)-i)
			break
		}
		if *asJSON {
			line := map[string]any{"pk": d.Key.PK, "sk": d.Key.SK, "kind": d.Kind}
			if len(d.Attrs) > 0 {
				attrs := map[string]any{}
				for _, a := range d.Attrs {
					attrs[a] = map[string]string{"want": projector.FormatAV(d.Want[a]), "got": projector.FormatAV(d.Got[a])}
				}
				line["attrs"] = attrs
			}
			b, _ := json.Marshal(line)
			fmt.Fprintln(c.stdout, string(b))
			continue
		}
		switch d.Kind {
		case projector.DriftDifferent:
			fmt.Fprintf(c.stdout, "different %s | %s\n", d.Key.PK, d.Key.SK)
			for _, a := range d.Attrs {
				fmt.Fprintf(c.stdout, "    %s: want %s, got %s\n", a, projector.FormatAV(d.Want[a]), projector.FormatAV(d.Got[a]))
			}
		case projector.DriftMissing:
			fmt.Fprintf(c.stdout, "missing   %s | %s (the replay has it, the live read model does not)\n", d.Key.PK, d.Key.SK)
		case projector.DriftExtra:
			fmt.Fprintf(c.stdout, "extra     %s | %s (the live read model has it, the replay does not)\n", d.Key.PK, d.Key.SK)
		}
	}
	fmt.Fprintf(c.stdout, "verify: %d events of %d aggregates replayed in memory in %v; %d live read items, %d replayed; %d drifted, %d aggregates failed to replay\n",
		rep.Replay.Events, rep.Replay.Aggregates, rep.Replay.Duration.Round(time.Millisecond), rep.LiveItems, rep.ReplayItems, len(drift), rep.Replay.Failed)
	for _, f := range rep.Replay.Failures {
		fmt.Fprintf(c.stdout, "  replay failed for %s: %v\n", f.Partition, f.Err)
	}
	if len(drift) > 0 || rep.Replay.Failed > 0 {
		return exitError{code: 1, msg: recommend(drift)}
	}
	return nil
}

// recommend names the command that repairs drift. An aggregate whose
// projection marker differs from the replay's is behind its head (lost
// stream records): an anti-entropy pass repairs it, and most drift with
// it, while the projector runs. Drift where every marker agrees is a read
// model that differs although it is up to date — tampering, or a changed
// projection — which only a rebuild replaces.
func recommend(drift []projector.Drift) string {
	behind := 0
	for _, d := range drift {
		if table.IsMarkerSK(d.Key.SK) {
			behind++
		}
	}
	if behind > 0 {
		return fmt.Sprintf("the read model drifted from the event log (%d items); %d aggregates are behind their head: `projector verify --repair` (or `projector rebuild --catch-up`) repairs them from the log while the projector runs; verify again afterwards", len(drift), behind)
	}
	return fmt.Sprintf("the read model drifted from the event log (%d items) where it is up to date with the log (tampering or a changed projection): stop the projector and run `projector rebuild`, or `projector rebuild --into NEW_TABLE`", len(drift))
}

// verifyOnce replays the log into a fresh in-memory engine and compares.
func (c *cmdline) verifyOnce(ctx context.Context, db *dynamodb.Client, src string, segments, workers int) (projector.VerifyReport, error) {
	mem, scratch, closeScratch, err := memoryScratch(ctx)
	if err != nil {
		return projector.VerifyReport{}, err
	}
	defer closeScratch()
	progress := &projector.RebuildProgress{}
	stop := c.showProgress(ctx, db, src, progress, "verify")
	defer stop()
	return projector.Verify(ctx, projector.VerifyOptions{
		SourceDB: db, SourceTable: src, ScratchDB: mem, ScratchTable: scratch,
		Codec: events.NewCodec(), Segments: segments, Workers: workers, Progress: progress, Logger: c.logger(),
	})
}

// memoryScratch starts an in-memory embedded engine with an empty scratch
// table for a replay (verify, or a rebuild that copies its result). The
// returned function stops the engine.
func memoryScratch(ctx context.Context) (*dynamodb.Client, string, func(), error) {
	eng, err := ddblocal.New(ddblocal.Options{Logf: func(string, ...any) {}})
	if err != nil {
		return nil, "", nil, err
	}
	mem, err := table.NewClients(ctx, table.ClientConfig{Endpoint: "http://ddblocal.memory", HTTPClient: eng.HTTPClient(), StaticCredentials: true})
	if err != nil {
		_ = eng.Close()
		return nil, "", nil, err
	}
	const scratch = "scratch"
	if err := projector.PrepareScratch(ctx, mem.DB, scratch); err != nil {
		_ = eng.Close()
		return nil, "", nil, err
	}
	return mem.DB, scratch, func() { _ = eng.Close() }, nil
}
