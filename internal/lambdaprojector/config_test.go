package lambdaprojector_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/lambdaprojector"
	"github.com/hubstream/hubstream/internal/table"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    lambdaprojector.Config
		wantErr string
	}{
		{name: "defaults", env: map[string]string{}, want: lambdaprojector.Config{Table: "hubstream", Name: "main", Concurrency: 8, Margin: 3 * time.Second}},
		{name: "all set", env: map[string]string{
			"HUBSTREAM_TABLE": "prod", "DYNAMODB_ENDPOINT": "http://localhost:8000", "AWS_REGION": "eu-west-1", "HUBSTREAM_PROJECTOR_NAME": "blue",
			"HUBSTREAM_PROJECTOR_PARK": "true", "HUBSTREAM_PROJECTOR_CONCURRENCY": "16", "HUBSTREAM_PROJECTOR_DEADLINE_MARGIN": "5s", "AWS_LAMBDA_FUNCTION_NAME": "fn",
		}, want: lambdaprojector.Config{Table: "prod", Clients: table.ClientConfig{Endpoint: "http://localhost:8000", Region: "eu-west-1"},
			Name: "blue", Park: true, Concurrency: 16, Margin: 5 * time.Second, Function: "fn"}},
		{name: "park not a boolean", env: map[string]string{"HUBSTREAM_PROJECTOR_PARK": "yes please"}, wantErr: "HUBSTREAM_PROJECTOR_PARK"},
		{name: "concurrency zero", env: map[string]string{"HUBSTREAM_PROJECTOR_CONCURRENCY": "0"}, wantErr: "HUBSTREAM_PROJECTOR_CONCURRENCY"},
		{name: "concurrency not a number", env: map[string]string{"HUBSTREAM_PROJECTOR_CONCURRENCY": "8x"}, wantErr: "HUBSTREAM_PROJECTOR_CONCURRENCY"},
		{name: "negative margin", env: map[string]string{"HUBSTREAM_PROJECTOR_DEADLINE_MARGIN": "-1s"}, wantErr: "HUBSTREAM_PROJECTOR_DEADLINE_MARGIN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lambdaprojector.ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestNewChecksTheTable: the function refuses to start on a table that is
// missing, naming it.
func TestNewChecksTheTable(t *testing.T) {
	e := newEnv(t)
	_, err := lambdaprojector.New(context.Background(), lambdaprojector.Config{Table: "nope", Name: "main", Concurrency: 1}, lambdaprojector.Options{
		Configure: func(c *table.ClientConfig) {
			c.Endpoint, c.HTTPClient, c.StaticCredentials = "http://ddblocal.test", e.eng.HTTPClient(), true
		},
	})
	if !errors.Is(err, table.ErrTableMissing) {
		t.Fatalf("got %v, want table.ErrTableMissing", err)
	}
}
