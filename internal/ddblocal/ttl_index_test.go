package ddblocal_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/ddblocal/storage"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/memstore"
)

// The TTL sweeper visits only items that are due (ttl_index.go). These
// tests change items after the first sweep built the index and check that
// every sweep still deletes exactly what has expired, on a fake clock.

func newTTLTable(t *testing.T) (*streamTarget, string) {
	t.Helper()
	// The background sweeper waits an hour: the tests sweep themselves.
	st := newClockedStreamEngine(t, "a fake clock and synchronous TTL sweeps", ddblocal.Options{TTLSweepInterval: time.Hour})
	table, _ := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
	requireNoErr(t, st.updateTTL(t, table, "ttl", true), "UpdateTimeToLive")
	return st, table
}

// sweep runs one TTL sweep and returns how many items it deleted.
func sweep(t *testing.T, st *streamTarget) int {
	t.Helper()
	n, err := st.engine.SweepExpired(t.Context())
	requireNoErr(t, err, "SweepExpired")
	return n
}

func update(t *testing.T, st *streamTarget, table string, key item, expr string, names map[string]string, values item) {
	t.Helper()
	in := &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key, UpdateExpression: aws.String(expr), ExpressionAttributeNames: names}
	if values != nil {
		in.ExpressionAttributeValues = values
	}
	_, err := st.client.UpdateItem(t.Context(), in)
	requireNoErr(t, err, "UpdateItem")
}

func ttlAt(st *streamTarget, d time.Duration) types.AttributeValue {
	return avN(strconv.FormatInt(st.clock.Now().Add(d).Unix(), 10))
}

