package ddblocal_test

// Crash recovery: the engine over pebblestore must keep every acknowledged
// write, all-or-nothing transactions and exactly one stream record per
// committed modification across kill -9 and restart.
//
// TestCrashRecovery re-executes the test binary as a child process
// (DDBLOCAL_CRASH_CHILD=<data dir>) that runs the engine on the data
// directory and writes concurrently through the SDK, printing one line per
// operation to stdout: "a <counter>" before sending an increment, and after
// the acknowledgement "P <key>", "I <counter>" or "T <id>" ("t <id>" before
// sending a transaction). The parent SIGKILLs the child after a random
// number of acknowledgements, reads every line the child wrote, reopens the
// data directory in-process and checks the table and the stream against
// what was acknowledged and attempted; 20 cycles on one data directory.
//
//	go test -race -run 'Crash' -v ./internal/ddblocal/
//
// DDBLOCAL_CRASH_SEED=<n> replays one sequence of kill points.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/pebblestore"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/storagetest"
)

const (
	crashChildEnv = "DDBLOCAL_CRASH_CHILD"
	crashCycleEnv = "DDBLOCAL_CRASH_CYCLE"
	crashSeedEnv  = "DDBLOCAL_CRASH_SEED"
	crashTable    = "crash"
	crashCounters = 4
	crashTxItems  = 3
	crashCycles   = 20
)

// crashStreamOptions make shards roll over and split while the child
// writes, so recovery also covers shard lineage.
var crashStreamOptions = ddblocal.StreamOptions{
	Shards: 2, ShardLifetime: time.Second, SplitOnRollover: true, MaxOpenShards: 4, MaintenanceInterval: 50 * time.Millisecond,
}

func crashKey(pk string) item { return item{"pk": avS(pk)} }

func TestCrashRecovery(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		cycle, _ := strconv.Atoi(os.Getenv(crashCycleEnv))
		crashChild(dir, cycle)
		return
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashSeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", crashSeedEnv, s, err)
		}
	}
	t.Logf("%s=%d", crashSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()

	// The table (with a stream and TTL) exists before the first child.
	st, store := crashOpen(t, dir)
	_, err := st.client.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:            aws.String(crashTable),
		BillingMode:          types.BillingModePayPerRequest,
		KeySchema:            keySchema(keyS("pk"), nil),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	requireNoErr(t, err, "CreateTable")
	requireNoErr(t, st.updateTTL(t, crashTable, "expires", true), "UpdateTimeToLive")
	arn := aws.ToString(st.describe(t, crashTable).LatestStreamArn)
	crashClose(t, st, store)

	l := newCrashLedger()
	start := time.Now()
	for cycle := 0; cycle < crashCycles; cycle++ {
		killAfter := 25 + rng.IntN(100)
		acks := runCrashChild(t, dir, cycle, killAfter)
		if acks.n < killAfter {
			t.Fatalf("cycle %d: child exited after %d acknowledgements, before the kill point %d", cycle, acks.n, killAfter)
		}
		l.merge(acks)
		t0 := time.Now()
		st, store := crashOpen(t, dir)
		l.verify(t, st, arn, cycle)
		crashClose(t, st, store)
		if testing.Verbose() {
			t.Logf("cycle %d: killed after %d acknowledgements; verified in %v", cycle, acks.n, time.Since(t0).Round(time.Millisecond))
		}
	}
	t.Logf("%d cycles in %v: %d puts, %d transactions, %d increments acknowledged",
		crashCycles, time.Since(start).Round(time.Millisecond), len(l.puts), len(l.txAcked), l.totalAcked())
}

// crashOpen opens the engine on dir in-process.
func crashOpen(t *testing.T, dir string) (*streamTarget, *pebblestore.Store) {
	t.Helper()
	store := openQuietStore(t, dir)
	return openStreamEngine(t, ddblocal.Options{Store: store, Streams: crashStreamOptions, TTLSweepInterval: time.Hour}), store
}

