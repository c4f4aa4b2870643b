package lambdaprojector_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/deploy"
	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	hevents "github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/lambdaprojector"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/obs/obstest"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/streamevent/streameventtest"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// faults makes every TransactWriteItems that applies events (it moves a
// projection marker) fail with HTTP 500 while armed: a DynamoDB outage as
// the projector sees it, transient.
type faults struct {
	next   aws.HTTPClient
	armed  atomic.Bool
	failed atomic.Int64
}

func (f *faults) Do(req *http.Request) (*http.Response, error) {
	if f.armed.Load() && strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".TransactWriteItems") {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte(`"`+testkit.MarkerSK+`"`)) {
			f.failed.Add(1)
			msg := `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected"}`
			return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
				Body: io.NopCloser(strings.NewReader(msg)), ContentLength: int64(len(msg)), Request: req}, nil
		}
	}
	return f.next.Do(req)
}

// env is one engine holding two tables: "live", projected by the stream
// runner while a workload runs, and "lambda", which gets live's event log
// and is projected by the Lambda handler from live's stream records.
type env struct {
	eng     *ddblocal.Engine
	live    table.Clients
	capture *streameventtest.Capture
	faults  *faults
}

func newEnv(t *testing.T) *env {
	t.Helper()
	eng, err := ddblocal.New(ddblocal.Options{Streams: ddblocal.StreamOptions{Shards: 3}, Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	e := &env{eng: eng, capture: streameventtest.NewCapture(eng.HTTPClient()), faults: &faults{next: eng.HTTPClient()}}
	ctx := context.Background()
	if e.live, err = table.NewClients(ctx, table.ClientConfig{Endpoint: "http://ddblocal.test", HTTPClient: e.capture, StaticCredentials: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"live", "lambda"} {
		if err := table.EnsureTable(ctx, e.live.DB, name, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// handler builds the function as cmd/projector-lambda does, on the
// "lambda" table, through the fault injector; metrics go to out.
func (e *env) handler(t *testing.T, park bool, out io.Writer, tune func(*projector.BatchOptions)) lambda.Handler {
	t.Helper()
	cfg, err := lambdaprojector.ConfigFromEnv(func(k string) string {
		return map[string]string{"HUBSTREAM_TABLE": "lambda", "AWS_LAMBDA_FUNCTION_NAME": "projector-test",
			"HUBSTREAM_PROJECTOR_PARK": map[bool]string{true: "true", false: "false"}[park]}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Clients.Endpoint = "http://ddblocal.test"
	h, err := lambdaprojector.New(context.Background(), cfg, lambdaprojector.Options{
		Configure: func(c *table.ClientConfig) {
			c.HTTPClient, c.StaticCredentials = e.faults, true
			c.MaxAttempts = 1 // an injected outage reaches the handler at once
		},
		Batch: func(o *projector.BatchOptions) {
			o.RetryBase = time.Millisecond
			if tune != nil {
				tune(o)
			}
		},
		Metrics: out,
		Logger:  obs.PrintfLogger(t.Logf, slog.LevelDebug),
	})
	if err != nil {
		t.Fatal(err)
	}
	return lambda.NewHandler(h.Handle)
}

// invoke calls the handler through aws-lambda-go's own JSON path, as the
// runtime does, and returns the sequence numbers it reported failed.
func invoke(t *testing.T, ctx context.Context, h lambda.Handler, recs []json.RawMessage) []string {
	t.Helper()
	out, err := h.Invoke(ctx, streameventtest.Event(recs))
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	var resp events.DynamoDBEventResponse
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&resp); err != nil || resp.BatchItemFailures == nil {
		t.Fatalf("response %s: %v", out, err)
	}
	var seqs []string
	for _, f := range resp.BatchItemFailures {
		seqs = append(seqs, f.ItemIdentifier)
	}
	return seqs
}

func seqOf(t *testing.T, raw json.RawMessage) string {
	var r events.DynamoDBEventRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r.Change.SequenceNumber
}

// copyWriteSide copies live's event items and heads into "lambda": the
// event log the Lambda's repairs read. The copy's own stream records are
// never delivered.
func (e *env) copyWriteSide(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	items, err := testkit.Scan(ctx, e.live.DB, "live")
	if err != nil {
		t.Fatal(err)
	}
	var batch []ddb.WriteRequest
	flush := func() {
		for len(batch) > 0 {
			out, err := e.live.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddb.WriteRequest{"lambda": batch}})
			if err != nil {
				t.Fatal(err)
			}
			batch = out.UnprocessedItems["lambda"]
		}
	}
	for _, it := range items {
		if et := testkit.S(it, table.AttrType); et != table.TypeEvent && et != table.TypeHead {
			continue
		}
		batch = append(batch, ddb.WriteRequest{PutRequest: &ddb.PutRequest{Item: it}})
		if len(batch) == 25 {
			flush()
		}
	}
	flush()
}

// awaitLive waits until the live runner has projected every head but the
// poisoned one, and has blocked the poisoned aggregate with both its
// records seen.
func (e *env) awaitLive(t *testing.T, poisoned string) {
	t.Helper()
	ctx := context.Background()
	dlq := projector.NewDLQ(e.live.DB, "live", "", nil)
	testkit.Eventually(t, 2*time.Minute, func() bool {
		items, err := testkit.Scan(ctx, e.live.DB, "live")
		if err != nil {
			t.Fatal(err)
		}
		heads, markers := map[string]string{}, map[string]string{}
		for _, it := range items {
			switch {
			case testkit.S(it, table.AttrType) == table.TypeHead:
				heads[testkit.S(it, table.AttrPK)] = testkit.N(it, "v")
			case testkit.IsMarker(it):
				markers[testkit.S(it, table.AttrPK)] = testkit.N(it, table.AttrVersion)
			}
		}
		for p, v := range heads {
			if p != poisoned && markers[p] != v {
				return false
			}
		}
		blocked, _, err := dlq.List(ctx)
		return err == nil && len(blocked) == 1 && blocked[0].Partition == poisoned && blocked[0].MaxSeen == 2
	}, "the live projector to catch up")
}

// TestReplayThroughLambdaEqualsLive runs a workload while the stream
// runner projects it live, with a poison event (and a later event of the
// same aggregate) among it. Then it reads the live table's stream as the
// event source mapping does and delivers it, batch by batch, to the
// Lambda handler projecting a second table with the same event log:
// through an injected outage that makes the handler report
// batchItemFailures (the batch is then delivered again from the first
// failed record, as Lambda does), and with every batch that succeeded
// delivered a second time (Lambda delivers at least once). The Lambda's
// read model must equal the runner's item for item, and the poison event
// must block its aggregate in the same way (halted, or parked with its
// payload).
func TestReplayThroughLambdaEqualsLive(t *testing.T) {
	tests := []struct {
		name string
		park bool
		// filter delivers only the records the template's event filter
		// lets through, as the deployed event source mapping does.
		filter bool
	}{
		{"poison halts", false, false},
		{"poison parks", true, false},
		{"poison halts, records filtered as deployed", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			poisoned := string(table.AccountPartition("poison"))

			runCtx, stop := context.WithCancel(ctx)
			codec := hevents.NewCodec()
			r := projector.NewRunner(e.live.DB, e.live.Streams, "live", projector.NewApplier(e.live.DB, "live", codec),
				projector.RunnerOptions{Park: tt.park, PollInterval: 5 * time.Millisecond, RetryBase: time.Millisecond, Logger: obs.PrintfLogger(t.Logf, slog.LevelDebug)})
			runDone := make(chan error, 1)
			go func() { runDone <- r.Run(runCtx) }()
			x := hevents.NewExecutor(hevents.NewStore(e.live.DB, "live", codec), hevents.ExecutorOptions{})
			half := workload(t, x, 7, 400)
			putPoison(t, e.live.DB, "live", "poison")
			rest := workload(t, x, 8, 400)
			t.Logf("%d commands succeeded", half+rest)
			e.awaitLive(t, poisoned)
			stop()
			if err := <-runDone; err != nil && ctx.Err() == nil && runCtx.Err() == nil {
				t.Fatal(err)
			}

			_, shards, err := streameventtest.ReadStream(ctx, e.live.DB, e.live.Streams, e.capture, "live")
			if err != nil {
				t.Fatal(err)
			}
			e.copyWriteSide(t)
			var metrics obstest.Buffer
			h := e.handler(t, tt.park, &metrics, func(o *projector.BatchOptions) { o.TransientAttempts = 1 })

			const batchSize = 10
			delivered, retried, redelivered, outages := 0, 0, 0, 0
			pattern := templateFilter(t)
			kept := 0
			for _, sh := range shards {
				recs := sh.Lambda
				if tt.filter {
					recs = nil
					for _, raw := range sh.Lambda {
						if ok, err := deploy.FilterMatches(pattern, raw); err != nil {
							t.Fatal(err)
						} else if ok {
							recs = append(recs, raw)
						}
					}
					kept += len(recs)
				}
				for pos := 0; pos < len(recs); {
					batch := recs[pos:min(pos+batchSize, len(recs))]
					// An outage during every fifth delivery.
					outage := delivered%5 == 2
					e.faults.armed.Store(outage)
					injected := e.faults.failed.Load()
					failed := invoke(t, ctx, h, batch)
					e.faults.armed.Store(false)
					delivered++
					if len(failed) == 0 {
						if e.faults.failed.Load() != injected {
							t.Fatalf("batch at %s: an apply failed, yet nothing was reported", seqOf(t, batch[0]))
						}
						// At least once: the same batch again changes nothing.
						if again := invoke(t, ctx, h, batch); len(again) != 0 {
							t.Fatalf("a batch delivered again reported failures %v", again)
						}
						redelivered++
						pos += len(batch)
						continue
					}
					if !outage {
						t.Fatalf("batch at %s reported %v without an outage", seqOf(t, batch[0]), failed)
					}
					outages++
					// The first failed record and every record after it.
					first := -1
					for i, raw := range batch {
						if seqOf(t, raw) == failed[0] {
							first = i
						}
					}
					if first < 0 || len(failed) != len(batch)-first {
						t.Fatalf("failures %v are not a suffix of the batch", failed)
					}
					for i, seq := range failed {
						if want := seqOf(t, batch[first+i]); seq != want {
							t.Fatalf("failure %d is %s, want %s", i, seq, want)
						}
					}
					retried++
					pos += first
				}
			}
			if outages == 0 || e.faults.failed.Load() == 0 {
				t.Fatalf("no delivery met the outage (%d deliveries): the retried-batch path was not exercised", delivered)
			}
			t.Logf("%d shards, %d deliveries, %d retried from a failed record, %d delivered twice", len(shards), delivered, retried, redelivered)
			if tt.filter {
				total := 0
				for _, sh := range shards {
					total += len(sh.Lambda)
				}
				t.Logf("the filter let %d of %d records through", kept, total)
				if kept == 0 || kept*2 > total {
					t.Fatalf("the filter let %d of %d records through: it does not select head records", kept, total)
				}
			}

			live, err := testkit.ReadModel(ctx, e.live.DB, "live")
			if err != nil {
				t.Fatal(err)
			}
			viaLambda, err := testkit.ReadModel(ctx, e.live.DB, "lambda")
			if err != nil {
				t.Fatal(err)
			}
			if len(live) < 300 {
				t.Fatalf("the live read model has only %d items: the workload did too little", len(live))
			}
			if diffs := testkit.DiffItems(live, viaLambda, 25); len(diffs) > 0 {
				t.Fatalf("the Lambda's read model differs from the live one (want = live, got = Lambda):\n%s", strings.Join(diffs, "\n"))
			}
			compareBlocked(t, e.live.DB, poisoned, tt.park)
			checkMetrics(t, metrics.String(), delivered+redelivered)
		})
	}
}

// compareBlocked: both projectors blocked the poisoned aggregate, and only
// it, from its first version, in the same mode; parked, the same records
// are in both DLQs.
func compareBlocked(t *testing.T, db *dynamodb.Client, poisoned string, park bool) {
	t.Helper()
	ctx := context.Background()
	type parkedKey struct {
		Partition   string
		First, Last int64
		Cause       string
		Events      int
	}
	list := func(tbl string) ([]projector.Blocked, []parkedKey) {
		blocked, parked, err := projector.NewDLQ(db, tbl, "", nil).List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var keys []parkedKey
		for _, p := range parked {
			keys = append(keys, parkedKey{p.Partition, p.First, p.Last, p.Cause, len(p.Events)})
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].First < keys[j].First })
		return blocked, keys
	}
	lb, lp := list("live")
	bb, bp := list("lambda")
	mode := projector.ModeHalt
	if park {
		mode = projector.ModePark
	}
	for _, b := range [][]projector.Blocked{lb, bb} {
		if len(b) != 1 || b[0].Partition != poisoned || b[0].First != 1 || b[0].MaxSeen != 2 || b[0].Mode != mode {
			t.Fatalf("blocked aggregates %+v, want %s blocked from version 1 in %s mode", b, poisoned, mode)
		}
	}
	if !reflect.DeepEqual(lp, bp) {
		t.Fatalf("parked events differ:\n live   %+v\n lambda %+v", lp, bp)
	}
	if park && len(bp) != 2 {
		t.Fatalf("parked %+v, want the poison event and the one held behind it", bp)
	}
}

// checkMetrics: one embedded-metric-format line per invocation, declaring
// every metric of lambdaprojector.MetricNames, and the poison counted.
func checkMetrics(t *testing.T, out string, invocations int) {
	t.Helper()
	lines, poison := 0, 0.0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("metrics line %q: %v", sc.Text(), err)
		}
		lines++
		aws := m["_aws"].(map[string]any)
		cw := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
		if cw["Namespace"] != lambdaprojector.MetricNamespace {
			t.Fatalf("namespace %v", cw["Namespace"])
		}
		var names []string
		for _, d := range cw["Metrics"].([]any) {
			name := d.(map[string]any)["Name"].(string)
			names = append(names, name)
			if _, ok := m[name].(float64); !ok {
				t.Fatalf("metric %s has no value in %s", name, sc.Text())
			}
		}
		if !reflect.DeepEqual(names, lambdaprojector.MetricNames()) {
			t.Fatalf("metrics %v, want %v", names, lambdaprojector.MetricNames())
		}
		if m[lambdaprojector.MetricDimension] != "projector-test" {
			t.Fatalf("dimension %v", m[lambdaprojector.MetricDimension])
		}
		poison += m[lambdaprojector.MetricPoison].(float64)
	}
	if lines != invocations {
		t.Fatalf("%d metrics lines for %d invocations", lines, invocations)
	}
	if poison < 1 {
		t.Fatal("no invocation counted the poison record")
	}
}

