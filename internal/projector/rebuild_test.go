package projector

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/table"
)

// TestVerifyAndRebuild: verify finds nothing on a healthy read model; after
// read items are changed, deleted and added behind the projector's back it
// reports each of them (different, missing, extra); a live rebuild fixes
// them, and a rebuild into a fresh table produces the same read model.
func TestVerifyAndRebuild(t *testing.T) {
	e := newTestEnv(t, ddblocal.StreamOptions{Shards: 2})
	w := e.startWorker(RunnerOptions{LeaseTimeout: 3 * time.Second}, nil, nil)
	ctx := context.Background()
	m := newMutator(e, 7)
	for i := range 300 {
		if err := m.random(ctx, "v-", i); err != nil {
			t.Fatal(err)
		}
	}
	e.waitCaughtUp(10 * time.Second)

	verify := func() VerifyReport {
		t.Helper()
		scratch := newTestEnv(t, ddblocal.StreamOptions{})
		rep, err := Verify(ctx, VerifyOptions{SourceDB: e.db, SourceTable: e.table, ScratchDB: scratch.db, ScratchTable: scratch.table, Segments: 4})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := verify()
	if len(rep.Drift) != 0 || rep.LiveItems == 0 || rep.LiveItems != rep.ReplayItems {
		t.Fatalf("healthy read model: %d live, %d replayed, drift %+v", rep.LiveItems, rep.ReplayItems, rep.Drift)
	}

	// Behind the projector's back.
	m.mu.Lock()
	changed, deleted := m.users[0], m.users[1]
	m.mu.Unlock()
	_, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table), Key: table.AccountKey(changed).AV(),
		UpdateExpression:          aws.String("SET #n = :n"),
		ExpressionAttributeNames:  map[string]string{"#n": "name"},
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":n": sv("hacked")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(e.table), Key: table.AccountKey(deleted).AV()}); err != nil {
		t.Fatal(err)
	}
	ghost := table.AccountKey("ghost").AV()
	ghost[table.AttrType], ghost["login"] = sv(table.TypeAccount), sv("ghost")
	if _, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: ghost}); err != nil {
		t.Fatal(err)
	}
	rep = verify()
	want := map[table.Key]string{table.AccountKey(changed): DriftDifferent, table.AccountKey(deleted): DriftMissing, table.AccountKey("ghost"): DriftExtra}
	if len(rep.Drift) != len(want) {
		t.Errorf("drift: %d items, want %d", len(rep.Drift), len(want))
	}
	for _, d := range rep.Drift {
		if want[d.Key] != d.Kind {
			t.Errorf("drift %v: %s, want %q", d.Key, d.Kind, want[d.Key])
		}
		if d.Kind == DriftDifferent && (len(d.Attrs) != 1 || d.Attrs[0] != "name") {
			t.Errorf("drift %v in %v, want only %s", d.Key, d.Attrs, "name")
		}
	}

	// A live rebuild (projector stopped) fixes it.
	w.stop(t)
	stats, err := Rebuild(ctx, RebuildOptions{SourceDB: e.db, SourceTable: e.table, Purge: true, Segments: 4})
	if err != nil || stats.Failed != 0 {
		t.Fatalf("rebuild: %+v, %v", stats, err)
	}
	if stats.Events == 0 || stats.Purged == 0 {
		t.Errorf("rebuild stats: %+v", stats)
	}
	if rep = verify(); len(rep.Drift) != 0 {
		t.Errorf("drift after rebuild: %+v", rep.Drift)
	}
	e.assertEqualsReplay(nil)

	// Into a fresh table (created as EnsureTable does).
	if err := table.EnsureTable(ctx, e.db, "fresh", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := Rebuild(ctx, RebuildOptions{SourceDB: e.db, SourceTable: e.table, TargetDB: e.db, TargetTable: "fresh", Purge: true}); err != nil {
		t.Fatal(err)
	}
	live, fresh := readModel(t, e.db, e.table), readModel(t, e.db, "fresh")
	if len(live) != len(fresh) {
		t.Errorf("fresh table: %d items, live %d", len(fresh), len(live))
	}
	for k, it := range live {
		if d := diffAttrs(it, fresh[k]); len(d) > 0 {
			t.Errorf("fresh %v differs in %v", k, d)
		}
	}

	// The projector resumes on the rebuilt read model.
	e.startWorker(RunnerOptions{LeaseTimeout: 3 * time.Second}, nil, nil)
	for i := range 50 {
		if err := m.random(ctx, fmt.Sprintf("after%d-", i), i); err != nil {
			t.Fatal(err)
		}
	}
	e.waitCaughtUp(10 * time.Second)
	e.assertEqualsReplay(nil)
}