func crashClose(t *testing.T, st *streamTarget, _ *pebblestore.Store) {
	t.Helper()
	if err := st.engine.Close(); err != nil {
		t.Fatalf("engine Close: %v", err)
	}
}

// crashAcks is what one child reported.
type crashAcks struct {
	n         int // acknowledgements
	puts      []string
	attempted [crashCounters]int
	acked     [crashCounters]int
	txTried   []string
	txAcked   []string
}

// runCrashChild runs one child, kills it after killAfter acknowledgements
// and returns everything it reported.
func runCrashChild(t *testing.T, dir string, cycle, killAfter int) crashAcks {
	t.Helper()
	child := storagetest.StartChild(t, []string{"-test.run=^TestCrashRecovery$", "-test.count=1", "-test.timeout=5m"},
		crashChildEnv+"="+dir, crashCycleEnv+"="+strconv.Itoa(cycle))
	cmd, out, stderr := child.Cmd, child.Stdout, child.Stderr
	// Kill the child if it does not reach the kill point in time, so the
	// reader below always sees EOF.
	timer := time.AfterFunc(60*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	var acks crashAcks
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		tag, arg, _ := strings.Cut(line, " ")
		switch tag {
		case "P":
			acks.puts = append(acks.puts, arg)
			acks.n++
		case "a", "I":
			k, err := strconv.Atoi(arg)
			if err != nil || k < 0 || k >= crashCounters {
				t.Fatalf("child: bad line %q", line)
			}
			if tag == "a" {
				acks.attempted[k]++
			} else {
				acks.acked[k]++
				acks.n++
			}
		case "t":
			acks.txTried = append(acks.txTried, arg)
		case "T":
			acks.txAcked = append(acks.txAcked, arg)
			acks.n++
		case "E":
			t.Errorf("cycle %d: child failed: %s", cycle, arg)
		default:
			// Test framework output; shown on failure through stderr.
			fmt.Fprintln(stderr, line)
		}
		if !killed && acks.n >= killAfter {
			killed = true
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("SIGKILL: %v", err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading child output: %v", err)
	}
	_ = cmd.Wait()
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "DATA RACE") || strings.HasPrefix(l, "panic") || strings.HasPrefix(l, "engine: ") || strings.HasPrefix(l, "--- FAIL") {
			t.Errorf("cycle %d: child stderr:\n%s", cycle, stderr.String())
			break
		}
	}
	if !killed {
		t.Fatalf("cycle %d: child ended after %d acknowledgements without being killed; stderr:\n%s", cycle, acks.n, stderr.String())
	}
	return acks
}

// ledger: everything acknowledged and attempted over all cycles.
type crashLedger struct {
	puts      map[string]bool
	attempted [crashCounters]int
	acked     [crashCounters]int
	txTried   map[string]bool
	txAcked   map[string]bool
}

func newCrashLedger() *crashLedger {
	return &crashLedger{puts: map[string]bool{}, txTried: map[string]bool{}, txAcked: map[string]bool{}}
}

func (l *crashLedger) merge(a crashAcks) {
	for _, p := range a.puts {
		l.puts[p] = true
	}
	for k := range l.attempted {
		l.attempted[k] += a.attempted[k]
		l.acked[k] += a.acked[k]
	}
	for _, id := range a.txTried {
		l.txTried[id] = true
	}
	for _, id := range a.txAcked {
		l.txAcked[id] = true
	}
}

func (l *crashLedger) totalAcked() int {
	n := 0
	for _, a := range l.acked {
		n += a
	}
	return n
}

