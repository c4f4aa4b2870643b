package e2e_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/test/testkit"
)

// BenchmarkSubscriptionFanout measures subscription delivery on the
// embedded server: fanSubs WebSocket clients subscribe to one repository's
// activity, and issues are edited over HTTP at fanRate per second for
// fanDuration (open loop). The clients run in a child process
// (fanout_clients_test.go), so that this process measures the server
// alone. It reports the delivery lag — receipt by the client minus the
// event's commit time (its `at`), both on this machine's clock, so it
// includes the projection wait, the fan-out, the WebSocket write and the
// client's read — as p50/p99/max; the server's heap and goroutines per
// subscriber; and the CPU time per delivery of the server process and of
// the client process (unlike the lag, the machine's load does not change
// them):
//
//	go test ./test/e2e -run '^$' -bench SubscriptionFanout -benchtime 1x
//
// The cases: the issue's target (1,000 subscribers, 100 mutations/s), and
// lighter loads that show where the fan-out's throughput ends.
func BenchmarkSubscriptionFanout(b *testing.B) {
	for _, c := range []struct{ subs, rate int }{{1000, 100}, {1000, 10}, {100, 100}, {10, 10}} {
		b.Run(fmt.Sprintf("subs=%d/rate=%d", c.subs, c.rate), func(b *testing.B) { benchFanout(b, c.subs, c.rate) })
	}
}

func benchFanout(b *testing.B, fanSubs, fanRate int) {
	const fanDuration = 10 * time.Second
	srv := testkit.Start(b, testkit.Options{Configure: func(c *app.Config) {
		c.Subscriptions.Hub.MaxPerViewer = 2 * fanSubs // every client is anonymous on 127.0.0.1
		c.Subscriptions.Hub.MaxSubscriptions = 2 * fanSubs
	}})
	<-srv.App.SubscriptionsReady()
	owner := srv.As(b, "bench")
	domData(b, owner, `mutation { createUser(input: {login: "bench"}) { user { login } } }`, nil)
	domData(b, owner, `mutation { createRepository(input: {name: "fan"}) { repository { name } } }`, nil)
	const issues = 50
	for i := range issues {
		domData(b, owner, workOpenIssue, map[string]any{"in": map[string]any{"owner": "bench", "repository": "fan", "title": fmt.Sprint("issue ", i)}})
	}
	testkit.Eventually(b, 30*time.Second, func() bool {
		r, err := srv.GraphQL.Do(context.Background(), `{ repository(owner: "bench", name: "fan") { issues(first: 1) { totalCount } } }`, nil)
		return err == nil && string(r.Data) == fmt.Sprintf(`{"repository":{"issues":{"totalCount":%d}}}`, issues)
	}, "issues projected")

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goBefore := runtime.NumGoroutine()
	clients := startFanoutClients(b, srv.URL, fanSubs, `subscription { repositoryActivity(owner: "bench", name: "fan") { version at } }`)
	testkit.Eventually(b, time.Minute, func() bool {
		return testkit.MetricValue(b, srv.App.Registry(), "hubstream_subscriptions_active", nil) == float64(fanSubs)
	}, "every client subscribed")
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	goAfter := runtime.NumGoroutine()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gql := srv.As(b, "bench")
	cpuStart := cpuTime()
	b.ResetTimer()
	tick := time.NewTicker(time.Second / time.Duration(fanRate))
	end := time.After(fanDuration)
	sent := 0
	var mwg sync.WaitGroup
loop:
	for {
		select {
		case <-end:
			break loop
		case <-tick.C:
			n := sent%issues + 1
			sent++
			mwg.Add(1)
			go func() {
				defer mwg.Done()
				_, _ = gql.Do(ctx, workEditIssue, map[string]any{"in": map[string]any{"owner": "bench", "repository": "fan", "number": n, "body": fmt.Sprint(time.Now().UnixNano())}})
			}()
		}
	}
	tick.Stop()
	mwg.Wait()
	want := sent * fanSubs
	testkit.Poll(30*time.Second, func() bool { return clients.received.Load() >= int64(want) })
	b.StopTimer()
	cpu := cpuTime() - cpuStart
	res := clients.stop(b)
	lags := res.lags
	if len(lags) == 0 {
		b.Fatal("nothing delivered")
	}
	slices.Sort(lags)
	q := func(p float64) time.Duration { return lags[min(len(lags)-1, int(p*float64(len(lags))))] }
	b.ReportMetric(float64(q(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(q(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lags[len(lags)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(len(lags))/float64(want), "delivered-ratio")
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/float64(fanSubs)/1024, "heap-KiB/sub")
	b.ReportMetric(float64(goAfter-goBefore)/float64(fanSubs), "goroutines/sub")
	// CPU time of the server process (the embedded engine, projector and
	// server, and the mutations' HTTP client) per delivery, and of the
	// client process: what the machine's load does not change.
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(lags)), "server-cpu-µs/delivery")
	b.ReportMetric(float64(res.cpu.Microseconds())/float64(len(lags)), "client-cpu-µs/delivery")
	// Events released because their projection did not show within the
	// hub's wait (5 s): the projector, not the fan-out, was behind.
	b.ReportMetric(testkit.MetricValue(b, srv.App.Registry(), "hubstream_subscriptions_projection_wait_timeouts_total", nil)/float64(max(sent, 1)), "unprojected-ratio")
	b.Logf("%d mutations, %d subscribers: %d deliveries of %d", sent, fanSubs, len(lags), want)
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
