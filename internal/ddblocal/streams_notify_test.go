package ddblocal_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
	"github.com/hubstream/hubstream/internal/ddblocal/storage"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/memstore"
)

// StreamActivity is in-process only (it is not part of the wire API), so
// these tests always run against an in-process engine; writes and reads
// still go through the SDK clients.

// activity holds the channels of every shard of a stream and of the stream
// as a whole, taken at one moment.
type activity struct {
	stream <-chan struct{}
	shards map[string]<-chan struct{}
}

func takeActivity(t *testing.T, st *streamTarget, arn string) activity {
	t.Helper()
	a := activity{shards: map[string]<-chan struct{}{}}
	var err error
	if a.stream, err = st.engine.StreamActivity(arn, ""); err != nil {
		t.Fatalf("StreamActivity(stream): %v", err)
	}
	_, shards := st.describeStream(t, arn, 0)
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		c, err := st.engine.StreamActivity(arn, id)
		if err != nil {
			t.Fatalf("StreamActivity(%s): %v", id, err)
		}
		a.shards[id] = c
	}
	return a
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// woken lists the shards whose channels are closed.
func (a activity) woken() map[string]bool {
	out := map[string]bool{}
	for id, c := range a.shards {
		if isClosed(c) {
			out[id] = true
		}
	}
	return out
}

// shardsWithRecords lists the shards holding records (read from the trim
// horizon through the Streams API).
func shardsWithRecords(t *testing.T, st *streamTarget, arn string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	_, shards := st.describeStream(t, arn, 0)
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		it := st.shardIterator(t, arn, id, stypes.ShardIteratorTypeTrimHorizon, "")
		// The shard is open: its first page holds its first record, if any.
		if recs := st.getRecords(t, it, 1).Records; len(recs) > 0 {
			out[id] = true
		}
	}
	return out
}

func putN(t *testing.T, st *streamTarget, table string, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		st.put(t, table, item{"pk": avS(fmt.Sprintf("p%03d", i)), "sk": avN("1"), "v": avN("1")})
	}
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func TestStreamActivityWakesWhatACommitWrote(t *testing.T) {
	cases := []struct {
		name string
		// write commits something after the channels were taken; wantAny
		// says whether it stages records at all.
		write   func(t *testing.T, st *streamTarget, table string)
		wantAny bool
	}{
		{"a put wakes its shard and the stream", func(t *testing.T, st *streamTarget, table string) {
			putN(t, st, table, 100, 1)
		}, true},
		{"a transaction wakes every shard it wrote to", func(t *testing.T, st *streamTarget, table string) {
			var items []types.TransactWriteItem
			for i := range 12 {
				items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table),
					Item: item{"pk": avS(fmt.Sprintf("tx%02d", i)), "sk": avN("1")}}})
			}
			if _, err := st.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"an identical put stages no record and wakes nobody", func(t *testing.T, st *streamTarget, table string) {
			putN(t, st, table, 0, 1) // the item the setup wrote, unchanged
		}, false},
		{"a failed conditional write wakes nobody", func(t *testing.T, st *streamTarget, table string) {
			_, err := st.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table),
				Item:                item{"pk": avS("p000"), "sk": avN("1"), "v": avN("2")},
				ConditionExpression: aws.String("attribute_not_exists(pk)")})
			var cf *types.ConditionalCheckFailedException
			if !errors.As(err, &cf) {
				t.Fatalf("conditional put: %v, want ConditionalCheckFailedException", err)
			}
		}, false},
		{"a delete of a missing item wakes nobody", func(t *testing.T, st *streamTarget, table string) {
			if _, err := st.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(table),
				Key: item{"pk": avS("missing"), "sk": avN("1")}}); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := openStreamEngine(t, ddblocal.Options{Streams: ddblocal.StreamOptions{Shards: 4}})
			table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeNewAndOldImages)
			putN(t, st, table, 0, 1)
			before := shardsWithRecords(t, st, arn)
			a := takeActivity(t, st, arn)
			if w := a.woken(); len(w) > 0 || isClosed(a.stream) {
				t.Fatalf("channels closed before any commit: %v", w)
			}
			tc.write(t, st, table)
			// The write returned: its records are committed, and the
			// channels of the shards it wrote to are already closed.
			after := shardsWithRecords(t, st, arn)
			wrote := map[string]bool{}
			for id := range after {
				if !before[id] {
					wrote[id] = true
				}
			}
			woken := a.woken()
			if tc.wantAny {
				// Shards that already had records may have been written
				// again: every woken shard must hold records, and every
				// shard that got its first record must be woken.
				for id := range wrote {
					if !woken[id] {
						t.Errorf("shard %s received records but its channel is open", id)
					}
				}
				for id := range woken {
					if !after[id] {
						t.Errorf("shard %s was woken but holds no record", id)
					}
				}
				if len(woken) == 0 || !isClosed(a.stream) {
					t.Errorf("woken shards %v, stream woken %v: want the written shards and the stream", woken, isClosed(a.stream))
				}
				if len(woken) == len(a.shards) && len(a.shards) > 1 && tc.name == "a put wakes its shard and the stream" {
					t.Errorf("a single put woke all %d shards", len(woken))
				}
				return
			}
			if len(woken) > 0 || isClosed(a.stream) || !sameSet(before, after) {
				t.Errorf("woken %v (stream %v), shards with records %v → %v: want no record and no wake-up", woken, isClosed(a.stream), before, after)
			}
		})
	}
}

