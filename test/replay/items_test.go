package replay_test

import (
	"context"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// TestEveryItemHasItemType: DESIGN.md §3 says every item carries _et, the
// item type, so that scans (rebuild, verify, tools) can classify items
// without parsing keys. Checked over a live table holding every kind of
// item the accounts slice writes: events, heads, read items, projection
// markers and projector checkpoints.
func TestEveryItemHasItemType(t *testing.T) {
	ctx := context.Background()
	srv := testkit.Start(t, testkit.Options{})
	x := srv.App.Executor()
	if _, err := x.Execute(ctx, "typed", entities.CreateUser{Login: "typed"}); err != nil {
		t.Fatal(err)
	}
	bio := "now with a bio"
	if _, err := x.Execute(ctx, "typed", entities.UpdateProfile{Login: "typed", Bio: &bio}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 15*time.Second, func() bool {
		n, behind, err := testkit.Progress(ctx, srv.DB(), srv.Table())
		return err == nil && n == 1 && behind == 0
	}, "projector caught up")

	items, err := testkit.Scan(ctx, srv.DB(), srv.Table())
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, it := range items {
		et := testkit.S(it, table.AttrType)
		types[et]++
		if et == "" {
			t.Errorf("item %s | %s has no %s: %v", testkit.S(it, table.AttrPK), testkit.S(it, table.AttrSK), table.AttrType, testkit.JSONItem(it))
		}
	}
	for _, want := range []string{table.TypeEvent, table.TypeHead, table.TypeAccount} {
		if types[want] == 0 {
			t.Errorf("no %s item in the table (types seen: %v)", want, types)
		}
	}
}
