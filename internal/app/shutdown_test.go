package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/obs"
)

// fakeClock hands the test every wait Serve starts, to fire when it
// chooses: the test then knows exactly where the shutdown is.
type fakeClock struct{ waits chan clockWait }

type clockWait struct {
	d    time.Duration
	fire chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{waits: make(chan clockWait, 4)} }

func (c *fakeClock) after(d time.Duration) <-chan time.Time {
	w := clockWait{d: d, fire: make(chan time.Time, 1)}
	c.waits <- w
	return w.fire
}

// next returns the next wait Serve started.
func (c *fakeClock) next(t *testing.T) clockWait {
	t.Helper()
	select {
	case w := <-c.waits:
		return w
	case <-time.After(time.Minute):
		t.Fatal("Serve started no wait within a minute")
		return clockWait{}
	}
}

// signalLog is a JSON log destination that also hands every record's
// message to the test as it is written.
type signalLog struct {
	syncBuffer
	msgs chan string
}

func (l *signalLog) Write(p []byte) (int, error) {
	var m struct{ Msg string }
	if json.Unmarshal(p, &m) == nil {
		select {
		case l.msgs <- m.Msg:
		default: // the test reads only what it waits for
		}
	}
	return l.syncBuffer.Write(p)
}

// waitFor waits for a log record with msg.
func (l *signalLog) waitFor(t *testing.T, msg string) {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		select {
		case m := <-l.msgs:
			if m == msg {
				return
			}
		case <-deadline:
			t.Fatalf("no log record %q within a minute", msg)
		}
	}
}

// served is a running Serve of a fresh app.
type served struct {
	app   *App
	url   string
	clock *fakeClock
	log   *signalLog
	stop  context.CancelFunc
	done  chan struct{} // closed when Serve returned err
	err   error
	token string
}

// result waits for Serve to return and returns its error.
func (s *served) result() error {
	<-s.done
	return s.err
}