func TestTTLIndexFollowsWrites(t *testing.T) {
	key := streamKey("k", 1)
	cases := []struct {
		name string
		// before runs before the first sweep builds the index, after runs
		// after it; then the clock moves by advance and a sweep must
		// delete want items, leaving the item present or not (gone).
		before, after func(t *testing.T, st *streamTarget, table string)
		advance       time.Duration
		want          int
		gone          bool
	}{
		{"written after the index was built", nil, func(t *testing.T, st *streamTarget, table string) {
			st.put(t, table, copyItem(key, item{"ttl": ttlAt(st, time.Minute)}))
		}, 2 * time.Minute, 1, true},
		{"not yet due", nil, func(t *testing.T, st *streamTarget, table string) {
			st.put(t, table, copyItem(key, item{"ttl": ttlAt(st, time.Hour)}))
		}, 2 * time.Minute, 0, false},
		{"TTL extended", func(t *testing.T, st *streamTarget, table string) {
			st.put(t, table, copyItem(key, item{"ttl": ttlAt(st, time.Minute)}))
		}, func(t *testing.T, st *streamTarget, table string) {
			update(t, st, table, key, "SET #t = :t", map[string]string{"#t": "ttl"}, item{":t": ttlAt(st, time.Hour)})
		}, 2 * time.Minute, 0, false},
		{"TTL shortened", func(t *testing.T, st *streamTarget, table string) {
			st.put(t, table, copyItem(key, item{"ttl": ttlAt(st, time.Hour)}))
		}, func(t *testing.T, st *streamTarget, table string) {
			update(t, st, table, key, "SET #t = :t", map[string]string{"#t": "ttl"}, item{":t": ttlAt(st, time.Minute)})
		}, 2 * time.Minute, 1, true},
		{"TTL removed", func(t *testing.T, st *streamTarget, table string) {
			st.put(t, table, copyItem(key, item{"ttl": ttlAt(st, time.Minute)}))
		}, func(t *testing.T, st *streamTarget, table string) {
			update(t, st, table, key, "REMOVE #t", map[string]string{"#t": "ttl"}, nil)
		}, 2 * time.Minute, 0, false},
		{"TTL turned into a string", func(t *testing.T, st *streamTarget, table string) {
			st.put(t, table, copyItem(key, item{"ttl": ttlAt(st, time.Minute)}))
		}, func(t *testing.T, st *streamTarget, table string) {
			update(t, st, table, key, "SET #t = :t", map[string]string{"#t": "ttl"}, item{":t": avS("soon")})
		}, 2 * time.Minute, 0, false},
		{"deleted, then re-created with the same TTL", func(t *testing.T, st *streamTarget, table string) {
			st.put(t, table, copyItem(key, item{"ttl": ttlAt(st, time.Minute)}))
		}, func(t *testing.T, st *streamTarget, table string) {
			ttl := st.get(t, table, key)["ttl"]
			_, err := st.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key})
			requireNoErr(t, err, "DeleteItem")
			st.put(t, table, copyItem(key, item{"ttl": ttl}))
		}, 2 * time.Minute, 1, true},
		{"written by a transaction", nil, func(t *testing.T, st *streamTarget, table string) {
			_, err := st.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String(table), Item: copyItem(key, item{"ttl": ttlAt(st, time.Minute)})}},
			}})
			requireNoErr(t, err, "TransactWriteItems")
		}, 2 * time.Minute, 1, true},
		{"written by a batch", nil, func(t *testing.T, st *streamTarget, table string) {
			_, err := st.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				table: {{PutRequest: &types.PutRequest{Item: copyItem(key, item{"ttl": ttlAt(st, time.Minute)})}}},
			}})
			requireNoErr(t, err, "BatchWriteItem")
		}, 2 * time.Minute, 1, true},
		{"more than five years past: ignored for ever", nil, func(t *testing.T, st *streamTarget, table string) {
			st.put(t, table, copyItem(key, item{"ttl": ttlAt(st, -6*365*24*time.Hour)}))
		}, 2 * time.Minute, 0, false},
		{"fractional seconds", nil, func(t *testing.T, st *streamTarget, table string) {
			st.put(t, table, copyItem(key, item{"ttl": avN(strconv.FormatInt(st.clock.Now().Unix()+30, 10) + ".5")}))
		}, 31 * time.Second, 0, false},
		{"fractional seconds, due", nil, func(t *testing.T, st *streamTarget, table string) {
			st.put(t, table, copyItem(key, item{"ttl": avN(strconv.FormatInt(st.clock.Now().Unix()+30, 10) + ".5")}))
		}, 33 * time.Second, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, table := newTTLTable(t)
			// A neighbour that never expires, and one that already has.
			st.put(t, table, copyItem(streamKey("keep", 1), item{"ttl": ttlAt(st, 24*time.Hour)}))
			if tc.before != nil {
				tc.before(t, st, table)
			}
			if n := sweep(t, st); n != 0 {
				t.Fatalf("first sweep deleted %d items, want 0", n)
			}
			tc.after(t, st, table)
			if n := sweep(t, st); n != 0 {
				t.Fatalf("sweep before the clock moved deleted %d items, want 0", n)
			}
			st.clock.Advance(tc.advance)
			if n := sweep(t, st); n != tc.want {
				t.Fatalf("sweep after %v deleted %d items, want %d", tc.advance, n, tc.want)
			}
			if got := st.get(t, table, key); (got == nil) != tc.gone {
				t.Fatalf("item after the sweep: %v, want gone %v", got, tc.gone)
			}
			if st.get(t, table, streamKey("keep", 1)) == nil {
				t.Fatal("an item that is not due was deleted")
			}
			if n := sweep(t, st); n != 0 {
				t.Fatalf("a second sweep deleted %d items, want 0", n)
			}
		})
	}
}

