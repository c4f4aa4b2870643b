package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// client posts GraphQL requests to one server over keep-alive
// connections.
type client struct {
	url string
	hc  *http.Client
}

func newClient(url string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &client{url: url, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// body returns the JSON request body of a query.
func body(query string, vars map[string]any) ([]byte, error) {
	return json.Marshal(map[string]any{"query": query, "variables": vars})
}

// do sends one operation, as token's subject when token is set, and
// returns its data; a GraphQL error is an error.
func (c *client) do(ctx context.Context, token, query string, vars map[string]any) (json.RawMessage, error) {
	b, err := body(query, vars)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	var out struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("HTTP %d: %s", res.StatusCode, raw)
	}
	if len(out.Errors) > 0 || res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", res.StatusCode, raw)
	}
	return out.Data, nil
}

// check runs q once and validates its answer (issues were seeded).
func (c *client) check(ctx context.Context, q Query, issues int) error {
	data, err := c.do(ctx, "", q.Text, nil)
	if err != nil {
		return err
	}
	if q.Check == nil {
		return nil
	}
	return q.Check(data, issues)
}

// Result is one query's measurement.
type Result struct {
	Query    string
	Requests int           // answered in the measured time
	Elapsed  time.Duration // from the first request sent to the last answer
	P50, P99 time.Duration
	// CPU is the process's CPU time per query (server and client: they
	// share the process), which a busy machine disturbs less than the rate.
	CPU time.Duration
	// DynamoDB are the DynamoDB requests per query, by operation.
	DynamoDB map[string]float64
	// Batches are the loader batches per query, by what sent them (idle:
	// the level's fields had all asked; window: the fallback wait).
	Batches map[string]float64
}

// Rate is requests per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// errErrorAnswer marks an answer with GraphQL errors or a status other
// than 200 during the load.
var errErrorAnswer = errors.New("an answer under load was an error")

// load runs q from clients concurrent clients for d: each sends its next
// request as soon as the previous one is answered. It fails on the first
// error answer.
func (c *client) load(ctx context.Context, q Query, clients int, d time.Duration) (Result, error) {
	b, err := body(q.Text, nil)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lat := make([][]time.Duration, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for time.Now().Before(deadline) {
				t0 := time.Now()
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
				if err != nil {
					errs[i] = err
					return
				}
				req.Header.Set("Content-Type", "application/json")
				res, err := c.hc.Do(req)
				if err != nil {
					errs[i] = err
					cancel()
					return
				}
				buf.Reset()
				_, err = buf.ReadFrom(res.Body)
				res.Body.Close()
				if err != nil {
					errs[i] = err
					cancel()
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
				if res.StatusCode != http.StatusOK || bytes.Contains(buf.Bytes(), []byte(`"errors"`)) {
					errs[i] = fmt.Errorf("%w: HTTP %d: %s", errErrorAnswer, res.StatusCode, buf.Bytes())
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return Result{}, err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return Result{Query: q.Name, Requests: len(all), Elapsed: elapsed, P50: percentile(all, 0.50), P99: percentile(all, 0.99)}, nil
}

// percentile returns the p-quantile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted)) + 0.5)
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}