func serveApp(t *testing.T, opts ServeOptions) *served {
	t.Helper()
	log := &signalLog{msgs: make(chan string, 1024)}
	a, err := New(context.Background(), Config{MemoryOnly: true, Logger: obs.NewLogger(log, obs.LogOptions{Format: obs.FormatJSON})})
	if err != nil {
		t.Fatal(err)
	}
	s := &served{app: a, clock: newFakeClock(), log: log, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	listening := make(chan net.Addr, 1)
	opts.Addr, opts.After = "127.0.0.1:0", s.clock.after
	opts.OnListen = func(addr net.Addr) { listening <- addr }
	go func() {
		defer close(s.done)
		s.err = a.Serve(ctx, opts)
	}()
	select {
	case addr := <-listening:
		s.url = "http://" + addr.String()
	case <-s.done:
		t.Fatalf("Serve: %v", s.err)
	}
	t.Cleanup(func() {
		cancel()
		for {
			select {
			case w := <-s.clock.waits:
				w.fire <- time.Now()
				continue
			case <-s.done:
			}
			return
		}
	})
	if s.token, err = a.DevToken("ada"); err != nil {
		t.Fatal(err)
	}
	if res := post(t, s.url, s.token, `mutation { createUser(input: {login: "ada"}) { user { login } } }`, nil); res.code() != "" {
		t.Fatalf("createUser: %v", res.Errors)
	}
	return s
}

// heldRequest is a mutation whose body the test holds back: the server
// is running its handler (it asked for the body with 100 Continue) until
// the test releases it.
type heldRequest struct {
	started chan struct{}
	body    *io.PipeWriter
	result  chan heldResult
	bio     string
}

type heldResult struct {
	status int
	body   string
	err    error
}

func holdRequest(t *testing.T, url, token, bio string) *heldRequest {
	t.Helper()
	pr, pw := io.Pipe()
	h := &heldRequest{started: make(chan struct{}), body: pw, result: make(chan heldResult, 1), bio: bio}
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Expect", "100-continue")
	var once sync.Once
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		Got100Continue: func() { once.Do(func() { close(h.started) }) },
	}))
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute, DisableKeepAlives: true}}
	go func() {
		res, err := client.Do(req)
		if err != nil {
			h.result <- heldResult{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		h.result <- heldResult{status: res.StatusCode, body: string(b), err: err}
	}()
	select {
	case <-h.started:
	case r := <-h.result:
		t.Fatalf("held request ended before the server read its body: %+v", r)
	case <-time.After(time.Minute):
		t.Fatal("the server did not start the held request within a minute")
	}
	return h
}

// release sends the rest of the held request.
func (h *heldRequest) release() {
	q, _ := json.Marshal(map[string]any{"query": fmt.Sprintf(`mutation { updateProfile(input: {login: "ada", bio: %q}) { user { bio } } }`, h.bio)})
	go func() {
		_, _ = h.body.Write(q)
		_ = h.body.Close()
	}()
}

// TestGracefulShutdown is SIGTERM under load: requests held in flight and
// clients sending continuously over keep-alive connections when the
// server's context is cancelled (as cmd/server's signal handler does).
// Readiness goes false first while the listener still serves (responses
// then close their connections, so clients stop reusing them); then the
// listener closes while the held requests are still running; then every
// one of them completes. No request of any client fails.
func TestGracefulShutdown(t *testing.T) {
	s := serveApp(t, ServeOptions{ShutdownDelay: 5 * time.Second, ShutdownTimeout: 30 * time.Second})

	var held []*heldRequest
	for i := range 4 {
		held = append(held, holdRequest(t, s.url, s.token, fmt.Sprint("held ", i)))
	}

	// Clients under load, each on keep-alive connections, each going on
	// until a response tells it the connection closes (a load balancer
	// stops on the readiness probe; a client on the closed connection).
	type outcome struct {
		ok, closed int
		errs       []error
	}
	const workers = 8
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	results := make(chan outcome, workers)
	var warm sync.WaitGroup
	warm.Add(workers)
	query := `{"query":"{ user(login: \"ada\") { login } }"}`
	for range workers {
		go func() {
			var o outcome
			first := true
			defer func() { results <- o }()
			for {
				res, err := client.Post(s.url+"/graphql", "application/json", strings.NewReader(query))
				if err != nil {
					o.errs = append(o.errs, err)
					if first {
						warm.Done()
					}
					return
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				// A whole answer (the read model may not show ada yet).
				if err != nil || res.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), `{"data":{"user":`) {
					o.errs = append(o.errs, fmt.Errorf("status %d, body %q, read error %v", res.StatusCode, b, err))
				} else {
					o.ok++
				}
				if first {
					first = false
					warm.Done()
				}
				if res.Close {
					o.closed++
					return
				}
			}
		}()
	}
	warm.Wait()

	s.stop() // SIGTERM
	delay := s.clock.next(t)
	if delay.d != 5*time.Second {
		t.Fatalf("first wait %v, want the shutdown delay", delay.d)
	}
	probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := probe.Get(s.url + "/readyz")
	if err != nil {
		t.Fatalf("readiness probe during the shutdown delay: %v (the listener must still serve)", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz during shutdown: %d, want 503", res.StatusCode)
	}
	total := 0
	for range workers {
		var o outcome
		select {
		case o = <-results:
		case <-time.After(time.Minute):
			t.Fatal("clients were not told to close their connections within a minute of the shutdown")
		}
		total += o.ok
		for _, err := range o.errs {
			t.Errorf("a client's request failed during shutdown: %v", err)
		}
		if o.closed != 1 {
			t.Errorf("a client saw no Connection: close during the shutdown delay")
		}
	}

	delay.fire <- time.Now()
	timeout := s.clock.next(t)
	if timeout.d != 30*time.Second {
		t.Fatalf("second wait %v, want the shutdown timeout", timeout.d)
	}
	s.log.waitFor(t, "listener closed; waiting for the requests in flight")
	if c, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://")); err == nil {
		c.Close()
		t.Error("the listener still accepts connections after the shutdown delay")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dialing the closed listener: %v, want connection refused", err)
	}
	select {
	case <-s.done:
		t.Fatalf("Serve returned (%v) with requests in flight", s.err)
	default:
	}
	for _, h := range held {
		h.release()
	}
	for _, h := range held {
		r := <-h.result
		if r.err != nil || r.status != http.StatusOK || !strings.Contains(r.body, fmt.Sprintf(`"bio":%q`, h.bio)) {
			t.Errorf("held request %q: status %d, body %s, error %v", h.bio, r.status, r.body, r.err)
		}
	}
	if err := s.result(); err != nil {
		t.Errorf("Serve: %v", err)
	}
	t.Logf("%d requests of %d clients and %d held requests completed during shutdown", total, workers, len(held))
	if !strings.Contains(s.log.String(), `"msg":"stopped"`) {
		t.Error("no log line at the end of shutdown")
	}
}

// TestShutdownTimeout: requests still running when the shutdown timeout
// expires are cut, and Serve says how many.
func TestShutdownTimeout(t *testing.T) {
	s := serveApp(t, ServeOptions{ShutdownTimeout: 3 * time.Second})
	h := holdRequest(t, s.url, s.token, "never sent")
	s.stop()
	timeout := s.clock.next(t)
	if timeout.d != 3*time.Second {
		t.Fatalf("wait %v, want the shutdown timeout (no delay)", timeout.d)
	}
	timeout.fire <- time.Now()
	err := s.result()
	if err == nil || !strings.Contains(err.Error(), "1 requests still in flight") {
		t.Errorf("Serve: %v, want the count of cut requests", err)
	}
	// The client's transport waits for its body writer: end the body.
	_ = h.body.CloseWithError(errors.New("test over"))
	if r := <-h.result; r.err == nil && r.status == http.StatusOK {
		t.Errorf("the cut request completed: %+v", r)
	}
}
