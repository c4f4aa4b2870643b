package ddblocal_test

// Black-box conformance tests for DynamoDB Streams: everything goes through
// the unchanged service/dynamodb and service/dynamodbstreams clients.
//
// TestConformanceStreams{Specification,ListDescribe,Iterators,Records} run
// unchanged against another endpoint when DDBLOCAL_CONFORMANCE_ENDPOINT is
// set (see conformance_harness_test.go). The Streams API of Amazon DynamoDB
// has its own host, streams.dynamodb.<region>.amazonaws.com: it is derived
// from a dynamodb.<region>.amazonaws.com endpoint, and can be given
// explicitly in DDBLOCAL_CONFORMANCE_STREAMS_ENDPOINT (DynamoDB Local and
// Alternator serve both APIs on one port, which is the default otherwise):
//
//	DDBLOCAL_CONFORMANCE_ENDPOINT=https://dynamodb.us-east-1.amazonaws.com \
//	AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
//	go test ./internal/ddblocal/ -run ConformanceStreams -v
//
// TestConformanceStreams{Lineage,Expiry,TTL,TransactionAtomicity} need the
// engine's knobs (forced or fast rollover, short retention and iterator
// lifetime, a fake clock, a synchronous TTL sweep), so they build their own
// in-process engine and skip against another endpoint.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"golang.org/x/sync/errgroup"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

// conformanceStreamsEndpointEnv overrides the Streams endpoint used with
// DDBLOCAL_CONFORMANCE_ENDPOINT.
const conformanceStreamsEndpointEnv = "DDBLOCAL_CONFORMANCE_STREAMS_ENDPOINT"

// streamTarget is a target plus a DynamoDB Streams client for the same
// endpoint.
type streamTarget struct {
	*target
	streams *dynamodbstreams.Client
	region  string
	// clock is the engine's fake clock, nil when it runs on real time.
	clock *streamFakeClock
}

// streamsEndpointFor maps a DynamoDB endpoint to its Streams endpoint.
func streamsEndpointFor(ep string) string {
	if s := os.Getenv(conformanceStreamsEndpointEnv); s != "" {
		return s
	}
	u, err := url.Parse(ep)
	if err == nil && strings.HasPrefix(u.Host, "dynamodb.") && strings.HasSuffix(u.Hostname(), ".amazonaws.com") {
		u.Host = "streams." + u.Host
		return u.String()
	}
	return ep
}

// newStreamTarget returns the endpoint under test (see newTarget) with a
// Streams client.
func newStreamTarget(t *testing.T) *streamTarget {
	t.Helper()
	tg := newTarget(t)
	if !tg.remote {
		return &streamTarget{target: tg, streams: inProcessStreamsClient(tg.engine), region: "us-east-1"}
	}
	c := dynamodbstreams.NewFromConfig(remoteConfig(streamsEndpointFor(os.Getenv(conformanceEndpointEnv))))
	return &streamTarget{target: tg, streams: c, region: conformanceRegion()}
}

// inProcessStreamsClient is a Streams client of the in-process engine e.
func inProcessStreamsClient(e *ddblocal.Engine) *dynamodbstreams.Client {
	return dynamodbstreams.NewFromConfig(engineConfig(e))
}

// newStreamEngine builds an in-process engine with opts for a test that
// needs its knobs (why says which), skipping against another endpoint.
func newStreamEngine(t *testing.T, why string, opts ddblocal.Options) *streamTarget {
	t.Helper()
	if ep := os.Getenv(conformanceEndpointEnv); ep != "" {
		t.Skipf("needs the in-process engine's knobs (%s); %s=%s is set", why, conformanceEndpointEnv, ep)
	}
	return openStreamEngine(t, opts)
}

// awaitTrimmed waits until retention has trimmed the record seq of shard:
// an iterator at it is a TrimmedDataAccessException.
func (st *streamTarget) awaitTrimmed(t *testing.T, arn, shard, seq string) {
	t.Helper()
	st.eventuallyStream(t, func() string {
		_, err := st.shardIteratorErr(t, arn, shard, stypes.ShardIteratorTypeAtSequenceNumber, seq)
		if err == nil {
			return "records older than the retention period are still readable"
		}
		requireStreamError[*stypes.TrimmedDataAccessException](t, err, "TrimmedDataAccessException")
		return ""
	})
}

// openStreamEngine builds an in-process engine with opts and clients for
// it; the engine is closed when t ends (tests may close it earlier). Any
// internal fault the engine logs fails the test.
func openStreamEngine(t *testing.T, opts ddblocal.Options) *streamTarget {
	t.Helper()
	var logMu sync.Mutex
	logOpen := true
	opts.Logf = func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		if logOpen {
			t.Errorf("engine logged an internal fault: "+format, args...)
		}
	}
	// Registered before openEngine's Close (cleanups run last first), so a
	// fault logged while the engine closes still fails the test.
	t.Cleanup(func() {
		logMu.Lock()
		logOpen = false
		logMu.Unlock()
	})
	e := openEngine(t, opts)
	tg := &target{client: engineClient(e), engine: e, maxWait: 10 * time.Second, poll: 5 * time.Millisecond}
	return &streamTarget{target: tg, streams: inProcessStreamsClient(e), region: "us-east-1"}
}

// streamFakeClock is an injectable clock that moves only when told.
type streamFakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newStreamFakeClock() *streamFakeClock {
	return &streamFakeClock{now: time.Now().Truncate(time.Millisecond)}
}

func (c *streamFakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *streamFakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newClockedStreamEngine is newStreamEngine on a fake clock.
func newClockedStreamEngine(t *testing.T, why string, opts ddblocal.Options) *streamTarget {
	t.Helper()
	clock := newStreamFakeClock()
	opts.Now = clock.Now
	st := newStreamEngine(t, why, opts)
	st.clock = clock
	return st
}

// streamTable is the key schema of most stream tests.
var streamTable = tableDef{hash: keyS("pk"), rng: rangeKey(keyN("sk"))}

func streamKey(pk string, sk int) item { return item{"pk": avS(pk), "sk": avN(strconv.Itoa(sk))} }

// createStreamTable creates a table from d with a stream of the given view
// type (none when view is empty), waits until both are usable and returns
// the table name and stream ARN.
func (st *streamTarget) createStreamTable(t *testing.T, d tableDef, view types.StreamViewType) (string, string) {
	t.Helper()
	name := uniqueTableName()
	in := d.input(name)
	if view != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view}
	}
	if _, err := st.client.CreateTable(t.Context(), in); err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
	st.deleteAtCleanup(t, name)
	st.waitTableActive(t, name)
	if view == "" {
		return name, ""
	}
	arn := aws.ToString(st.describe(t, name).LatestStreamArn)
	if arn == "" {
		t.Fatalf("DescribeTable %s: no LatestStreamArn", name)
	}
	st.waitStreamStatus(t, arn, stypes.StreamStatusEnabled)
	return name, arn
}

// setStream updates the table's StreamSpecification and waits for the table
// to be ACTIVE again.
func (st *streamTarget) setStream(t *testing.T, table string, enabled bool, view types.StreamViewType) (*dynamodb.UpdateTableOutput, error) {
	t.Helper()
	out, err := st.client.UpdateTable(t.Context(), &dynamodb.UpdateTableInput{
		TableName:           aws.String(table),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(enabled), StreamViewType: view},
	})
	if err == nil {
		st.waitTableActive(t, table)
	}
	return out, err
}

// describeStream returns the stream's description with every shard, paging
// with limit (0: the service default).
func (st *streamTarget) describeStream(t *testing.T, arn string, limit int32) (*stypes.StreamDescription, []stypes.Shard) {
	t.Helper()
	var first *stypes.StreamDescription
	var shards []stypes.Shard
	var start *string
	for page := 0; ; page++ {
		if page > 10000 {
			t.Fatalf("DescribeStream %s: no end after %d pages", arn, page)
		}
		in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), ExclusiveStartShardId: start}
		if limit > 0 {
			in.Limit = aws.Int32(limit)
		}
		out, err := st.streams.DescribeStream(t.Context(), in)
		if err != nil {
			t.Fatalf("DescribeStream %s: %v", arn, err)
		}
		d := out.StreamDescription
		if d == nil {
			t.Fatalf("DescribeStream %s: no StreamDescription", arn)
		}
		if first == nil {
			first = d
		}
		if limit > 0 && len(d.Shards) > int(limit) {
			t.Fatalf("DescribeStream Limit %d returned %d shards", limit, len(d.Shards))
		}
		shards = append(shards, d.Shards...)
		if d.LastEvaluatedShardId == nil {
			return first, shards
		}
		if n := len(d.Shards); n == 0 || aws.ToString(d.Shards[n-1].ShardId) != aws.ToString(d.LastEvaluatedShardId) {
			t.Fatalf("DescribeStream: LastEvaluatedShardId %s is not the page's last shard", aws.ToString(d.LastEvaluatedShardId))
		}
		start = d.LastEvaluatedShardId
	}
}

// waitStreamStatus polls DescribeStream until the stream has status want.
func (st *streamTarget) waitStreamStatus(t *testing.T, arn string, want stypes.StreamStatus) *stypes.StreamDescription {
	t.Helper()
	var last stypes.StreamStatus
	st.eventuallyStream(t, func() string {
		d, _ := st.describeStream(t, arn, 0)
		last = d.StreamStatus
		if last == want {
			return ""
		}
		return fmt.Sprintf("stream %s has status %s, want %s", arn, last, want)
	})
	d, _ := st.describeStream(t, arn, 0)
	return d
}

// eventuallyStream polls check until it returns "" and fails with its last
// message after st.maxWait.
func (st *streamTarget) eventuallyStream(t *testing.T, check func() string) {
	t.Helper()
	deadline := time.Now().Add(st.maxWait)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", st.maxWait, msg)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("%s: %v", msg, t.Context().Err())
		case <-time.After(st.poll):
		}
	}
}

func (st *streamTarget) shardIterator(t *testing.T, arn, shard string, typ stypes.ShardIteratorType, seq string) string {
	t.Helper()
	it, err := st.shardIteratorErr(t, arn, shard, typ, seq)
	if err != nil {
		t.Fatalf("GetShardIterator %s %s %s: %v", shard, typ, seq, err)
	}
	return it
}

func (st *streamTarget) shardIteratorErr(t *testing.T, arn, shard string, typ stypes.ShardIteratorType, seq string) (string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shard), ShardIteratorType: typ}
	if seq != "" {
		in.SequenceNumber = aws.String(seq)
	}
	out, err := st.streams.GetShardIterator(t.Context(), in)
	if err != nil {
		return "", err
	}
	if aws.ToString(out.ShardIterator) == "" {
		t.Fatalf("GetShardIterator %s %s: empty ShardIterator", shard, typ)
	}
	return aws.ToString(out.ShardIterator), nil
}

func (st *streamTarget) getRecords(t *testing.T, it string, limit int32) *dynamodbstreams.GetRecordsOutput {
	t.Helper()
	out, err := st.getRecordsErr(t, it, limit)
	if err != nil {
		t.Fatalf("GetRecords: %v", err)
	}
	return out
}

func (st *streamTarget) getRecordsErr(t *testing.T, it string, limit int32) (*dynamodbstreams.GetRecordsOutput, error) {
	in := &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(it)}
	if limit != 0 {
		in.Limit = aws.Int32(limit)
	}
	return st.streams.GetRecords(t.Context(), in)
}

