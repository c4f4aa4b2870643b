package lambdaprojector_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	hevents "github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/lambdaprojector"
	"github.com/hubstream/hubstream/internal/streamevent/streameventtest"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// BenchmarkHandle measures the Lambda path on the embedded engine
// (in-process, so the number is the projector's cost, not a network's):
// 400 users created and each updated twice, read from the stream and
// delivered to the handler in batches of 100 head records, as the
// deployed event source mapping's filter and default batch size deliver
// them, into a fresh table each iteration. It reports events applied per
// second.
//
//	go test ./internal/lambdaprojector -run '^$' -bench Handle -benchtime 5x
func BenchmarkHandle(b *testing.B) {
	ctx := context.Background()
	eng, err := ddblocal.New(ddblocal.Options{Streams: ddblocal.StreamOptions{Shards: 1}, Logf: func(string, ...any) {}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = eng.Close() })
	cp := streameventtest.NewCapture(eng.HTTPClient())
	c, err := table.NewClients(ctx, table.ClientConfig{Endpoint: "http://ddblocal.test", HTTPClient: cp, StaticCredentials: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := table.EnsureTable(ctx, c.DB, "live", time.Minute); err != nil {
		b.Fatal(err)
	}
	x := hevents.NewExecutor(hevents.NewStore(c.DB, "live", nil), hevents.ExecutorOptions{})
	const users = 400
	events := 0
	for i := range users {
		login := fmt.Sprintf("user%03d", i)
		if _, err := x.Execute(ctx, login, entities.CreateUser{Login: login, Name: "U"}); err != nil {
			b.Fatal(err)
		}
		for j := range 2 {
			bio := fmt.Sprintf("bio %d", j)
			if _, err := x.Execute(ctx, login, entities.UpdateProfile{Login: login, Bio: &bio}); err != nil {
				b.Fatal(err)
			}
		}
		events += 3
	}
	_, shards, err := streameventtest.ReadStream(ctx, c.DB, c.Streams, cp, "live")
	if err != nil {
		b.Fatal(err)
	}
	pattern := templateFilter(b)
	var heads []json.RawMessage
	for _, sh := range shards {
		for _, raw := range sh.Lambda {
			if ok, err := deployFilter(pattern, raw); err != nil {
				b.Fatal(err)
			} else if ok {
				heads = append(heads, raw)
			}
		}
	}
	writeSide, err := testkit.Scan(ctx, c.DB, "live")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		tbl := fmt.Sprintf("lambda%d", i)
		if err := table.EnsureTable(ctx, c.DB, tbl, time.Minute); err != nil {
			b.Fatal(err)
		}
		copyItems(b, c.DB, tbl, writeSide)
		cfg := lambdaprojector.Config{Table: tbl, Name: "main", Concurrency: 8, Margin: 3 * time.Second, Function: "bench"}
		h, err := lambdaprojector.New(ctx, cfg, lambdaprojector.Options{
			Configure: func(cc *table.ClientConfig) {
				cc.Endpoint, cc.HTTPClient, cc.StaticCredentials = "http://ddblocal.test", eng.HTTPClient(), true
			},
			Metrics: io.Discard,
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for pos := 0; pos < len(heads); pos += 100 {
			var ev lambdaEvent
			if err := json.Unmarshal(streameventtest.Event(heads[pos:min(pos+100, len(heads))]), &ev); err != nil {
				b.Fatal(err)
			}
			resp, _ := h.Handle(ctx, ev)
			if len(resp.BatchItemFailures) > 0 {
				b.Fatalf("failures %v", resp.BatchItemFailures)
			}
		}
	}
	b.ReportMetric(float64(events*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(heads)*b.N)/b.Elapsed().Seconds(), "records/s")
}

// copyItems copies the event items and heads of items into tbl: the event
// log the Lambda's repairs read.
func copyItems(tb testing.TB, db *dynamodb.Client, tbl string, items []testkit.Item) {
	tb.Helper()
	ctx := context.Background()
	var batch []ddb.WriteRequest
	flush := func() {
		for len(batch) > 0 {
			out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddb.WriteRequest{tbl: batch}})
			if err != nil {
				tb.Fatal(err)
			}
			batch = out.UnprocessedItems[tbl]
		}
	}
	for _, it := range items {
		if et := testkit.S(it, table.AttrType); et != table.TypeEvent && et != table.TypeHead {
			continue
		}
		batch = append(batch, ddb.WriteRequest{PutRequest: &ddb.PutRequest{Item: it}})
		if len(batch) == 25 {
			flush()
		}
	}
	flush()
}
