package e2e_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/obs"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/test/testkit"
)

// Subscriptions end to end: real WebSockets to server A, which follows the
// stream; writes through server B, another app instance that shares A's
// engine over the DynamoDB wire API and runs neither a projector nor a
// stream reader — so every event A delivers came through the stream.

// subDeadline bounds each wait for a message.
const subDeadline = 10 * time.Second

const subSecret = "subscription-tests-secret-0123456789abcdef"

type subPair struct {
	a      *testkit.Server // subscriptions, projector
	writer *testkit.Server // mutations (another instance)
}

// startSubPair starts A, serves its engine, and starts B on it.
func startSubPair(t *testing.T, configure func(*app.Config)) subPair {
	t.Helper()
	if !testkit.Embedded() {
		t.Skip("the pair shares the embedded engine") // a remote endpoint is already shared
	}
	a := testkit.Start(t, testkit.Options{Configure: func(c *app.Config) {
		c.Auth = auth.Options{Secret: []byte(subSecret)}
		if configure != nil {
			configure(c)
		}
	}})
	select {
	case <-a.App.SubscriptionsReady():
	case <-time.After(subDeadline):
		t.Fatal("the subscriptions' stream reader did not start")
	}
	engine := httptest.NewServer(a.App.Engine())
	t.Cleanup(engine.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	ctx, cancel := context.WithCancel(context.Background())
	b, err := app.New(ctx, app.Config{Endpoint: engine.URL, Region: "us-east-1", Table: a.Table(), NoProjector: true,
		Subscriptions: app.SubscriptionConfig{Disabled: true}, Auth: auth.Options{Secret: []byte(subSecret)},
		Logger: obs.PrintfLogger(t.Logf, slog.LevelError)})
	if err != nil {
		cancel()
		t.Fatalf("second server: %v", err)
	}
	bs := httptest.NewServer(b.Handler())
	t.Cleanup(func() { bs.Close(); cancel(); _ = b.Close() })
	return subPair{a: a, writer: &testkit.Server{App: b, URL: bs.URL, GraphQL: testkit.NewClient(bs.URL+"/graphql", bs.Client())}}
}

// mutate runs a mutation on the writer as login and fails on errors.
func (p subPair) mutate(t *testing.T, login, q string, vars map[string]any) map[string]any {
	t.Helper()
	return domData(t, p.writer.As(t, login), q, vars)
}

// dial opens a WebSocket to A signed in as login ("" anonymous).
func (p subPair) dial(t *testing.T, login string) *testkit.WS {
	t.Helper()
	var init map[string]any
	if login != "" {
		init = map[string]any{"Authorization": "Bearer " + p.a.Token(t, login)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), subDeadline)
	defer cancel()
	ws, err := testkit.DialWS(ctx, p.a.URL, nil, init)
	if err != nil {
		t.Fatalf("dial as %q: %v", login, err)
	}
	t.Cleanup(ws.Close)
	return ws
}

func subscribe(t *testing.T, ws *testkit.WS, id, q string, vars map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), subDeadline)
	defer cancel()
	if err := ws.Subscribe(ctx, id, q, vars); err != nil {
		t.Fatal(err)
	}
}

// next returns the next message, failing the test after subDeadline.
func next(t *testing.T, ws *testkit.WS) testkit.WSMessage {
	t.Helper()
	m, err := ws.NextWithin(subDeadline)
	if err != nil {
		t.Fatalf("no message within %v: %v", subDeadline, err)
	}
	return m
}

// subCreateRepo creates a repository (work_test.go's constant of the same
// query left with the labels merge).
const subCreateRepo = `mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { name } } }`

const (
	subRepoActivity = `subscription($o: String!, $n: String!) { repositoryActivity(owner: $o, name: $n) {
		__typename aggregateId version eventType actor repository { nameWithOwner }
		... on IssueActivity { action issue { number title state } }
		... on IssueCommentActivity { action number comment { body } }
		... on StarActivity { action user { login } }
		... on ForkActivity { fork { nameWithOwner } } } }`
	subIssueChanged = `subscription($o: String!, $n: String!, $num: Int!, $after: Int) { issueChanged(owner: $o, name: $n, number: $num, after: $after) { number title state } }`
)

