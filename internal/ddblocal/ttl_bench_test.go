package ddblocal_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

// BenchmarkTTLSweepIdle measures what the TTL sweeper costs a server that
// is otherwise idle: one sweep of a table with TTL enabled, holding
// ttlBenchItems items of which one in a hundred carries a TTL (as in
// hubstream, where only idempotency items expire) and none has expired.
// The sweeper runs every TTLSweepInterval (30 s by default), so
// idle_cpu_pct is the share of a core it takes at that interval;
// first_sweep_ms is the first sweep after the engine opened, which reads
// the whole table once to build the expiry index (ttl_index.go).
//
//	go test ./internal/ddblocal -run '^$' -bench TTLSweepIdle -benchtime 1000x
func BenchmarkTTLSweepIdle(b *testing.B) {
	const ttlBenchItems = 100_000
	eng := openEngine(b, ddblocal.Options{Logf: func(string, ...any) {}})
	c := engineClient(eng)
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("ttlbench"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("ttlbench"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(true)}}); err != nil {
		b.Fatal(err)
	}
	future := strconv.FormatInt(time.Now().Add(24*time.Hour).Unix(), 10)
	for i := 0; i < ttlBenchItems; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < i+25; j++ {
			it := benchItem(fmt.Sprintf("p%06d", j/10), j%10)
			if j%100 == 0 {
				it["ttl"] = &types.AttributeValueMemberN{Value: future}
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		}
		if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"ttlbench": reqs}}); err != nil {
			b.Fatal(err)
		}
	}
	first := time.Now()
	if n, err := eng.SweepExpired(ctx); err != nil || n != 0 {
		b.Fatalf("SweepExpired = %d, %v; want nothing expired", n, err)
	}
	firstMS := float64(time.Since(first).Microseconds()) / 1000
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		n, err := eng.SweepExpired(ctx)
		if err != nil || n != 0 {
			b.Fatalf("SweepExpired = %d, %v; want nothing expired", n, err)
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per.Nanoseconds())/1e6, "ms/sweep")
	b.ReportMetric(100*per.Seconds()/30, "idle_cpu_pct")
	b.ReportMetric(ttlBenchItems, "items")
	b.ReportMetric(firstMS, "first_sweep_ms")
}