// TestTTLIndexConcurrentWrites: items are written (some already expired)
// while sweeps run, the first of which builds the index from a snapshot.
// Afterwards one more sweep must leave no expired item and every live one.
func TestTTLIndexConcurrentWrites(t *testing.T) {
	st, table := newTTLTable(t)
	// Even items expired an hour ago, odd ones expire in an hour.
	ttlOf := func(i int) types.AttributeValue { return ttlAt(st, time.Duration(2*(i%2)-1)*time.Hour) }
	for i := range 300 {
		st.put(t, table, copyItem(streamKey(fmt.Sprintf("pre%03d", i), 1), item{"ttl": ttlOf(i)}))
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				// Expired, live, or live then updated to expired.
				k := streamKey(fmt.Sprintf("w%d-%03d", w, i), 1)
				if _, err := st.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: copyItem(k, item{"ttl": ttlOf(i)})}); err != nil {
					t.Error(err)
					return
				}
				if i%4 == 1 {
					if _, err := st.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: k,
						UpdateExpression:          aws.String("SET #t = :t"),
						ExpressionAttributeNames:  map[string]string{"#t": "ttl"},
						ExpressionAttributeValues: item{":t": ttlAt(st, -time.Minute)}}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	sweeps := make(chan int)
	go func() {
		total := 0
		for ctx.Err() == nil {
			n, err := st.engine.SweepExpired(ctx)
			if err != nil && ctx.Err() == nil {
				t.Error(err)
			}
			total += n
		}
		sweeps <- total
	}()
	wg.Wait()
	cancel()
	deleted := <-sweeps + sweep(t, st)
	now := st.clock.Now().Unix()
	live, expired := 0, 0
	items, _ := st.scanAll(t, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for _, it := range items {
		n, ok := it["ttl"].(*types.AttributeValueMemberN)
		if !ok {
			t.Fatalf("item without a numeric ttl: %s", itemString(it))
		}
		ttl, err := strconv.ParseInt(n.Value, 10, 64)
		requireNoErr(t, err, "ttl")
		if ttl <= now {
			expired++
		} else {
			live++
		}
	}
	// Of 300 + 4×200 items, 150 + 4×50 are live.
	if wantLive, wantDeleted := 150+4*50, 150+4*150; expired != 0 || live != wantLive || deleted != wantDeleted {
		t.Fatalf("after the sweeps: %d expired items left, %d live (want %d), %d deleted (want %d)", expired, live, wantLive, deleted, wantDeleted)
	}
}

// iterHookStore runs a function once, inside the first Next of the first
// iterator opened after it is armed: a deterministic "meanwhile" for code
// that scans a snapshot without holding the commit lock.
type iterHookStore struct {
	storage.Store
	hook atomic.Pointer[func()]
}

func (s *iterHookStore) Snapshot() storage.Snapshot {
	return iterHookSnapshot{Snapshot: s.Store.Snapshot(), s: s}
}

type iterHookSnapshot struct {
	storage.Snapshot
	s *iterHookStore
}

func (h iterHookSnapshot) Iter(lower, upper []byte, reverse bool) storage.Iterator {
	it := h.Snapshot.Iter(lower, upper, reverse)
	if f := h.s.hook.Swap(nil); f != nil {
		return &iterHook{Iterator: it, f: *f}
	}
	return it
}

type iterHook struct {
	storage.Iterator
	f func()
}

func (i *iterHook) Next() bool {
	if f := i.f; f != nil {
		i.f = nil
		f()
	}
	return i.Iterator.Next()
}

// TestTTLIndexWriteDuringBuild: the first sweep builds the index from a
// snapshot; an item's TTL changed while that scan runs must be indexed
// with its new value, not the snapshot's older one.
func TestTTLIndexWriteDuringBuild(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, st *streamTarget, table string, key item)
		want   int
	}{
		{"shortened to expired", func(t *testing.T, st *streamTarget, table string, key item) {
			update(t, st, table, key, "SET #t = :t", map[string]string{"#t": "ttl"}, item{":t": ttlAt(st, -time.Minute)})
		}, 1},
		{"deleted", func(t *testing.T, st *streamTarget, table string, key item) {
			_, err := st.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key})
			requireNoErr(t, err, "DeleteItem")
		}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := &iterHookStore{Store: memstore.New()}
			clock := newStreamFakeClock()
			st := openStreamEngine(t, ddblocal.Options{Store: store, Now: clock.Now, TTLSweepInterval: time.Hour,
				Streams: ddblocal.StreamOptions{MaintenanceInterval: time.Hour}})
			st.clock = clock
			table, _ := st.createStreamTable(t, streamTable, types.StreamViewTypeKeysOnly)
			_, err := st.client.UpdateTimeToLive(t.Context(), &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(table),
				TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(true)}})
			requireNoErr(t, err, "UpdateTimeToLive")
			key := streamKey("k", 1)
			st.put(t, table, copyItem(key, item{"ttl": ttlAt(st, time.Hour)}))
			ran := false
			f := func() { ran = true; tc.change(t, st, table, key) }
			store.hook.Store(&f)
			first := sweep(t, st)
			if !ran {
				t.Fatal("the change was not made during the first sweep's scan")
			}
			st.clock.Advance(2 * time.Minute)
			if n := first + sweep(t, st); n != tc.want {
				t.Fatalf("the sweeps deleted %d items, want %d", n, tc.want)
			}
			if got := st.get(t, table, key); got != nil {
				t.Fatalf("item still stored: %s", itemString(got))
			}
		})
	}
}
