package projector

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// legacyUserCreated is a UserCreated event in a schema (0) this build
// cannot decode: no upcaster is registered for it.
const legacyUserCreated = `{"user":{"handle":"poison","displayName":"Poison Ivy"}}`

// fixedCodec is the build that can: it upcasts schema 0 to 1.
func fixedCodec() *events.Codec {
	c := events.NewCodec()
	c.RegisterUpcaster("UserCreated", 0, func(data json.RawMessage) (json.RawMessage, error) {
		var old struct {
			User struct{ Handle, DisplayName string }
		}
		if err := json.Unmarshal(data, &old); err != nil {
			return nil, err
		}
		return json.Marshal(entities.UserCreated{Login: old.User.Handle, Name: old.User.DisplayName})
	})
	return c
}

// putPoison writes the event item and head of an account whose first
// event cannot be decoded, as a buggy or newer writer would, with the
// plain AWS client.
func (e *testEnv) putPoison(login string) {
	e.t.Helper()
	at := time.Now().UTC()
	env := events.Envelope{Kind: entities.KindAccount, Aggregate: login, Type: "UserCreated", Version: 1, At: at, Actor: login, Command: "poison", Schema: 0, Data: json.RawMessage(legacyUserCreated)}
	p := table.AccountPartition(login)
	state, _ := json.Marshal(&entities.Account{Login: login, Type: entities.AccountUser, Name: "Poison Ivy", CreatedAt: at, UpdatedAt: at})
	newEvents, _ := json.Marshal([]events.Envelope{env})
	ek, hk := table.EventKey(p, 1), table.HeadKey(p)
	s := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberS{Value: v} }
	n := func(v int64) ddb.AttributeValue { return &ddb.AttributeValueMemberN{Value: fmt.Sprint(v)} }
	_, err := e.db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []ddb.TransactWriteItem{
		{Put: &ddb.Put{TableName: aws.String(e.table), Item: map[string]ddb.AttributeValue{
			"PK": s(ek.PK), "SK": s(ek.SK), "_et": s(table.TypeEvent), "kind": s(string(entities.KindAccount)), "agg": s(login),
			"type": s("UserCreated"), "v": n(1), "at": s(at.Format(time.RFC3339Nano)), "actor": s(login), "cmd": s("poison"),
			"sv": n(0), "data": s(legacyUserCreated),
		}}},
		{Put: &ddb.Put{TableName: aws.String(e.table), Item: map[string]ddb.AttributeValue{
			"PK": s(hk.PK), "SK": s(hk.SK), "_et": s(table.TypeHead), "kind": s(string(entities.KindAccount)), "agg": s(login),
			"v": n(1), "seq": n(0), "state": s(string(state)), "new": s(string(newEvents)), "at": s(at.Format(time.RFC3339Nano)),
		}}},
	}})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *testEnv) accountItem(login string) map[string]ddb.AttributeValue {
	res, err := e.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: table.AccountKey(login).AV(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Item
}

// TestPoisonHaltsOnlyItsAggregate: by default a poison event halts its
// aggregate — its later records are held, not applied — while every other
// aggregate, on the same shard too, goes on. Status and metrics show the
// halt; `dlq retry` with a build that can decode the event repairs the
// aggregate in order and lifts the halt; later records apply normally.
func TestPoisonHaltsOnlyItsAggregate(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 1})
	w := e.startWorker(RunnerOptions{LeaseTimeout: 3 * time.Second}, nil, nil)
	ctx := context.Background()
	m := newMutator(e, 5)
	e.putPoison("poison")
	for i := range 20 {
		if err := m.create(ctx, fmt.Sprintf("ok%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// The poisoned user still accepts commands: its head is fine.
	if err := m.update(ctx, "poison"); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := m.update(ctx, fmt.Sprintf("ok%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 10*time.Second, func() bool {
		_, behind := e.progress()
		return behind == 1
	}, "every aggregate but the poisoned one projected")
	q := NewDLQ(e.db, e.table, "main", NewApplier(e.db, e.table, fixedCodec()))
	eventually(t, 5*time.Second, func() bool {
		blocked, _, err := q.List(ctx)
		return err == nil && len(blocked) == 1 && blocked[0].Held == 2
	}, "the poisoned aggregate halted with its later record held")
	blocked, parked, _ := q.List(ctx)
	b := blocked[0]
	if b.Partition != "ACCOUNT#poison" || b.Mode != ModeHalt || b.First != 1 || b.MaxSeen != 2 || !strings.Contains(b.Error, "upcaster") {
		t.Errorf("block: %+v", b)
	}
	if len(parked) != 0 {
		t.Errorf("halting parked %d events", len(parked))
	}
	if it := e.accountItem("poison"); it != nil {
		t.Errorf("the halted aggregate was projected: %v", it)
	}
	eventually(t, 5*time.Second, func() bool { return counterSum(w.r.m.HaltedAggs, "", "") == 1 }, "halted_aggregates = 1")
	st, err := GetStatus(ctx, StatusOptions{DB: e.db, Streams: e.st, Table: e.table})
	if err != nil || len(st.Blocked) != 1 {
		t.Errorf("status: %d blocked (%v)", len(st.Blocked), err)
	}

	// The fix ships: retry repairs the aggregate from the log, in order.
	res, err := q.Retry(ctx, "")
	if err != nil || len(res) != 1 || res[0].Err != nil || res[0].UpTo != 2 {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	if it := e.accountItem("poison"); attrInt(it, table.AttrVersion) != 2 || attrStr(it, "name") == "" {
		t.Errorf("after retry: %v", it)
	}
	if blocked, _, _ := q.List(ctx); len(blocked) != 0 {
		t.Errorf("still blocked after a successful retry: %+v", blocked)
	}
	// The runner applies the aggregate's next records again.
	if err := m.update(ctx, "poison"); err != nil {
		t.Fatal(err)
	}
	e.waitCaughtUp(10 * time.Second)
	e.assertEqualsReplay(fixedCodec())
}

// TestPoisonParkAndRetry: with Park, the poison event lands in the DLQ
// with its payload and error, and so does every later record of its
// aggregate (held behind it, so that order holds); other aggregates go on.
// `dlq retry` after the fix applies them and empties the DLQ.
func TestPoisonParkAndRetry(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 2})
	w := e.startWorker(RunnerOptions{LeaseTimeout: 3 * time.Second, Park: true}, nil, nil)
	ctx := context.Background()
	m := newMutator(e, 6)
	e.putPoison("poison")
	for i := range 10 {
		if err := m.create(ctx, fmt.Sprintf("ok%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := m.update(ctx, "poison"); err != nil {
			t.Fatal(err)
		}
	}
	q := NewDLQ(e.db, e.table, "main", NewApplier(e.db, e.table, fixedCodec()))
	eventually(t, 10*time.Second, func() bool {
		_, parked, err := q.List(ctx)
		return err == nil && len(parked) == 3
	}, "three parked records of the poisoned aggregate")
	// The other aggregates' records may still be on their way when the
	// third record is parked; they must all arrive, the poisoned aggregate
	// alone staying behind.
	behind := -1
	eventually(t, 10*time.Second, func() bool { _, behind = e.progress(); return behind == 1 }, "only the poisoned aggregate behind")
	blocked, parked, _ := q.List(ctx)
	if len(blocked) != 1 || blocked[0].Mode != ModePark {
		t.Errorf("blocked: %+v", blocked)
	}
	first := parked[0]
	if first.First != 1 || first.Cause != "poison" || !strings.Contains(first.Error, "upcaster") || len(first.Events) != 1 || string(first.Events[0].Data) != legacyUserCreated {
		t.Errorf("parked poison event: %+v", first)
	}
	for _, p := range parked[1:] {
		if p.Cause != "blocked" || p.Partition != "ACCOUNT#poison" || len(p.Events) != 1 {
			t.Errorf("parked held record: %+v", p)
		}
	}
	eventually(t, 5*time.Second, func() bool { return counterSum(w.r.m.ParkedEvents, "", "") == 3 }, "parked_events = 3")

	// Retrying with the broken build fails and keeps everything.
	broken := NewDLQ(e.db, e.table, "main", NewApplier(e.db, e.table, events.NewCodec()))
	if res, err := broken.Retry(ctx, ""); err != nil || len(res) != 1 || res[0].Err == nil {
		t.Errorf("retry with the broken build: %+v, %v", res, err)
	}
	if _, parked, _ := q.List(ctx); len(parked) != 3 {
		t.Errorf("%d parked after a failed retry", len(parked))
	}
	res, err := q.Retry(ctx, "ACCOUNT#poison")
	if err != nil || len(res) != 1 || res[0].Err != nil || res[0].Removed != 3 {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	if blocked, parked, _ := q.List(ctx); len(blocked)+len(parked) != 0 {
		t.Errorf("after retry: %d blocked, %d parked", len(blocked), len(parked))
	}
	if err := m.update(ctx, "poison"); err != nil {
		t.Fatal(err)
	}
	e.waitCaughtUp(10 * time.Second)
	e.assertEqualsReplay(fixedCodec())
}
