package ddblocal_test

// Throughput benchmarks: the engine against a "null server" (a handler that
// answers every call with a canned valid reply: the ceiling that the SDK
// client and the HTTP stack allow on this machine), over loopback HTTP and
// in-process, with 8 concurrent callers.
//
//	go test ./internal/ddblocal -run '^$' -bench 'Throughput' -benchtime 3s
//
// Compare ops/s of the same operation across the null, loopback and inproc
// sub-benchmarks. BenchmarkMemory1M reports the heap held by one million
// 200-byte items with one GSI in memory mode.

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

const benchCallers = 8

func benchItem(pk string, sk int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberS{Value: pk},
		"sk":     &types.AttributeValueMemberS{Value: fmt.Sprintf("item#%04d", sk)},
		"gpk":    &types.AttributeValueMemberS{Value: "g#" + pk},
		"gsk":    &types.AttributeValueMemberN{Value: strconv.Itoa(sk)},
		"title":  &types.AttributeValueMemberS{Value: "a reasonably sized title for an item"},
		"count":  &types.AttributeValueMemberN{Value: "42"},
		"active": &types.AttributeValueMemberBOOL{Value: true},
	}
}

// nullServer answers each operation with a fixed, valid response shaped like
// the engine's (same number of items), so that only the engine's own work
// differs between the two.
func nullServer() http.Handler {
	item := `{"pk":{"S":"p"},"sk":{"S":"item#0001"},"gpk":{"S":"g#p"},"gsk":{"N":"1"},"title":{"S":"a reasonably sized title for an item"},"count":{"N":"42"},"active":{"BOOL":true}}`
	items := func(n int) string { return strings.TrimSuffix(strings.Repeat(item+",", n), ",") }
	replies := map[string][]byte{
		"PutItem":            []byte(`{}`),
		"GetItem":            []byte(`{"Item":` + item + `}`),
		"Query":              []byte(`{"Items":[` + items(10) + `],"Count":10,"ScannedCount":10}`),
		"BatchGetItem":       []byte(`{"Responses":{"bench":[` + items(25) + `]},"UnprocessedKeys":{}}`),
		"TransactWriteItems": []byte(`{}`),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		body := replies[op]
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
		_, _ = w.Write(body)
	})
}

// benchConfig is the client configuration of the benchmarks for endpoint
// over hc: no retries, so a failure shows.
func benchConfig(endpoint string, hc aws.HTTPClient) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		HTTPClient:       hc,
		RetryMaxAttempts: 1,
	}
}

func newBenchClient(endpoint string, hc aws.HTTPClient) *dynamodb.Client {
	return dynamodb.NewFromConfig(benchConfig(endpoint, hc))
}

// loopbackHTTPClient is an HTTP client keeping up to conns idle
// connections, enough for every concurrent caller of a benchmark.
func loopbackHTTPClient(conns int) aws.HTTPClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns = conns
		tr.MaxIdleConnsPerHost = conns
	})
}

// benchServers starts the null server and the engine behind loopback
// HTTP, both stopped when b ends, and returns their URLs.
func benchServers(b *testing.B) (nullURL, loopURL string) {
	null := httptest.NewServer(nullServer())
	b.Cleanup(null.Close)
	loop := httptest.NewServer(openEngine(b, ddblocal.Options{}))
	b.Cleanup(loop.Close)
	return null.URL, loop.URL
}

func setupBenchTable(b *testing.B, c *dynamodb.Client) {
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String("bench"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("gpk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("gsk"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("gsi"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("gpk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("gsk"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		b.Fatal(err)
	}
	// 100 partitions of 30 items each.
	for p := 0; p < 100; p++ {
		for start := 0; start < 30; start += 25 {
			var reqs []types.WriteRequest
			for i := start; i < min(start+25, 30); i++ {
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: benchItem(fmt.Sprintf("p%03d", p), i)}})
			}
			if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"bench": reqs}}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

type benchOp struct {
	name string
	run  func(ctx context.Context, c *dynamodb.Client, n int64) error
}