type activity struct {
	Typename    string `json:"__typename"`
	AggregateID string
	Version     int
	EventType   string
	Actor       string
	Action      string
	Repository  *struct{ NameWithOwner string }
	Issue       *struct {
		Number int
		Title  string
		State  string
	}
	User *struct{ Login string }
	Fork *struct{ NameWithOwner string }
}

// activityOf decodes a repositoryActivity message.
func activityOf(t *testing.T, m testkit.WSMessage) activity {
	t.Helper()
	if m.Type != "next" {
		t.Fatalf("got %s %s, want next", m.Type, m.Payload)
	}
	var d struct{ RepositoryActivity activity }
	errs, _, err := m.Data(&d)
	if err != nil || len(errs) > 0 {
		t.Fatalf("message %s: %v %v", m.Payload, err, errs)
	}
	return d.RepositoryActivity
}

func setupRepo(t *testing.T, p subPair, owner, name string, private bool) {
	t.Helper()
	p.mutate(t, owner, `mutation($l: String!) { createUser(input: {login: $l}) { user { login } } }`, map[string]any{"l": owner})
	p.mutate(t, owner, subCreateRepo, map[string]any{"in": map[string]any{"name": name, "isPrivate": private}})
	// The subscription checks the repository in the read model.
	testkit.Eventually(t, subDeadline, func() bool {
		r, err := p.a.As(t, owner).Do(context.Background(), `query($o: String!, $n: String!) { repository(owner: $o, name: $n) { name } }`, map[string]any{"o": owner, "n": name})
		return err == nil && strings.Contains(string(r.Data), name)
	}, "repository projected")
}

// TestSubscriptionDeliversWritesOfAnotherServer: an issue opened, edited
// and closed and a star added through server B reach a subscriber of A in
// order, each after its projection (a query on receipt sees it).
func TestSubscriptionDeliversWritesOfAnotherServer(t *testing.T) {
	p := startSubPair(t, nil)
	setupRepo(t, p, "octo", "live", false)
	p.mutate(t, "fan", `mutation { createUser(input: {login: "fan"}) { user { login } } }`, nil)
	ws := p.dial(t, "") // anonymous: the repository is public
	subscribe(t, ws, "1", subRepoActivity, map[string]any{"o": "octo", "n": "live"})
	time.Sleep(50 * time.Millisecond) // the subscribe message is processed asynchronously

	p.mutate(t, "octo", workOpenIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "live", "title": "first"}})
	p.mutate(t, "octo", workEditIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "live", "number": 1, "title": "renamed"}})
	p.mutate(t, "octo", workCloseIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "live", "number": 1}})
	p.mutate(t, "fan", `mutation { starRepository(input: {owner: "octo", name: "live"}) { repository { stargazerCount } } }`, nil)

	// Events of one aggregate arrive in version order; the star (another
	// aggregate) may come anywhere among the issue's.
	want := []struct {
		typ, action string
		version     int
	}{
		{"IssueActivity", "OPENED", 1}, {"IssueActivity", "EDITED", 2}, {"IssueActivity", "CLOSED", 3},
	}
	issueSeen, starSeen := 0, false
	for i := range 4 {
		a := activityOf(t, next(t, ws))
		if a.Repository == nil || a.Repository.NameWithOwner != "octo/live" {
			t.Errorf("message %d repository = %+v", i, a.Repository)
		}
		if a.Typename == "StarActivity" {
			if starSeen || a.Action != "ADDED" || a.Version != 1 || a.User == nil || a.User.Login != "fan" || a.Actor != "fan" {
				t.Fatalf("star = %+v", a)
			}
			starSeen = true
			continue
		}
		if issueSeen >= len(want) {
			t.Fatalf("an extra message %+v", a)
		}
		w := want[issueSeen]
		issueSeen++
		if a.Typename != w.typ || a.Action != w.action || a.Version != w.version {
			t.Fatalf("issue message %d = %+v, want %s %s v%d", issueSeen, a, w.typ, w.action, w.version)
		}
		if a.AggregateID != "ISSUE:octo/live/1" || a.Issue == nil || a.Issue.Number != 1 {
			t.Errorf("message %d = %+v", i, a)
		}
		// Visible on receipt: the issue as delivered is at least this
		// version's state.
		if w.action == "CLOSED" && a.Issue.State != "CLOSED" {
			t.Errorf("closed issue delivered as %+v: its projection was not visible", a.Issue)
		}
		if w.action == "EDITED" && a.Issue.Title == "first" {
			t.Errorf("edited issue delivered with its old title: its projection was not visible")
		}
	}
}

