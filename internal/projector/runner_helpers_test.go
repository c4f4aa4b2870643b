package projector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/table"
)

// testEnv is an embedded engine with the hubstream table, a write side and
// helpers to run projector workers against it.
type testEnv struct {
	t     testing.TB
	eng   *ddblocal.Engine
	table string
	db    *dynamodb.Client // the test's own client (write side, checks)
	st    *dynamodbstreams.Client
	x     *events.Executor
	codec *events.Codec
}

func newTestEnv(t testing.TB, so ddblocal.StreamOptions) *testEnv {
	t.Helper()
	return newTestEnvWith(t, ddblocal.Options{Streams: so}, events.ExecutorOptions{})
}

// newTestEnvWith is newTestEnv with the engine's and the write side's
// options (clocks, say).
func newTestEnvWith(t testing.TB, eo ddblocal.Options, xo events.ExecutorOptions) *testEnv {
	t.Helper()
	if eo.Logf == nil {
		eo.Logf = func(string, ...any) {}
	}
	eng, err := ddblocal.New(eo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	e := &testEnv{t: t, eng: eng, table: "hubstream", codec: events.NewCodec()}
	e.db, e.st = e.clients(nil)
	if err := table.EnsureTable(context.Background(), e.db, e.table, time.Minute); err != nil {
		t.Fatal(err)
	}
	e.x = events.NewExecutor(events.NewStore(e.db, e.table, e.codec), xo)
	return e
}

// clients returns DynamoDB and Streams clients of the engine, each request
// going through wrap (when set).
func (e *testEnv) clients(wrap func(aws.HTTPClient) aws.HTTPClient) (*dynamodb.Client, *dynamodbstreams.Client) {
	var h aws.HTTPClient = e.eng.HTTPClient()
	if wrap != nil {
		h = wrap(h)
	}
	c, err := table.NewClients(context.Background(), table.ClientConfig{Endpoint: "http://ddblocal.embedded", HTTPClient: h, StaticCredentials: true, Region: "us-east-1"})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.DB, c.Streams
}

// worker is a running Runner with its own clients.
type worker struct {
	r      *Runner
	cancel context.CancelFunc
	done   chan error
	kill   *killSwitch
	gate   *gate
	marks  *markerLog
	reads  *readHook
}

// startWorker runs a Runner until the test ends (or stop). Unless opts
// names a Notifier, its readers are woken by the engine, as in the
// embedded server; startPollingWorker's poll.
func (e *testEnv) startWorker(opts RunnerOptions, marks *markerLog, codec *events.Codec) *worker {
	if opts.Notifier == nil {
		opts.Notifier = e.eng
	}
	return e.startPollingWorker(opts, marks, codec)
}

// startPollingWorker runs a Runner with opts.Notifier as given: nil, it
// polls as against a remote endpoint (PollInterval and MaxPollInterval
// default to 5 ms and 50 ms here, to keep tests short).
func (e *testEnv) startPollingWorker(opts RunnerOptions, marks *markerLog, codec *events.Codec) *worker {
	w := &worker{kill: &killSwitch{}, gate: &gate{}, marks: marks, done: make(chan error, 1), reads: &readHook{}}
	db, st := e.clients(func(h aws.HTTPClient) aws.HTTPClient {
		return &testTransport{next: h, kill: w.kill, gate: w.gate, marks: marks, reads: w.reads}
	})
	if opts.Notifier == nil && opts.PollInterval == 0 {
		opts.PollInterval, opts.MaxPollInterval = 5*time.Millisecond, 50*time.Millisecond
	}
	if codec == nil {
		codec = e.codec
	}
	if opts.LeaseTimeout == 0 {
		opts.LeaseTimeout = time.Second
	}
	if opts.RetryBase == 0 {
		opts.RetryBase = 10 * time.Millisecond
	}
	if opts.DiscoverInterval == 0 {
		opts.DiscoverInterval = 100 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = obs.PrintfLogger(testLogf(e.t), slog.LevelDebug)
	}
	w.r = NewRunner(db, st, e.table, NewApplier(db, e.table, codec), opts)
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	go func() { w.done <- w.r.Run(ctx) }()
	e.t.Cleanup(func() { w.stop(e.t) })
	return w
}

// stop cancels the worker and waits for Run to return.
func (w *worker) stop(t testing.TB) {
	w.cancel()
	select {
	case <-w.done:
		w.done <- nil // idempotent
	case <-time.After(10 * time.Second):
		t.Errorf("worker %s did not stop within 10 s", w.r.WorkerID())
	}
}

// testLogf logs to the test until it ends.
func testLogf(t testing.TB) func(string, ...any) {
	var mu sync.Mutex
	done := false
	t.Cleanup(func() { mu.Lock(); done = true; mu.Unlock() })
	return func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Logf(f, a...)
		}
	}
}

