package table_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/table"
)

// statusRewriter passes requests to the engine and answers DescribeTable
// with the table in another status: the embedded engine applies table
// changes at once, so it never reports UPDATING or CREATING itself.
type statusRewriter struct {
	next   *ddblocal.InProcessClient
	status string
}

func (s statusRewriter) Do(r *http.Request) (*http.Response, error) {
	resp, err := s.next.Do(r)
	if err != nil || !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".DescribeTable") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body = bytes.Replace(body, []byte(`"TableStatus":"ACTIVE"`), []byte(`"TableStatus":"`+s.status+`"`), 1)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	resp.Header.Del("X-Amz-Crc32")
	return resp, nil
}

// TestCheckTableStatus: a table DynamoDB reports UPDATING serves data
// operations, so CheckTable accepts it at once; one still CREATING is
// waited for, and refused when it does not become ACTIVE in time.
func TestCheckTableStatus(t *testing.T) {
	ctx := context.Background()
	eng, err := ddblocal.New(ddblocal.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	direct, err := table.NewClients(ctx, table.ClientConfig{Endpoint: "http://ddblocal.test", HTTPClient: eng.HTTPClient(), StaticCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := table.EnsureTable(ctx, direct.DB, "tbl", time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		status string
		ok     bool
	}{{"UPDATING", true}, {"CREATING", false}} {
		t.Run(tc.status, func(t *testing.T) {
			hc := statusRewriter{next: eng.HTTPClient(), status: tc.status}
			c, err := table.NewClients(ctx, table.ClientConfig{Endpoint: "http://ddblocal.test", HTTPClient: hc, StaticCredentials: true})
			if err != nil {
				t.Fatal(err)
			}
			err = table.CheckTable(ctx, c.DB, "tbl", 300*time.Millisecond)
			if tc.ok && err != nil {
				t.Fatalf("CheckTable of an %s table: %v", tc.status, err)
			}
			if !tc.ok && err == nil {
				t.Fatalf("CheckTable accepted a table that stayed %s", tc.status)
			}
		})
	}
}