// TestSubscriptionPrivateRepository: a private repository's activity
// reaches its owner and organization members only, and a member removed
// from the organization has the subscription end with NOT_FOUND.
func TestSubscriptionPrivateRepository(t *testing.T) {
	p := startSubPair(t, nil)
	for _, l := range []string{"boss", "member", "outsider"} {
		p.mutate(t, l, `mutation($l: String!) { createUser(input: {login: $l}) { user { login } } }`, map[string]any{"l": l})
	}
	p.mutate(t, "boss", `mutation { createOrganization(input: {login: "acme"}) { organization { login } } }`, nil)
	p.mutate(t, "boss", `mutation { addMember(input: {organization: "acme", login: "member", role: MEMBER}) { organization { login } } }`, nil)
	p.mutate(t, "boss", subCreateRepo, map[string]any{"in": map[string]any{"owner": "acme", "name": "secret", "isPrivate": true}})
	testkit.Eventually(t, subDeadline, func() bool {
		r, err := p.a.As(t, "member").Do(context.Background(), `{ repository(owner: "acme", name: "secret") { name } }`, nil)
		return err == nil && strings.Contains(string(r.Data), "secret")
	}, "private repository projected and visible to the member")

	t.Run("outsiders and anonymous clients are refused", func(t *testing.T) {
		for _, login := range []string{"outsider", ""} {
			ws := p.dial(t, login)
			subscribe(t, ws, "x", subRepoActivity, map[string]any{"o": "acme", "n": "secret"})
			m := next(t, ws)
			errs := m.Errors()
			if m.Type == "next" {
				errs, _, _ = m.Data(nil)
			}
			if len(errs) == 0 || errs[0].Code() != "NOT_FOUND" {
				t.Fatalf("%q: got %s %s, want a NOT_FOUND error", login, m.Type, m.Payload)
			}
		}
	})

	t.Run("members receive, until removed", func(t *testing.T) {
		member := p.dial(t, "member")
		subscribe(t, member, "m", subRepoActivity, map[string]any{"o": "acme", "n": "secret"})
		time.Sleep(50 * time.Millisecond)
		p.mutate(t, "boss", workOpenIssue, map[string]any{"in": map[string]any{"owner": "acme", "repository": "secret", "title": "hidden"}})
		if a := activityOf(t, next(t, member)); a.Issue == nil || a.Issue.Title != "hidden" {
			t.Fatalf("member got %+v", a)
		}
		p.mutate(t, "boss", `mutation { removeMember(input: {organization: "acme", login: "member"}) { organization { login } } }`, nil)
		m := next(t, member)
		var errs []testkit.Error
		switch m.Type {
		case "error":
			errs = m.Errors()
		case "next":
			errs, _, _ = m.Data(nil)
		}
		if len(errs) == 0 || errs[0].Code() != "NOT_FOUND" {
			t.Fatalf("after removal: got %s %s, want the subscription to end with NOT_FOUND", m.Type, m.Payload)
		}
		// Nothing more arrives for it.
		p.mutate(t, "boss", workOpenIssue, map[string]any{"in": map[string]any{"owner": "acme", "repository": "secret", "title": "after"}})
		if m, err := member.NextWithin(500 * time.Millisecond); err == nil {
			t.Fatalf("after the error: got %s %s", m.Type, m.Payload)
		}
	})
}