// verify checks the reopened engine against the ledger.
func (l *crashLedger) verify(t *testing.T, st *streamTarget, arn string, cycle int) {
	t.Helper()
	// Table definition, stream and TTL settings survived.
	d := st.describe(t, crashTable)
	if aws.ToString(d.LatestStreamArn) != arn || d.StreamSpecification == nil || !aws.ToBool(d.StreamSpecification.StreamEnabled) {
		t.Fatalf("cycle %d: table stream after restart: %q %+v", cycle, aws.ToString(d.LatestStreamArn), d.StreamSpecification)
	}
	ttl, err := st.client.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(crashTable)})
	requireNoErr(t, err, "DescribeTimeToLive")
	if ttl.TimeToLiveDescription == nil || ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "expires" {
		t.Fatalf("cycle %d: TTL after restart: %+v", cycle, ttl.TimeToLiveDescription)
	}

	// Every stored item.
	stored := map[string]item{}
	var start item
	for {
		out, err := st.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(crashTable), ExclusiveStartKey: start, ConsistentRead: aws.Bool(true)})
		requireNoErr(t, err, "Scan")
		for _, it := range out.Items {
			stored[crashS(it["pk"])] = it
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	for p := range l.puts {
		if stored[p] == nil {
			t.Fatalf("cycle %d: acknowledged put %s lost", cycle, p)
		}
	}
	counters := map[string]int{}
	txItems := map[string]int{}
	puts := 0
	for pk, it := range stored {
		switch {
		case strings.HasPrefix(pk, "put-"):
			puts++
		case strings.HasPrefix(pk, "ctr-"):
			counters[pk] = crashNum(t, it, "n")
		case strings.HasPrefix(pk, "tx-"):
			id := crashS(it["tx"])
			if !l.txTried[id] {
				t.Fatalf("cycle %d: item %s of transaction %s that was never sent", cycle, pk, id)
			}
			txItems[id]++
		default:
			t.Fatalf("cycle %d: unexpected item %s", cycle, itemString(it))
		}
	}
	for id := range l.txAcked {
		if txItems[id] != crashTxItems {
			t.Fatalf("cycle %d: acknowledged transaction %s has %d of %d items", cycle, id, txItems[id], crashTxItems)
		}
	}
	for id, n := range txItems {
		if n != crashTxItems {
			t.Fatalf("cycle %d: transaction %s partially applied: %d of %d items", cycle, id, n, crashTxItems)
		}
	}
	for k := 0; k < crashCounters; k++ {
		v := counters[fmt.Sprintf("ctr-%d", k)]
		if v < l.acked[k] || v > l.attempted[k] {
			t.Fatalf("cycle %d: counter %d = %d, want between %d acknowledged and %d attempted increments", cycle, k, v, l.acked[k], l.attempted[k])
		}
	}

	// The stream: one record per committed modification, in item order.
	c := st.newConsumer(arn)
	for c.poll(t) > 0 {
	}
	recs := c.byKey()
	want := 0
	for pk, it := range stored {
		rs := recs[itemString(crashKey(pk))]
		delete(recs, itemString(crashKey(pk)))
		switch {
		case strings.HasPrefix(pk, "ctr-"):
			v := crashNum(t, it, "n")
			want += v
			if len(rs) != v {
				t.Fatalf("cycle %d: counter %s = %d but the stream has %d records: %s", cycle, pk, v, len(rs), crashEvents(rs))
			}
			for i, r := range rs {
				ev := stypes.OperationTypeModify
				if i == 0 {
					ev = stypes.OperationTypeInsert
				}
				if r.rec.EventName != ev || recN(r.rec, "n", false) != i+1 || (i > 0 && recN(r.rec, "n", true) != i) {
					t.Fatalf("cycle %d: counter %s record %d: %s, want %s n=%d; all: %s", cycle, pk, i, crashEvents(rs[i:i+1]), ev, i+1, crashEvents(rs))
				}
			}
		default:
			want++
			if len(rs) != 1 || rs[0].rec.EventName != stypes.OperationTypeInsert {
				t.Fatalf("cycle %d: item %s: stream records %s, want exactly one INSERT", cycle, pk, crashEvents(rs))
			}
			requireItem(t, fromStreamItem(rs[0].rec.Dynamodb.NewImage), it, "NewImage of "+pk)
		}
	}
	for k, rs := range recs {
		t.Fatalf("cycle %d: stream records for %s, which is not stored: %s", cycle, k, crashEvents(rs))
	}
	if len(c.recs) != want {
		t.Fatalf("cycle %d: stream holds %d records, want %d", cycle, len(c.recs), want)
	}
	if puts < len(l.puts) {
		t.Fatalf("cycle %d: %d put items stored, %d acknowledged", cycle, puts, len(l.puts))
	}
	if testing.Verbose() {
		t.Logf("cycle %d: %d items, %d stream records in %d shards", cycle, len(stored), len(c.recs), len(c.shards))
	}
}

