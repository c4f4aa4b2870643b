package e2e_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// BenchmarkProjectionLag measures how long a committed mutation takes to
// become visible in the read model, with the in-process projector on the
// memory engine, under an open-loop load of lagRate mutations per second
// (createUser and updateProfile over HTTP) for lagDuration:
//
//	go test ./test/... -run '^$' -bench ProjectionLag -benchtime 1x
//
// Commit time is when the mutation's HTTP response arrived (the write is
// committed before the response is sent, so lag is, if anything, slightly
// under-estimated by the response's transfer time). A watcher goroutine
// reads the pending users' read items with one BatchGetItem every
// millisecond and records a mutation as visible once its read item's
// updatedAt reaches the payload's updatedAt (each user has at most one
// mutation in flight, so updatedAt only grows). Resolution is about 1 ms.
func BenchmarkProjectionLag(b *testing.B) {
	const (
		lagRate     = 200
		lagDuration = 10 * time.Second
	)
	srv := testkit.Start(b, testkit.Options{})
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	b.Cleanup(hc.CloseIdleConnections)
	gql := testkit.NewClient(srv.URL+"/graphql", hc)

	var lags, latencies []time.Duration
	var sent, failed int64
	var elapsed time.Duration
	b.ResetTimer()
	for n := range b.N {
		r := driveMutations(b, srv, gql, n, lagRate, lagDuration)
		lags = append(lags, r.lags...)
		latencies = append(latencies, r.latencies...)
		sent += r.sent
		failed += r.failed
		elapsed += r.elapsed
	}
	b.StopTimer()
	if failed > 0 {
		b.Fatalf("%d of %d mutations failed", failed, sent)
	}
	if len(lags) != int(sent) {
		b.Fatalf("%d mutations sent, %d seen in the read model", sent, len(lags))
	}
	b.ReportMetric(float64(sent)/elapsed.Seconds(), "mutations/s")
	b.ReportMetric(ms(percentile(lags, 50)), "p50_lag_ms")
	b.ReportMetric(ms(percentile(lags, 99)), "p99_lag_ms")
	b.ReportMetric(ms(percentile(lags, 100)), "max_lag_ms")
	b.ReportMetric(ms(percentile(latencies, 50)), "p50_mutation_ms")
	b.ReportMetric(ms(percentile(latencies, 99)), "p99_mutation_ms")
	b.ReportMetric(0, "ns/op")
}

type lagRun struct {
	lags, latencies []time.Duration
	sent, failed    int64
	elapsed         time.Duration
}

// pendingRead is a committed mutation not yet seen in the read model.
type pendingRead struct {
	login     string
	at        time.Time // the payload's updatedAt
	committed time.Time
}

func driveMutations(b *testing.B, srv *testkit.Server, gql *testkit.Client, run, rate int, d time.Duration) lagRun {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(run), 42))
	var out lagRun
	var mu sync.Mutex // guards idle, out.latencies
	var idle []string
	var sent, failed atomic.Int64

	pending := make(chan pendingRead, 4096)
	watched := make(chan []time.Duration)
	go watchReadModel(srv, pending, watched)

	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; ; i++ {
		next := start.Add(time.Duration(i) * interval)
		if next.Sub(start) >= d {
			break
		}
		time.Sleep(time.Until(next))
		var query, login string
		var in map[string]any
		mu.Lock()
		if len(idle) < 20 || rng.IntN(5) == 0 {
			login = fmt.Sprintf("lag-%d-%d", run, i)
			query, in = createUserMutation, map[string]any{"login": login, "name": "Lag " + login}
		} else {
			j := rng.IntN(len(idle))
			login = idle[j]
			idle[j] = idle[len(idle)-1]
			idle = idle[:len(idle)-1]
			query, in = updateProfileMutation, map[string]any{"login": login, "bio": fmt.Sprintf("bio %d", i)}
		}
		mu.Unlock()
		sent.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := srv.App.DevToken(login)
			if err != nil {
				failed.Add(1)
				b.Logf("token for %s: %v", login, err)
				return
			}
			t0 := time.Now()
			res, err := gql.WithToken(tok).Do(ctx, query, map[string]any{"in": in})
			t1 := time.Now()
			var payload map[string]struct{ User user }
			if err == nil && len(res.Errors) == 0 {
				err = res.Decode(&payload)
			} else if err == nil {
				err = fmt.Errorf("%+v", res.Errors)
			}
			var at time.Time
			if err == nil {
				for _, p := range payload {
					at, err = time.Parse(time.RFC3339Nano, p.User.UpdatedAt)
				}
			}
			if err != nil {
				failed.Add(1)
				b.Logf("mutation on %s: %v", login, err)
				return
			}
			pending <- pendingRead{login: login, at: at, committed: t1}
			mu.Lock()
			out.latencies = append(out.latencies, t1.Sub(t0))
			idle = append(idle, login)
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	close(pending)
	out.lags = <-watched
	out.sent, out.failed = sent.Load(), failed.Load()
	return out
}

// watchReadModel polls the read items of pending mutations every
// millisecond and sends the observed lags when pending is closed and
// drained (or after 30 s without progress).
func watchReadModel(srv *testkit.Server, in <-chan pendingRead, out chan<- []time.Duration) {
	ctx := context.Background()
	var lags []time.Duration
	var waiting []pendingRead
	open := true
	lastProgress := time.Now()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for open || len(waiting) > 0 {
		if !open && time.Since(lastProgress) > 30*time.Second {
			break
		}
		select {
		case p, ok := <-in:
			if !ok {
				open = false
				in = nil
				continue
			}
			waiting = append(waiting, p)
			continue
		case <-tick.C:
		}
		if len(waiting) == 0 {
			continue
		}
		seen := readUpdatedAt(ctx, srv, waiting)
		now := time.Now()
		kept := waiting[:0]
		for _, p := range waiting {
			if t, ok := seen[p.login]; ok && !t.Before(p.at) {
				lags = append(lags, now.Sub(p.committed))
				lastProgress = now
				continue
			}
			kept = append(kept, p)
		}
		waiting = kept
	}
	out <- lags
}

// readUpdatedAt returns the read items' updatedAt of the pending logins.
func readUpdatedAt(ctx context.Context, srv *testkit.Server, ps []pendingRead) map[string]time.Time {
	seen := map[string]time.Time{}
	var logins []string
	dup := map[string]bool{}
	for _, p := range ps {
		if !dup[p.login] {
			dup[p.login] = true
			logins = append(logins, p.login)
		}
	}
	for start := 0; start < len(logins); start += 100 {
		chunk := logins[start:min(start+100, len(logins))]
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, l := range chunk {
			keys[i] = table.AccountKey(l).AV()
		}
		req := map[string]types.KeysAndAttributes{srv.Table(): {Keys: keys, ProjectionExpression: aws.String("#l, #u"), ExpressionAttributeNames: map[string]string{"#l": "login", "#u": "updatedAt"}}}
		for len(req) > 0 {
			res, err := srv.DB().BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return seen
			}
			for _, it := range res.Responses[srv.Table()] {
				if t, err := time.Parse(time.RFC3339Nano, testkit.S(it, "updatedAt")); err == nil {
					seen[testkit.S(it, "login")] = t
				}
			}
			req = res.UnprocessedKeys
		}
	}
	return seen
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(i, len(s))-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
