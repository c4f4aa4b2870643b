package ddblocal_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

// engineTarget is an in-process engine built with opts, for the tests of
// the engine's own knobs (they do not run against other endpoints).
func engineTarget(t *testing.T, opts ddblocal.Options) *target {
	t.Helper()
	e, err := ddblocal.New(opts)
	if err != nil {
		t.Fatalf("ddblocal.New: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return &target{client: engineClient(e), engine: e, maxWait: 5 * time.Second, poll: 5 * time.Millisecond}
}

func TestFaultInjection(t *testing.T) {
	t.Parallel()
	tg := engineTarget(t, ddblocal.Options{})
	table := tg.createTable(t, tableDef{hash: keyS("pk")})
	tbl := aws.String(table)
	tg.batchPut(t, table, []item{{"pk": avS("a")}, {"pk": avS("b")}, {"pk": avS("c")}})

	setFaults := func(t *testing.T, f ddblocal.Faults) {
		t.Helper()
		requireNoErr(t, tg.engine.SetFaults(f), "SetFaults")
		t.Cleanup(func() { _ = tg.engine.SetFaults(ddblocal.Faults{}) })
	}

	t.Run("transaction conflict", func(t *testing.T) {
		setFaults(t, ddblocal.Faults{TransactionConflict: 1})
		before := tg.engine.InjectedFaults().TransactionConflict
		_, err := tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("tx1"), "v": avN("1")}}},
			{Update: &types.Update{TableName: tbl, Key: item{"pk": avS("a")}, UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: item{":v": avN("1")}}},
		}})
		tc := requireAPIError(t, err, "TransactionCanceledException")
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			t.Fatalf("error %T is not a TransactionCanceledException", err)
		}
		conflicts := 0
		for _, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "TransactionConflict":
				conflicts++
			case "None":
			default:
				t.Fatalf("reason %q in %s", aws.ToString(r.Code), tc.ErrorMessage())
			}
		}
		if conflicts != 1 || len(tce.CancellationReasons) != 2 {
			t.Fatalf("reasons %+v, want one TransactionConflict and one None", tce.CancellationReasons)
		}
		// Nothing was written.
		tg.requireStored(t, table, item{"pk": avS("tx1")}, nil)
		tg.requireStored(t, table, item{"pk": avS("a")}, item{"pk": avS("a")})
		_, err = tg.client.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{{Get: &types.Get{TableName: tbl, Key: item{"pk": avS("a")}}}}})
		requireCanceled(t, err, "TransactionConflict")
		if got := tg.engine.InjectedFaults().TransactionConflict - before; got != 2 {
			t.Fatalf("InjectedFaults counted %d conflicts, want 2", got)
		}
		// Invalid requests are refused as such, not as conflicts.
		_, err = tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: tbl, Item: item{"nokey": avS("x")}}}}})
		requireValidation(t, err)
	})

	t.Run("throttling", func(t *testing.T) {
		cases := []struct {
			name   string
			faults ddblocal.Faults
			code   string
			msg    string
		}{
			{"ProvisionedThroughputExceeded", ddblocal.Faults{ProvisionedThroughputExceeded: 1}, "ProvisionedThroughputExceededException",
				"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."},
			{"Throttling", ddblocal.Faults{Throttling: 1}, "ThrottlingException", "Rate of requests exceeds the allowed throughput."},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				setFaults(t, c.faults)
				_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": avS("throttled")}})
				requireExactError(t, err, c.code, c.msg)
				if c.code == "ProvisionedThroughputExceededException" {
					var pte *types.ProvisionedThroughputExceededException
					if !errors.As(err, &pte) {
						t.Fatalf("error %T is not the SDK's modelled exception", err)
					}
				}
				_, err = tg.client.Query(t.Context(), &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": avS("a")}})
				requireExactError(t, err, c.code, c.msg)
				// The control plane is never throttled.
				tg.describe(t, table)
				requireNoErr(t, tg.engine.SetFaults(ddblocal.Faults{}), "SetFaults off")
				tg.requireStored(t, table, item{"pk": avS("throttled")}, nil)
			})
		}
	})

	t.Run("unprocessed keys", func(t *testing.T) {
		setFaults(t, ddblocal.Faults{Unprocessed: 1})
		keys := []item{{"pk": avS("a")}, {"pk": avS("b")}, {"pk": avS("c")}}
		out, err := tg.client.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{table: {Keys: keys, ConsistentRead: aws.Bool(true)}}})
		requireNoErr(t, err, "BatchGetItem")
		if got := len(out.Responses[table]); got != 1 {
			t.Fatalf("%d items returned, want the first only", got)
		}
		u := out.UnprocessedKeys[table]
		if len(u.Keys) != 2 || !aws.ToBool(u.ConsistentRead) {
			t.Fatalf("UnprocessedKeys %+v, want the other two keys with the request's options", u)
		}
		if itemString(u.Keys[0]) != itemString(keys[1]) || itemString(u.Keys[1]) != itemString(keys[2]) {
			t.Fatalf("UnprocessedKeys %v, want b and c", u.Keys)
		}
	})

	t.Run("unprocessed items", func(t *testing.T) {
		setFaults(t, ddblocal.Faults{Unprocessed: 1})
		out, err := tg.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: {
			{PutRequest: &types.PutRequest{Item: item{"pk": avS("w1")}}},
			{PutRequest: &types.PutRequest{Item: item{"pk": avS("w2")}}},
			{DeleteRequest: &types.DeleteRequest{Key: item{"pk": avS("a")}}},
		}}})
		requireNoErr(t, err, "BatchWriteItem")
		if got := len(out.UnprocessedItems[table]); got != 2 {
			t.Fatalf("%d unprocessed items, want 2", got)
		}
		requireNoErr(t, tg.engine.SetFaults(ddblocal.Faults{}), "SetFaults off")
		tg.requireStored(t, table, item{"pk": avS("w1")}, item{"pk": avS("w1")})
		tg.requireStored(t, table, item{"pk": avS("w2")}, nil)
		tg.requireStored(t, table, item{"pk": avS("a")}, item{"pk": avS("a")})
		// Retrying the unprocessed items applies them.
		_, err = tg.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: out.UnprocessedItems})
		requireNoErr(t, err, "BatchWriteItem retry")
		tg.requireStored(t, table, item{"pk": avS("w2")}, item{"pk": avS("w2")})
		tg.requireStored(t, table, item{"pk": avS("a")}, nil)
	})

	t.Run("limited to some operations", func(t *testing.T) {
		setFaults(t, ddblocal.Faults{Throttling: 1, Operations: []string{"TransactWriteItems"}})
		_, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": avS("free")}})
		requireNoErr(t, err, "PutItem")
		_, err = tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: tbl, Item: item{"pk": avS("tx")}}}}})
		requireAPIError(t, err, "ThrottlingException")
		if err := tg.engine.SetFaults(ddblocal.Faults{Throttling: 1, Operations: []string{"CreateTable"}}); err == nil {
			t.Fatalf("faults accepted for CreateTable")
		}
	})

	t.Run("fractions out of range", func(t *testing.T) {
		for _, f := range []ddblocal.Faults{{Throttling: -0.1}, {Unprocessed: 1.5}, {Throttling: 0.6, ProvisionedThroughputExceeded: 0.6}} {
			if err := tg.engine.SetFaults(f); err == nil {
				t.Fatalf("SetFaults(%+v) accepted", f)
			}
		}
		if _, err := ddblocal.New(ddblocal.Options{Faults: ddblocal.Faults{TransactionConflict: 2}}); err == nil {
			t.Fatalf("New accepted a conflict fraction of 2")
		}
	})
}

func TestTimeToLiveUpdateIntervalKnob(t *testing.T) {
	t.Parallel()
	tg := engineTarget(t, ddblocal.Options{TTLUpdateInterval: -1})
	name := tg.createTable(t, tableDef{hash: keyS("pk")})
	for i, enabled := range []bool{true, false, true} {
		requireNoErr(t, tg.updateTTL(t, name, "exp", enabled), "UpdateTimeToLive #"+string(rune('1'+i)))
	}
}

func TestTimeToLiveUpdateIntervalClock(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	tg := engineTarget(t, ddblocal.Options{Now: func() time.Time { return time.Unix(0, now.Load()) }})
	name := tg.createTable(t, tableDef{hash: keyS("pk")})
	update := func(enabled bool) error { return tg.updateTTL(t, name, "exp", enabled) }
	requireNoErr(t, update(true), "enable")
	now.Add(int64(59 * time.Minute))
	requireExactError(t, update(false), "ValidationException", "Time to live has been modified multiple times within a fixed interval")
	now.Add(int64(2 * time.Minute))
	requireNoErr(t, update(false), "disable an hour later")
}