func crashS(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func crashNum(t *testing.T, it item, name string) int {
	t.Helper()
	n, ok := it[name].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("item %s: %s is not a number", itemString(it), name)
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		t.Fatalf("item %s: %s: %v", itemString(it), name, err)
	}
	return v
}

func crashEvents(rs []consumedRecord) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s n=%d/%d seq=%s shard=%s", r.rec.EventName, recN(r.rec, "n", true), recN(r.rec, "n", false), recSeq(r.rec), r.shard))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// crashChild is the child process: it writes until it is killed.
func crashChild(dir string, cycle int) {
	var outMu sync.Mutex
	emit := func(format string, args ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		// One write(2) per line, straight to the pipe: nothing is buffered
		// in this process when it is killed.
		_, _ = io.WriteString(os.Stdout, fmt.Sprintf(format, args...)+"\n")
	}
	fail := func(format string, args ...any) {
		emit("E "+format, args...)
		os.Exit(2)
	}
	// Never outlive a parent that failed to kill us.
	time.AfterFunc(90*time.Second, func() { os.Exit(3) })
	store, err := pebblestore.Open(dir, pebblestore.Options{Logf: func(string, ...any) {}})
	if err != nil {
		fail("pebblestore.Open: %v", err)
	}
	e, err := ddblocal.New(ddblocal.Options{
		Store: store, Streams: crashStreamOptions, TTLSweepInterval: time.Hour,
		Logf: func(format string, args ...any) { fmt.Fprintf(os.Stderr, "engine: "+format+"\n", args...) },
	})
	if err != nil {
		fail("ddblocal.New: %v", err)
	}
	c := engineClient(e)
	ctx := context.Background()
	var wg sync.WaitGroup
	// Two writers of each kind.
	for w := 0; w < 2; w++ {
		wg.Add(3)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				pk := fmt.Sprintf("put-%02d-%d-%d", cycle, w, i)
				_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(crashTable),
					Item: item{"pk": avS(pk), "w": avN(strconv.Itoa(w)), "data": avS(strings.Repeat("x", 100))}})
				if err != nil {
					fail("PutItem: %v", err)
				}
				emit("P %s", pk)
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				k := (w*7 + i) % crashCounters
				emit("a %d", k)
				_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(crashTable),
					Key: crashKey(fmt.Sprintf("ctr-%d", k)), UpdateExpression: aws.String("ADD n :one"),
					ExpressionAttributeValues: item{":one": avN("1")}})
				if err != nil {
					fail("UpdateItem: %v", err)
				}
				emit("I %d", k)
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("%02d-%d-%d", cycle, w, i)
				var items []types.TransactWriteItem
				for j := 0; j < crashTxItems; j++ {
					items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(crashTable),
						Item: item{"pk": avS(fmt.Sprintf("tx-%s-%d", id, j)), "tx": avS(id)}}})
				}
				emit("t %s", id)
				if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
					fail("TransactWriteItems: %v", err)
				}
				emit("T %s", id)
			}
		}()
	}
	wg.Wait()
}

