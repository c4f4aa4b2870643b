package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// TestCommands drives the sub-commands against the embedded engine over
// HTTP, as an operator would against an endpoint: run, status, verify
// (clean, then drift), rebuild (refused while running, then fixing the
// drift), dlq list.
func TestCommands(t *testing.T) {
	eng, err := ddblocal.New(ddblocal.Options{Streams: ddblocal.StreamOptions{Shards: 2}, Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(eng)
	t.Cleanup(func() { srv.Close(); _ = eng.Close() })
	t.Setenv("HUBSTREAM_TABLE", "cmdtest")
	cc := table.ClientConfig{Endpoint: srv.URL, StaticCredentials: true}
	ctx := context.Background()
	clients, err := table.NewClients(ctx, cc)
	if err != nil {
		t.Fatal(err)
	}
	if err := table.EnsureTable(ctx, clients.DB, "cmdtest", time.Minute); err != nil {
		t.Fatal(err)
	}
	x := events.NewExecutor(events.NewStore(clients.DB, "cmdtest", nil), events.ExecutorOptions{})
	for i := range 30 {
		if _, err := x.Execute(ctx, fmt.Sprintf("user%02d", i), entities.CreateUser{Login: fmt.Sprintf("user%02d", i), Name: "U"}); err != nil {
			t.Fatal(err)
		}
	}
	cmd := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut, cc)
		return code, out.String() + errOut.String()
	}

	runCtx, stop := context.WithCancel(ctx)
	runDone := make(chan int, 1)
	var runOut bytes.Buffer
	go func() {
		runDone <- run(runCtx, []string{"run", "--metrics-addr", "127.0.0.1:0", "--poll-interval", "10ms", "--lease-timeout", "2s", "--worker-id", "w1"}, &runOut, &runOut, cc)
	}()
	caughtUp := func() bool {
		code, out := cmd("status")
		return code == 0 && strings.Contains(out, "w1") && pendingZero(out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !caughtUp() {
		if time.Now().After(deadline) {
			_, out := cmd("status")
			t.Fatalf("projector did not catch up:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, statusOut := cmd("status", "--all")
	t.Logf("projector status:\n%s", statusOut)
	if code, out := cmd("verify", "--segments", "2"); code != 0 || !strings.Contains(out, "0 drifted") {
		t.Fatalf("verify on a healthy read model: %d\n%s", code, out)
	}
	if code, out := cmd("rebuild"); code != 2 || !strings.Contains(out, "is running") {
		t.Errorf("live rebuild while the projector runs: %d\n%s", code, out)
	}

	_, err = clients.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("cmdtest"), Key: table.AccountKey("user07").AV(),
		UpdateExpression:          aws.String("SET #n = :n"),
		ExpressionAttributeNames:  map[string]string{"#n": "name"},
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":n": &ddb.AttributeValueMemberS{Value: "hacked"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	code, out := cmd("verify", "--recheck", "0")
	t.Logf("projector verify:\n%s", out)
	if code != 1 || !strings.Contains(out, "different ACCOUNT#user07") || !strings.Contains(out, `want "U", got "hacked"`) {
		t.Errorf("verify after tampering: %d\n%s", code, out)
	}

	stop()
	if code := <-runDone; code != 0 {
		t.Fatalf("run exited %d:\n%s", code, runOut.String())
	}
	if code, out := cmd("rebuild"); code != 0 || !strings.Contains(out, "30 events of 30 aggregates") {
		t.Errorf("rebuild: %d\n%s", code, out)
	}
	if code, out := cmd("verify"); code != 0 {
		t.Errorf("verify after rebuild: %d\n%s", code, out)
	}
	if code, out := cmd("rebuild", "--via-memory"); code != 0 || !strings.Contains(out, "30 events of 30 aggregates") || !strings.Contains(out, "60 read items copied") {
		t.Errorf("rebuild --via-memory: %d\n%s", code, out)
	}
	if code, out := cmd("verify"); code != 0 {
		t.Errorf("verify after rebuild --via-memory: %d\n%s", code, out)
	}
	if code, out := cmd("rebuild", "--into", "copy"); code != 0 || !strings.Contains(out, "replayed into copy") {
		t.Errorf("rebuild --into: %d\n%s", code, out)
	}
	if code, out := cmd("dlq", "list"); code != 0 || !strings.Contains(out, "blocked aggregates: 0") || !strings.Contains(out, "parked events: 0") {
		t.Errorf("dlq list: %d\n%s", code, out)
	}
	if code, out := cmd("status", "--json"); code != 0 || !strings.Contains(out, `"shards": [`) || !strings.Contains(out, `"caught_up": true`) {
		t.Errorf("status --json: %d\n%s", code, out)
	}
	if !strings.Contains(runOut.String(), `"metrics":"http://127.0.0.1:`) {
		t.Errorf("run did not serve metrics:\n%s", runOut.String())
	}
}

// pendingZero reports whether every shard line of a status shows no
// pending head records.
func pendingZero(status string) bool {
	lines := strings.Split(status, "\n")
	seen := false
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 10 || !strings.HasPrefix(f[0], "shardId-") {
			continue
		}
		seen = true
		if f[len(f)-2] != "0" {
			return false
		}
	}
	return seen
}

// TestOperatorClarity: an aggregate whose projection was lost is reported
// by verify with the command that repairs it (--repair, not a rebuild
// that refuses to run beside a projector), and verify --repair repairs
// it; progress is logged with events/s and an ETA when stderr is not a
// terminal; a dead worker's heartbeat shows as dead.
func TestOperatorClarity(t *testing.T) {
	eng, err := ddblocal.New(ddblocal.Options{Streams: ddblocal.StreamOptions{Shards: 2}, Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(eng)
	t.Cleanup(func() { srv.Close(); _ = eng.Close() })
	t.Setenv("HUBSTREAM_TABLE", "clarity")
	cc := table.ClientConfig{Endpoint: srv.URL, StaticCredentials: true}
	ctx := context.Background()
	clients, err := table.NewClients(ctx, cc)
	if err != nil {
		t.Fatal(err)
	}
	if err := table.EnsureTable(ctx, clients.DB, "clarity", time.Minute); err != nil {
		t.Fatal(err)
	}
	x := events.NewExecutor(events.NewStore(clients.DB, "clarity", nil), events.ExecutorOptions{})
	for i := range 20 {
		if _, err := x.Execute(ctx, fmt.Sprintf("user%02d", i), entities.CreateUser{Login: fmt.Sprintf("user%02d", i), Name: "U"}); err != nil {
			t.Fatal(err)
		}
	}
	cmd := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := runCLI(ctx, &cmdline{stdout: &out, stderr: &errOut, cc: cc, progressEvery: time.Millisecond}, args)
		return code, out.String(), errOut.String()
	}
	if code, out, errOut := cmd("rebuild", "--catch-up"); code != 0 || !strings.Contains(out, "repaired") {
		t.Fatalf("catch-up: %d\n%s\n%s", code, out, errOut)
	} else if !strings.Contains(errOut, "events (") || !strings.Contains(errOut, "/s)") || !strings.Contains(errOut, "ETA") {
		t.Errorf("no progress lines with events/s and an ETA on a non-terminal stderr:\n%s", errOut)
	}
	// The projection of user03 is lost: its read item and marker go.
	for _, k := range []table.Key{table.AccountKey("user03"), table.MarkerKey(table.AccountPartition("user03"))} {
		if _, err := clients.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("clarity"), Key: k.AV()}); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := cmd("verify", "--recheck", "0")
	if code != 1 || !strings.Contains(out, "missing   ACCOUNT#user03") || !strings.Contains(errOut, "projector verify --repair") {
		t.Errorf("verify of a lost projection: %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = cmd("verify", "--repair", "--recheck", "0")
	if code != 0 || !strings.Contains(out, "1 repaired from the log") || !strings.Contains(out, "0 drifted") {
		t.Errorf("verify --repair: %d\n%s\n%s", code, out, errOut)
	}

	// A worker that stopped without leaving (killed) is shown dead once
	// its heartbeat expires.
	_, err = clients.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("clarity"), Item: map[string]ddb.AttributeValue{
		"PK": &ddb.AttributeValueMemberS{Value: "PROJECTOR#main"}, "SK": &ddb.AttributeValueMemberS{Value: "WORKER#ghost"},
		"_et": &ddb.AttributeValueMemberS{Value: table.TypeProjectorRun}, "owner": &ddb.AttributeValueMemberS{Value: "ghost"},
		"host": &ddb.AttributeValueMemberS{Value: "h"}, "expiry": &ddb.AttributeValueMemberN{Value: fmt.Sprint(time.Now().Add(-time.Minute).UnixMilli())},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if code, out, _ := cmd("status"); code != 0 || !strings.Contains(out, "DEAD ghost") || !strings.Contains(out, "0 live, 1 dead") {
		t.Errorf("status with a dead worker: %d\n%s", code, out)
	}
}

// TestMetricsAddrDefault: the default metrics address is loopback (a
// second projector on the host gets another port: obs.ListenMetrics).
func TestMetricsAddrDefault(t *testing.T) {
	if host, _, _ := net.SplitHostPort(defaultMetricsAddr); host != "127.0.0.1" {
		t.Errorf("default metrics address %q is not loopback", defaultMetricsAddr)
	}
}

// TestRunPollFlags: nonsensical polling bounds are refused before anything
// connects, with the reason.
func TestRunPollFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"zero interval", []string{"--poll-interval", "0"}},
		{"negative interval", []string{"--poll-interval", "-1s"}},
		{"bound below the interval", []string{"--poll-interval", "500ms", "--max-poll-interval", "200ms"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			code := run(context.Background(), append([]string{"run", "--metrics-addr", ""}, tc.args...), &out, &out, table.ClientConfig{Endpoint: "http://127.0.0.1:1", StaticCredentials: true})
			if code != 2 || !strings.Contains(out.String(), "--max-poll-interval at least as long") {
				t.Errorf("run %v: exit %d\n%s", tc.args, code, out.String())
			}
		})
	}
}
