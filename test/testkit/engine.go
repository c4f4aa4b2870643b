package testkit

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/table"
)

// MemEngine returns a fresh memory-only embedded engine that logs to t
// and is closed when the test ends.
func MemEngine(t testing.TB) *ddblocal.Engine {
	t.Helper()
	eng, err := ddblocal.New(ddblocal.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	return eng
}

// TableVia returns SDK clients that send through h (an engine's HTTP
// client, or a wrapper of one that counts or interleaves requests) and the
// name of the hubstream table, created if missing.
func TableVia(t testing.TB, h aws.HTTPClient) (table.Clients, string) {
	t.Helper()
	clients, err := table.NewClients(t.Context(), table.ClientConfig{Endpoint: "http://ddblocal.embedded", HTTPClient: h, StaticCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	const name = "hubstream"
	if err := table.EnsureTable(t.Context(), clients.DB, name, time.Minute); err != nil {
		t.Fatal(err)
	}
	return clients, name
}

// CountEvents counts the event items of partition p, read consistently.
func CountEvents(t testing.TB, db *dynamodb.Client, tbl string, p table.Partition) int {
	t.Helper()
	out, err := db.Query(t.Context(), &dynamodb.QueryInput{
		TableName:              aws.String(tbl),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :ev)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: string(p)},
			":ev": &types.AttributeValueMemberS{Value: table.EventSKPrefix},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Items)
}

// RetryingTable is TableVia for fault-injection tests: its clients send
// to eng with the SDK's standard retries, as in production, up to
// attempts per request (1: every fault reaches the caller), with short
// pauses and no client-side quota so that the test stays fast.
func RetryingTable(t testing.TB, eng *ddblocal.Engine, attempts int) (table.Clients, string) {
	t.Helper()
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			o.RateLimiter = ratelimit.None
		})
	}
	cfg := aws.Config{Region: "us-east-1", HTTPClient: eng.HTTPClient(), Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), Retryer: retryer}
	endpoint := aws.String("http://ddblocal.embedded")
	clients := table.Clients{
		DB:      dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = endpoint }),
		Streams: dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = endpoint }),
	}
	const name = "hubstream"
	if err := table.EnsureTable(t.Context(), clients.DB, name, time.Minute); err != nil {
		t.Fatal(err)
	}
	return clients, name
}