// TestDeadline: when DynamoDB fails for longer than the invocation may
// run, the handler stops before the deadline and reports the batch from
// its first head record on, instead of timing out (a timeout fails the
// whole batch and, with bisection, re-invokes halves of it).
func TestDeadline(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	x := hevents.NewExecutor(hevents.NewStore(e.live.DB, "live", nil), hevents.ExecutorOptions{})
	workload(t, x, 3, 20)
	_, shards, err := streameventtest.ReadStream(ctx, e.live.DB, e.live.Streams, e.capture, "live")
	if err != nil {
		t.Fatal(err)
	}
	e.copyWriteSide(t)
	h := e.handler(t, false, io.Discard, nil) // transient failures retried until the deadline
	var batch []json.RawMessage               // one shard's records, as Lambda delivers them
	for _, sh := range shards {
		if len(sh.Lambda) > len(batch) {
			batch = sh.Lambda
		}
	}
	e.faults.armed.Store(true)
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	failed := invoke(t, dctx, h, batch)
	e.faults.armed.Store(false)
	if len(failed) == 0 || e.faults.failed.Load() < 2 {
		t.Fatalf("failed %v after %d injected failures: want the batch reported, after retrying", failed, e.faults.failed.Load())
	}
	if failed[0] != seqOf(t, batch[len(batch)-len(failed)]) {
		t.Fatalf("failures %v are not a suffix of the batch", failed)
	}
}