// killSwitch makes every request fail like a dead network once killed,
// and throttles a share of stream reads and transactions.
type killSwitch struct {
	killed    atomic.Bool
	throttle  atomic.Int64 // percent of GetRecords and TransactWriteItems calls answered with throttling
	throttled atomic.Int64
	calls     atomic.Int64
}

// throttledResponse is DynamoDB's answer to a throttled request.
func throttledResponse(req *http.Request, streamsAPI bool) *http.Response {
	typ := "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
	if streamsAPI {
		typ = "com.amazonaws.dynamodb.v20120810#LimitExceededException"
	}
	return awsErrorResponse(req, 400, typ, "Rate exceeded (injected)")
}

// awsErrorResponse is DynamoDB's (or DynamoDB Streams') JSON error answer
// of status with error type typ, which the SDK turns into the same error
// value as a real one.
func awsErrorResponse(req *http.Request, status int, typ, msg string) *http.Response {
	body := `{"__type":"` + typ + `","message":"` + msg + `"}`
	return &http.Response{
		StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": []string{"application/x-amz-json-1.0"}},
		Body:   io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}
}

// gate pauses stream reads while closed.
type gate struct {
	mu     sync.Mutex
	closed chan struct{} // non-nil while paused
}

func (g *gate) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed == nil {
		g.closed = make(chan struct{})
	}
}

func (g *gate) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed != nil {
		close(g.closed)
		g.closed = nil
	}
}

func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	c := g.closed
	g.mu.Unlock()
	if c == nil {
		return nil
	}
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// testTransport injects faults and records applied marker versions.
type testTransport struct {
	next  aws.HTTPClient
	kill  *killSwitch
	gate  *gate
	marks *markerLog
	reads *readHook
}

// readHook, when set, is called with the number of records of each
// successful GetRecords, after the engine answered and before the runner
// sees the answer.
type readHook struct {
	mu sync.Mutex
	f  func(records int)
}

func (h *readHook) set(f func(records int)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.f = f
}

func (h *readHook) get() func(int) {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.f
}

func (t *testTransport) Do(req *http.Request) (*http.Response, error) {
	if t.kill.killed.Load() {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("worker killed")}
	}
	target := req.Header.Get("X-Amz-Target")
	if p := t.kill.throttle.Load(); p > 0 && (strings.HasSuffix(target, ".GetRecords") || strings.HasSuffix(target, ".TransactWriteItems")) {
		if t.kill.calls.Add(1); rand.Int64N(100) < p {
			t.kill.throttled.Add(1)
			return throttledResponse(req, strings.HasSuffix(target, ".GetRecords")), nil
		}
	}
	if strings.HasSuffix(target, ".GetRecords") {
		if err := t.gate.wait(req.Context()); err != nil {
			return nil, err
		}
	}
	var body []byte
	if t.marks != nil && strings.HasSuffix(target, ".TransactWriteItems") && req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	res, err := t.next.Do(req)
	if err == nil && res.StatusCode == 200 && body != nil {
		t.marks.record(body)
	}
	if f := t.reads.get(); f != nil && err == nil && res.StatusCode == 200 && strings.HasSuffix(target, ".GetRecords") {
		out, rerr := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		res.Body = io.NopCloser(bytes.NewReader(out))
		var page struct{ Records []json.RawMessage }
		if json.Unmarshal(out, &page) == nil {
			f(len(page.Records))
		}
	}
	return res, err
}

// markerLog records, from committed transactions, which versions of which
// aggregate were applied: the exactness check of "nothing applied twice,
// nothing lost".
type markerLog struct {
	mu      sync.Mutex
	applied map[string]map[int64]int // partition → version → times applied
}

func newMarkerLog() *markerLog { return &markerLog{applied: map[string]map[int64]int{}} }