// TestSubscriptionResumeAfter: a client that saw version 1 of an issue and
// reconnects with after: 1 gets versions 2 and 3 from the log, then live
// ones, each once, with the version in extensions.event.
func TestSubscriptionResumeAfter(t *testing.T) {
	p := startSubPair(t, nil)
	setupRepo(t, p, "octo", "resume", false)
	in := func(extra map[string]any) map[string]any {
		m := map[string]any{"owner": "octo", "repository": "resume", "number": 1}
		for k, v := range extra {
			m[k] = v
		}
		return map[string]any{"in": m}
	}
	p.mutate(t, "octo", workOpenIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "resume", "title": "v1"}})
	p.mutate(t, "octo", workEditIssue, in(map[string]any{"title": "v2"}))
	p.mutate(t, "octo", workEditIssue, in(map[string]any{"title": "v3"}))
	testkit.Eventually(t, subDeadline, func() bool {
		r, err := p.a.GraphQL.Do(context.Background(), `{ repository(owner: "octo", name: "resume") { issue(number: 1) { title } } }`, nil)
		return err == nil && strings.Contains(string(r.Data), "v3")
	}, "issue projected")

	ws := p.dial(t, "")
	subscribe(t, ws, "r", subIssueChanged, map[string]any{"o": "octo", "n": "resume", "num": 1, "after": 1})
	versions := func(n int) []int {
		var out []int
		for range n {
			m := next(t, ws)
			var d struct{ IssueChanged struct{ Title string } }
			errs, ext, err := m.Data(&d)
			if err != nil || len(errs) > 0 || m.Type != "next" {
				t.Fatalf("message %s %s", m.Type, m.Payload)
			}
			ev, _ := ext["event"].(map[string]any)
			v, _ := ev["version"].(float64)
			if ev["aggregate"] != "ISSUE:octo/resume/1" {
				t.Fatalf("extensions.event = %v", ev)
			}
			out = append(out, int(v))
		}
		return out
	}
	if got := versions(2); got[0] != 2 || got[1] != 3 {
		t.Fatalf("replayed versions %v, want [2 3]", got)
	}
	p.mutate(t, "octo", workEditIssue, in(map[string]any{"title": "v4"}))
	if got := versions(1); got[0] != 4 {
		t.Fatalf("live version %v, want [4]", got)
	}
	// (A read that times out closes a coder/websocket connection: last.)
	if m, err := ws.NextWithin(300 * time.Millisecond); err == nil {
		t.Fatalf("a duplicate or extra message: %s %s", m.Type, m.Payload)
	}

	t.Run("a negative after is refused", func(t *testing.T) {
		ws := p.dial(t, "")
		subscribe(t, ws, "bad", subIssueChanged, map[string]any{"o": "octo", "n": "resume", "num": 1, "after": -1})
		m := next(t, ws)
		errs := m.Errors()
		if m.Type == "next" {
			errs, _, _ = m.Data(nil)
		}
		if len(errs) == 0 || errs[0].Code() != "BAD_USER_INPUT" {
			t.Fatalf("after -1: %s %s", m.Type, m.Payload)
		}
	})
}

// TestSubscriptionSlowConsumer: a subscriber that does not read is dropped
// with LIMIT_EXCEEDED once its buffer is full, while another keeps
// receiving every event.
func TestSubscriptionSlowConsumer(t *testing.T) {
	p := startSubPair(t, func(c *app.Config) {
		// Room for a busy machine's hiccups on the fast client, far less
		// than the slow one's 200 events of 60 KB.
		c.Subscriptions.Hub.Buffer = 32
		c.GraphQL.WebSocket.WriteTimeout = 3 * time.Second
	})
	setupRepo(t, p, "octo", "busy", false)
	// The slow client's socket takes little before the server's writes
	// block: a 4 KiB receive buffer (no autotuning).
	small := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }); err != nil {
			return err
		}
		return serr
	}}).DialContext}}
	dctx, dcancel := context.WithTimeout(context.Background(), subDeadline)
	defer dcancel()
	slow, err := testkit.DialWSWith(dctx, small, p.a.URL, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast := p.dial(t, "")
	withBody := `subscription { repositoryActivity(owner: "octo", name: "busy") { version ... on IssueActivity { issue { body } } } }`
	subscribe(t, slow, "s", withBody, nil)
	subscribe(t, fast, "f", withBody, nil)
	time.Sleep(50 * time.Millisecond)

	// Big issue bodies fill the slow client's socket buffers, then its
	// server-side buffer.
	body := strings.Repeat("x", 60000)
	const n = 200
	got := make(chan int, 1)
	go func() {
		count := 0
		for count < n {
			m, err := fast.NextWithin(subDeadline)
			if err != nil || m.Type != "next" {
				break
			}
			count++
		}
		got <- count
	}()
	for i := range n {
		p.mutate(t, "octo", workOpenIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "busy", "title": "t", "body": body}})
		_ = i
	}
	if c := <-got; c != n {
		t.Fatalf("the fast subscriber received %d of %d events", c, n)
	}
	// The slow one now reads: some events, then the error (or, when its
	// writes timed out, a closed connection).
	sawError, slowGot := false, 0
	for {
		m, err := slow.NextWithin(subDeadline)
		if err != nil {
			t.Logf("the slow subscriber got %d events, then %v", slowGot, err)
			if websocket.CloseStatus(err) == -1 && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "closed") && !strings.Contains(err.Error(), "reset") {
				t.Fatalf("slow consumer: %v", err)
			}
			break
		}
		if m.Type == "error" {
			if errs := m.Errors(); len(errs) == 0 || errs[0].Code() != "LIMIT_EXCEEDED" || !strings.Contains(errs[0].Message, "slow consumer") {
				t.Fatalf("slow consumer error = %s", m.Payload)
			}
			sawError = true
			break
		}
		slowGot++
	}
	if slowGot >= n {
		t.Fatalf("the slow subscriber received all %d events: it was never slow", slowGot)
	}
	// Dropped by the hub (its buffer filled: the error above, when the
	// socket still took it) or by the write timeout (the socket took
	// nothing: the connection was closed).
	reg := p.a.App.Registry()
	dropped := testkit.MetricValue(t, reg, "hubstream_subscriptions_dropped_total", map[string]string{"reason": "slow_consumer"}) +
		testkit.MetricValue(t, reg, "hubstream_subscriptions_dropped_total", map[string]string{"reason": "write_timeout"})
	if dropped < 1 {
		t.Fatalf("dropped_total{slow_consumer|write_timeout} = %v (error seen: %v)", dropped, sawError)
	}
}