// templateFilter returns the event filter pattern of the deployed event
// source mapping (deploy/template.yaml).
func templateFilter(t testing.TB) string {
	t.Helper()
	tpl, err := deploy.Load()
	if err != nil {
		t.Fatal(err)
	}
	names := tpl.ResourcesOfType("AWS::Lambda::EventSourceMapping")
	if len(names) != 1 {
		t.Fatalf("event source mappings %v, want one", names)
	}
	fc, _ := tpl.Resources[names[0]].Properties["FilterCriteria"].(map[string]any)
	filters, _ := fc["Filters"].([]any)
	if len(filters) != 1 {
		t.Fatalf("filters %v, want one", filters)
	}
	p, _ := filters[0].(map[string]any)["Pattern"].(string)
	return p
}

// lambdaEvent and deployFilter are the types and function the benchmark
// shares with the tests.
type lambdaEvent = events.DynamoDBEvent

func deployFilter(pattern string, raw json.RawMessage) (bool, error) {
	return deploy.FilterMatches(pattern, raw)
}

// TestUnconvertibleRecord: a record that cannot be converted (which the
// Lambda service never sends; a hand-built event can) is reported failed
// with everything after it — never skipped — and the records before it
// are applied.
func TestUnconvertibleRecord(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	x := hevents.NewExecutor(hevents.NewStore(e.live.DB, "live", nil), hevents.ExecutorOptions{})
	for _, login := range []string{"ann", "ben", "cat"} {
		if _, err := x.Execute(ctx, login, entities.CreateUser{Login: login, Name: login}); err != nil {
			t.Fatal(err)
		}
	}
	_, shards, err := streameventtest.ReadStream(ctx, e.live.DB, e.live.Streams, e.capture, "live")
	if err != nil {
		t.Fatal(err)
	}
	e.copyWriteSide(t)
	pattern := templateFilter(t)
	var ev events.DynamoDBEvent
	for _, sh := range shards {
		for _, raw := range sh.Lambda {
			if ok, _ := deploy.FilterMatches(pattern, raw); !ok {
				continue
			}
			var r events.DynamoDBEventRecord
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			ev.Records = append(ev.Records, r)
		}
	}
	if len(ev.Records) != 3 {
		t.Fatalf("%d head records, want 3", len(ev.Records))
	}
	ev.Records[1].Change.NewImage["broken"] = events.DynamoDBAttributeValue{}
	cfg, err := lambdaprojector.ConfigFromEnv(func(k string) string { return map[string]string{"HUBSTREAM_TABLE": "lambda"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	h, err := lambdaprojector.New(ctx, cfg, lambdaprojector.Options{Configure: func(c *table.ClientConfig) {
		c.Endpoint, c.HTTPClient, c.StaticCredentials = "http://ddblocal.test", e.eng.HTTPClient(), true
	}, Logger: obs.PrintfLogger(t.Logf, slog.LevelDebug)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if want := []string{ev.Records[1].Change.SequenceNumber, ev.Records[2].Change.SequenceNumber}; !reflect.DeepEqual(failed, want) {
		t.Fatalf("failures %v, want %v", failed, want)
	}
	model, err := testkit.ReadModel(ctx, e.live.DB, "lambda")
	if err != nil {
		t.Fatal(err)
	}
	accounts := 0
	for _, it := range model {
		if testkit.S(it, table.AttrType) == table.TypeAccount {
			accounts++
		}
	}
	if accounts != 1 {
		t.Fatalf("%d accounts projected, want the one before the bad record", accounts)
	}
}