func TestStreamActivityWakesWhenShardsChange(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, st *streamTarget, table string)
	}{
		{"a rollover closes the shards", func(t *testing.T, st *streamTarget, table string) {
			if err := st.engine.RollShards(t.Context()); err != nil {
				t.Fatal(err)
			}
		}},
		{"disabling the stream closes the shards", func(t *testing.T, st *streamTarget, table string) {
			if _, err := st.setStream(t, table, false, ""); err != nil {
				t.Fatal(err)
			}
		}},
		{"deleting the table closes the shards", func(t *testing.T, st *streamTarget, table string) {
			if _, err := st.client.DeleteTable(t.Context(), &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := openStreamEngine(t, ddblocal.Options{Streams: ddblocal.StreamOptions{Shards: 3}})
			table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
			a := takeActivity(t, st, arn)
			tc.change(t, st, table)
			if w := a.woken(); len(w) != len(a.shards) || !isClosed(a.stream) {
				t.Fatalf("woken %v of %d shards (stream %v): a reader of a closed shard must wake to read its end", w, len(a.shards), isClosed(a.stream))
			}
			// A closed shard has nothing more to wait for.
			for id := range a.shards {
				c, err := st.engine.StreamActivity(arn, id)
				if err != nil {
					t.Fatal(err)
				}
				if !isClosed(c) {
					t.Errorf("StreamActivity of closed shard %s returned an open channel", id)
				}
			}
		})
	}
}

func TestStreamActivityEngineClose(t *testing.T) {
	st := openStreamEngine(t, ddblocal.Options{})
	// Not createStreamTable: its cleanup would delete the table from the
	// closed engine.
	in := streamTable.input(uniqueTableName())
	in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeKeysOnly}
	out, err := st.client.CreateTable(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TableDescription.LatestStreamArn)
	a := takeActivity(t, st, arn)
	if err := st.engine.Close(); err != nil {
		t.Fatal(err)
	}
	var c <-chan struct{}
	if w := a.woken(); len(w) != len(a.shards) || !isClosed(a.stream) {
		t.Fatalf("after Close, woken %v of %d shards (stream %v): waiters must not wait for ever", w, len(a.shards), isClosed(a.stream))
	}
	c, err = st.engine.StreamActivity(arn, "")
	if err != nil || !isClosed(c) {
		t.Fatalf("StreamActivity after Close = closed %v, %v; want a closed channel", c != nil && isClosed(c), err)
	}
}

