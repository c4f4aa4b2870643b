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

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/table"
)

func newDB(t *testing.T) *dynamodb.Client {
	t.Helper()
	eng, err := ddblocal.New(ddblocal.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	c, err := table.NewClients(context.Background(), table.ClientConfig{Endpoint: "http://ddblocal.test", HTTPClient: eng.HTTPClient(), StaticCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	return c.DB
}

// TestCheckTable creates tables that differ from table.Definition in one
// way each, through the SDK against the embedded engine, and requires
// CheckTable (which never writes) to name the difference, and EnsureTable
// (which creates only what is missing) to refuse the same table.
func TestCheckTable(t *testing.T) {
	gsi := func(in *dynamodb.CreateTableInput, name string) *types.GlobalSecondaryIndex {
		for i := range in.GlobalSecondaryIndexes {
			if aws.ToString(in.GlobalSecondaryIndexes[i].IndexName) == name {
				return &in.GlobalSecondaryIndexes[i]
			}
		}
		t.Fatalf("no index %s in the definition", name)
		return nil
	}
	tests := []struct {
		name   string
		change func(*dynamodb.CreateTableInput)
		ttl    string // attribute TTL is enabled on; "" for none
		want   []string
	}{
		{name: "as defined", ttl: table.AttrTTL},
		{name: "time to live disabled", want: []string{"time to live is DISABLED, want it enabled on attribute ttl"}},
		{name: "time to live on another attribute", ttl: "expires", want: []string{"time to live is on attribute expires, want ttl"}},
		{name: "index projects keys only", ttl: table.AttrTTL, change: func(in *dynamodb.CreateTableInput) {
			gsi(in, table.GSI2).Projection = &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}
		}, want: []string{"index GSI2 projects KEYS_ONLY, want ALL"}},
		{name: "index missing", ttl: table.AttrTTL, change: func(in *dynamodb.CreateTableInput) {
			in.GlobalSecondaryIndexes = in.GlobalSecondaryIndexes[:3]
			dropAttrs(in, table.AttrGSI4PK, table.AttrGSI4SK)
		}, want: []string{"global secondary index GSI4 is missing"}},
		{name: "index keys swapped", ttl: table.AttrTTL, change: func(in *dynamodb.CreateTableInput) {
			g := gsi(in, table.GSI1)
			g.KeySchema = []types.KeySchemaElement{{AttributeName: aws.String(table.AttrGSI1PK), KeyType: types.KeyTypeHash}}
			dropAttrs(in, table.AttrGSI1SK)
		}, want: []string{"index GSI1's key schema is GSI1PK (HASH), want GSI1PK (HASH), GSI1SK (RANGE)"}},
		{name: "sort key is a number", ttl: table.AttrTTL, change: func(in *dynamodb.CreateTableInput) {
			for i := range in.AttributeDefinitions {
				if aws.ToString(in.AttributeDefinitions[i].AttributeName) == table.AttrSK {
					in.AttributeDefinitions[i].AttributeType = types.ScalarAttributeTypeN
				}
			}
		}, want: []string{"the table's key attribute SK has type N, want S"}},
		{name: "stream of new images only", ttl: table.AttrTTL, change: func(in *dynamodb.CreateTableInput) {
			in.StreamSpecification.StreamViewType = types.StreamViewTypeNewImage
		}, want: []string{"the stream's view type is NEW_IMAGE, want NEW_AND_OLD_IMAGES"}},
		{name: "no stream, no index, no time to live", change: func(in *dynamodb.CreateTableInput) {
			in.StreamSpecification = nil
			in.GlobalSecondaryIndexes = nil
			in.AttributeDefinitions = in.AttributeDefinitions[:2]
		}, want: []string{
			"global secondary index GSI1 is missing", "global secondary index GSI2 is missing",
			"global secondary index GSI3 is missing", "global secondary index GSI4 is missing",
			"the stream is not enabled (want NEW_AND_OLD_IMAGES)",
			"time to live is DISABLED, want it enabled on attribute ttl",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := newDB(t)
			const name = "preexisting"
			in := table.Definition(name)
			if tt.change != nil {
				tt.change(in)
			}
			if _, err := db.CreateTable(ctx, in); err != nil {
				t.Fatal(err)
			}
			if tt.ttl != "" {
				if _, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
					TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(tt.ttl), Enabled: aws.Bool(true)}}); err != nil {
					t.Fatal(err)
				}
			}
			for _, check := range []struct {
				name string
				f    func(context.Context, *dynamodb.Client, string, time.Duration) error
			}{{"CheckTable", table.CheckTable}, {"EnsureTable", table.EnsureTable}} {
				err := check.f(ctx, db, name, time.Minute)
				want := tt.want
				if check.name == "EnsureTable" {
					// EnsureTable enables what is missing of TTL.
					want = withoutPrefix(want, "time to live is DISABLED")
				}
				if len(want) == 0 {
					if err != nil {
						t.Fatalf("%s: %v", check.name, err)
					}
					continue
				}
				var se *table.SchemaError
				if !errors.As(err, &se) || !errors.Is(err, table.ErrSchemaMismatch) {
					t.Fatalf("%s: got %v, want a *SchemaError", check.name, err)
				}
				if got := strings.Join(se.Problems, "\n"); got != strings.Join(want, "\n") {
					t.Errorf("%s: problems\n%s\nwant\n%s", check.name, got, strings.Join(want, "\n"))
				}
				if !strings.Contains(err.Error(), "table preexisting does not match") {
					t.Errorf("%s: the error does not name the table: %v", check.name, err)
				}
			}
		})
	}
}

// TestCheckTableMissing: a table that does not exist is named, and
// CheckTable creates nothing.
func TestCheckTableMissing(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	err := table.CheckTable(ctx, db, "absent", time.Minute)
	if !errors.Is(err, table.ErrTableMissing) || !strings.Contains(err.Error(), "absent") {
		t.Fatalf("got %v, want ErrTableMissing naming the table", err)
	}
	out, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TableNames) != 0 {
		t.Fatalf("CheckTable created %v", out.TableNames)
	}
}

// TestEnsureTableThenCheck: what EnsureTable creates is what CheckTable
// accepts, and a second EnsureTable is a no-op.
func TestEnsureTableThenCheck(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	for range 2 {
		if err := table.EnsureTable(ctx, db, "fresh", time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := table.CheckTable(ctx, db, "fresh", time.Minute); err != nil {
		t.Fatal(err)
	}
}

func dropAttrs(in *dynamodb.CreateTableInput, names ...string) {
	keep := in.AttributeDefinitions[:0]
	for _, d := range in.AttributeDefinitions {
		drop := false
		for _, n := range names {
			drop = drop || aws.ToString(d.AttributeName) == n
		}
		if !drop {
			keep = append(keep, d)
		}
	}
	in.AttributeDefinitions = keep
}

func withoutPrefix(ss []string, prefix string) []string {
	var out []string
	for _, s := range ss {
		if !strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}
