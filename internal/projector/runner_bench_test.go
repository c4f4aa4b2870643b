package projector

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/table"
)

// Benchmarks of the projector on the embedded (memory) engine. Each is a
// one-shot measurement reported as custom metrics; run with -benchtime 1x:
//
//	go test ./internal/projector -run '^$' -bench 'RunnerThroughput|ProjectorLag|Rebuild' -benchtime 1x
//
// HUBSTREAM_BENCH_EVENTS sets the log size of BenchmarkRebuild (default
// 200 000; 1 000 000 for the full run).

// BenchmarkRunnerThroughput: a backlog of account events (users created,
// then profiles updated, through the real Executor) spread over 4 shards;
// one worker drains it. Steady apply throughput = events / drain time.
func BenchmarkRunnerThroughput(b *testing.B) {
	const users, updates = 2000, 9
	for range b.N {
		e := newTestEnv(b, ddblocal.StreamOptions{Shards: 4})
		ctx := context.Background()
		var wg sync.WaitGroup
		start := time.Now()
		for g := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for u := g; u < users; u += 16 {
					login := fmt.Sprintf("tp%05d", u)
					if _, err := e.x.Execute(ctx, login, entities.CreateUser{Login: login, Name: "n"}); err != nil {
						b.Error(err)
						return
					}
				}
				for k := range updates {
					for u := g; u < users; u += 16 {
						name := fmt.Sprintf("n%d", k)
						if _, err := e.x.Execute(ctx, fmt.Sprintf("tp%05d", u), entities.UpdateProfile{Login: fmt.Sprintf("tp%05d", u), Name: &name}); err != nil {
							b.Error(err)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		total := int64(users * (1 + updates))
		b.Logf("backlog of %d events written in %v", total, time.Since(start).Round(time.Millisecond))

		var applied atomic.Int64
		done := make(chan struct{})
		if f := os.Getenv("HUBSTREAM_BENCH_CPUPROFILE"); f != "" {
			out, err := os.Create(f)
			if err != nil {
				b.Fatal(err)
			}
			_ = pprof.StartCPUProfile(out)
			defer func() { pprof.StopCPUProfile(); _ = out.Close() }()
		}
		b.ResetTimer()
		t0 := time.Now()
		e.startWorker(RunnerOptions{LeaseTimeout: 10 * time.Second, Logger: discardLogger(), OnApplied: func(a Applied) {
			if applied.Add(a.Last-a.First+1) == total {
				close(done)
			}
		}}, nil, nil)
		select {
		case <-done:
		case <-time.After(5 * time.Minute):
			b.Fatalf("only %d of %d events applied", applied.Load(), total)
		}
		el := time.Since(t0)
		b.StopTimer()
		b.ReportMetric(float64(total)/el.Seconds(), "events/s")
		b.ReportMetric(el.Seconds(), "drain_s")
		b.ReportMetric(0, "ns/op")
	}
}

// BenchmarkProjectorLag: an open-loop load of 200 account mutations per
// second (a third creations, the rest profile updates) through the
// Executor for 10 s, one worker on 4 shards. Lag is measured from the
// moment Execute returned (the append is committed) to the moment the
// runner finished applying it (OnApplied); with 1 ms resolution.
func BenchmarkProjectorLag(b *testing.B) {
	const rate, dur = 200, 10 * time.Second
	for range b.N {
		e := newTestEnv(b, ddblocal.StreamOptions{Shards: 4})
		ctx := context.Background()
		var mu sync.Mutex
		committed := map[string]time.Time{}
		visible := map[string]time.Time{}
		key := func(id entities.ID, v int64) string { return id.String() + "@" + strconv.FormatInt(v, 10) }
		w := e.startWorker(RunnerOptions{LeaseTimeout: 10 * time.Second, Logger: discardLogger(), OnApplied: func(a Applied) {
			now := time.Now()
			mu.Lock()
			for v := a.First; v <= a.Last; v++ {
				visible[key(a.ID, v)] = now
			}
			mu.Unlock()
		}}, nil, nil)
		eventually(b, 10*time.Second, func() bool { return len(w.r.Owned()) == 4 }, "the worker owning the 4 shards")
		var logins []string
		var lmu sync.Mutex
		tick := time.NewTicker(time.Second / rate)
		end := time.Now().Add(dur)
		var wg sync.WaitGroup
		sent := 0
		start := time.Now()
		b.ResetTimer()
		for i := 0; time.Now().Before(end); i++ {
			<-tick.C
			sent++
			wg.Add(1)
			go func() {
				defer wg.Done()
				lmu.Lock()
				create := len(logins) < 20 || i%3 == 0
				login := fmt.Sprintf("lag%05d", i)
				if !create {
					login = logins[(i*7919)%len(logins)]
				}
				lmu.Unlock()
				var res events.Result
				var err error
				if create {
					res, err = e.x.Execute(ctx, login, entities.CreateUser{Login: login, Name: "n"})
				} else {
					name := fmt.Sprintf("n%d", i)
					res, err = e.x.Execute(ctx, login, entities.UpdateProfile{Login: login, Name: &name})
				}
				now := time.Now()
				if err != nil {
					b.Error(err)
					return
				}
				if create {
					lmu.Lock()
					logins = append(logins, login)
					lmu.Unlock()
				}
				mu.Lock()
				for _, env := range res.Appended {
					id, _ := events.ParseID(env.Kind, env.Aggregate)
					committed[key(id, env.Version)] = now
				}
				mu.Unlock()
			}()
		}
		tick.Stop()
		wg.Wait()
		elapsed := time.Since(start)
		deadline := time.Now().Add(30 * time.Second)
		var lags []time.Duration
		for {
			mu.Lock()
			missing := 0
			lags = lags[:0]
			for k, c := range committed {
				v, ok := visible[k]
				if !ok {
					missing++
					continue
				}
				lags = append(lags, max(0, v.Sub(c)))
			}
			mu.Unlock()
			if missing == 0 || time.Now().After(deadline) {
				if missing > 0 {
					b.Fatalf("%d appends never applied", missing)
				}
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.StopTimer()
		slices.Sort(lags)
		pct := func(p float64) float64 {
			return float64(lags[min(len(lags)-1, int(p*float64(len(lags))))].Microseconds()) / 1000
		}
		// Committed mutations over the time they took, not the offered rate.
		b.ReportMetric(float64(len(committed))/elapsed.Seconds(), "mutations/s")
		b.ReportMetric(pct(0.50), "p50_lag_ms")
		b.ReportMetric(pct(0.99), "p99_lag_ms")
		b.ReportMetric(pct(1), "max_lag_ms")
		b.ReportMetric(0, "ns/op")
	}
}

// BenchmarkRebuild: an event log of HUBSTREAM_BENCH_EVENTS account events
// (10 per user: created, then 9 profile updates), written directly as
// event items, is rebuilt into a fresh table of the same engine.
func BenchmarkRebuild(b *testing.B) {
	const perUser = 10
	n := benchEvents(b, perUser)
	for range b.N {
		e := newTestEnv(b, ddblocal.StreamOptions{})
		ctx := context.Background()
		writeTimedLog(b, e, n/perUser, perUser)
		if err := table.EnsureTable(ctx, e.db, "rebuilt", time.Minute); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		st, err := Rebuild(ctx, RebuildOptions{SourceDB: e.db, SourceTable: e.table, TargetDB: e.db, TargetTable: "rebuilt", Segments: 8, Workers: 16})
		b.StopTimer()
		reportRebuild(b, st, err, n/perUser*perUser)
	}
}

// BenchmarkRebuildHTTP is BenchmarkRebuild against a network endpoint:
// the engine behind an HTTP listener on loopback, the rebuild talking to
// it through the SDK over TCP, as `projector rebuild` does against
// ddblocal or DynamoDB.
//
//	go test ./internal/projector -run '^$' -bench RebuildHTTP -benchtime 1x
func BenchmarkRebuildHTTP(b *testing.B) {
	const perUser = 10
	n := benchEvents(b, perUser)
	for _, mode := range []string{"scratch", "direct"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				e := newTestEnv(b, ddblocal.StreamOptions{})
				srv := httptest.NewServer(e.eng)
				ctx := context.Background()
				c, err := table.NewClients(ctx, table.ClientConfig{Endpoint: srv.URL, StaticCredentials: true})
				if err != nil {
					b.Fatal(err)
				}
				writeTimedLog(b, e, n/perUser, perUser)
				if err := table.EnsureTable(ctx, c.DB, "rebuilt", time.Minute); err != nil {
					b.Fatal(err)
				}
				opts := RebuildOptions{SourceDB: c.DB, SourceTable: e.table, TargetDB: c.DB, TargetTable: "rebuilt", Purge: true, Logger: obs.PrintfLogger(b.Logf, slog.LevelInfo)}
				if mode == "scratch" {
					// As `projector rebuild` does: the replay goes into an
					// in-memory engine of the rebuilding process.
					scratch := newTestEnv(b, ddblocal.StreamOptions{})
					if err := PrepareScratch(ctx, scratch.db, "scratch"); err != nil {
						b.Fatal(err)
					}
					opts.ScratchDB, opts.ScratchTable = scratch.db, "scratch"
				}
				b.ResetTimer()
				st, err := Rebuild(ctx, opts)
				b.StopTimer()
				srv.Close()
				reportRebuild(b, st, err, n/perUser*perUser)
			}
		})
	}
}

// BenchmarkSweep: the cost of one anti-entropy pass. A table of
// HUBSTREAM_BENCH_EVENTS/10 accounts with 10 events each, their heads,
// projection markers and read items (as the live system has them) is
// swept with no rate limit; a tenth of the aggregates have lost their
// projection and are repaired. It reports the read capacity the pass
// consumed (as the engine computes it, DynamoDB's way: item bytes read
// / 4 KB, halved for eventually consistent reads) per million
// aggregates, and the time a pass takes per million aggregates at the
// default read rate (200 units/s).
//
//	go test ./internal/projector -run '^$' -bench Sweep -benchtime 1x
func BenchmarkSweep(b *testing.B) {
	const perUser = 10
	n := benchEvents(b, perUser)
	users := n / perUser
	for range b.N {
		e := newTestEnv(b, ddblocal.StreamOptions{})
		ctx := context.Background()
		writeLog(b, e, users, perUser)
		writeHeads(b, e, users, perUser)
		if st, err := Rebuild(ctx, RebuildOptions{SourceDB: e.db, SourceTable: e.table}); err != nil || st.Failed > 0 {
			b.Fatalf("projecting the log: %+v, %v", st, err)
		}
		for u := 0; u < users; u += 10 {
			p := table.AccountPartition(fmt.Sprintf("rb%07d", u))
			for _, k := range []table.Key{table.MarkerKey(p), table.AccountKey(fmt.Sprintf("rb%07d", u))} {
				if _, err := e.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(e.table), Key: k.AV()}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ResetTimer()
		st, err := Sweep(ctx, SweepOptions{DB: e.db, Table: e.table, Applier: NewApplier(e.db, e.table, e.codec), ReadRate: -1})
		b.StopTimer()
		if err != nil || st.Aggregates != int64(users) || st.Repaired != int64((users+9)/10) {
			b.Fatalf("sweep: %+v, %v", st, err)
		}
		perMillion := 1e6 / float64(users)
		b.ReportMetric(st.ReadUnits*perMillion, "RCU/1M_aggregates")
		b.ReportMetric(float64(st.Scanned)/float64(users), "items/aggregate")
		b.ReportMetric(st.ReadUnits*perMillion/200/3600, "hours/1M_at_200RCU/s")
		b.ReportMetric(st.Finished.Sub(st.Started).Seconds()*perMillion, "unlimited_s/1M_aggregates")
		b.ReportMetric(0, "ns/op")
	}
}

// writeHeads writes the head of each of writeLog's accounts: its version,
// state snapshot and the last append's event inline, as the Executor
// writes them (sized like them, which is what a sweep pays for).
func writeHeads(b *testing.B, e *testEnv, users, perUser int) {
	ctx := context.Background()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var reqs []ddb.WriteRequest
	flush := func() {
		for len(reqs) > 0 {
			res, err := e.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddb.WriteRequest{e.table: reqs}})
			if err != nil {
				b.Fatal(err)
			}
			reqs = res.UnprocessedItems[e.table]
		}
	}
	for u := range users {
		login := fmt.Sprintf("rb%07d", u)
		k := table.HeadKey(table.AccountPartition(login))
		at := base.Add(time.Duration(u*perUser+perUser) * time.Millisecond)
		name := fmt.Sprintf("name %d", perUser)
		data, _ := json.Marshal(&entities.ProfileUpdated{Name: &name})
		last, _ := json.Marshal([]events.Envelope{{Kind: entities.KindAccount, Aggregate: login, Type: "ProfileUpdated", Version: int64(perUser), At: at, Actor: login, Command: "bench", Schema: 1, Data: data}})
		state := fmt.Sprintf(`{"login":%q,"name":%q,"bio":"a user with a short bio","createdAt":%q,"updatedAt":%q}`, login, name, base.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
		reqs = append(reqs, ddb.WriteRequest{PutRequest: &ddb.PutRequest{Item: map[string]ddb.AttributeValue{
			"PK": sv(k.PK), "SK": sv(k.SK), "_et": sv(table.TypeHead), "kind": sv(string(entities.KindAccount)), "agg": sv(login),
			"v": nv(int64(perUser)), "seq": nv(0), "state": sv(state), "new": sv(string(last)), "at": sv(at.Format(time.RFC3339Nano)), "atMs": nv(at.UnixMilli()),
		}}})
		if len(reqs) == 25 {
			flush()
		}
	}
	flush()
}

// benchEvents is how many events a benchmark writes: 200,000, or
// HUBSTREAM_BENCH_EVENTS (at least perUser, the events of one user).
func benchEvents(b *testing.B, perUser int) int {
	b.Helper()
	s := os.Getenv("HUBSTREAM_BENCH_EVENTS")
	if s == "" {
		return 200_000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < perUser {
		b.Fatalf("HUBSTREAM_BENCH_EVENTS=%q: want an integer of at least %d", s, perUser)
	}
	return n
}

// writeTimedLog is writeLog, logging how long the log took to write.
func writeTimedLog(b *testing.B, e *testEnv, users, perUser int) {
	b.Helper()
	start := time.Now()
	writeLog(b, e, users, perUser)
	b.Logf("log of %d events written in %v", users*perUser, time.Since(start).Round(time.Millisecond))
}

// reportRebuild fails the benchmark unless the rebuild replayed events
// events without failures, and reports its rate and duration.
func reportRebuild(b *testing.B, st RebuildStats, err error, events int) {
	b.Helper()
	if err != nil || st.Failed > 0 || st.Events != int64(events) {
		b.Fatalf("rebuild: %+v, %v", st, err)
	}
	b.ReportMetric(st.EventsPerSecond(), "events/s")
	b.ReportMetric(st.Duration.Seconds(), "rebuild_s")
	b.ReportMetric(0, "ns/op")
}

// writeLog writes users×perUser account events as event items with
// BatchWriteItem (no heads, no stream consumer: only the log matters).
func writeLog(b *testing.B, e *testEnv, users, perUser int) {
	ctx := context.Background()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	work := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var reqs []ddb.WriteRequest
			flush := func() {
				for len(reqs) > 0 {
					res, err := e.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddb.WriteRequest{e.table: reqs}})
					if err != nil {
						b.Error(err)
						return
					}
					reqs = res.UnprocessedItems[e.table]
				}
			}
			for u := range work {
				login := fmt.Sprintf("rb%07d", u)
				for v := 1; v <= perUser; v++ {
					var ev entities.Event = &entities.UserCreated{Login: login, Name: "name", Bio: "a user with a short bio"}
					if v > 1 {
						name := fmt.Sprintf("name %d", v)
						ev = &entities.ProfileUpdated{Name: &name}
					}
					data, _ := json.Marshal(ev)
					k := table.EventKey(table.AccountPartition(login), int64(v))
					at := base.Add(time.Duration(u*perUser+v) * time.Millisecond)
					reqs = append(reqs, ddb.WriteRequest{PutRequest: &ddb.PutRequest{Item: map[string]ddb.AttributeValue{
						"PK": sv(k.PK), "SK": sv(k.SK), "_et": sv(table.TypeEvent), "kind": sv(string(entities.KindAccount)),
						"agg": sv(login), "type": sv(ev.EventType()), "v": nv(int64(v)), "at": sv(at.Format(time.RFC3339Nano)),
						"actor": sv(login), "cmd": sv("bench"), "sv": nv(1), "data": sv(string(data)),
					}}})
					if len(reqs) == 25 {
						flush()
					}
				}
			}
			flush()
		}()
	}
	for u := range users {
		work <- u
	}
	close(work)
	wg.Wait()
}
