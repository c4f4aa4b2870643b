package ddblocal_test

// Benchmarks of the stream read path, durable writes and restart.
//
//	# Drain a 100,000-record single-shard stream with GetRecords Limit 1000
//	# through the SDK (in-process); reports records/s.
//	go test ./internal/ddblocal -run '^$' -bench 'GetRecordsDrain' -benchtime 3x
//
//	# PutItem with 8 concurrent callers over loopback HTTP, to a table with a
//	# NEW_AND_OLD_IMAGES stream, pebblestore (fsync per acknowledged write,
//	# shared by concurrent writers) vs memory; reports ops/s.
//	go test ./internal/ddblocal -run '^$' -bench 'DurablePutItem|MemoryPutItem' -benchtime 5s
//
//	# Restart on a data directory holding 1,000,000 small items: time of
//	# pebblestore.Open + ddblocal.New + the first GetItem; reports s/restart.
//	# Loading the items takes about a minute and is not timed.
//	go test ./internal/ddblocal -run '^$' -bench 'Restart1M' -benchtime 1x -timeout 60m

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
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
)

const streamBenchCallers = 8

func streamBenchClients(endpoint string, hc aws.HTTPClient) (*dynamodb.Client, *dynamodbstreams.Client) {
	cfg := benchConfig(endpoint, hc)
	return dynamodb.NewFromConfig(cfg), dynamodbstreams.NewFromConfig(cfg)
}

// streamBenchTable creates table keyed by pk (S), with a stream of view
// type view unless it is empty, and returns the stream ARN.
func streamBenchTable(b *testing.B, c *dynamodb.Client, table string, view types.StreamViewType) string {
	b.Helper()
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
	}
	if view != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view}
	}
	out, err := c.CreateTable(context.Background(), in)
	if err != nil {
		b.Fatal(err)
	}
	return aws.ToString(out.TableDescription.LatestStreamArn)
}

func streamBenchItem(n int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":    &types.AttributeValueMemberS{Value: fmt.Sprintf("item-%08d", n)},
		"n":     &types.AttributeValueMemberN{Value: strconv.Itoa(n)},
		"title": &types.AttributeValueMemberS{Value: "a reasonably sized title for an item"},
		"flag":  &types.AttributeValueMemberBOOL{Value: n%2 == 0},
	}
}

// streamBenchLoad writes items [0, total) with BatchWriteItem from
// streamBenchCallers goroutines.
func streamBenchLoad(b *testing.B, c *dynamodb.Client, table string, total int) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := 0; w < streamBenchCallers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(25)) - 25
				if start >= total || failed.Load() != nil {
					return
				}
				var reqs []types.WriteRequest
				for n := start; n < min(start+25, total); n++ {
					reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: streamBenchItem(n)}})
				}
				pending := map[string][]types.WriteRequest{table: reqs}
				for len(pending) > 0 {
					out, err := c.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: pending})
					if err != nil {
						failed.Store(err)
						return
					}
					pending = out.UnprocessedItems
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGetRecordsDrain drains a one-shard stream of 100,000 records
// (NEW_IMAGE, ~90-byte items) with GetRecords Limit 1000 through the SDK
// client, in-process. Each iteration reads the whole stream.
func BenchmarkGetRecordsDrain(b *testing.B) {
	const total = 100_000
	e, err := ddblocal.New(ddblocal.Options{Streams: ddblocal.StreamOptions{Shards: 1}})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	c, sc := streamBenchClients("http://ddblocal", e.HTTPClient())
	arn := streamBenchTable(b, c, "drain", types.StreamViewTypeNewImage)
	streamBenchLoad(b, c, "drain", total)
	ctx := context.Background()
	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		b.Fatal(err)
	}
	if n := len(d.StreamDescription.Shards); n != 1 {
		b.Fatalf("%d shards, want 1", n)
	}
	shard := d.StreamDescription.Shards[0].ShardId
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(arn), ShardId: shard, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			b.Fatal(err)
		}
		iter, got := it.ShardIterator, 0
		for {
			out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
			if err != nil {
				b.Fatal(err)
			}
			if len(out.Records) == 0 {
				break
			}
			got += len(out.Records)
			iter = out.NextShardIterator
		}
		if got != total {
			b.Fatalf("drained %d records, want %d", got, total)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*total/b.Elapsed().Seconds(), "records/s")
}

// benchPutItem runs PutItem of new items from 8 concurrent callers over
// loopback HTTP against an engine on store (nil: memory), to a table with
// a NEW_AND_OLD_IMAGES stream.
func benchPutItem(b *testing.B, store func(b *testing.B) ddblocal.Options) {
	srv := httptest.NewServer(openEngine(b, store(b)))
	defer srv.Close()
	c, _ := streamBenchClients(srv.URL, loopbackHTTPClient(64))
	streamBenchTable(b, c, "put", types.StreamViewTypeNewAndOldImages)
	runParallel(b, streamBenchCallers, func(ctx context.Context, seq int64) error {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("put"), Item: streamBenchItem(int(seq))})
		return err
	})
}

func BenchmarkDurablePutItem(b *testing.B) {
	benchPutItem(b, func(b *testing.B) ddblocal.Options {
		return ddblocal.Options{Store: openQuietStore(b, b.TempDir())}
	})
}

func BenchmarkMemoryPutItem(b *testing.B) {
	benchPutItem(b, func(*testing.B) ddblocal.Options { return ddblocal.Options{} })
}

// BenchmarkRestart1M loads 1,000,000 small items (no stream) into a
// pebblestore data directory, closes the engine, then times reopening it:
// pebblestore.Open + ddblocal.New + one GetItem (s/restart). The first
// restart after the load also replays the write-ahead log the load left
// behind; it is not timed but reported as first-s. Use -benchtime 1x: the
// testing package runs a benchmark once more for any other count, which
// would load the items twice.
func BenchmarkRestart1M(b *testing.B) {
	const total = 1_000_000
	dir := b.TempDir()
	open := func() *ddblocal.Engine {
		e, err := ddblocal.New(ddblocal.Options{Store: openQuietStore(b, dir)})
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	e := open()
	c, _ := streamBenchClients("http://ddblocal", e.HTTPClient())
	streamBenchTable(b, c, "restart", "")
	loadStart := time.Now()
	streamBenchLoad(b, c, "restart", total)
	b.Logf("loaded %d items in %v", total, time.Since(loadStart).Round(time.Second))
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("item-%08d", total/2)}}
	restart := func() time.Duration {
		start := time.Now()
		e := open()
		c, _ := streamBenchClients("http://ddblocal", e.HTTPClient())
		out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("restart"), Key: key})
		if err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		if out.Item == nil {
			b.Fatal("GetItem after restart: item missing")
		}
		if err := e.Close(); err != nil {
			b.Fatal(err)
		}
		return elapsed
	}
	// The first restart replays the write-ahead log the load left behind.
	first := restart()
	var timed time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		timed += restart()
	}
	b.StopTimer()
	b.ReportMetric(timed.Seconds()/float64(b.N), "s/restart")
	b.ReportMetric(first.Seconds(), "first-s")
}
