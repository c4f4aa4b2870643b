package table_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/table"
)

// TestCredentialsErrorIsTyped: a call whose credentials cannot be
// retrieved fails with a *table.CredentialsError wrapping the provider's
// error (the SDK alone reports it as text), so that the projector can
// treat it as an outage; with working credentials there is none.
func TestCredentialsErrorIsTyped(t *testing.T) {
	eng, err := ddblocal.New(ddblocal.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	roleGone := errors.New("no EC2 instance role found")
	tests := []struct {
		name     string
		provider aws.CredentialsProvider
		want     error
	}{
		{"the provider fails", aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, roleGone }), roleGone},
		{"static credentials", credentials.NewStaticCredentialsProvider("local", "local", ""), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := table.NewClientsFromConfig(aws.Config{Region: "us-east-1", HTTPClient: eng.HTTPClient(), Credentials: tt.provider},
				table.ClientConfig{Endpoint: "http://ddblocal.embedded"})
			_, err := c.DB.ListTables(t.Context(), &dynamodb.ListTablesInput{})
			var ce *table.CredentialsError
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("ListTables: %v", err)
			case tt.want != nil && (!errors.As(err, &ce) || !errors.Is(err, tt.want)):
				t.Fatalf("ListTables failed with %v (%T), want a *table.CredentialsError wrapping %v", err, err, tt.want)
			}
		})
	}
}