// readShardToEnd reads a shard from it until GetRecords omits
// NextShardIterator (the end of a closed shard), failing after maxPages.
func (st *streamTarget) readShardToEnd(t *testing.T, it string, maxPages int) []stypes.Record {
	t.Helper()
	var recs []stypes.Record
	for page := 0; ; page++ {
		if page >= maxPages {
			t.Fatalf("shard did not end within %d GetRecords calls", maxPages)
		}
		out := st.getRecords(t, it, 0)
		recs = append(recs, out.Records...)
		if out.NextShardIterator == nil {
			return recs
		}
		it = aws.ToString(out.NextShardIterator)
		if len(out.Records) == 0 && st.remote {
			time.Sleep(st.poll) // the real service may need a moment
		}
	}
}

// requireStreamError fails unless err is the modelled Streams error T with
// the given code, and returns it.
func requireStreamError[T error](t *testing.T, err error, code string) T {
	t.Helper()
	requireAPIError(t, err, code)
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("error %T (%v) is not %T", err, err, target)
	}
	return target
}

// ---------------------------------------------------------------------------
// Stream attribute values

// fromStreamAV converts a Streams attribute value to the DynamoDB client's
// type so the harness's canonical renderings apply.
func fromStreamAV(v stypes.AttributeValue) types.AttributeValue {
	switch v := v.(type) {
	case *stypes.AttributeValueMemberS:
		return avS(v.Value)
	case *stypes.AttributeValueMemberN:
		return avN(v.Value)
	case *stypes.AttributeValueMemberB:
		return avB(v.Value)
	case *stypes.AttributeValueMemberBOOL:
		return avBool(v.Value)
	case *stypes.AttributeValueMemberNULL:
		return &types.AttributeValueMemberNULL{Value: v.Value}
	case *stypes.AttributeValueMemberSS:
		return avSS(v.Value...)
	case *stypes.AttributeValueMemberNS:
		return avNS(v.Value...)
	case *stypes.AttributeValueMemberBS:
		return avBS(v.Value...)
	case *stypes.AttributeValueMemberL:
		l := make([]types.AttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = fromStreamAV(e)
		}
		return avL(l...)
	case *stypes.AttributeValueMemberM:
		return avM(fromStreamItem(v.Value))
	}
	return nil
}

// fromStreamItem converts a Streams image; nil stays nil.
func fromStreamItem(m map[string]stypes.AttributeValue) item {
	if m == nil {
		return nil
	}
	out := item{}
	for k, v := range m {
		out[k] = fromStreamAV(v)
	}
	return out
}

func recKeys(r stypes.Record) string { return itemString(fromStreamItem(r.Dynamodb.Keys)) }
func recSeq(r stypes.Record) string  { return aws.ToString(r.Dynamodb.SequenceNumber) }

// recN returns the N attribute name of the record's new (or, with old, old)
// image as an int, or -1.
func recN(r stypes.Record, name string, old bool) int {
	img := r.Dynamodb.NewImage
	if old {
		img = r.Dynamodb.OldImage
	}
	n, ok := img[name].(*stypes.AttributeValueMemberN)
	if !ok {
		return -1
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		return -1
	}
	return v
}

// streamSeqLess compares decimal sequence numbers.
func streamSeqLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

var (
	streamSeqPattern          = regexp.MustCompile(`^[0-9]{21,40}$`)
	streamEventVersionPattern = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
)

// checkRecordShape asserts what every stream record of a stream with view
// type view must look like.
func (st *streamTarget) checkRecordShape(t *testing.T, r stypes.Record, view stypes.StreamViewType) {
	t.Helper()
	if aws.ToString(r.EventID) == "" {
		t.Errorf("record without eventID: %+v", r)
	}
	if got := aws.ToString(r.EventSource); got != "aws:dynamodb" {
		t.Errorf("eventSource %q, want aws:dynamodb", got)
	}
	if got := aws.ToString(r.EventVersion); !streamEventVersionPattern.MatchString(got) {
		t.Errorf("eventVersion %q, want a version like 1.1", got)
	}
	if got := aws.ToString(r.AwsRegion); got != st.region {
		t.Errorf("awsRegion %q, want %q", got, st.region)
	}
	d := r.Dynamodb
	if d == nil {
		t.Fatalf("record %s without dynamodb member", aws.ToString(r.EventID))
	}
	if !streamSeqPattern.MatchString(aws.ToString(d.SequenceNumber)) {
		t.Errorf("SequenceNumber %q is not a 21..40 digit decimal", aws.ToString(d.SequenceNumber))
	}
	if aws.ToInt64(d.SizeBytes) <= 0 {
		t.Errorf("SizeBytes %d, want > 0", aws.ToInt64(d.SizeBytes))
	}
	if d.ApproximateCreationDateTime == nil {
		t.Errorf("no ApproximateCreationDateTime")
	} else if now := time.Now(); st.clock == nil && (d.ApproximateCreationDateTime.Before(now.Add(-time.Hour)) || d.ApproximateCreationDateTime.After(now.Add(time.Hour))) {
		t.Errorf("ApproximateCreationDateTime %v is far from now (%v)", d.ApproximateCreationDateTime, now)
	}
	if d.StreamViewType != view {
		t.Errorf("StreamViewType %q, want %q", d.StreamViewType, view)
	}
	if len(d.Keys) == 0 {
		t.Errorf("record without Keys")
	}
	var wantNew, wantOld bool
	switch r.EventName {
	case stypes.OperationTypeInsert:
		wantNew = view == stypes.StreamViewTypeNewImage || view == stypes.StreamViewTypeNewAndOldImages
	case stypes.OperationTypeModify:
		wantNew = view == stypes.StreamViewTypeNewImage || view == stypes.StreamViewTypeNewAndOldImages
		wantOld = view == stypes.StreamViewTypeOldImage || view == stypes.StreamViewTypeNewAndOldImages
	case stypes.OperationTypeRemove:
		wantOld = view == stypes.StreamViewTypeOldImage || view == stypes.StreamViewTypeNewAndOldImages
	default:
		t.Errorf("eventName %q, want INSERT, MODIFY or REMOVE", r.EventName)
	}
	if (d.NewImage != nil) != wantNew {
		t.Errorf("%s record of a %s stream: NewImage present=%v, want %v", r.EventName, view, d.NewImage != nil, wantNew)
	}
	if (d.OldImage != nil) != wantOld {
		t.Errorf("%s record of a %s stream: OldImage present=%v, want %v", r.EventName, view, d.OldImage != nil, wantOld)
	}
}

// ---------------------------------------------------------------------------
// Consumer

// consumedRecord is a record and the shard it was read from.
type consumedRecord struct {
	shard string
	rec   stypes.Record
}

type consumerShard struct {
	parent  string
	iter    string // next iterator; "" before the first read
	done    bool   // closed and read to its end
	lastSeq string
}

// streamConsumer reads a whole stream the way the Kinesis adapter does:
// every shard from TRIM_HORIZON, a child only once its parent (if still
// listed) has been read to its end. It checks that sequence numbers
// increase within each shard and that no record is delivered twice.
type streamConsumer struct {
	st     *streamTarget
	arn    string
	limit  int32
	shards map[string]*consumerShard
	recs   []consumedRecord
	seen   map[string]bool // sequence numbers
}

func (st *streamTarget) newConsumer(arn string) *streamConsumer {
	return &streamConsumer{st: st, arn: arn, shards: map[string]*consumerShard{}, seen: map[string]bool{}}
}

// poll makes one pass over the stream: every readable shard is read to its
// current end (an empty page) or, when closed, to its end. It returns how
// many records it delivered.
func (c *streamConsumer) poll(t *testing.T) int {
	t.Helper()
	_, shards := c.st.describeStream(t, c.arn, 0)
	listed := map[string]bool{}
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		listed[id] = true
		if c.shards[id] == nil {
			c.shards[id] = &consumerShard{parent: aws.ToString(sh.ParentShardId)}
		}
	}
	n := 0
	visited := map[string]bool{}
	for progress := true; progress; {
		progress = false
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			cs := c.shards[id]
			if visited[id] || cs.done {
				continue
			}
			if p := cs.parent; p != "" && listed[p] && !c.shards[p].done {
				continue
			}
			visited[id] = true
			progress = true
			n += c.readShard(t, id, cs)
		}
	}
	return n
}

func (c *streamConsumer) readShard(t *testing.T, id string, cs *consumerShard) int {
	t.Helper()
	if cs.iter == "" {
		cs.iter = c.st.shardIterator(t, c.arn, id, stypes.ShardIteratorTypeTrimHorizon, "")
	}
	n := 0
	for {
		out := c.st.getRecords(t, cs.iter, c.limit)
		for _, r := range out.Records {
			seq := recSeq(r)
			if c.seen[seq] {
				t.Fatalf("shard %s: record %s delivered twice", id, seq)
			}
			c.seen[seq] = true
			if cs.lastSeq != "" && !streamSeqLess(cs.lastSeq, seq) {
				t.Fatalf("shard %s: sequence number %s after %s", id, seq, cs.lastSeq)
			}
			cs.lastSeq = seq
			c.recs = append(c.recs, consumedRecord{shard: id, rec: r})
			n++
		}
		if out.NextShardIterator == nil {
			cs.done, cs.iter = true, ""
			return n
		}
		cs.iter = aws.ToString(out.NextShardIterator)
		if len(out.Records) == 0 {
			return n
		}
	}
}

// until polls the stream until cond holds for the records delivered so
// far, failing after st.maxWait.
func (c *streamConsumer) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	c.st.eventuallyStream(t, func() string {
		c.poll(t)
		if cond() {
			return ""
		}
		return fmt.Sprintf("stream %s: %s (have %d records)", c.arn, what, len(c.recs))
	})
}

// untilCount polls until at least n records were delivered.
func (c *streamConsumer) untilCount(t *testing.T, n int) {
	t.Helper()
	c.until(t, fmt.Sprintf("want %d records", n), func() bool { return len(c.recs) >= n })
}

// byKey groups the delivered records by item key, in delivery order.
func (c *streamConsumer) byKey() map[string][]consumedRecord {
	out := map[string][]consumedRecord{}
	for _, r := range c.recs {
		k := recKeys(r.rec)
		out[k] = append(out[k], r)
	}
	return out
}

// recEvents renders records as "EVENT v=<n>" for failure messages and exact
// comparisons (n from the new image, else the old one, else -).
func recEvents(recs []consumedRecord) string {
	var parts []string
	for _, r := range recs {
		v := "-"
		if n := recN(r.rec, "v", false); n >= 0 {
			v = strconv.Itoa(n)
		} else if n := recN(r.rec, "v", true); n >= 0 {
			v = "old" + strconv.Itoa(n)
		}
		parts = append(parts, string(r.rec.EventName)+" v="+v)
	}
	return strings.Join(parts, ", ")
}

// ---------------------------------------------------------------------------
// Tests that run against any endpoint

