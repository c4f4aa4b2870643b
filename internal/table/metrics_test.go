package table_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/obs/obstest"
	"github.com/hubstream/hubstream/internal/table"
)

// TestMetricsCountCalls: every call through clients built with Metrics is
// counted by operation and error code, its attempts too (the engine's
// injected throttling makes the SDK retry), and a failed condition shows
// as the service's error code.
func TestMetricsCountCalls(t *testing.T) {
	eng, err := ddblocal.New(ddblocal.Options{Logf: t.Logf, Faults: ddblocal.Faults{Throttling: 1, Operations: []string{"GetItem"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	reg := prometheus.NewPedanticRegistry()
	m := table.NewMetrics(reg)
	ctx := context.Background()
	c, err := table.NewClients(ctx, table.ClientConfig{Endpoint: "http://ddblocal.test", HTTPClient: eng.HTTPClient(), StaticCredentials: true, Metrics: m, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := table.EnsureTable(ctx, c.DB, "metrics", time.Minute); err != nil {
		t.Fatal(err)
	}
	key := table.AccountKey("ada").AV()
	put := &dynamodb.PutItemInput{TableName: aws.String("metrics"), Item: key, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if _, err := c.DB.PutItem(ctx, put); err != nil {
		t.Fatal(err)
	}
	var ccf *types.ConditionalCheckFailedException
	if _, err := c.DB.PutItem(ctx, put); !errors.As(err, &ccf) {
		t.Fatalf("second conditional put: %v", err)
	}
	if _, err := c.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("metrics"), Key: key}); err == nil {
		t.Fatal("GetItem succeeded although every GetItem is throttled")
	}
	if _, err := c.Streams.ListStreams(ctx, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, metric, op, code string
		want                   float64
	}{
		{"a success", "hubstream_dynamodb_requests_total", "PutItem", "none", 1},
		{"a failed condition", "hubstream_dynamodb_requests_total", "PutItem", "ConditionalCheckFailedException", 1},
		{"a throttled call, after the SDK's retries", "hubstream_dynamodb_requests_total", "GetItem", "ThrottlingException", 1},
		{"each throttled attempt", "hubstream_dynamodb_attempts_total", "GetItem", "ThrottlingException", 2},
		{"the streams client", "hubstream_dynamodb_requests_total", "ListStreams", "none", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := gathered(t, reg, tc.metric, map[string]string{"operation": tc.op, "error": tc.code})
			if got != tc.want {
				t.Errorf("%s{operation=%s,error=%s} = %v, want %v", tc.metric, tc.op, tc.code, got, tc.want)
			}
		})
	}
	if n := testutil.CollectAndCount(reg, "hubstream_dynamodb_request_duration_seconds"); n == 0 {
		t.Error("no call durations recorded")
	}
}

// gathered returns the value of the counter series of name with labels.
func gathered(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	if series := obstest.Series(t, g, name, labels); len(series) > 0 {
		return series[0].GetCounter().GetValue()
	}
	return 0
}

// TestConfigFromEnv: DYNAMODB_ENDPOINT first, then the AWS SDK's own
// endpoint variables as the SDK reads them.
func TestConfigFromEnv(t *testing.T) {
	cases := []struct {
		name                  string
		env                   map[string]string
		endpoint, streams, rg string
	}{
		{"nothing: embedded or the region's DynamoDB", nil, "", "", ""},
		{"hubstream's own", map[string]string{"DYNAMODB_ENDPOINT": "http://a:8000", "AWS_ENDPOINT_URL_DYNAMODB": "http://b:8000"}, "http://a:8000", "", ""},
		{"the SDK's service variable", map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://b:8000", "AWS_ENDPOINT_URL": "http://c:8000", "AWS_REGION": "eu-west-1"}, "http://b:8000", "", "eu-west-1"},
		{"the SDK's global variable", map[string]string{"AWS_ENDPOINT_URL": "http://c:8000"}, "http://c:8000", "", ""},
		{"a streams endpoint of its own", map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://b:8000", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": "http://s:8000"}, "http://b:8000", "http://s:8000", ""},
		{"the SDK's endpoints ignored", map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://b:8000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"DYNAMODB_ENDPOINT", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_REGION"} {
				t.Setenv(k, tc.env[k])
			}
			cc := table.ConfigFromEnv()
			if cc.Endpoint != tc.endpoint || cc.StreamsEndpoint != tc.streams || cc.Region != tc.rg {
				t.Errorf("got endpoint %q, streams %q, region %q; want %q, %q, %q", cc.Endpoint, cc.StreamsEndpoint, cc.Region, tc.endpoint, tc.streams, tc.rg)
			}
		})
	}
}

// TestNoCredentialsFailFast: with an endpoint and nothing in the
// credential chain, NewClients says so at once, and how to set dummy
// credentials for a local endpoint.
func TestNoCredentialsFailFast(t *testing.T) {
	noCredentials(t)
	_, err := table.NewClients(context.Background(), table.ClientConfig{Endpoint: "http://127.0.0.1:1"})
	if !errors.Is(err, table.ErrNoCredentials) {
		t.Fatalf("NewClients without credentials: %v, want ErrNoCredentials", err)
	}
	for _, want := range []string{"http://127.0.0.1:1", "AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	if _, err := table.NewClients(context.Background(), table.ClientConfig{Endpoint: "http://127.0.0.1:1"}); err != nil {
		t.Fatalf("with dummy credentials: %v", err)
	}
}

// noCredentials empties the AWS credential chain for the test: no
// variables, no shared files, no metadata service (never contacted).
func noCredentials(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
