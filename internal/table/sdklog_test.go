package table

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go/logging"
)

// TestQuietLogger: the SDK's warnings about response bodies of cancelled
// requests are dropped (finding 6 of the review of issue 18); every other
// message passes.
func TestQuietLogger(t *testing.T) {
	cases := []struct {
		name   string
		class  logging.Classification
		format string
		args   []any
		pass   bool
	}{
		{"discard after a cancellation", logging.Warn, "failed to discard remaining HTTP response body, this may affect connection reuse: %v", []any{errors.New("context canceled")}, false},
		{"checksum of a body cut short", logging.Warn, "failed to close HTTP response body, this may affect connection reuse: %v", []any{errors.New("response did not match expected checksum, 1, 2")}, false},
		{"another warning", logging.Warn, "Response has no supported checksum. Not validating response payload.", nil, true},
		{"debug", logging.Debug, "failed to discard remaining HTTP response body: %v", []any{"x"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			quietLogger{next: logging.NewStandardLogger(&b)}.Logf(c.class, c.format, c.args...)
			if got := b.Len() > 0; got != c.pass {
				t.Errorf("passed %v, want %v (%q)", got, c.pass, strings.TrimSpace(b.String()))
			}
		})
	}
}

// TestClientsLogQuietly: clients built from the AWS configuration chain
// (whose default logger writes to stderr) log through quietLogger.
func TestClientsLogQuietly(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	// Dummy credentials: NewClients resolves credentials up front, and a CI
	// host whose instance metadata service answers 403 has none otherwise.
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	c, err := NewClients(context.Background(), ClientConfig{Endpoint: "http://127.0.0.1:1", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.DB.Options().Logger.(quietLogger); !ok {
		t.Errorf("DynamoDB client logs through %T", c.DB.Options().Logger)
	}
	if _, ok := c.Streams.Options().Logger.(quietLogger); !ok {
		t.Errorf("Streams client logs through %T", c.Streams.Options().Logger)
	}
}