func (m *markerLog) record(body []byte) {
	var in struct {
		TransactItems []struct {
			Update *struct {
				Key                       map[string]map[string]string
				ExpressionAttributeValues map[string]map[string]any
				ConditionExpression       string
			}
		}
	}
	if json.Unmarshal(body, &in) != nil {
		return
	}
	for _, it := range in.TransactItems {
		u := it.Update
		if u == nil || u.Key["SK"]["S"] != markerSK {
			continue
		}
		num := func(name string) (int64, bool) {
			v, ok := u.ExpressionAttributeValues[name]["N"].(string)
			if !ok {
				return 0, false
			}
			n, err := strconv.ParseInt(v, 10, 64)
			return n, err == nil
		}
		last, ok := num(":last")
		if !ok {
			continue
		}
		from := int64(1)
		if prev, ok := num(":prev"); ok {
			from = prev + 1
		}
		pk := u.Key["PK"]["S"]
		m.mu.Lock()
		if m.applied[pk] == nil {
			m.applied[pk] = map[int64]int{}
		}
		for v := from; v <= last; v++ {
			m.applied[pk][v]++
		}
		m.mu.Unlock()
	}
}

// check fails unless every version 1..head of every aggregate was applied
// exactly once.
func (m *markerLog) check(t testing.TB, heads map[string]int64) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	bad := 0
	for pk, head := range heads {
		for v := int64(1); v <= head; v++ {
			if n := m.applied[pk][v]; n != 1 && bad < 10 {
				t.Errorf("%s v%d applied %d times", pk, v, n)
				bad++
			}
		}
	}
	for pk, vs := range m.applied {
		for v := range vs {
			if v > heads[pk] && bad < 10 {
				t.Errorf("%s v%d applied but the head is at v%d", pk, v, heads[pk])
				bad++
			}
		}
	}
}

// scanAll returns every item of tbl (tests only).
func scanAll(t testing.TB, db *dynamodb.Client, tbl string) []map[string]ddb.AttributeValue {
	t.Helper()
	var out []map[string]ddb.AttributeValue
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(tbl), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
	}
	return out
}

// progress returns each aggregate's head version and how many aggregates'
// markers are behind their heads.
func (e *testEnv) progress() (heads map[string]int64, behind int) {
	heads = map[string]int64{}
	markers := map[string]int64{}
	for _, it := range scanAll(e.t, e.db, e.table) {
		pk := attrStr(it, table.AttrPK)
		switch {
		case attrStr(it, table.AttrType) == table.TypeHead:
			heads[pk] = attrInt(it, "v")
		case attrStr(it, table.AttrSK) == markerSK:
			markers[pk] = attrInt(it, table.AttrVersion)
		}
	}
	for pk, v := range heads {
		if markers[pk] != v {
			behind++
		}
	}
	return heads, behind
}