var (
	streamArnPattern   = regexp.MustCompile(`^arn:aws:dynamodb:[a-z0-9-]+:[0-9]{12}:table/([A-Za-z0-9_.-]+)/stream/([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3})$`)
	streamLabelPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}$`)
)

// requireStreamOf checks that arn and label name a stream of table.
func requireStreamOf(t *testing.T, table, arn, label string) {
	t.Helper()
	m := streamArnPattern.FindStringSubmatch(arn)
	if m == nil {
		t.Fatalf("LatestStreamArn %q does not look like arn:aws:dynamodb:<region>:<account>:table/<T>/stream/<label>", arn)
	}
	if m[1] != table {
		t.Fatalf("stream ARN %q names table %q, want %q", arn, m[1], table)
	}
	if !streamLabelPattern.MatchString(label) || m[2] != label {
		t.Fatalf("stream label %q (ARN %q): want the ARN's ISO-8601 millisecond suffix", label, arn)
	}
}

func TestConformanceStreamsSpecification(t *testing.T) {
	t.Parallel()
	st := newStreamTarget(t)

	t.Run("CreateTableEnablesStream", func(t *testing.T) {
		name := uniqueTableName()
		in := streamTable.input(name)
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}
		out, err := st.client.CreateTable(t.Context(), in)
		requireNoErr(t, err, "CreateTable")
		st.deleteAtCleanup(t, name)
		cd := out.TableDescription
		requireStreamOf(t, name, aws.ToString(cd.LatestStreamArn), aws.ToString(cd.LatestStreamLabel))
		st.waitTableActive(t, name)
		d := st.describe(t, name)
		if aws.ToString(d.LatestStreamArn) != aws.ToString(cd.LatestStreamArn) || aws.ToString(d.LatestStreamLabel) != aws.ToString(cd.LatestStreamLabel) {
			t.Fatalf("DescribeTable stream %s/%s differs from CreateTable's %s/%s",
				aws.ToString(d.LatestStreamArn), aws.ToString(d.LatestStreamLabel), aws.ToString(cd.LatestStreamArn), aws.ToString(cd.LatestStreamLabel))
		}
		spec := d.StreamSpecification
		if spec == nil || !aws.ToBool(spec.StreamEnabled) || spec.StreamViewType != types.StreamViewTypeNewAndOldImages {
			t.Fatalf("DescribeTable StreamSpecification %+v, want enabled NEW_AND_OLD_IMAGES", spec)
		}
		sd := st.waitStreamStatus(t, aws.ToString(d.LatestStreamArn), stypes.StreamStatusEnabled)
		if aws.ToString(sd.TableName) != name || sd.StreamViewType != stypes.StreamViewTypeNewAndOldImages || aws.ToString(sd.StreamLabel) != aws.ToString(d.LatestStreamLabel) {
			t.Fatalf("DescribeStream: table %s view %s label %s", aws.ToString(sd.TableName), sd.StreamViewType, aws.ToString(sd.StreamLabel))
		}
	})

	t.Run("TableWithoutStream", func(t *testing.T) {
		name, _ := st.createStreamTable(t, streamTable, "")
		d := st.describe(t, name)
		if d.LatestStreamArn != nil || d.LatestStreamLabel != nil {
			t.Fatalf("table without a stream has LatestStreamArn %q label %q", aws.ToString(d.LatestStreamArn), aws.ToString(d.LatestStreamLabel))
		}
		if d.StreamSpecification != nil && aws.ToBool(d.StreamSpecification.StreamEnabled) {
			t.Fatalf("table without a stream has StreamSpecification %+v", d.StreamSpecification)
		}
		out, err := st.streams.ListStreams(t.Context(), &dynamodbstreams.ListStreamsInput{TableName: aws.String(name)})
		requireNoErr(t, err, "ListStreams")
		if len(out.Streams) != 0 {
			t.Fatalf("ListStreams for a table without a stream: %d streams", len(out.Streams))
		}
	})

	t.Run("EnableDisableReenable", func(t *testing.T) {
		name, _ := st.createStreamTable(t, streamTable, "")
		out, err := st.setStream(t, name, true, types.StreamViewTypeKeysOnly)
		requireNoErr(t, err, "UpdateTable enable")
		first := aws.ToString(out.TableDescription.LatestStreamArn)
		requireStreamOf(t, name, first, aws.ToString(out.TableDescription.LatestStreamLabel))
		d := st.describe(t, name)
		if aws.ToString(d.LatestStreamArn) != first || d.StreamSpecification == nil || !aws.ToBool(d.StreamSpecification.StreamEnabled) ||
			d.StreamSpecification.StreamViewType != types.StreamViewTypeKeysOnly {
			t.Fatalf("after enabling: LatestStreamArn %q spec %+v", aws.ToString(d.LatestStreamArn), d.StreamSpecification)
		}
		st.waitStreamStatus(t, first, stypes.StreamStatusEnabled)

		_, err = st.setStream(t, name, false, "")
		requireNoErr(t, err, "UpdateTable disable")
		d = st.describe(t, name)
		if d.StreamSpecification != nil && aws.ToBool(d.StreamSpecification.StreamEnabled) {
			t.Fatalf("after disabling: StreamSpecification %+v", d.StreamSpecification)
		}
		if aws.ToString(d.LatestStreamArn) != first {
			t.Fatalf("after disabling: LatestStreamArn %q, want the disabled stream %q", aws.ToString(d.LatestStreamArn), first)
		}
		st.waitStreamStatus(t, first, stypes.StreamStatusDisabled)

		out, err = st.setStream(t, name, true, types.StreamViewTypeNewImage)
		requireNoErr(t, err, "UpdateTable re-enable")
		second := aws.ToString(out.TableDescription.LatestStreamArn)
		requireStreamOf(t, name, second, aws.ToString(out.TableDescription.LatestStreamLabel))
		if second == first {
			t.Fatalf("re-enabled stream reuses ARN %s", first)
		}
		d = st.describe(t, name)
		if aws.ToString(d.LatestStreamArn) != second || d.StreamSpecification == nil || d.StreamSpecification.StreamViewType != types.StreamViewTypeNewImage {
			t.Fatalf("after re-enabling: LatestStreamArn %q spec %+v", aws.ToString(d.LatestStreamArn), d.StreamSpecification)
		}
		sd := st.waitStreamStatus(t, second, stypes.StreamStatusEnabled)
		if sd.StreamViewType != stypes.StreamViewTypeNewImage {
			t.Fatalf("new stream view type %s", sd.StreamViewType)
		}
		if old, _ := st.describeStream(t, first, 0); old.StreamStatus != stypes.StreamStatusDisabled || old.StreamViewType != stypes.StreamViewTypeKeysOnly {
			t.Fatalf("old stream: status %s view %s, want DISABLED KEYS_ONLY", old.StreamStatus, old.StreamViewType)
		}
		ls, err := st.streams.ListStreams(t.Context(), &dynamodbstreams.ListStreamsInput{TableName: aws.String(name)})
		requireNoErr(t, err, "ListStreams")
		got := map[string]bool{}
		for _, s := range ls.Streams {
			got[aws.ToString(s.StreamArn)] = true
		}
		if len(ls.Streams) != 2 || !got[first] || !got[second] {
			t.Fatalf("ListStreams %s: %v, want both %s and %s", name, got, first, second)
		}
	})

	// Writes go to the stream enabled at the time; none are recorded while
	// the table has no enabled stream.
	t.Run("RecordsFollowTheEnabledStream", func(t *testing.T) {
		name, first := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		st.put(t, name, streamKey("while-first", 1))
		_, err := st.setStream(t, name, false, "")
		requireNoErr(t, err, "disable")
		st.put(t, name, streamKey("while-disabled", 1))
		out, err := st.setStream(t, name, true, types.StreamViewTypeKeysOnly)
		requireNoErr(t, err, "re-enable")
		second := aws.ToString(out.TableDescription.LatestStreamArn)
		st.waitStreamStatus(t, second, stypes.StreamStatusEnabled)
		st.put(t, name, streamKey("while-second", 1))
		for _, tc := range []struct{ arn, key string }{{first, "while-first"}, {second, "while-second"}} {
			c := st.newConsumer(tc.arn)
			c.untilCount(t, 1)
			if tc.arn == first {
				c.until(t, "every shard of the disabled stream ended", func() bool {
					for _, cs := range c.shards {
						if !cs.done {
							return false
						}
					}
					return true
				})
			}
			if len(c.recs) != 1 || recKeys(c.recs[0].rec) != itemString(streamKey(tc.key, 1)) {
				t.Fatalf("stream %s: %d records (first %s), want only %q", tc.arn, len(c.recs), recKeys(c.recs[0].rec), tc.key)
			}
		}
	})

	t.Run("Rejected", func(t *testing.T) {
		name, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		plain, _ := st.createStreamTable(t, streamTable, "")
		cases := []struct {
			name    string
			table   string
			enabled bool
			view    types.StreamViewType
		}{
			{"ChangeViewTypeWhileEnabled", name, true, types.StreamViewTypeNewImage},
			{"EnableAgainWithSameViewType", name, true, types.StreamViewTypeKeysOnly},
			{"EnableWithoutViewType", plain, true, ""},
			{"DisableWhenNoStream", plain, false, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := st.client.UpdateTable(t.Context(), &dynamodb.UpdateTableInput{
					TableName:           aws.String(tc.table),
					StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(tc.enabled), StreamViewType: tc.view},
				})
				requireValidation(t, err)
			})
		}
		t.Run("CreateWithoutViewType", func(t *testing.T) {
			in := streamTable.input(uniqueTableName())
			in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true)}
			_, err := st.client.CreateTable(t.Context(), in)
			if err == nil {
				st.deleteAtCleanup(t, aws.ToString(in.TableName))
			}
			requireValidation(t, err)
		})
		d := st.describe(t, name)
		if aws.ToString(d.LatestStreamArn) != arn || d.StreamSpecification == nil || d.StreamSpecification.StreamViewType != types.StreamViewTypeKeysOnly {
			t.Fatalf("rejected updates changed the stream: %q %+v", aws.ToString(d.LatestStreamArn), d.StreamSpecification)
		}
		if d := st.describe(t, plain); d.LatestStreamArn != nil {
			t.Fatalf("rejected updates gave %s a stream %s", plain, aws.ToString(d.LatestStreamArn))
		}
	})
}

func TestConformanceStreamsListDescribe(t *testing.T) {
	t.Parallel()
	st := newStreamTarget(t)

	t.Run("ListStreamsTableFilterAndPaging", func(t *testing.T) {
		a, arnA := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		_, arnB := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		// Three streams of table a: two disabled, one enabled.
		want := map[string]bool{arnA: true}
		for i := 0; i < 2; i++ {
			_, err := st.setStream(t, a, false, "")
			requireNoErr(t, err, "disable")
			out, err := st.setStream(t, a, true, types.StreamViewTypeNewImage)
			requireNoErr(t, err, "re-enable")
			want[aws.ToString(out.TableDescription.LatestStreamArn)] = true
		}
		if len(want) != 3 {
			t.Fatalf("want 3 distinct stream ARNs, got %v", want)
		}
		got := map[string]bool{}
		var start *string
		pages := 0
		for {
			pages++
			if pages > 10 {
				t.Fatalf("ListStreams Limit 1: more than 10 pages for 3 streams")
			}
			out, err := st.streams.ListStreams(t.Context(), &dynamodbstreams.ListStreamsInput{
				TableName: aws.String(a), Limit: aws.Int32(1), ExclusiveStartStreamArn: start,
			})
			requireNoErr(t, err, "ListStreams")
			if len(out.Streams) > 1 {
				t.Fatalf("ListStreams Limit 1 returned %d streams", len(out.Streams))
			}
			for _, s := range out.Streams {
				arn := aws.ToString(s.StreamArn)
				if got[arn] {
					t.Fatalf("ListStreams paging returned %s twice", arn)
				}
				got[arn] = true
				if aws.ToString(s.TableName) != a {
					t.Fatalf("ListStreams TableName=%s returned a stream of %s", a, aws.ToString(s.TableName))
				}
				requireStreamOf(t, a, arn, aws.ToString(s.StreamLabel))
			}
			if out.LastEvaluatedStreamArn == nil {
				break
			}
			if len(out.Streams) == 0 || aws.ToString(out.LastEvaluatedStreamArn) != aws.ToString(out.Streams[0].StreamArn) {
				t.Fatalf("LastEvaluatedStreamArn %s is not the page's last stream", aws.ToString(out.LastEvaluatedStreamArn))
			}
			start = out.LastEvaluatedStreamArn
		}
		if len(got) != 3 || pages < 3 {
			t.Fatalf("ListStreams paging: %d pages, streams %v, want %v", pages, got, want)
		}
		for arn := range want {
			if !got[arn] {
				t.Fatalf("ListStreams paging missed %s", arn)
			}
		}
		if got[arnB] {
			t.Fatalf("ListStreams TableName=%s returned the other table's stream", a)
		}
		// Unfiltered, both tables' streams are listed.
		all := map[string]bool{}
		start = nil
		for page := 0; ; page++ {
			if page > 1000 {
				t.Fatal("ListStreams without TableName did not end")
			}
			out, err := st.streams.ListStreams(t.Context(), &dynamodbstreams.ListStreamsInput{ExclusiveStartStreamArn: start})
			requireNoErr(t, err, "ListStreams")
			for _, s := range out.Streams {
				all[aws.ToString(s.StreamArn)] = true
			}
			if out.LastEvaluatedStreamArn == nil {
				break
			}
			start = out.LastEvaluatedStreamArn
		}
		if !all[arnA] || !all[arnB] {
			t.Fatalf("ListStreams without TableName misses %s or %s", arnA, arnB)
		}
		for _, limit := range []int32{0, 101} {
			_, err := st.streams.ListStreams(t.Context(), &dynamodbstreams.ListStreamsInput{Limit: aws.Int32(limit)})
			requireValidation(t, err)
		}
	})

	t.Run("DescribeStream", func(t *testing.T) {
		name, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewImage)
		d, shards := st.describeStream(t, arn, 0)
		if aws.ToString(d.StreamArn) != arn || aws.ToString(d.TableName) != name || d.StreamStatus != stypes.StreamStatusEnabled ||
			d.StreamViewType != stypes.StreamViewTypeNewImage || d.CreationRequestDateTime == nil {
			t.Fatalf("DescribeStream: arn %s table %s status %s view %s created %v",
				aws.ToString(d.StreamArn), aws.ToString(d.TableName), d.StreamStatus, d.StreamViewType, d.CreationRequestDateTime)
		}
		requireStreamOf(t, name, arn, aws.ToString(d.StreamLabel))
		var ks []string
		for _, k := range d.KeySchema {
			ks = append(ks, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
		}
		if strings.Join(ks, ",") != "pk:HASH,sk:RANGE" {
			t.Fatalf("DescribeStream KeySchema %v, want pk:HASH,sk:RANGE", ks)
		}
		if len(shards) == 0 {
			t.Fatal("DescribeStream: a new stream has no shards")
		}
		if st.engine != nil && len(shards) != 4 {
			t.Fatalf("DescribeStream: %d shards, want the engine's default of 4", len(shards))
		}
		var ids []string
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			ids = append(ids, id)
			if len(id) < 28 || len(id) > 65 {
				t.Fatalf("ShardId %q: length outside 28..65", id)
			}
			r := sh.SequenceNumberRange
			if r == nil || !streamSeqPattern.MatchString(aws.ToString(r.StartingSequenceNumber)) {
				t.Fatalf("shard %s: bad SequenceNumberRange %+v", id, r)
			}
			if r.EndingSequenceNumber != nil {
				t.Fatalf("shard %s of a new stream is closed", id)
			}
		}
		if !sort.StringsAreSorted(ids) {
			t.Fatalf("DescribeStream shards not sorted by ShardId: %v", ids)
		}
		// Paged one shard at a time, the same shards come back in order.
		_, paged := st.describeStream(t, arn, 1)
		var pagedIDs []string
		for _, sh := range paged {
			pagedIDs = append(pagedIDs, aws.ToString(sh.ShardId))
		}
		if strings.Join(pagedIDs, ",") != strings.Join(ids, ",") {
			t.Fatalf("DescribeStream Limit 1 pages %v, unpaged %v", pagedIDs, ids)
		}
		if len(ids) > 1 {
			out, err := st.streams.DescribeStream(t.Context(), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), Limit: aws.Int32(1)})
			requireNoErr(t, err, "DescribeStream Limit 1")
			if got := aws.ToString(out.StreamDescription.LastEvaluatedShardId); got != ids[0] {
				t.Fatalf("DescribeStream Limit 1: LastEvaluatedShardId %q, want %q", got, ids[0])
			}
			out, err = st.streams.DescribeStream(t.Context(), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), ExclusiveStartShardId: aws.String(ids[0])})
			requireNoErr(t, err, "DescribeStream ExclusiveStartShardId")
			if len(out.StreamDescription.Shards) != len(ids)-1 || aws.ToString(out.StreamDescription.Shards[0].ShardId) != ids[1] {
				t.Fatalf("DescribeStream after %s: %d shards", ids[0], len(out.StreamDescription.Shards))
			}
		}
	})

	t.Run("DescribeStreamLimitRange", func(t *testing.T) {
		_, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		for _, limit := range []int32{0, 101} {
			_, err := st.streams.DescribeStream(t.Context(), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), Limit: aws.Int32(limit)})
			requireValidation(t, err)
		}
		_, err := st.streams.DescribeStream(t.Context(), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), Limit: aws.Int32(100)})
		requireNoErr(t, err, "DescribeStream Limit 100")
	})

	t.Run("DeletedTableKeepsStream", func(t *testing.T) {
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		for i := 0; i < 5; i++ {
			st.put(t, table, streamKey("del", i))
		}
		c := st.newConsumer(arn)
		c.untilCount(t, 5)
		_, err := st.client.DeleteTable(t.Context(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
		requireNoErr(t, err, "DeleteTable")
		st.waitStreamStatus(t, arn, stypes.StreamStatusDisabled)
		c2 := st.newConsumer(arn)
		c2.until(t, "every shard of the deleted table's stream ended", func() bool {
			for _, cs := range c2.shards {
				if !cs.done {
					return false
				}
			}
			return len(c2.shards) > 0
		})
		if len(c2.recs) != 5 {
			t.Fatalf("stream of the deleted table holds %d records, want 5", len(c2.recs))
		}
	})

	t.Run("UnknownStream", func(t *testing.T) {
		arn := fmt.Sprintf("arn:aws:dynamodb:%s:000000000000:table/%s/stream/2020-01-01T00:00:00.000", st.region, uniqueTableName())
		if st.remote {
			// Use the caller's account so the error is about the stream.
			_, known := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
			arn = known[:strings.Index(known, ":table/")] + ":table/" + uniqueTableName() + "/stream/2020-01-01T00:00:00.000"
		}
		_, err := st.streams.DescribeStream(t.Context(), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
		requireStreamError[*stypes.ResourceNotFoundException](t, err, "ResourceNotFoundException")
		_, err = st.streams.GetShardIterator(t.Context(), &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(arn), ShardId: aws.String("shardId-00000000000000000000-00000000"), ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon,
		})
		requireStreamError[*stypes.ResourceNotFoundException](t, err, "ResourceNotFoundException")
	})
}

func TestConformanceStreamsIterators(t *testing.T) {
	t.Parallel()
	st := newStreamTarget(t)
	table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewAndOldImages)
	key := streamKey("it", 1)
	for v := 1; v <= 5; v++ {
		st.put(t, table, copyItem(key, item{"v": avN(strconv.Itoa(v))}))
	}
	c := st.newConsumer(arn)
	c.untilCount(t, 5)
	if len(c.recs) != 5 {
		t.Fatalf("want 5 records, got %d: %s", len(c.recs), recEvents(c.recs))
	}
	shard := c.recs[0].shard
	var seqs []string
	for _, r := range c.recs {
		if r.shard != shard {
			t.Fatalf("records of one item in shards %s and %s without a rollover", shard, r.shard)
		}
		seqs = append(seqs, recSeq(r.rec))
	}
	firstV := func(out *dynamodbstreams.GetRecordsOutput) int {
		if len(out.Records) == 0 {
			return -1
		}
		return recN(out.Records[0], "v", false)
	}

	t.Run("TrimHorizon", func(t *testing.T) {
		out := st.getRecords(t, st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeTrimHorizon, ""), 0)
		if len(out.Records) != 5 || firstV(out) != 1 {
			t.Fatalf("TRIM_HORIZON: %d records, first v=%d", len(out.Records), firstV(out))
		}
	})
	t.Run("AtSequenceNumber", func(t *testing.T) {
		out := st.getRecords(t, st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeAtSequenceNumber, seqs[2]), 0)
		if len(out.Records) != 3 || recSeq(out.Records[0]) != seqs[2] || firstV(out) != 3 {
			t.Fatalf("AT_SEQUENCE_NUMBER %s: %d records, first v=%d", seqs[2], len(out.Records), firstV(out))
		}
	})
	t.Run("AfterSequenceNumber", func(t *testing.T) {
		out := st.getRecords(t, st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeAfterSequenceNumber, seqs[2]), 0)
		if len(out.Records) != 2 || recSeq(out.Records[0]) != seqs[3] || firstV(out) != 4 {
			t.Fatalf("AFTER_SEQUENCE_NUMBER %s: %d records, first v=%d", seqs[2], len(out.Records), firstV(out))
		}
		out = st.getRecords(t, st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeAfterSequenceNumber, seqs[4]), 0)
		if len(out.Records) != 0 || out.NextShardIterator == nil {
			t.Fatalf("AFTER_SEQUENCE_NUMBER of the last record: %d records, NextShardIterator %v", len(out.Records), out.NextShardIterator != nil)
		}
	})
	t.Run("Latest", func(t *testing.T) {
		it := st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeLatest, "")
		out := st.getRecords(t, it, 0)
		if len(out.Records) != 0 || out.NextShardIterator == nil {
			t.Fatalf("LATEST before new writes: %d records, NextShardIterator present=%v", len(out.Records), out.NextShardIterator != nil)
		}
		it = aws.ToString(out.NextShardIterator)
		st.put(t, table, copyItem(key, item{"v": avN("6")}))
		var got []stypes.Record
		st.eventuallyStream(t, func() string {
			out := st.getRecords(t, it, 0)
			got = append(got, out.Records...)
			it = aws.ToString(out.NextShardIterator)
			if len(got) > 0 {
				return ""
			}
			return "the write after LATEST did not arrive"
		})
		if len(got) != 1 || recN(got[0], "v", false) != 6 || recN(got[0], "v", true) != 5 {
			t.Fatalf("LATEST: got %d records (first v=%d), want exactly the new v=6", len(got), recN(got[0], "v", false))
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		cases := []struct {
			name string
			typ  stypes.ShardIteratorType
			seq  string
		}{
			{"AtNotANumber", stypes.ShardIteratorTypeAtSequenceNumber, "not-a-number"},
			{"AfterTooShort", stypes.ShardIteratorTypeAfterSequenceNumber, "12"},
			{"AtMissing", stypes.ShardIteratorTypeAtSequenceNumber, ""},
			{"AfterMissing", stypes.ShardIteratorTypeAfterSequenceNumber, ""},
			{"UnknownType", stypes.ShardIteratorType("FROM_THE_MIDDLE"), ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := st.shardIteratorErr(t, arn, shard, tc.typ, tc.seq)
				requireValidation(t, err)
			})
		}
		t.Run("UnknownShard", func(t *testing.T) {
			_, err := st.shardIteratorErr(t, arn, "shardId-00000000000000000001-deadbeef", stypes.ShardIteratorTypeTrimHorizon, "")
			requireStreamError[*stypes.ResourceNotFoundException](t, err, "ResourceNotFoundException")
		})
		t.Run("GarbageIterator", func(t *testing.T) {
			_, err := st.getRecordsErr(t, strings.Repeat("A", 100), 0)
			requireValidation(t, err)
		})
	})
}

func TestConformanceStreamsRecords(t *testing.T) {
	t.Parallel()
	st := newStreamTarget(t)

	t.Run("ViewTypes", func(t *testing.T) {
		key := streamKey("a", 1)
		v1 := copyItem(key, item{"v": avS("one"), "n": avN("1"), "tags": avSS("x", "y")})
		v2 := copyItem(key, item{"v": avS("two"), "n": avN("2"), "tags": avSS("x", "y")})
		for _, view := range []types.StreamViewType{types.StreamViewTypeKeysOnly, types.StreamViewTypeNewImage, types.StreamViewTypeOldImage, types.StreamViewTypeNewAndOldImages} {
			t.Run(string(view), func(t *testing.T) {
				table, arn := st.createStreamTable(t, streamTable, view)
				st.put(t, table, v1)
				_, err := st.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
					TableName: aws.String(table), Key: key,
					UpdateExpression:          aws.String("SET v = :v, n = n + :one"),
					ExpressionAttributeValues: item{":v": avS("two"), ":one": avN("1")},
				})
				requireNoErr(t, err, "UpdateItem")
				_, err = st.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key})
				requireNoErr(t, err, "DeleteItem")
				c := st.newConsumer(arn)
				c.untilCount(t, 3)
				if len(c.recs) != 3 {
					t.Fatalf("want 3 records, got %d", len(c.recs))
				}
				sv := stypes.StreamViewType(view)
				type want struct {
					event    stypes.OperationType
					newImage item
					oldImage item
				}
				hasNew := view == types.StreamViewTypeNewImage || view == types.StreamViewTypeNewAndOldImages
				hasOld := view == types.StreamViewTypeOldImage || view == types.StreamViewTypeNewAndOldImages
				pick := func(cond bool, it item) item {
					if cond {
						return it
					}
					return nil
				}
				wants := []want{
					{stypes.OperationTypeInsert, pick(hasNew, v1), nil},
					{stypes.OperationTypeModify, pick(hasNew, v2), pick(hasOld, v1)},
					{stypes.OperationTypeRemove, nil, pick(hasOld, v2)},
				}
				prev := ""
				for i, w := range wants {
					r := c.recs[i].rec
					st.checkRecordShape(t, r, sv)
					if r.EventName != w.event {
						t.Fatalf("record %d: eventName %s, want %s", i, r.EventName, w.event)
					}
					requireItem(t, fromStreamItem(r.Dynamodb.Keys), key, fmt.Sprintf("record %d Keys", i))
					requireItem(t, fromStreamItem(r.Dynamodb.NewImage), w.newImage, fmt.Sprintf("record %d NewImage", i))
					requireItem(t, fromStreamItem(r.Dynamodb.OldImage), w.oldImage, fmt.Sprintf("record %d OldImage", i))
					if r.UserIdentity != nil {
						t.Fatalf("record %d of a user write has userIdentity %+v", i, r.UserIdentity)
					}
					if prev != "" && !streamSeqLess(prev, recSeq(r)) {
						t.Fatalf("record %d: SequenceNumber %s not after %s", i, recSeq(r), prev)
					}
					prev = recSeq(r)
				}
			})
		}
	})

	t.Run("NoRecordForNoOpWrites", func(t *testing.T) {
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewAndOldImages)
		x := copyItem(streamKey("x", 1), item{"v": avS("orig")})
		missing := streamKey("missing", 1)
		st.put(t, table, x)
		st.put(t, table, x) // identical put
		_, err := st.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
			TableName: aws.String(table), Key: streamKey("x", 1),
			UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: item{":v": avS("orig")},
		})
		requireNoErr(t, err, "UpdateItem to the same value")
		_, err = st.client.PutItem(t.Context(), &dynamodb.PutItemInput{
			TableName: aws.String(table), Item: copyItem(x, item{"v": avS("changed")}),
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		})
		requireConditionalFailed(t, err)
		_, err = st.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
			TableName: aws.String(table), Key: streamKey("x", 1),
			ConditionExpression: aws.String("v = :v"), ExpressionAttributeValues: item{":v": avS("other")},
		})
		requireConditionalFailed(t, err)
		_, err = st.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: missing})
		requireNoErr(t, err, "DeleteItem of a missing item")
		_, err = st.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(table), Item: copyItem(missing, item{"v": avS("tx")})}},
			{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: streamKey("x", 1), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		}})
		requireCanceled(t, err, "None", "ConditionalCheckFailed")
		// Markers: the next real change of each item. Records of one item
		// arrive in order, so a record for any no-op would come first.
		st.put(t, table, copyItem(x, item{"v": avS("marker")}))
		st.put(t, table, copyItem(missing, item{"v": avS("marker")}))
		c := st.newConsumer(arn)
		byKey := map[string][]consumedRecord{}
		c.until(t, "both markers", func() bool {
			byKey = c.byKey()
			return len(byKey[itemString(streamKey("x", 1))]) >= 2 && len(byKey[itemString(missing)]) >= 1
		})
		if got := recEvents(byKey[itemString(streamKey("x", 1))]); got != "INSERT v=-, MODIFY v=-" {
			t.Fatalf("records of x: %s, want only the first put and the marker", got)
		}
		xs := byKey[itemString(streamKey("x", 1))]
		requireItem(t, fromStreamItem(xs[1].rec.Dynamodb.OldImage), x, "marker's OldImage")
		if got := recEvents(byKey[itemString(missing)]); got != "INSERT v=-" {
			t.Fatalf("records of the missing item: %s, want only the marker's INSERT", got)
		}
		if len(c.recs) != 3 {
			t.Fatalf("want 3 records in all, got %d", len(c.recs))
		}
	})

	t.Run("Transactions", func(t *testing.T) {
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewAndOldImages)
		a, b, cc, d := streamKey("tx-a", 1), streamKey("tx-b", 1), streamKey("tx-c", 1), streamKey("tx-d", 1)
		st.put(t, table, copyItem(cc, item{"v": avS("c")}))
		st.put(t, table, copyItem(d, item{"v": avS("d")}))
		_, err := st.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(table), Item: copyItem(a, item{"v": avS("a")})}},
			{Update: &types.Update{TableName: aws.String(table), Key: b, UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: item{":v": avS("b")}}},
			{Delete: &types.Delete{TableName: aws.String(table), Key: cc}},
			{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: d, ConditionExpression: aws.String("attribute_exists(pk)")}},
		}})
		requireNoErr(t, err, "TransactWriteItems")
		st.put(t, table, copyItem(d, item{"v": avS("marker")}))
		c := st.newConsumer(arn)
		byKey := map[string][]consumedRecord{}
		c.until(t, "all transaction records and the marker", func() bool {
			byKey = c.byKey()
			return len(byKey[itemString(d)]) >= 2 && len(byKey[itemString(a)]) >= 1 && len(byKey[itemString(b)]) >= 1 && len(byKey[itemString(cc)]) >= 2
		})
		want := map[string]string{
			itemString(a):  "INSERT",
			itemString(b):  "INSERT",
			itemString(cc): "INSERT,REMOVE",
			itemString(d):  "INSERT,MODIFY",
		}
		for k, w := range want {
			var got []string
			for _, r := range byKey[k] {
				got = append(got, string(r.rec.EventName))
				st.checkRecordShape(t, r.rec, stypes.StreamViewTypeNewAndOldImages)
			}
			if strings.Join(got, ",") != w {
				t.Fatalf("records of %s: %v, want %s", k, got, w)
			}
		}
		if len(c.recs) != 6 {
			t.Fatalf("want 6 records (2 puts, 3 transaction writes, 1 marker), got %d", len(c.recs))
		}
		requireItem(t, fromStreamItem(byKey[itemString(b)][0].rec.Dynamodb.NewImage), copyItem(b, item{"v": avS("b")}), "NewImage of the transaction's update")
		requireItem(t, fromStreamItem(byKey[itemString(cc)][1].rec.Dynamodb.OldImage), copyItem(cc, item{"v": avS("c")}), "OldImage of the transaction's delete")
	})

	t.Run("PerItemOrder", func(t *testing.T) {
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewAndOldImages)
		const keys, writes = 6, 30
		var g errgroup.Group
		for k := 0; k < keys; k++ {
			g.Go(func() error {
				for v := 1; v <= writes; v++ {
					_, err := st.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
						TableName: aws.String(table), Key: streamKey(fmt.Sprintf("order-%d", k), k),
						UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: item{":v": avN(strconv.Itoa(v))},
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatalf("UpdateItem: %v", err)
		}
		c := st.newConsumer(arn)
		c.untilCount(t, keys*writes)
		if len(c.recs) != keys*writes {
			t.Fatalf("want %d records, got %d", keys*writes, len(c.recs))
		}
		for k, recs := range c.byKey() {
			prev := ""
			for i, r := range recs {
				want := "MODIFY"
				if i == 0 {
					want = "INSERT"
				}
				if string(r.rec.EventName) != want || recN(r.rec, "v", false) != i+1 || (i > 0 && recN(r.rec, "v", true) != i) {
					t.Fatalf("item %s: record %d is %s, want %s v=%d after v=%d; all: %s", k, i, recEvents([]consumedRecord{r}), want, i+1, i, recEvents(recs))
				}
				if prev != "" && !streamSeqLess(prev, recSeq(r.rec)) {
					t.Fatalf("item %s: SequenceNumber %s after %s", k, recSeq(r.rec), prev)
				}
				prev = recSeq(r.rec)
			}
		}
	})

	t.Run("BatchWriteItem", func(t *testing.T) {
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewAndOldImages)
		st.put(t, table, copyItem(streamKey("bw", 9), item{"v": avN("1")}))
		_, err := st.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: {
			{PutRequest: &types.PutRequest{Item: copyItem(streamKey("bw", 1), item{"v": avN("1")})}},
			{PutRequest: &types.PutRequest{Item: copyItem(streamKey("bw", 2), item{"v": avN("1")})}},
			{PutRequest: &types.PutRequest{Item: copyItem(streamKey("bw", 9), item{"v": avN("1")})}}, // identical: no record
			{DeleteRequest: &types.DeleteRequest{Key: streamKey("bw", 3)}},                           // missing: no record
		}}})
		requireNoErr(t, err, "BatchWriteItem")
		_, err = st.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: {
			{DeleteRequest: &types.DeleteRequest{Key: streamKey("bw", 1)}},
			{PutRequest: &types.PutRequest{Item: copyItem(streamKey("bw", 9), item{"v": avN("2")})}},
		}}})
		requireNoErr(t, err, "BatchWriteItem")
		c := st.newConsumer(arn)
		c.untilCount(t, 5)
		c.poll(t)
		got := map[string]string{}
		for k, recs := range c.byKey() {
			got[k] = recEvents(recs)
		}
		want := map[string]string{
			itemString(streamKey("bw", 1)): "INSERT v=1, REMOVE v=old1",
			itemString(streamKey("bw", 2)): "INSERT v=1",
			itemString(streamKey("bw", 9)): "INSERT v=1, MODIFY v=2",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("records by item:\n got  %v\n want %v", got, want)
		}
	})

	// Adding a global secondary index (and its backfill) modifies no item.
	t.Run("IndexBackfillWritesNoRecords", func(t *testing.T) {
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewImage)
		for i := 0; i < 3; i++ {
			st.put(t, table, copyItem(streamKey("gsi", i), item{"g": avS("grp"), "v": avN("1")}))
		}
		_, err := st.client.UpdateTable(t.Context(), &dynamodb.UpdateTableInput{
			TableName:            aws.String(table),
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName:  aws.String("byG"),
				KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			}}},
		})
		requireNoErr(t, err, "UpdateTable add GSI")
		st.waitFor(t, table, "GSI byG ACTIVE", func(d *types.TableDescription) bool {
			g := findGSI(d, "byG")
			return d.TableStatus == types.TableStatusActive && g != nil && g.IndexStatus == types.IndexStatusActive && !aws.ToBool(g.Backfilling)
		})
		st.put(t, table, copyItem(streamKey("gsi", 0), item{"g": avS("grp"), "v": avN("2")}))
		c := st.newConsumer(arn)
		c.until(t, "the marker", func() bool { return len(c.byKey()[itemString(streamKey("gsi", 0))]) >= 2 })
		if len(c.recs) != 4 {
			t.Fatalf("want 3 INSERT and 1 MODIFY, got %d records: %s", len(c.recs), recEvents(c.recs))
		}
	})

	// GetRecords returns at most 1 MB of records per call; the rest comes
	// on later calls.
	t.Run("PageSizeLimit", func(t *testing.T) {
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewImage)
		const n = 6
		big := strings.Repeat("x", 300_000)
		for i := 0; i < n; i++ {
			st.put(t, table, copyItem(streamKey("big", 1), item{"v": avN(strconv.Itoa(i + 1)), "blob": avS(big)}))
		}
		c := st.newConsumer(arn)
		c.untilCount(t, n)
		it := st.shardIterator(t, arn, c.recs[0].shard, stypes.ShardIteratorTypeTrimHorizon, "")
		var got []stypes.Record
		for calls := 0; len(got) < n; calls++ {
			if calls > 20 {
				t.Fatalf("read %d of %d records in 20 calls", len(got), n)
			}
			out := st.getRecords(t, it, 1000)
			var size int64
			for _, r := range out.Records {
				size += aws.ToInt64(r.Dynamodb.SizeBytes)
			}
			if len(out.Records) > 1 && size > 1<<20 {
				t.Fatalf("GetRecords returned %d records of %d bytes in all, over the 1 MB limit", len(out.Records), size)
			}
			got = append(got, out.Records...)
			it = aws.ToString(out.NextShardIterator)
		}
		for i, r := range got {
			if recN(r, "v", false) != i+1 {
				t.Fatalf("record %d has v=%d", i, recN(r, "v", false))
			}
		}
	})

	t.Run("Limit", func(t *testing.T) {
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		key := streamKey("limit", 1)
		for v := 1; v <= 5; v++ {
			st.put(t, table, copyItem(key, item{"v": avN(strconv.Itoa(v))}))
		}
		c := st.newConsumer(arn)
		c.untilCount(t, 5)
		shard := c.recs[0].shard
		it := st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeTrimHorizon, "")
		for _, limit := range []int32{0, 1001, -1} {
			_, err := st.streams.GetRecords(t.Context(), &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(it), Limit: aws.Int32(limit)})
			requireValidation(t, err)
		}
		var got []stypes.Record
		for len(got) < 2 {
			out := st.getRecords(t, it, 1)
			if len(out.Records) > 1 {
				t.Fatalf("GetRecords Limit 1 returned %d records", len(out.Records))
			}
			got = append(got, out.Records...)
			it = aws.ToString(out.NextShardIterator)
			if it == "" {
				t.Fatal("GetRecords Limit 1 on an open shard: no NextShardIterator")
			}
		}
		st.eventuallyStream(t, func() string {
			out := st.getRecords(t, it, 1000)
			got = append(got, out.Records...)
			it = aws.ToString(out.NextShardIterator)
			if len(got) >= 5 {
				return ""
			}
			return fmt.Sprintf("have %d of 5 records", len(got))
		})
		if len(got) != 5 {
			t.Fatalf("read %d records with Limit 1 then 1000, want 5", len(got))
		}
		for i, r := range got {
			if recSeq(r) != recSeq(c.recs[i].rec) {
				t.Fatalf("record %d: %s, want %s", i, recSeq(r), recSeq(c.recs[i].rec))
			}
		}
	})

	t.Run("OpenShardsAlwaysHaveNextIterator", func(t *testing.T) {
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		_, shards := st.describeStream(t, arn, 0)
		for _, sh := range shards {
			it := st.shardIterator(t, arn, aws.ToString(sh.ShardId), stypes.ShardIteratorTypeTrimHorizon, "")
			for i := 0; i < 3; i++ {
				out := st.getRecords(t, it, 0)
				if len(out.Records) != 0 {
					t.Fatalf("shard %s of an unwritten table has %d records", aws.ToString(sh.ShardId), len(out.Records))
				}
				if out.NextShardIterator == nil {
					t.Fatalf("open shard %s: GetRecords %d without records omitted NextShardIterator", aws.ToString(sh.ShardId), i)
				}
				it = aws.ToString(out.NextShardIterator)
			}
		}
		st.put(t, table, streamKey("one", 1))
		c := st.newConsumer(arn)
		c.untilCount(t, 1)
		for id, cs := range c.shards {
			if cs.done || cs.iter == "" {
				t.Fatalf("open shard %s ended for the consumer", id)
			}
		}
	})

	t.Run("DisableClosesShards", func(t *testing.T) {
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		const n = 12
		for i := 0; i < n; i++ {
			st.put(t, table, streamKey(fmt.Sprintf("close-%d", i), i))
		}
		c := st.newConsumer(arn)
		c.untilCount(t, n)
		_, err := st.setStream(t, table, false, "")
		requireNoErr(t, err, "disable stream")
		st.waitStreamStatus(t, arn, stypes.StreamStatusDisabled)
		var shards []stypes.Shard
		st.eventuallyStream(t, func() string {
			_, shards = st.describeStream(t, arn, 0)
			for _, sh := range shards {
				if sh.SequenceNumberRange == nil || sh.SequenceNumberRange.EndingSequenceNumber == nil {
					return "shard " + aws.ToString(sh.ShardId) + " of a disabled stream is still open"
				}
			}
			return ""
		})
		total := 0
		for _, sh := range shards {
			recs := st.readShardToEnd(t, st.shardIterator(t, arn, aws.ToString(sh.ShardId), stypes.ShardIteratorTypeTrimHorizon, ""), 1000)
			end := aws.ToString(sh.SequenceNumberRange.EndingSequenceNumber)
			for _, r := range recs {
				if streamSeqLess(end, recSeq(r)) {
					t.Fatalf("shard %s: record %s after EndingSequenceNumber %s", aws.ToString(sh.ShardId), recSeq(r), end)
				}
			}
			total += len(recs)
		}
		if total != n {
			t.Fatalf("closed shards hold %d records, want %d", total, n)
		}
		// The consumer finishes every shard.
		c.until(t, "every shard ended", func() bool {
			for _, cs := range c.shards {
				if !cs.done {
					return false
				}
			}
			return true
		})
		if len(c.recs) != n {
			t.Fatalf("consumer read %d records, want %d", len(c.recs), n)
		}
	})
}

// ---------------------------------------------------------------------------
// Tests that need the engine's knobs

func TestConformanceStreamsLineage(t *testing.T) {
	t.Parallel()

	t.Run("RollShards", func(t *testing.T) {
		st := newStreamEngine(t, "forced shard rollover", ddblocal.Options{})
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewImage)
		const keys = 24
		for i := 0; i < keys; i++ {
			st.put(t, table, copyItem(streamKey(fmt.Sprintf("roll-%d", i), 1), item{"v": avN("1")}))
		}
		requireNoErr(t, st.engine.RollShards(t.Context()), "RollShards")
		for i := 0; i < keys; i++ {
			st.put(t, table, copyItem(streamKey(fmt.Sprintf("roll-%d", i), 1), item{"v": avN("2")}))
		}
		_, shards := st.describeStream(t, arn, 0)
		byID := map[string]stypes.Shard{}
		children := map[string][]string{}
		var open, closed int
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			byID[id] = sh
			if sh.SequenceNumberRange.EndingSequenceNumber != nil {
				closed++
				if sh.ParentShardId != nil {
					t.Fatalf("original shard %s has a parent", id)
				}
				if streamSeqLess(aws.ToString(sh.SequenceNumberRange.EndingSequenceNumber), aws.ToString(sh.SequenceNumberRange.StartingSequenceNumber)) {
					t.Fatalf("shard %s ends before it starts: %+v", id, *sh.SequenceNumberRange)
				}
			} else {
				open++
				children[aws.ToString(sh.ParentShardId)] = append(children[aws.ToString(sh.ParentShardId)], id)
			}
		}
		if open != 4 || closed != 4 {
			t.Fatalf("after RollShards: %d open and %d closed shards, want 4 and 4", open, closed)
		}
		for parent, kids := range children {
			p, ok := byID[parent]
			if !ok || p.SequenceNumberRange.EndingSequenceNumber == nil || len(kids) != 1 {
				t.Fatalf("children %v name parent %q, which is not one closed listed shard", kids, parent)
			}
			child := byID[kids[0]]
			if !streamSeqLess(aws.ToString(p.SequenceNumberRange.EndingSequenceNumber), aws.ToString(child.SequenceNumberRange.StartingSequenceNumber)) {
				t.Fatalf("child %s starts at %s, not after its parent's end %s", kids[0],
					aws.ToString(child.SequenceNumberRange.StartingSequenceNumber), aws.ToString(p.SequenceNumberRange.EndingSequenceNumber))
			}
			// A closed shard ends: NextShardIterator is omitted after its last record.
			recs := st.readShardToEnd(t, st.shardIterator(t, arn, parent, stypes.ShardIteratorTypeTrimHorizon, ""), 100)
			for _, r := range recs {
				if r.EventName != stypes.OperationTypeInsert {
					t.Fatalf("closed parent %s holds a %s record written after the rollover", parent, r.EventName)
				}
			}
			// LATEST on a closed shard is its end too.
			out := st.getRecords(t, st.shardIterator(t, arn, parent, stypes.ShardIteratorTypeLatest, ""), 0)
			if len(out.Records) != 0 || out.NextShardIterator != nil {
				t.Fatalf("LATEST on closed shard %s: %d records, NextShardIterator present=%v", parent, len(out.Records), out.NextShardIterator != nil)
			}
		}
		c := st.newConsumer(arn)
		c.poll(t)
		if len(c.recs) != 2*keys {
			t.Fatalf("consumer read %d records, want %d", len(c.recs), 2*keys)
		}
		for k, recs := range c.byKey() {
			if recEvents(recs) != "INSERT v=1, MODIFY v=2" {
				t.Fatalf("item %s: %s", k, recEvents(recs))
			}
			if got := aws.ToString(byID[recs[1].shard].ParentShardId); got != recs[0].shard {
				t.Fatalf("item %s: MODIFY in shard %s whose parent is %s, but its INSERT is in %s", k, recs[1].shard, got, recs[0].shard)
			}
		}
	})

	t.Run("Split", func(t *testing.T) {
		st := newStreamEngine(t, "forced shard splits", ddblocal.Options{Streams: ddblocal.StreamOptions{Shards: 4, SplitOnRollover: true, MaxOpenShards: 16}})
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewImage)
		const keys = 40
		write := func(v int) {
			for i := 0; i < keys; i++ {
				st.put(t, table, copyItem(streamKey(fmt.Sprintf("split-%d", i), 1), item{"v": avN(strconv.Itoa(v))}))
			}
		}
		write(1)
		wantOpen := []int{8, 16, 16}
		wantKids := []int{2, 2, 1}
		total := 4
		for round, wantOpen := range wantOpen {
			requireNoErr(t, st.engine.RollShards(t.Context()), "RollShards")
			write(round + 2)
			total += wantOpen
			_, shards := st.describeStream(t, arn, 0)
			if len(shards) != total {
				t.Fatalf("round %d: %d shards, want %d", round, len(shards), total)
			}
			byID := map[string]stypes.Shard{}
			kids := map[string]int{}
			open := 0
			for _, sh := range shards {
				byID[aws.ToString(sh.ShardId)] = sh
				if sh.SequenceNumberRange.EndingSequenceNumber == nil {
					open++
					kids[aws.ToString(sh.ParentShardId)]++
				}
			}
			if open != wantOpen {
				t.Fatalf("round %d: %d open shards, want %d", round, open, wantOpen)
			}
			for parent, n := range kids {
				if p, ok := byID[parent]; !ok || p.SequenceNumberRange.EndingSequenceNumber == nil {
					t.Fatalf("round %d: open shard's parent %q is not a closed shard", round, parent)
				}
				if n != wantKids[round] {
					t.Fatalf("round %d: parent %s has %d open children, want %d", round, parent, n, wantKids[round])
				}
			}
		}
		// Paging through 44 shards five at a time gives the same sorted list.
		_, all := st.describeStream(t, arn, 0)
		_, paged := st.describeStream(t, arn, 5)
		var a, p []string
		for i := range all {
			a = append(a, aws.ToString(all[i].ShardId))
		}
		for i := range paged {
			p = append(p, aws.ToString(paged[i].ShardId))
		}
		if strings.Join(a, ",") != strings.Join(p, ",") || !sort.StringsAreSorted(p) {
			t.Fatalf("DescribeStream Limit 5 paging %v differs from unpaged %v or is unsorted", p, a)
		}
		c := st.newConsumer(arn)
		c.poll(t)
		if len(c.recs) != 4*keys {
			t.Fatalf("consumer read %d records, want %d", len(c.recs), 4*keys)
		}
		for k, recs := range c.byKey() {
			if got := recEvents(recs); got != "INSERT v=1, MODIFY v=2, MODIFY v=3, MODIFY v=4" {
				t.Fatalf("item %s: %s", k, got)
			}
			for i := 1; i < len(recs); i++ {
				if recs[i].shard == recs[i-1].shard {
					t.Fatalf("item %s: records %d and %d in one shard across a rollover", k, i-1, i)
				}
			}
		}
	})

	t.Run("ConsumerAcrossRollovers", func(t *testing.T) {
		st := newStreamEngine(t, "fast shard rollover", ddblocal.Options{Streams: ddblocal.StreamOptions{
			Shards: 4, ShardLifetime: 200 * time.Millisecond, SplitOnRollover: true, MaxOpenShards: 16, MaintenanceInterval: 20 * time.Millisecond,
		}})
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewAndOldImages)
		const writers, keysPerWriter = 4, 4
		var acked [writers * keysPerWriter]atomic.Int64
		var stop atomic.Bool
		var failed atomic.Value
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; !stop.Load(); i++ {
					k := w*keysPerWriter + i%keysPerWriter
					v := acked[k].Load() + 1
					_, err := st.client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
						TableName: aws.String(table), Key: streamKey(fmt.Sprintf("k%02d", k), k),
						UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: item{":v": avN(strconv.FormatInt(v, 10))},
					})
					if err != nil {
						failed.Store(err)
						return
					}
					acked[k].Store(v)
				}
			}()
		}
		c := st.newConsumer(arn)
		c.limit = 50
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) && failed.Load() == nil {
			c.poll(t)
			time.Sleep(5 * time.Millisecond)
		}
		stop.Store(true)
		wg.Wait()
		if err, _ := failed.Load().(error); err != nil {
			t.Fatalf("UpdateItem: %v", err)
		}
		var want int64
		for k := range acked {
			want += acked[k].Load()
		}
		// Writes have stopped: passes reach the end of everything written.
		for c.poll(t) > 0 {
		}
		if int64(len(c.recs)) != want {
			t.Fatalf("consumer read %d records, %d writes were acknowledged", len(c.recs), want)
		}
		byKey := c.byKey()
		for k := range acked {
			recs := byKey[itemString(streamKey(fmt.Sprintf("k%02d", k), k))]
			if int64(len(recs)) != acked[k].Load() {
				t.Fatalf("key %d: %d records, %d writes", k, len(recs), acked[k].Load())
			}
			for i, r := range recs {
				if recN(r.rec, "v", false) != i+1 || (i > 0 && recN(r.rec, "v", true) != i) {
					t.Fatalf("key %d: record %d is %s (shard %s), want v=%d after v=%d", k, i, recEvents([]consumedRecord{r}), r.shard, i+1, i)
				}
			}
		}
		_, shards := st.describeStream(t, arn, 0)
		kids := map[string]int{}
		closed := 0
		for _, sh := range shards {
			if sh.SequenceNumberRange.EndingSequenceNumber != nil {
				closed++
			}
			if sh.ParentShardId != nil {
				kids[aws.ToString(sh.ParentShardId)]++
			}
		}
		split := false
		for _, n := range kids {
			split = split || n == 2
		}
		if closed < 8 || !split {
			t.Fatalf("in 2 s with a 200 ms shard lifetime: %d closed shards, split seen=%v; want at least 8 and a split", closed, split)
		}
		t.Logf("%d writes over %d shards (%d closed)", want, len(shards), closed)
	})
}

// TestConformanceStreamsMaintenanceConcurrency runs forced rollovers while
// the maintenance loop rolls shards over by age and trims them, as items
// are written; then the stream is disabled. Nothing is lost or duplicated
// and every shard ends. It does not run in parallel with other tests, so
// that a data race it provokes is reported against it alone.
func TestConformanceStreamsMaintenanceConcurrency(t *testing.T) {
	t.Run("RolloverDuringMaintenance", func(t *testing.T) {
		st := newStreamEngine(t, "forced and fast shard rollover", ddblocal.Options{Streams: ddblocal.StreamOptions{
			Shards: 2, ShardLifetime: 3 * time.Millisecond, SplitOnRollover: true, MaxOpenShards: 8, MaintenanceInterval: time.Millisecond,
		}})
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewImage)
		var stop atomic.Bool
		var rollErr atomic.Value
		done := make(chan struct{})
		go func() {
			defer close(done)
			for !stop.Load() {
				if err := st.engine.RollShards(context.Background()); err != nil {
					rollErr.Store(err)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
		const n = 250
		for i := 1; i <= n; i++ {
			st.put(t, table, copyItem(streamKey(fmt.Sprintf("m%d", i%7), i%7), item{"v": avN(strconv.Itoa(i))}))
		}
		stop.Store(true)
		<-done
		if err, _ := rollErr.Load().(error); err != nil {
			t.Fatalf("RollShards: %v", err)
		}
		_, err := st.setStream(t, table, false, "")
		requireNoErr(t, err, "disable stream")
		c := st.newConsumer(arn)
		c.until(t, "every shard of the disabled stream ended", func() bool {
			for _, cs := range c.shards {
				if !cs.done {
					return false
				}
			}
			return len(c.shards) > 0
		})
		if len(c.recs) != n {
			t.Fatalf("consumer read %d records, want %d", len(c.recs), n)
		}
		for k, recs := range c.byKey() {
			for i := 1; i < len(recs); i++ {
				if recN(recs[i].rec, "v", false) <= recN(recs[i-1].rec, "v", false) {
					t.Fatalf("item %s out of order: %s", k, recEvents(recs))
				}
			}
		}
	})
}

func TestConformanceStreamsExpiry(t *testing.T) {
	t.Parallel()

	t.Run("ExpiredIterator", func(t *testing.T) {
		st := newClockedStreamEngine(t, "fake clock and iterator lifetime", ddblocal.Options{Streams: ddblocal.StreamOptions{IteratorTTL: time.Minute}})
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		st.put(t, table, streamKey("exp", 1))
		c := st.newConsumer(arn)
		c.poll(t)
		if len(c.recs) != 1 {
			t.Fatalf("want 1 record, got %d", len(c.recs))
		}
		shard := c.recs[0].shard
		it := st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeTrimHorizon, "")
		st.clock.Advance(59 * time.Second)
		out := st.getRecords(t, it, 0) // still valid
		if len(out.Records) != 1 || out.NextShardIterator == nil {
			t.Fatalf("59 s old iterator: %d records", len(out.Records))
		}
		next := aws.ToString(out.NextShardIterator)
		st.clock.Advance(2 * time.Second)
		_, err := st.getRecordsErr(t, it, 0)
		requireStreamError[*stypes.ExpiredIteratorException](t, err, "ExpiredIteratorException")
		// The iterator GetRecords returned is fresh, and so is a new one.
		out = st.getRecords(t, next, 0)
		if len(out.Records) != 0 || out.NextShardIterator == nil {
			t.Fatalf("fresh NextShardIterator: %d records", len(out.Records))
		}
		st.clock.Advance(61 * time.Second)
		_, err = st.getRecordsErr(t, aws.ToString(out.NextShardIterator), 0)
		requireStreamError[*stypes.ExpiredIteratorException](t, err, "ExpiredIteratorException")
		if out := st.getRecords(t, st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeTrimHorizon, ""), 0); len(out.Records) != 1 {
			t.Fatalf("new iterator after expiry: %d records, want 1", len(out.Records))
		}
	})

	retention := ddblocal.StreamOptions{Retention: time.Minute, IteratorTTL: time.Hour, MaintenanceInterval: 5 * time.Millisecond}

	t.Run("TrimmedDataAccess", func(t *testing.T) {
		st := newClockedStreamEngine(t, "fake clock and short retention", ddblocal.Options{Streams: retention})
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewImage)
		key := streamKey("trim", 1)
		for v := 1; v <= 3; v++ {
			st.put(t, table, copyItem(key, item{"v": avN(strconv.Itoa(v))}))
		}
		c := st.newConsumer(arn)
		c.poll(t)
		if len(c.recs) != 3 {
			t.Fatalf("want 3 records, got %d", len(c.recs))
		}
		shard, first := c.recs[0].shard, recSeq(c.recs[0].rec)
		old := st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeTrimHorizon, "")
		st.clock.Advance(2 * time.Minute)
		st.put(t, table, copyItem(key, item{"v": avN("4")}))
		st.awaitTrimmed(t, arn, shard, first)
		_, err := st.getRecordsErr(t, old, 0)
		requireStreamError[*stypes.TrimmedDataAccessException](t, err, "TrimmedDataAccessException")
		out := st.getRecords(t, st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeTrimHorizon, ""), 0)
		if len(out.Records) != 1 || recN(out.Records[0], "v", false) != 4 {
			t.Fatalf("TRIM_HORIZON after trimming: %d records, want only v=4", len(out.Records))
		}
		// The record's time is the engine clock's, rounded down to the second.
		if got, want := aws.ToTime(out.Records[0].Dynamodb.ApproximateCreationDateTime), st.clock.Now().Truncate(time.Second); !got.Equal(want) {
			t.Fatalf("ApproximateCreationDateTime %v, want %v", got, want)
		}
	})

	t.Run("ClosedShardsAndDisabledStreamsExpire", func(t *testing.T) {
		st := newClockedStreamEngine(t, "fake clock and short retention", ddblocal.Options{Streams: retention})
		table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		other, otherArn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		for i := 0; i < 8; i++ {
			st.put(t, table, streamKey(fmt.Sprintf("gone-%d", i), i))
		}
		requireNoErr(t, st.engine.RollShards(t.Context()), "RollShards")
		_, err := st.setStream(t, other, false, "")
		requireNoErr(t, err, "disable")
		_, parents := st.describeStream(t, arn, 0)
		if len(parents) != 8 {
			t.Fatalf("after RollShards: %d shards, want 8", len(parents))
		}
		st.clock.Advance(2 * time.Minute)
		st.eventuallyStream(t, func() string {
			_, shards := st.describeStream(t, arn, 0)
			if len(shards) != 4 {
				return fmt.Sprintf("%d shards listed, want only the 4 open children", len(shards))
			}
			return ""
		})
		_, shards := st.describeStream(t, arn, 0)
		for _, sh := range shards {
			if sh.SequenceNumberRange.EndingSequenceNumber != nil {
				t.Fatalf("closed shard %s still listed after retention", aws.ToString(sh.ShardId))
			}
		}
		for _, sh := range parents {
			if sh.SequenceNumberRange.EndingSequenceNumber != nil {
				_, err := st.shardIteratorErr(t, arn, aws.ToString(sh.ShardId), stypes.ShardIteratorTypeTrimHorizon, "")
				requireStreamError[*stypes.ResourceNotFoundException](t, err, "ResourceNotFoundException")
			}
		}
		// A consumer starting now reads children whose parents are gone.
		st.put(t, table, streamKey("after", 1))
		c := st.newConsumer(arn)
		c.poll(t)
		if len(c.recs) != 1 {
			t.Fatalf("consumer after expiry read %d records, want 1", len(c.recs))
		}
		st.eventuallyStream(t, func() string {
			out, err := st.streams.ListStreams(t.Context(), &dynamodbstreams.ListStreamsInput{TableName: aws.String(other)})
			requireNoErr(t, err, "ListStreams")
			if len(out.Streams) != 0 {
				return "disabled stream " + otherArn + " still listed after retention"
			}
			return ""
		})
		_, err = st.streams.DescribeStream(t.Context(), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(otherArn)})
		requireStreamError[*stypes.ResourceNotFoundException](t, err, "ResourceNotFoundException")
	})
}

// TestConformanceStreamsLabels checks that every stream gets its own label
// and ARN even when the clock does not move between two of them.
func TestConformanceStreamsLabels(t *testing.T) {
	t.Parallel()

	t.Run("ReenableWithinOneMillisecond", func(t *testing.T) {
		st := newClockedStreamEngine(t, "frozen fake clock", ddblocal.Options{})
		table, first := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
		arns := map[string]bool{first: true}
		for i := 0; i < 3; i++ {
			_, err := st.setStream(t, table, false, "")
			requireNoErr(t, err, "disable")
			out, err := st.setStream(t, table, true, types.StreamViewTypeKeysOnly)
			requireNoErr(t, err, "enable")
			arn := aws.ToString(out.TableDescription.LatestStreamArn)
			requireStreamOf(t, table, arn, aws.ToString(out.TableDescription.LatestStreamLabel))
			if arns[arn] {
				t.Fatalf("re-enabled stream %d reuses ARN %s", i, arn)
			}
			arns[arn] = true
		}
	})

	// Deleting a table and creating it again at once (as test suites do)
	// gives a new stream; the old one stays readable.
	t.Run("RecreatedTable", func(t *testing.T) {
		st := newClockedStreamEngine(t, "frozen fake clock", ddblocal.Options{})
		name := uniqueTableName()
		create := func() string {
			in := streamTable.input(name)
			in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeKeysOnly}
			out, err := st.client.CreateTable(t.Context(), in)
			requireNoErr(t, err, "CreateTable")
			return aws.ToString(out.TableDescription.LatestStreamArn)
		}
		first := create()
		st.put(t, name, streamKey("old", 1))
		_, err := st.client.DeleteTable(t.Context(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		requireNoErr(t, err, "DeleteTable")
		second := create()
		st.deleteAtCleanup(t, name)
		if second == first {
			t.Fatalf("recreated table's stream reuses ARN %s", first)
		}
		st.put(t, name, streamKey("new", 1))
		old, _ := st.describeStream(t, first, 0)
		if old.StreamStatus != stypes.StreamStatusDisabled {
			t.Fatalf("deleted table's stream: status %s, want DISABLED", old.StreamStatus)
		}
		for _, tc := range []struct{ arn, key string }{{first, "old"}, {second, "new"}} {
			c := st.newConsumer(tc.arn)
			c.poll(t)
			if len(c.recs) != 1 || recKeys(c.recs[0].rec) != itemString(streamKey(tc.key, 1)) {
				t.Fatalf("stream %s: %d records, want only the %q item's", tc.arn, len(c.recs), tc.key)
			}
		}
		out, err := st.streams.ListStreams(t.Context(), &dynamodbstreams.ListStreamsInput{TableName: aws.String(name)})
		requireNoErr(t, err, "ListStreams")
		if len(out.Streams) != 2 {
			t.Fatalf("ListStreams %s: %d streams, want the old and the new", name, len(out.Streams))
		}
	})
}

func TestConformanceStreamsTTL(t *testing.T) {
	t.Parallel()
	st := newStreamEngine(t, "synchronous TTL sweep", ddblocal.Options{TTLSweepInterval: time.Hour})
	table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewAndOldImages)
	requireNoErr(t, st.updateTTL(t, table, "ttl", true), "UpdateTimeToLive")
	now := time.Now().Unix()
	expired := []item{
		copyItem(streamKey("exp-1", 1), item{"ttl": avN(strconv.FormatInt(now-10, 10)), "v": avS("a")}),
		copyItem(streamKey("exp-2", 2), item{"ttl": avN(strconv.FormatInt(now-10, 10)), "v": avS("b")}),
	}
	kept := []item{
		copyItem(streamKey("live", 1), item{"ttl": avN(strconv.FormatInt(now+3600, 10))}),
		copyItem(streamKey("string-ttl", 1), item{"ttl": avS(strconv.FormatInt(now-10, 10))}),
		copyItem(streamKey("no-ttl", 1), item{"v": avS("c")}),
	}
	for _, it := range append(append([]item{}, expired...), kept...) {
		st.put(t, table, it)
	}
	_, err := st.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: streamKey("no-ttl", 1)})
	requireNoErr(t, err, "DeleteItem")
	kept = kept[:2]
	n, err := st.engine.SweepExpired(t.Context())
	requireNoErr(t, err, "SweepExpired")
	if n != len(expired) {
		t.Fatalf("SweepExpired deleted %d items, want %d", n, len(expired))
	}
	keyOf := func(it item) item { return item{"pk": it["pk"], "sk": it["sk"]} }
	for _, it := range expired {
		st.requireStored(t, table, keyOf(it), nil)
	}
	for _, it := range kept {
		st.requireStored(t, table, keyOf(it), it)
	}
	if n, err := st.engine.SweepExpired(t.Context()); err != nil || n != 0 {
		t.Fatalf("second SweepExpired: %d, %v; want 0", n, err)
	}
	c := st.newConsumer(arn)
	c.poll(t)
	// 5 puts, 1 user delete, 2 TTL deletions.
	if len(c.recs) != 8 {
		t.Fatalf("want 8 records (5 INSERT, 1 user REMOVE, 2 TTL REMOVE), got %d: %s", len(c.recs), recEvents(c.recs))
	}
	byKey := c.byKey()
	for _, it := range expired {
		recs := byKey[itemString(keyOf(it))]
		if len(recs) != 2 || recs[1].rec.EventName != stypes.OperationTypeRemove {
			t.Fatalf("expired item %s: records %s, want INSERT then REMOVE", itemString(it), recEvents(recs))
		}
		if recs[0].rec.UserIdentity != nil {
			t.Fatalf("INSERT by a user carries userIdentity %+v", recs[0].rec.UserIdentity)
		}
		r := recs[1].rec
		st.checkRecordShape(t, r, stypes.StreamViewTypeNewAndOldImages)
		if r.UserIdentity == nil || aws.ToString(r.UserIdentity.PrincipalId) != "dynamodb.amazonaws.com" || aws.ToString(r.UserIdentity.Type) != "Service" {
			t.Fatalf("TTL REMOVE of %s: userIdentity %+v, want {dynamodb.amazonaws.com Service}", itemString(it), r.UserIdentity)
		}
		requireItem(t, fromStreamItem(r.Dynamodb.OldImage), it, "TTL REMOVE OldImage")
	}
	recs := byKey[itemString(streamKey("no-ttl", 1))]
	if len(recs) != 2 || recs[1].rec.EventName != stypes.OperationTypeRemove || recs[1].rec.UserIdentity != nil {
		t.Fatalf("user DeleteItem: records %s, userIdentity %+v; want a REMOVE without userIdentity", recEvents(recs), recs[len(recs)-1].rec.UserIdentity)
	}
}

// TestConformanceStreamsTransactionAtomicity checks that stream readers
// never see a transaction half-applied, even while shards roll over and
// split: once a pass over all shards has delivered one record of a
// transaction, the next pass (which reads every shard to its current end)
// delivers the rest.
func TestConformanceStreamsTransactionAtomicity(t *testing.T) {
	t.Parallel()
	st := newStreamEngine(t, "fast shard rollover", ddblocal.Options{Streams: ddblocal.StreamOptions{
		Shards: 4, ShardLifetime: 150 * time.Millisecond, SplitOnRollover: true, MaxOpenShards: 16, MaintenanceInterval: 10 * time.Millisecond,
	}})
	table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewImage)
	const writers, perTx = 3, 3
	var committed atomic.Int64
	var stop atomic.Bool
	var failed atomic.Value
	var wg sync.WaitGroup
	var nextTx atomic.Int64
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				id := nextTx.Add(1)
				var items []types.TransactWriteItem
				for j := 0; j < perTx; j++ {
					items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table),
						Item: copyItem(streamKey(fmt.Sprintf("tx%d-%c", id, 'a'+j), j), item{"tx": avN(strconv.FormatInt(id, 10))})}})
				}
				if _, err := st.client.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
					failed.Store(err)
					return
				}
				committed.Add(1)
			}
		}()
	}
	c := st.newConsumer(arn)
	seen := map[int]int{} // transaction id -> records delivered
	counted := 0
	count := func() {
		for _, r := range c.recs[counted:] {
			seen[recN(r.rec, "tx", false)]++
		}
		counted = len(c.recs)
	}
	var partial []int
	passes := 0
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) && failed.Load() == nil {
		c.poll(t)
		passes++
		count()
		for _, id := range partial {
			if seen[id] != perTx {
				t.Fatalf("pass %d: transaction %d still has %d of %d records one full pass after the first", passes, id, seen[id], perTx)
			}
		}
		partial = partial[:0]
		for id, n := range seen {
			if n > perTx {
				t.Fatalf("transaction %d: %d records, want %d", id, n, perTx)
			}
			if n < perTx {
				partial = append(partial, id)
			}
		}
	}
	stop.Store(true)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatalf("TransactWriteItems: %v", err)
	}
	for c.poll(t) > 0 {
	}
	count()
	if int64(len(seen)) != committed.Load() || len(c.recs) != int(committed.Load())*perTx {
		t.Fatalf("%d transactions committed; stream holds %d records of %d transactions", committed.Load(), len(c.recs), len(seen))
	}
	for id, n := range seen {
		if n != perTx || id <= 0 {
			t.Fatalf("transaction %d: %d records, want %d", id, n, perTx)
		}
	}
	t.Logf("%d transactions over %d consumer passes", committed.Load(), passes)
}
