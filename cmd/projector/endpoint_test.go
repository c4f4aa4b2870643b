package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// endpoint is an embedded engine served over HTTP, as an operator's
// endpoint would be, with the clients of the tests' own writes.
type endpoint struct {
	eng     *ddblocal.Engine
	cc      table.ClientConfig
	clients table.Clients
}

// newEndpoint serves a fresh embedded engine with the stream options
// streams over HTTP until the test ends.
func newEndpoint(t *testing.T, streams ddblocal.StreamOptions) *endpoint {
	t.Helper()
	eng, err := ddblocal.New(ddblocal.Options{Streams: streams, Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(eng)
	t.Cleanup(func() { srv.Close(); _ = eng.Close() })
	cc := table.ClientConfig{Endpoint: srv.URL, StaticCredentials: true}
	clients, err := table.NewClients(context.Background(), cc)
	if err != nil {
		t.Fatal(err)
	}
	return &endpoint{eng: eng, cc: cc, clients: clients}
}

// withTable creates table name, makes it the commands' table
// (HUBSTREAM_TABLE) and returns an Executor writing to it.
func (e *endpoint) withTable(t *testing.T, name string) *events.Executor {
	t.Helper()
	t.Setenv("HUBSTREAM_TABLE", name)
	if err := table.EnsureTable(context.Background(), e.clients.DB, name, time.Minute); err != nil {
		t.Fatal(err)
	}
	return events.NewExecutor(events.NewStore(e.clients.DB, name, nil), events.ExecutorOptions{})
}

// createUsers creates the users prefix00 … prefix<n-1> through x.
func createUsers(t *testing.T, x *events.Executor, prefix string, n int) {
	t.Helper()
	for i := range n {
		login := fmt.Sprintf("%s%02d", prefix, i)
		if _, err := x.Execute(context.Background(), login, entities.CreateUser{Login: login, Name: "U"}); err != nil {
			t.Fatal(err)
		}
	}
}
