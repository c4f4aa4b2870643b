package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/table"
)

// TestRunExistingTable: `run --create-table=false` (a table the deployment
// created) never creates one, and refuses a missing or different table
// with an error that says what is wrong, before tailing anything.
func TestRunExistingTable(t *testing.T) {
	ep := newEndpoint(t, ddblocal.StreamOptions{})
	cc, clients := ep.cc, ep.clients
	ctx := context.Background()
	t.Setenv("HUBSTREAM_TABLE", "deployed")
	runOnce := func() (int, string) {
		var out bytes.Buffer
		code := run(ctx, []string{"run", "--create-table=false", "--metrics-addr", ""}, &out, &out, cc)
		return code, out.String()
	}

	code, out := runOnce()
	if code != 2 || !strings.Contains(out, "table does not exist: deployed") {
		t.Fatalf("missing table: exit %d\n%s", code, out)
	}
	if tables, err := clients.DB.ListTables(ctx, nil); err != nil || len(tables.TableNames) != 0 {
		t.Fatalf("run --create-table=false created %v (%v)", tables.TableNames, err)
	}

	def := table.Definition("deployed")
	def.StreamSpecification.StreamViewType = types.StreamViewTypeKeysOnly
	if _, err := clients.DB.CreateTable(ctx, def); err != nil {
		t.Fatal(err)
	}
	code, out = runOnce()
	if code != 2 || !strings.Contains(out, "the stream's view type is KEYS_ONLY, want NEW_AND_OLD_IMAGES") {
		t.Fatalf("different table: exit %d\n%s", code, out)
	}
}