// waitCaughtUp waits until every aggregate's marker reached its head.
func (e *testEnv) waitCaughtUp(deadline time.Duration) map[string]int64 {
	e.t.Helper()
	end := time.Now().Add(deadline)
	for {
		heads, behind := e.progress()
		if behind == 0 {
			return heads
		}
		if time.Now().After(end) {
			e.t.Fatalf("%d of %d aggregates still behind after %v", behind, len(heads), deadline)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eventually polls cond until it holds or the deadline passes (a wait, not
// a timing assertion: deadlines are generous).
func eventually(t testing.TB, deadline time.Duration, cond func() bool, what string) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("%s not reached within %v", what, deadline)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readModel returns tbl's read model (read items and markers), keyed.
func readModel(t testing.TB, db *dynamodb.Client, tbl string) map[table.Key]map[string]ddb.AttributeValue {
	out := map[table.Key]map[string]ddb.AttributeValue{}
	for _, it := range scanAll(t, db, tbl) {
		if IsReadModelItem(it) {
			out[itemKey(it)] = it
		}
	}
	return out
}

// assertEqualsReplay replays the event log of e (independently of Rebuild:
// a scan, a sort and ApplyLog per aggregate) into a fresh engine and
// compares the read models.
func (e *testEnv) assertEqualsReplay(codec *events.Codec) {
	e.t.Helper()
	if codec == nil {
		codec = e.codec
	}
	fresh := newTestEnv(e.t, ddblocal.StreamOptions{})
	byPK := map[string][]events.Envelope{}
	for _, it := range scanAll(e.t, e.db, e.table) {
		if attrStr(it, table.AttrType) != table.TypeEvent {
			continue
		}
		env, err := events.DecodeEventItem(it)
		if err != nil {
			e.t.Fatal(err)
		}
		byPK[attrStr(it, table.AttrPK)] = append(byPK[attrStr(it, table.AttrPK)], env)
	}
	ap := NewApplier(fresh.db, fresh.table, codec)
	for pk, envs := range byPK {
		sort.Slice(envs, func(i, j int) bool { return envs[i].Version < envs[j].Version })
		id, err := events.ParseID(envs[0].Kind, envs[0].Aggregate)
		if err != nil {
			e.t.Fatal(err)
		}
		if err := ap.ApplyLog(context.Background(), id, nil, 0, envs); err != nil {
			e.t.Fatalf("replaying %s: %v", pk, err)
		}
	}
	want, got := readModel(e.t, fresh.db, fresh.table), readModel(e.t, e.db, e.table)
	diffs := 0
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			e.t.Errorf("read model lacks %v", k)
		case len(diffAttrs(w, g)) > 0:
			e.t.Errorf("read item %v differs from replay in %v", k, diffAttrs(w, g))
		default:
			continue
		}
		if diffs++; diffs > 10 {
			e.t.Fatalf("…")
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			e.t.Errorf("read model has %v, replay does not", k)
		}
	}
	if len(want) == 0 {
		e.t.Fatal("empty replay")
	}
}

// mutator runs account commands through the real Executor.
type mutator struct {
	e     *testEnv
	mu    sync.Mutex
	users []string
	rng   *rand.Rand
	n     atomic.Int64
}

func newMutator(e *testEnv, seed uint64) *mutator {
	return &mutator{e: e, rng: rand.New(rand.NewPCG(seed, seed*31+7))}
}

func (m *mutator) create(ctx context.Context, login string) error {
	_, err := m.e.x.Execute(ctx, login, entities.CreateUser{Login: login, Name: "User " + login, Bio: "bio of " + login})
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.users = append(m.users, login)
	m.mu.Unlock()
	m.n.Add(1)
	return nil
}

func (m *mutator) update(ctx context.Context, login string) error {
	m.mu.Lock()
	name := fmt.Sprintf("name %d", m.rng.IntN(1_000_000))
	var bio *string
	if m.rng.IntN(2) == 0 {
		b := fmt.Sprintf("bio %d", m.rng.IntN(1_000_000))
		bio = &b
	}
	m.mu.Unlock()
	_, err := m.e.x.Execute(ctx, login, entities.UpdateProfile{Login: login, Name: &name, Bio: bio})
	if err == nil {
		m.n.Add(1)
	}
	return err
}

// random creates a user (20 %) or updates a random one.
func (m *mutator) random(ctx context.Context, prefix string, i int) error {
	m.mu.Lock()
	n := len(m.users)
	create := n < 10 || m.rng.IntN(5) == 0
	var login string
	if !create {
		login = m.users[m.rng.IntN(n)]
	}
	m.mu.Unlock()
	if create {
		return m.create(ctx, fmt.Sprintf("%s%05d", prefix, i))
	}
	return m.update(ctx, login)
}

// run issues commands from workers goroutines until ctx ends; it returns
// the first error other than cancellation.
func (m *mutator) run(ctx context.Context, prefix string, workers int, each time.Duration) error {
	var wg sync.WaitGroup
	var first error
	var once sync.Once
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				if err := m.random(ctx, fmt.Sprintf("%s%d-", prefix, w), i); err != nil && ctx.Err() == nil {
					once.Do(func() { first = err })
					return
				}
				if each > 0 {
					time.Sleep(each)
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// counterSum sums a counter vector's series whose label name has value
// (all series when name is "").
func counterSum(c prometheus.Collector, name, value string) float64 {
	ch := make(chan prometheus.Metric, 256)
	go func() { c.Collect(ch); close(ch) }()
	sum := 0.0
	for m := range ch {
		var d dto.Metric
		if m.Write(&d) != nil {
			continue
		}
		match := name == ""
		for _, l := range d.GetLabel() {
			if l.GetName() == name && l.GetValue() == value {
				match = true
			}
		}
		if !match {
			continue
		}
		if d.Counter != nil {
			sum += d.Counter.GetValue()
		}
		if d.Gauge != nil {
			sum += d.Gauge.GetValue()
		}
	}
	return sum
}

// shards returns the stream's ARN and the shards it lists, asked directly
// rather than through a runner.
func (e *testEnv) shards() (string, []Shard) {
	e.t.Helper()
	ctx := context.Background()
	arn, err := streamArn(ctx, e.db, e.table)
	if err != nil {
		e.t.Fatal(err)
	}
	shards, err := listShards(ctx, e.st, arn)
	if err != nil {
		e.t.Fatal(err)
	}
	return arn, shards
}
