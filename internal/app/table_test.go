package app_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/table"
)

// TestExistingTable: with ExistingTable the app uses the table it is given
// and creates nothing — a missing table is table.ErrTableMissing, one
// without its indexes a *table.SchemaError — and runs on a table that
// matches table.Definition.
func TestExistingTable(t *testing.T) {
	// The app takes its credentials from the AWS configuration chain.
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	eng, err := ddblocal.New(ddblocal.Options{Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(eng)
	t.Cleanup(func() { srv.Close(); _ = eng.Close() })
	ctx := context.Background()
	clients, err := table.NewClients(ctx, table.ClientConfig{Endpoint: srv.URL, StaticCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := func(name string) app.Config {
		return app.Config{Endpoint: srv.URL, Table: name, ExistingTable: true, NoProjector: true, Logger: obs.PrintfLogger(t.Logf, slog.LevelDebug),
			Auth: auth.DevOptions([]byte("0123456789abcdef0123456789abcdef"))}
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, name string)
		want    error // nil: New succeeds
	}{
		{"missing", func(*testing.T, string) {}, table.ErrTableMissing},
		{"without indexes", func(t *testing.T, name string) {
			def := table.Definition(name)
			def.GlobalSecondaryIndexes, def.AttributeDefinitions = nil, def.AttributeDefinitions[:2]
			if _, err := clients.DB.CreateTable(ctx, def); err != nil {
				t.Fatal(err)
			}
		}, table.ErrSchemaMismatch},
		{"as deployed", func(t *testing.T, name string) {
			if err := table.EnsureTable(ctx, clients.DB, name, time.Minute); err != nil {
				t.Fatal(err)
			}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "existing-" + strings.ReplaceAll(tt.name, " ", "-")
			tt.prepare(t, name)
			a, err := app.New(ctx, cfg(name))
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				_ = a.Close()
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("app.New: %v, want %v", err, tt.want)
			}
			if _, err := clients.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}); tt.want == table.ErrTableMissing && err == nil {
				t.Fatal("app.New created the table")
			}
		})
	}
}
