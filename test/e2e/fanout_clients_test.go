package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hubstream/hubstream/test/testkit"
)

// The subscription benchmark's clients run in a child process (this test
// binary again, told so by fanoutURLEnv), so that the server process's
// CPU time is the server's alone and the clients' JSON handling does not
// compete inside one Go runtime with what is measured. The clients are
// lean: each reads its frames and finds the payload's "at" without
// decoding the message.

const (
	fanoutURLEnv   = "HUBSTREAM_FANOUT_URL"
	fanoutSubsEnv  = "HUBSTREAM_FANOUT_SUBSCRIBERS"
	fanoutQueryEnv = "HUBSTREAM_FANOUT_QUERY"
)

// fanoutClients is the parent's handle on a client process.
type fanoutClients struct {
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	out      *bufio.Scanner
	received atomic.Int64
	done     chan fanoutResult
}

// fanoutResult is what the client process reports when told to stop.
type fanoutResult struct {
	lags []time.Duration
	cpu  time.Duration // the client process's CPU time
	err  error
}

// startFanoutClients starts a client process with subs WebSocket clients
// subscribed to query at url, and returns once all are subscribed.
func startFanoutClients(tb testing.TB, url string, subs int, query string) *fanoutClients {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFanoutClients$")
	cmd.Env = append(os.Environ(), fanoutURLEnv+"="+url, fanoutSubsEnv+"="+strconv.Itoa(subs), fanoutQueryEnv+"="+query)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	c := &fanoutClients{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout), done: make(chan fanoutResult, 1)}
	c.out.Buffer(make([]byte, 1<<20), 1<<20)
	tb.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	// "ready", then "received <n>" lines, then on stdin's close "lag <µs>"
	// lines, "cpu <µs>" and "end".
	ready := make(chan error, 1)
	go func() {
		var res fanoutResult
		for c.out.Scan() {
			f := strings.Fields(c.out.Text())
			if len(f) == 0 {
				continue
			}
			switch f[0] {
			case "ready":
				ready <- nil
			case "error":
				res.err = fmt.Errorf("client process: %s", strings.Join(f[1:], " "))
				ready <- res.err
			case "received":
				n, _ := strconv.ParseInt(f[1], 10, 64)
				c.received.Store(n)
			case "lag":
				n, _ := strconv.ParseInt(f[1], 10, 64)
				res.lags = append(res.lags, time.Duration(n)*time.Microsecond)
			case "cpu":
				n, _ := strconv.ParseInt(f[1], 10, 64)
				res.cpu = time.Duration(n) * time.Microsecond
			case "end":
				c.done <- res
				return
			}
		}
		if res.err == nil {
			res.err = fmt.Errorf("client process ended early: %v", c.out.Err())
		}
		ready <- res.err
		c.done <- res
	}()
	select {
	case err := <-ready:
		if err != nil {
			tb.Fatal(err)
		}
	case <-time.After(5 * time.Minute):
		tb.Fatal("client process not ready")
	}
	return c
}

// stop ends the clients and returns their lags and CPU time.
func (c *fanoutClients) stop(tb testing.TB) fanoutResult {
	tb.Helper()
	_ = c.stdin.Close()
	select {
	case res := <-c.done:
		if res.err != nil {
			tb.Fatal(res.err)
		}
		return res
	case <-time.After(time.Minute):
		tb.Fatal("client process did not report")
	}
	return fanoutResult{}
}