// TestCrashRestartStreams checks stream state that must survive a clean
// restart on a durable store.
func TestCrashRestartStreams(t *testing.T) {
	t.Parallel()

	// A consumer's checkpoint (AFTER_SEQUENCE_NUMBER of the last record it
	// processed) must still find every later record after a restart, even
	// when retention has trimmed the shard empty.
	t.Run("SequenceNumbersKeepIncreasingAfterTrimAndRestart", func(t *testing.T) {
		dir := t.TempDir()
		clock := newStreamFakeClock()
		opts := func(store *pebblestore.Store) ddblocal.Options {
			return ddblocal.Options{Store: store, Now: clock.Now, Streams: ddblocal.StreamOptions{
				Shards: 1, Retention: time.Minute, IteratorTTL: time.Hour, MaintenanceInterval: 5 * time.Millisecond,
			}}
		}
		store := openQuietStore(t, dir)
		st := openStreamEngine(t, opts(store))
		st.clock = clock
		table, arn := createDurableStreamTable(t, st, types.StreamViewTypeNewImage)
		for v := 1; v <= 3; v++ {
			st.put(t, table, item{"pk": avS("k"), "v": avN(strconv.Itoa(v))})
		}
		c := st.newConsumer(arn)
		c.poll(t)
		if len(c.recs) != 3 {
			t.Fatalf("want 3 records, got %d", len(c.recs))
		}
		shard, checkpoint := c.recs[2].shard, recSeq(c.recs[2].rec)
		clock.Advance(2 * time.Minute)
		st.awaitTrimmed(t, arn, shard, checkpoint)
		crashClose(t, st, store)

		store = openQuietStore(t, dir)
		st = openStreamEngine(t, opts(store))
		st.clock = clock
		st.put(t, table, item{"pk": avS("k"), "v": avN("4")})
		out := st.getRecords(t, st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeTrimHorizon, ""), 0)
		if len(out.Records) != 1 {
			t.Fatalf("TRIM_HORIZON after restart: %d records, want 1", len(out.Records))
		}
		if seq := recSeq(out.Records[0]); !streamSeqLess(checkpoint, seq) {
			t.Fatalf("record written after the restart has SequenceNumber %s, not after %s written before it", seq, checkpoint)
		}
		out = st.getRecords(t, st.shardIterator(t, arn, shard, stypes.ShardIteratorTypeAfterSequenceNumber, checkpoint), 0)
		if len(out.Records) != 1 || recN(out.Records[0], "v", false) != 4 {
			t.Fatalf("AFTER_SEQUENCE_NUMBER of the checkpoint after restart: %d records, want the new v=4", len(out.Records))
		}
	})

	// Iterators are valid across restarts (the engine persists the key that
	// signs them); one positioned before a shard's first record must not
	// turn into TrimmedDataAccessException when nothing was trimmed.
	t.Run("IteratorsSurviveRestart", func(t *testing.T) {
		dir := t.TempDir()
		open := func() (*streamTarget, *pebblestore.Store) {
			store := openQuietStore(t, dir)
			return openStreamEngine(t, ddblocal.Options{Store: store, Streams: ddblocal.StreamOptions{Shards: 4}}), store
		}
		st, store := open()
		table, arn := createDurableStreamTable(t, st, types.StreamViewTypeKeysOnly)
		_, shards := st.describeStream(t, arn, 0)
		latest := map[string]string{}
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			latest[id] = st.shardIterator(t, arn, id, stypes.ShardIteratorTypeLatest, "")
		}
		const n = 40
		for i := 0; i < n; i++ {
			st.put(t, table, item{"pk": avS(fmt.Sprintf("item-%d", i))})
		}
		crashClose(t, st, store)
		st, _ = open()
		total := 0
		for id, it := range latest {
			out, err := st.getRecordsErr(t, it, 0)
			if err != nil {
				t.Fatalf("shard %s: iterator issued before the restart: %v", id, err)
			}
			total += len(out.Records)
		}
		if total != n {
			t.Fatalf("iterators issued before the restart read %d records, want %d", total, n)
		}
	})
}

// createDurableStreamTable creates a table keyed by pk with a stream. Unlike
// createStreamTable it leaves the table in place, for tests that close the
// engine it was created on.
func createDurableStreamTable(t *testing.T, st *streamTarget, view types.StreamViewType) (string, string) {
	t.Helper()
	name := uniqueTableName()
	in := tableDef{hash: keyS("pk")}.input(name)
	in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view}
	out, err := st.client.CreateTable(t.Context(), in)
	requireNoErr(t, err, "CreateTable")
	arn := aws.ToString(out.TableDescription.LatestStreamArn)
	if arn == "" {
		t.Fatal("CreateTable: no LatestStreamArn")
	}
	return name, arn
}