func TestStreamActivityUnknown(t *testing.T) {
	st := openStreamEngine(t, ddblocal.Options{})
	_, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
	cases := []struct {
		name, arn, shard string
		code             ddberr.Code
	}{
		{"unknown stream", arn + "0", "", ddberr.ResourceNotFound}, // one character longer than the real label: no stream has it
		{"unknown shard", arn, "shardId-00000000000000000000-0000dead", ddberr.ResourceNotFound},
		{"malformed stream ARN", "arn", "", ddberr.Validation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := st.engine.StreamActivity(tc.arn, tc.shard)
			var de *ddberr.Error
			if !errors.As(err, &de) || de.Code != tc.code || c != nil {
				t.Fatalf("StreamActivity = %v, %v; want no channel and %s", c, err, tc.code)
			}
		})
	}
}

// slowApplyStore widens the window between a commit's staging and the
// moment its batch is readable, where a wake-up sent too early (before the
// records can be read) would be lost: a reader woken then reads nothing
// and sleeps again on a channel nobody closes.
type slowApplyStore struct{ storage.Store }

func (s slowApplyStore) Apply(ctx context.Context, b *storage.Batch) error {
	time.Sleep(200 * time.Microsecond)
	return s.Store.Apply(ctx, b)
}

// TestStreamActivityReaderMissesNothing runs readers that never poll: each
// takes its shard's channel, reads, and after an empty read sleeps on the
// channel alone. Writers commit concurrently. If a commit could slip
// between a reader's read and its wait without closing the channel, that
// reader would sleep with records unread and the count below would never
// be reached.
func TestStreamActivityReaderMissesNothing(t *testing.T) {
	const writers, perWriter, readersPerShard = 4, 150, 2
	st := openStreamEngine(t, ddblocal.Options{Streams: ddblocal.StreamOptions{Shards: 4}, Store: slowApplyStore{memstore.New()}})
	table, arn := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
	_, shards := st.describeStream(t, arn, 0)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	want := int64(writers * perWriter)
	var read atomic.Int64
	var wakes atomic.Int64
	allRead := make(chan struct{})
	var once sync.Once
	counted := func(n int) {
		if read.Add(int64(n)) == want {
			once.Do(func() { close(allRead) })
		}
	}
	errc := make(chan error, len(shards)*readersPerShard)
	var rwg sync.WaitGroup
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		for r := range readersPerShard {
			rwg.Add(1)
			go func() {
				defer rwg.Done()
				// One reader of each shard counts; the other reads the
				// same records, so that a shard's channel is shared.
				count := func(int) {}
				if r == 0 {
					count = counted
				}
				if err := readByActivity(ctx, st, arn, id, count, &wakes); err != nil {
					errc <- err
				}
			}()
		}
	}
	var wwg sync.WaitGroup
	for w := range writers {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for i := range perWriter {
				_, err := st.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table),
					Item: item{"pk": avS(fmt.Sprintf("w%d-%d", w, i)), "sk": avN("1")}})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wwg.Wait()
	select {
	case <-allRead:
	case err := <-errc:
		t.Fatalf("reader: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatalf("readers woken only by StreamActivity read %d of %d records: a commit did not wake them", read.Load(), want)
	}
	cancel()
	rwg.Wait()
	if got := read.Load(); got != want {
		t.Fatalf("read %d records, want %d", got, want)
	}
	t.Logf("%d records, %d wake-ups", want, wakes.Load())
}

// readByActivity reads shard id until ctx ends, waiting on StreamActivity
// after every empty read, and passes the number of records of each read to
// count.
func readByActivity(ctx context.Context, st *streamTarget, arn, id string, count func(int), wakes *atomic.Int64) error {
	out, err := st.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(id), ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		return err
	}
	iter := out.ShardIterator
	for {
		woke, err := st.engine.StreamActivity(arn, id)
		if err != nil {
			return err
		}
		res, err := st.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		count(len(res.Records))
		iter = res.NextShardIterator
		if iter == nil {
			return errors.New("open shard ended")
		}
		if len(res.Records) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-woke:
			wakes.Add(1)
		}
	}
}