// TestFanoutClients is the client process when started by
// startFanoutClients; otherwise it checks the lean clients against a real
// server: every client receives each event once, with a lag measured from
// the event's commit.
func TestFanoutClients(t *testing.T) {
	if url := os.Getenv(fanoutURLEnv); url != "" {
		subs, _ := strconv.Atoi(os.Getenv(fanoutSubsEnv))
		runFanoutClients(url, subs, os.Getenv(fanoutQueryEnv), os.Stdin, os.Stdout)
		return
	}
	srv := testkit.Start(t, testkit.Options{})
	<-srv.App.SubscriptionsReady()
	owner := srv.As(t, "fanc")
	domData(t, owner, `mutation { createUser(input: {login: "fanc"}) { user { login } } }`, nil)
	domData(t, owner, `mutation { createRepository(input: {name: "r"}) { repository { name } } }`, nil)
	for _, tc := range []struct {
		name string
		subs int
	}{{"one client", 1}, {"three clients", 3}} {
		t.Run(tc.name, func(t *testing.T) {
			c := startFanoutClients(t, srv.URL, tc.subs, `subscription { repositoryActivity(owner: "fanc", name: "r") { version at } }`)
			testkit.Eventually(t, 30*time.Second, func() bool {
				return testkit.MetricValue(t, srv.App.Registry(), "hubstream_subscriptions_active", nil) == float64(tc.subs)
			}, "the clients subscribed")
			start := time.Now()
			domData(t, owner, workOpenIssue, map[string]any{"in": map[string]any{"owner": "fanc", "repository": "r", "title": tc.name}})
			testkit.Eventually(t, 30*time.Second, func() bool { return c.received.Load() >= int64(tc.subs) }, "every client received the event")
			res := c.stop(t)
			if len(res.lags) != tc.subs {
				t.Fatalf("lags: got %d, want %d", len(res.lags), tc.subs)
			}
			for _, l := range res.lags {
				if l <= 0 || l > time.Since(start) {
					t.Errorf("lag %v outside (0, %v]", l, time.Since(start))
				}
			}
			if res.cpu <= 0 {
				t.Errorf("client CPU time %v, want > 0", res.cpu)
			}
		})
	}
}

// runFanoutClients dials subs clients to url, subscribes each to query and
// reports as startFanoutClients reads it, until in is closed.
func runFanoutClients(url string, subs int, query string, in io.Reader, out io.Writer) {
	w := bufio.NewWriter(out)
	var wmu sync.Mutex
	say := func(format string, args ...any) {
		wmu.Lock()
		defer wmu.Unlock()
		fmt.Fprintf(w, format+"\n", args...)
		_ = w.Flush()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conns := make([]*testkit.WS, subs)
	for i := range conns {
		ws, err := testkit.DialWS(ctx, url, nil, nil)
		if err == nil {
			err = ws.Subscribe(ctx, "1", query, nil)
		}
		if err != nil {
			say("error client %d: %v", i, err)
			return
		}
		conns[i] = ws
	}
	// One slice per client, no lock on the hot path.
	lags := make([][]int64, subs)
	var received atomic.Int64
	var wg sync.WaitGroup
	for i, ws := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, b, err := ws.Conn.Read(ctx)
				if err != nil {
					return
				}
				now := time.Now()
				if bytes.Contains(b, []byte(`"type":"ping"`)) {
					_ = ws.Conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
					continue
				}
				at, ok := payloadAt(b)
				if !ok {
					continue
				}
				lags[i] = append(lags[i], now.Sub(at).Microseconds())
				received.Add(1)
			}
		}()
	}
	say("ready")
	stop := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, in)
		close(stop)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
loop:
	for {
		select {
		case <-stop:
			break loop
		case <-tick.C:
			say("received %d", received.Load())
		}
	}
	cpu := cpuTime()
	cancel()
	for _, ws := range conns {
		ws.Conn.CloseNow()
	}
	wg.Wait()
	wmu.Lock()
	for _, l := range lags {
		for _, v := range l {
			fmt.Fprintf(w, "lag %d\n", v)
		}
	}
	fmt.Fprintf(w, "cpu %d\nend\n", cpu.Microseconds())
	_ = w.Flush()
	wmu.Unlock()
}

// payloadAt finds the first "at" of a next message's payload without
// decoding it.
func payloadAt(b []byte) (time.Time, bool) {
	if !bytes.Contains(b, []byte(`"type":"next"`)) {
		return time.Time{}, false
	}
	i := bytes.Index(b, []byte(`"at":"`))
	if i < 0 {
		return time.Time{}, false
	}
	rest := b[i+len(`"at":"`):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, string(rest[:j]))
	return at, err == nil
}