var benchOps = []benchOp{
	{"PutItemCond", func(ctx context.Context, c *dynamodb.Client, n int64) error {
		it := benchItem(fmt.Sprintf("w%03d", n%100), int(n%1000))
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bench"), Item: it,
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR #c = :c"),
			ExpressionAttributeNames:  map[string]string{"#c": "count"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberN{Value: "42"}}})
		return err
	}},
	{"GetItem", func(ctx context.Context, c *dynamodb.Client, n int64) error {
		_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bench"), Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("p%03d", n%100)},
			"sk": &types.AttributeValueMemberS{Value: fmt.Sprintf("item#%04d", n%30)}}})
		return err
	}},
	{"Query10", func(ctx context.Context, c *dynamodb.Client, n int64) error {
		_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("bench"), Limit: aws.Int32(10),
			KeyConditionExpression:    aws.String("pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: fmt.Sprintf("p%03d", n%100)}}})
		return err
	}},
	{"QueryGSI10", func(ctx context.Context, c *dynamodb.Client, n int64) error {
		_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("bench"), IndexName: aws.String("gsi"), Limit: aws.Int32(10),
			KeyConditionExpression:    aws.String("gpk = :p AND gsk >= :z"),
			ScanIndexForward:          aws.Bool(false),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: fmt.Sprintf("g#p%03d", n%100)}, ":z": &types.AttributeValueMemberN{Value: "0"}}})
		return err
	}},
	{"BatchGet25", func(ctx context.Context, c *dynamodb.Client, n int64) error {
		keys := make([]map[string]types.AttributeValue, 25)
		for i := range keys {
			keys[i] = map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("p%03d", (n+int64(i))%100)},
				"sk": &types.AttributeValueMemberS{Value: fmt.Sprintf("item#%04d", i)}}
		}
		_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"bench": {Keys: keys}}})
		return err
	}},
	{"TransactWrite2", func(ctx context.Context, c *dynamodb.Client, n int64) error {
		_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("bench"), Item: benchItem(fmt.Sprintf("t%04d", n%5000), 1)}},
			{Put: &types.Put{TableName: aws.String("bench"), Item: benchItem(fmt.Sprintf("t%04d", n%5000), 2)}},
		}})
		return err
	}},
}

// BenchmarkThroughput runs every operation against the null server, the
// engine over loopback HTTP, and the engine in-process.
func BenchmarkThroughput(b *testing.B) {
	nullURL, loopURL := benchServers(b)
	inproc := openEngine(b, ddblocal.Options{})

	targets := []struct {
		name   string
		client *dynamodb.Client
		setup  bool
	}{
		{"null", newBenchClient(nullURL, loopbackHTTPClient(256)), false},
		{"loopback", newBenchClient(loopURL, loopbackHTTPClient(256)), true},
		{"inproc", newBenchClient("http://ddblocal", inproc.HTTPClient()), true},
	}
	for _, tg := range targets {
		if tg.setup {
			setupBenchTable(b, tg.client)
		}
	}
	for _, op := range benchOps {
		for _, tg := range targets {
			b.Run(op.name+"/"+tg.name, func(b *testing.B) {
				runParallel(b, benchCallers, func(ctx context.Context, seq int64) error { return op.run(ctx, tg.client, seq) })
			})
		}
	}
}

// runParallel runs op from about callers goroutines for b.N calls in all,
// each with its own sequence number, and reports ops/s; any error fails b
// at the end.
func runParallel(b *testing.B, callers int, op func(ctx context.Context, seq int64) error) {
	var seq atomic.Int64
	var failed atomic.Value
	b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if err := op(ctx, seq.Add(1)); err != nil {
				failed.Store(err)
			}
		}
	})
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkMemory1M loads one million ~200-byte items into a table with
// one GSI in memory mode and reports the live heap afterwards.
//
//	go test ./internal/ddblocal -run '^$' -bench Memory1M -benchtime 1x
func BenchmarkMemory1M(b *testing.B) {
	for i := 0; i < b.N; i++ {
		e, err := ddblocal.New(ddblocal.Options{})
		if err != nil {
			b.Fatal(err)
		}
		c := newBenchClient("http://ddblocal", e.HTTPClient())
		ctx := context.Background()
		_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:   aws.String("mem"),
			BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			},
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
				IndexName:  aws.String("gsi"),
				KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			}},
		})
		if err != nil {
			b.Fatal(err)
		}
		payload := strings.Repeat("x", 150)
		const total = 1_000_000
		for start := 0; start < total; start += 25 {
			reqs := make([]types.WriteRequest, 25)
			for j := range reqs {
				n := start + j
				reqs[j] = types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
					"pk":   &types.AttributeValueMemberS{Value: fmt.Sprintf("item-%08d", n)},
					"g":    &types.AttributeValueMemberS{Value: fmt.Sprintf("grp-%05d", n%50000)},
					"n":    &types.AttributeValueMemberN{Value: strconv.Itoa(n)},
					"data": &types.AttributeValueMemberS{Value: payload},
				}}}
			}
			if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"mem": reqs}}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heapMiB")
		b.ReportMetric(float64(ms.HeapAlloc)/total, "heapBytes/item")
		runtime.KeepAlive(e)
		_ = e.Close()
	}
}
