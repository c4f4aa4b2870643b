package projector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/table"
)

// outageTransport answers requests of one operation with an AWS error —
// as DynamoDB does when IAM, KMS, the credentials or the table are not
// right — the first `remaining` times, then passes them on. With
// applyOnly, only transactions that move a projection marker (applies)
// fail, not the dead-letter writes.
type outageTransport struct {
	next      aws.HTTPClient
	op, typ   string
	status    int
	applyOnly bool
	remaining atomic.Int64
	answered  atomic.Int64
}

func (t *outageTransport) Do(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.Header.Get("X-Amz-Target"), "."+t.op) {
		fail := true
		if t.applyOnly && req.Body != nil {
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return nil, err
			}
			req.Body = io.NopCloser(strings.NewReader(string(body)))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(body))), nil }
			fail = strings.Contains(string(body), `"`+table.TypeMarker+`"`)
		}
		if fail && t.remaining.Add(-1) >= 0 {
			t.answered.Add(1)
			return awsErrorResponse(req, t.status, "com.amazonaws.dynamodb.v20120810#"+t.typ, "injected outage"), nil
		}
	}
	return t.next.Do(req)
}

// outageCases are the failures of deploy review F3: each says that the
// table cannot be used right now, never that an event is bad.
var outageCases = []struct {
	name, typ string
	status    int
}{
	{"IAM denies the call", "AccessDeniedException", 400},
	{"the table's KMS key is not usable by the role", "KMSAccessDeniedException", 400},
	{"the table's KMS key is disabled", "KMSDisabledException", 400},
	{"the table's KMS key is pending deletion", "KMSInvalidStateException", 400},
	{"the table's KMS key is deleted", "KMSNotFoundException", 400},
	{"another KMS failure", "KMSInternalException", 400},
	{"the table is missing", "ResourceNotFoundException", 400},
	{"unknown access key", "UnrecognizedClientException", 400},
	{"bad signature", "InvalidSignatureException", 400},
	{"expired session token", "ExpiredTokenException", 400},
	{"no credentials sent", "MissingAuthenticationTokenException", 403},
}

// TestOutageErrorsAreTransient: the error values the SDK produces for the
// outage codes (answered on the wire, decoded by the real client) are
// transient, as are a missing table and missing credentials produced
// without any injection; a validation error and a failed condition from
// the engine are not.
func TestOutageErrorsAreTransient(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 1})
	ctx := t.Context()
	key := table.AccountKey("octocat").AV()
	for _, c := range outageCases {
		t.Run(c.name, func(t *testing.T) {
			tr := &outageTransport{op: "GetItem", typ: c.typ, status: c.status}
			tr.remaining.Store(100) // beyond any SDK retries
			db, _ := e.clients(func(h aws.HTTPClient) aws.HTTPClient { tr.next = h; return tr })
			_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key})
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != c.typ {
				t.Fatalf("GetItem answered %s: got %v, want an API error %s", c.typ, err, c.typ)
			}
			if !isOutage(err) || !isTransient(err) {
				t.Errorf("%s: isOutage %v, isTransient %v; want both (an outage must not poison events)", c.typ, isOutage(err), isTransient(err))
			}
		})
	}
	engine := []struct {
		name string
		call func(*dynamodb.Client) error
		want bool
	}{
		{"the engine: a table that does not exist", func(db *dynamodb.Client) error {
			_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("no-such-table"), Key: key})
			return err
		}, true},
		{"the engine: a validation error (key without its sort key)", func(db *dynamodb.Client) error {
			_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: map[string]ddb.AttributeValue{table.AttrPK: key[table.AttrPK]}})
			return err
		}, false},
		{"the engine: a failed condition", func(db *dynamodb.Client) error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: key, ConditionExpression: aws.String("attribute_exists(PK)")})
			return err
		}, false},
	}
	for _, c := range engine {
		t.Run(c.name, func(t *testing.T) {
			err := c.call(e.db)
			if err == nil {
				t.Fatal("the call succeeded")
			}
			if got := isTransient(err); got != c.want {
				t.Errorf("isTransient(%v) = %v, want %v", err, got, c.want)
			}
		})
	}
	t.Run("credentials the SDK cannot get", func(t *testing.T) {
		db := dynamodb.NewFromConfig(aws.Config{
			Region: "us-east-1", HTTPClient: e.eng.HTTPClient(), Retryer: func() aws.Retryer { return aws.NopRetryer{} },
			// What the clients of table.NewClients return when their
			// provider fails (table's TestCredentialsErrorIsTyped).
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{}, &table.CredentialsError{Err: errors.New("no EC2 instance role found")}
			}),
		}, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String("http://ddblocal.embedded") })
		_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key})
		if err == nil {
			t.Fatal("GetItem without credentials succeeded")
		}
		if !isOutage(err) || !isTransient(err) {
			t.Errorf("%v: isOutage %v, isTransient %v; want both", err, isOutage(err), isTransient(err))
		}
	})
}

// TestOutageNeverDeadLetters: while every apply transaction fails with an
// outage, far more often than MaxAttempts allows for other failures, the
// runner retries with backoff and blocks nothing; once the outage ends,
// every event is applied and the dead-letter queue stays empty.
func TestOutageNeverDeadLetters(t *testing.T) {
	const failures = 8 // > MaxAttempts (2) and > PoisonAttempts (1)
	for _, c := range outageCases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t, ddblocal.StreamOptions{Shards: 1})
			tr := &outageTransport{op: "TransactWriteItems", typ: c.typ, status: c.status, applyOnly: true}
			tr.remaining.Store(failures)
			db, st := e.clients(func(h aws.HTTPClient) aws.HTTPClient { tr.next = h; return tr })
			r := NewRunner(db, st, e.table, NewApplier(db, e.table, e.codec), RunnerOptions{
				MaxAttempts: 2, PoisonAttempts: 1, RetryBase: time.Millisecond, LeaseTimeout: 3 * time.Second, Notifier: e.eng,
			})
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx) }()
			t.Cleanup(func() { cancel(); <-done })

			m := newMutator(e, 3)
			for i := range 3 {
				if err := m.create(ctx, fmt.Sprintf("user%d", i)); err != nil {
					t.Fatal(err)
				}
			}
			e.waitCaughtUp(10 * time.Second)
			if got := tr.answered.Load(); got != failures {
				t.Errorf("%d applies failed with %s, want %d (the outage was not exercised)", got, c.typ, failures)
			}
			blocked, parked, err := NewDLQ(e.db, e.table, "main", nil).List(ctx)
			if err != nil || len(blocked)+len(parked) != 0 {
				t.Errorf("after an outage: %d blocked, %d parked (%v); want none", len(blocked), len(parked), err)
			}
			if got := counterSum(r.m.ApplyErrors, "class", "transient"); got != failures {
				t.Errorf("apply_errors_total{class=transient} = %v, want %d", got, failures)
			}
			if got := counterSum(r.m.ApplyErrors, "class", "other") + counterSum(r.m.ApplyErrors, "class", "poison"); got != 0 {
				t.Errorf("%v apply errors counted as other or poison, want 0", got)
			}
		})
	}
}