// TestSubscriptionConnectionAuth: bad tokens close the connection with
// 4401, conflicting identities with 4403, foreign origins are refused at
// the upgrade, and a connection's subscriptions are capped.
func TestSubscriptionConnectionAuth(t *testing.T) {
	p := startSubPair(t, func(c *app.Config) { c.GraphQL.WebSocket.MaxPerConnection = 2 })
	setupRepo(t, p, "octo", "auth", false)
	ctx, cancel := context.WithTimeout(context.Background(), subDeadline)
	defer cancel()
	cases := []struct {
		name   string
		header http.Header
		init   map[string]any
		code   websocket.StatusCode
	}{
		{"garbage token", nil, map[string]any{"Authorization": "Bearer nope"}, 4401},
		{"not a bearer", nil, map[string]any{"Authorization": "Basic abc"}, 4401},
		{"token of another secret", nil, map[string]any{"Authorization": "Bearer " + testkit.Start(t, testkit.Options{NoProjector: true}).Token(t, "octo")}, 4401},
		{"header and payload disagree", http.Header{"Authorization": {"Bearer " + p.a.Token(t, "octo")}}, map[string]any{"Authorization": "Bearer " + p.a.Token(t, "other")}, 4403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := testkit.DialWS(ctx, p.a.URL, c.header, c.init)
			if got := websocket.CloseStatus(err); got != c.code {
				t.Fatalf("close status %d (%v), want %d", got, err, c.code)
			}
		})
	}
	t.Run("foreign origin", func(t *testing.T) {
		_, err := testkit.DialWS(ctx, p.a.URL, http.Header{"Origin": {"https://evil.example"}}, nil)
		if err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("a foreign origin was accepted: %v", err)
		}
	})
	t.Run("same origin", func(t *testing.T) {
		ws, err := testkit.DialWS(ctx, p.a.URL, http.Header{"Origin": {p.a.URL}}, nil)
		if err != nil {
			t.Fatalf("same origin refused: %v", err)
		}
		ws.Close()
	})
	t.Run("per-connection cap", func(t *testing.T) {
		ws := p.dial(t, "")
		for _, id := range []string{"a", "b", "c"} {
			subscribe(t, ws, id, subRepoActivity, map[string]any{"o": "octo", "n": "auth"})
		}
		// Subscribe messages are handled concurrently: any one of the three
		// is the one over the cap of 2.
		m := next(t, ws)
		errs := m.Errors()
		if m.Type == "next" {
			errs, _, _ = m.Data(nil)
		}
		if len(errs) == 0 || errs[0].Code() != "LIMIT_EXCEEDED" || !strings.Contains(errs[0].Message, "connection") {
			t.Fatalf("over the cap: %s %s %s", m.ID, m.Type, m.Payload)
		}
	})
	t.Run("cost limits apply to subscription documents", func(t *testing.T) {
		ws := p.dial(t, "")
		costly := `subscription { repositoryActivity(owner: "octo", name: "auth") { repository {
			issues(first: 100) { nodes { comments(first: 100) { nodes { body } } } } } } }`
		subscribe(t, ws, "costly", costly, nil)
		m := next(t, ws)
		errs := m.Errors()
		if m.Type == "next" {
			errs, _, _ = m.Data(nil)
		}
		if len(errs) == 0 || errs[0].Code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Fatalf("a subscription costing 10,000 was not refused: %s %s", m.Type, m.Payload)
		}
	})
	t.Run("subscriptions over POST are refused", func(t *testing.T) {
		r, err := p.a.GraphQL.Do(ctx, `subscription { repositoryActivity(owner: "octo", name: "auth") { version } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("POST subscription answered %q: %s", r.Code(), r.Data)
		}
	})
}

// TestSubscriptionViewerActivity: viewerActivity carries the activity of
// repositories the viewer owns or stars, and nothing else; it needs a
// signed-in user.
func TestSubscriptionViewerActivity(t *testing.T) {
	p := startSubPair(t, nil)
	setupRepo(t, p, "octo", "starred", false)
	setupRepo(t, p, "other", "unrelated", false)
	setupRepo(t, p, "fan", "own", false)
	p.mutate(t, "fan", `mutation { starRepository(input: {owner: "octo", name: "starred"}) { repository { name } } }`, nil)
	testkit.Eventually(t, subDeadline, func() bool {
		r, err := p.a.As(t, "fan").Do(context.Background(), `{ repository(owner: "octo", name: "starred") { viewerHasStarred } }`, nil)
		return err == nil && strings.Contains(string(r.Data), "true")
	}, "the star projected")
	const q = `subscription { viewerActivity { __typename action repository { nameWithOwner } ... on IssueActivity { issue { title } } } }`

	t.Run("anonymous", func(t *testing.T) {
		ws := p.dial(t, "")
		subscribe(t, ws, "v", q, nil)
		m := next(t, ws)
		errs := m.Errors()
		if m.Type == "next" {
			errs, _, _ = m.Data(nil)
		}
		if len(errs) == 0 || errs[0].Code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous viewerActivity: %s %s", m.Type, m.Payload)
		}
	})
	t.Run("owned and starred only", func(t *testing.T) {
		ws := p.dial(t, "fan")
		subscribe(t, ws, "v", q, nil)
		time.Sleep(50 * time.Millisecond)
		for _, r := range []struct{ login, owner, repo, title string }{
			{"other", "other", "unrelated", "not for fan"},
			{"octo", "octo", "starred", "starred by fan"},
			{"fan", "fan", "own", "fan's own"},
		} {
			p.mutate(t, r.login, workOpenIssue, map[string]any{"in": map[string]any{"owner": r.owner, "repository": r.repo, "title": r.title}})
		}
		var got []string
		for range 2 {
			m := next(t, ws)
			var d struct {
				ViewerActivity struct {
					Repository struct{ NameWithOwner string }
					Issue      struct{ Title string }
				}
			}
			if errs, _, err := m.Data(&d); err != nil || len(errs) > 0 || m.Type != "next" {
				t.Fatalf("%s %s", m.Type, m.Payload)
			}
			got = append(got, d.ViewerActivity.Repository.NameWithOwner+": "+d.ViewerActivity.Issue.Title)
		}
		slices.Sort(got)
		if want := []string{"fan/own: fan's own", "octo/starred: starred by fan"}; !slices.Equal(got, want) {
			t.Fatalf("viewerActivity delivered %v, want %v", got, want)
		}
		if m, err := ws.NextWithin(300 * time.Millisecond); err == nil {
			t.Fatalf("an unrelated repository's activity arrived: %s", m.Payload)
		}
	})
}

// TestSubscriptionShutdownClosesSockets: when shutdown begins, WebSocket
// connections are closed (http.Server does not track hijacked ones), so
// that clients reconnect elsewhere.
func TestSubscriptionShutdownClosesSockets(t *testing.T) {
	p := startSubPair(t, nil)
	setupRepo(t, p, "octo", "bye", false)
	ws := p.dial(t, "")
	subscribe(t, ws, "1", subRepoActivity, map[string]any{"o": "octo", "n": "bye"})
	time.Sleep(50 * time.Millisecond)
	p.a.App.CloseWebSockets()
	for {
		m, err := ws.NextWithin(subDeadline)
		if err != nil {
			if strings.Contains(err.Error(), "deadline") {
				t.Fatalf("the connection stayed open: %v", err)
			}
			return
		}
		if m.Type == "next" {
			t.Fatalf("an event after shutdown: %s", m.Payload)
		}
	}
}

// TestSubscriptionOnAnEndpoint: a server on a DynamoDB endpoint (here A's
// engine over HTTP) follows the stream by polling, without a projector of
// its own: its subscribers get the events once A's projector — another
// process, for it — has projected them.
func TestSubscriptionOnAnEndpoint(t *testing.T) {
	p := startSubPair(t, nil)
	setupRepo(t, p, "octo", "polled", false)
	if p.writer.App.Clients().DB.Options().BaseEndpoint == nil {
		t.Fatal("the writer has no endpoint")
	}
	ctx, cancel := context.WithCancel(context.Background())
	c, err := app.New(ctx, app.Config{Endpoint: *p.writer.App.Clients().DB.Options().BaseEndpoint, Region: "us-east-1", Table: p.a.Table(), NoProjector: true,
		Auth: auth.Options{Secret: []byte(subSecret)}, Logger: obs.PrintfLogger(t.Logf, slog.LevelError),
		Projector: projector.RunnerOptions{PollInterval: 20 * time.Millisecond, MaxPollInterval: 100 * time.Millisecond}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- c.Run(ctx) }()
	cs := httptest.NewServer(c.Handler())
	t.Cleanup(func() {
		cs.Close()
		cancel()
		if err := <-runErr; err != nil {
			t.Errorf("Run: %v", err)
		}
		_ = c.Close()
	})
	select {
	case <-c.SubscriptionsReady():
	case <-time.After(subDeadline):
		t.Fatal("the polling reader did not start")
	}
	dctx, dcancel := context.WithTimeout(context.Background(), subDeadline)
	defer dcancel()
	ws, err := testkit.DialWS(dctx, cs.URL, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	subscribe(t, ws, "1", subRepoActivity, map[string]any{"o": "octo", "n": "polled"})
	time.Sleep(50 * time.Millisecond)
	p.mutate(t, "octo", workOpenIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "polled", "title": "polled"}})
	a := activityOf(t, next(t, ws))
	if a.Issue == nil || a.Issue.Title != "polled" || a.Action != "OPENED" {
		t.Fatalf("got %+v", a)
	}
	if n := testkit.MetricValue(t, c.Registry(), "hubstream_subscriptions_projection_wait_timeouts_total", nil); n != 0 {
		t.Fatalf("%v events were released before their projection showed", n)
	}
}

// TestSubscriptionFollowsShardLineage: after the stream's shards roll over
// (split in two), the reader follows the children: writes before and
// after the rollover all arrive, in order per aggregate.
func TestSubscriptionFollowsShardLineage(t *testing.T) {
	p := startSubPair(t, func(c *app.Config) {
		c.Engine.Streams = ddblocal.StreamOptions{Shards: 2, SplitOnRollover: true, MaxOpenShards: 16}
		c.Subscriptions.Follower.ListInterval = 100 * time.Millisecond
	})
	setupRepo(t, p, "octo", "roll", false)
	ws2 := p.dial(t, "")
	subscribe(t, ws2, "1", subRepoActivity, map[string]any{"o": "octo", "n": "roll"})
	time.Sleep(50 * time.Millisecond)
	edit := func(title string) {
		p.mutate(t, "octo", workEditIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "roll", "number": 1, "title": title}})
	}
	p.mutate(t, "octo", workOpenIssue, map[string]any{"in": map[string]any{"owner": "octo", "repository": "roll", "title": "v1"}})
	for round := range 3 {
		if err := p.a.App.Engine().RollShards(context.Background()); err != nil {
			t.Fatal(err)
		}
		edit(fmt.Sprint("after rollover ", round+1))
	}
	for want := 1; want <= 4; want++ {
		a := activityOf(t, next(t, ws2))
		if a.Version != want {
			t.Fatalf("got version %d, want %d (%+v)", a.Version, want, a)
		}
	}
}
