package browser

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hubstream/hubstream/test/testkit"
)

// Selectors of GraphiQL 4's interface.
const (
	queryEditor    = `.graphiql-query-editor .CodeMirror`
	responseEditor = `.graphiql-response .CodeMirror`
	executeButton  = `button.graphiql-execute-button`
	docsButton     = `.graphiql-sidebar button[aria-label="Show Documentation Explorer"]`
	docExplorer    = `.graphiql-doc-explorer`
	// The Headers editor: the visible one of the editor tools (variables
	// and headers) under the query editor.
	headersEditor = `.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror`
)

// editorValue is a JavaScript expression for the text of the CodeMirror
// editor matched by sel.
func editorValue(sel string) string {
	return `document.querySelector(` + jsString(sel) + `).CodeMirror.getValue()`
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// awaitJS waits (polling in the page) until the JavaScript expression
// expr is truthy. The bound keeps a page that never gets there from
// holding the test; it is not a measure of speed.
func awaitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))(ctx, t)
		return err
	})
}

// tabQueryIs is a JavaScript expression that is true once GraphiQL's
// saved state of the active tab holds query.
func tabQueryIs(query string) string {
	return `(function(){ try {
		var s = JSON.parse(window.localStorage.getItem("graphiql:tabState"));
		return s.tabs[s.activeTabIndex].query === ` + jsString(query) + `;
	} catch (e) { return false; } })()`
}

// eval evaluates the JavaScript expression expr in the page.
func eval(ctx context.Context, expr string) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](expr))
}

// awaitResponse waits until GraphiQL's result pane holds a response that
// contains want, and returns the response text.
func awaitResponse(ctx context.Context, t *testing.T, want string) string {
	t.Helper()
	err := chromedp.Do(ctx, awaitJS(`(function(){ var e = document.querySelector(`+jsString(responseEditor)+`);
			return !!e && e.CodeMirror.getValue().indexOf(`+jsString(want)+`) >= 0; })()`))
	text, _ := eval(ctx, `(function(){ var e = document.querySelector(`+jsString(responseEditor)+`); return e ? e.CodeMirror.getValue() : "<no result pane>"; })()`)
	if err != nil {
		t.Fatalf("waiting for a response containing %q: %v; the result pane shows:\n%s", want, err, text)
	}
	return text
}

// screenshot saves what the browser shows as a PNG called name, in
// $HUBSTREAM_SCREENSHOT_DIR when set (to keep it), else in the test's
// temporary directory.
func screenshot(t *testing.T, browser context.Context, name string) {
	t.Helper()
	dir := os.Getenv("HUBSTREAM_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(browser, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestPlayground is a person's first visit: open "/", run the welcome
// query, type a query and run it, sign in through the Headers editor, and
// open the documentation — with no request leaving the server's origin,
// no script error, and no bearer token left in the browser's storage.
func TestPlayground(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	octocat := srv.As(t, "octocat")
	res := octocat.MustDo(t, `mutation { createUser(input: {login: "octocat", name: "The Octocat"}) { user { login } } }`, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("createUser: %+v", res.Errors)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		r, err := srv.GraphQL.Do(context.Background(), `{ user(login: "octocat") { name } }`, nil)
		return err == nil && strings.Contains(string(r.Body), "The Octocat")
	}, "octocat in the read model")

	// A bound for the whole visit, so a page that never renders fails
	// instead of hanging; it is not a measure of speed.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	browser, watch := newBrowser(t, ctx, srv.URL)

	// The first visit is bounded on its own, so a page that never renders
	// reports what the watch saw instead of using up the whole visit.
	load, cancelLoad := context.WithTimeout(browser, time.Minute)
	defer cancelLoad()
	if err := chromedp.Do(load,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(queryEditor)),
		chromedp.WaitVisible(chromedp.CSS(executeButton)),
	); err != nil {
		watch.check(t)
		t.Fatalf("the playground did not render: %v", err)
	}

	t.Run("welcome query runs without a token", func(t *testing.T) {
		query, err := eval(browser, editorValue(queryEditor))
		if err != nil {
			t.Fatal(err)
		}
		headers, err := eval(browser, editorValue(headersEditor))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(query, "query Welcome") {
			t.Fatalf("the query editor does not open with the welcome query:\n%s", query)
		}
		if !strings.Contains(headers, "Authorization") {
			t.Errorf("the Headers editor is not open with the token hint: %q", headers)
		}
		if err := chromedp.Do(browser, chromedp.Click(chromedp.CSS(executeButton))); err != nil {
			t.Fatal(err)
		}
		out := awaitResponse(browser, t, `"ok"`)
		if strings.Contains(out, `"errors"`) || !strings.Contains(out, `"ok": true`) {
			t.Errorf("the welcome query failed:\n%s", out)
		}
		screenshot(t, browser, "playground-welcome.png")
	})

	t.Run("typed query", func(t *testing.T) {
		typed := `{ user(login: "octocat") { login name } }`
		if err := chromedp.Do(browser,
			chromedp.Click(chromedp.CSS(queryEditor)),
			chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
			chromedp.KeyEvent(kb.Backspace),
			chromedp.KeyEvent(typed),
		); err != nil {
			t.Fatal(err)
		}
		got, err := eval(browser, editorValue(queryEditor))
		if err != nil {
			t.Fatal(err)
		}
		if got != typed {
			t.Fatalf("the editor holds %q after typing %q", got, typed)
		}
		// GraphiQL takes an edit in (parses it, picks the operation to
		// run) after a short debounce, and a click before that runs the
		// previous operation; a person takes longer than that to reach
		// for the mouse. The tab state it saves is the signal it is done.
		if err := chromedp.Do(browser, awaitJS(tabQueryIs(typed))); err != nil {
			t.Fatalf("GraphiQL did not take in the typed query: %v", err)
		}
		if err := chromedp.Do(browser, chromedp.Click(chromedp.CSS(executeButton))); err != nil {
			t.Fatal(err)
		}
		out := awaitResponse(browser, t, "The Octocat")
		if strings.Contains(out, `"errors"`) {
			t.Errorf("the typed query failed:\n%s", out)
		}
	})

	token := srv.Token(t, "octocat")
	t.Run("signed in through the Headers editor", func(t *testing.T) {
		headers := `{"Authorization": "Bearer ` + token + `"}`
		me := "query Me { viewer { login name } }"
		if err := chromedp.Do(browser,
			chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(headersEditor)+`).CodeMirror.setValue(`+jsString(headers)+`)`),
			chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(queryEditor)+`).CodeMirror.setValue(`+jsString(me)+`)`),
			awaitJS(tabQueryIs(me)),
			chromedp.Click(chromedp.CSS(executeButton)),
		); err != nil {
			t.Fatal(err)
		}
		out := awaitResponse(browser, t, `"viewer"`)
		if !strings.Contains(out, `"login": "octocat"`) {
			t.Errorf("viewer with the pasted token:\n%s", out)
		}
	})

	t.Run("no token in browser storage", func(t *testing.T) {
		// The history saves a run once its response is in; wait for it, so
		// that the check below looks at storage that holds the run.
		storage := `JSON.stringify(Object.assign({}, window.localStorage))`
		if err := chromedp.Do(browser, awaitJS(storage+`.indexOf("query Me") >= 0`)); err != nil {
			stored, _ := eval(browser, storage)
			t.Fatalf("the history did not keep the last query, so this check would prove nothing: %v; storage:\n%s", err, stored)
		}
		stored, err := eval(browser, storage)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, token) || strings.Contains(stored, "Bearer ey") {
			t.Errorf("a bearer token was saved in localStorage:\n%s", stored)
		}
	})

	t.Run("documentation explorer", func(t *testing.T) {
		if err := chromedp.Do(browser,
			chromedp.Click(chromedp.CSS(docsButton)),
			chromedp.WaitVisible(chromedp.CSS(docExplorer)),
			awaitJS(`document.querySelector(`+jsString(docExplorer)+`).innerText.indexOf("Root Types") >= 0`),
		); err != nil {
			t.Fatal(err)
		}
		root, err := eval(browser, `document.querySelector(`+jsString(docExplorer)+`).innerText`)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(root, "hubstream: accounts, organizations") {
			t.Errorf("the documentation explorer does not open on the schema's description:\n%s", root)
		}
		// The first root type listed is the query type; its page shows
		// its description and fields.
		if err := chromedp.Do(browser,
			chromedp.Click(chromedp.CSS(docExplorer+` .graphiql-doc-explorer-section-content a.graphiql-doc-explorer-type-name`)),
			awaitJS(`document.querySelector(`+jsString(docExplorer)+`).innerText.indexOf("Fields") >= 0`),
		); err != nil {
			t.Fatal(err)
		}
		text, err := eval(browser, `document.querySelector(`+jsString(docExplorer)+`).innerText`)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "The root of every read") {
			t.Errorf("the documentation explorer does not show the schema's description of Query:\n%s", text)
		}
	})

	screenshot(t, browser, "playground.png")
	if s := watch.socketsOpened(); len(s) != 0 {
		t.Errorf("queries and mutations opened WebSockets %+v; only subscriptions should", s)
	}
	watch.check(t)
}

// TestPlaygroundSubscriptionsUseWebSocket runs a subscription in the
// playground: it goes to the GraphQL path on the page's own origin over
// WebSocket, with the graphql-transport-ws subprotocol, and an issue
// opened over HTTP meanwhile shows up in the result pane.
func TestPlaygroundSubscriptionsUseWebSocket(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	octocat := srv.As(t, "octocat")
	for _, q := range []string{
		`mutation { createUser(input: {login: "octocat"}) { user { login } } }`,
		`mutation { createRepository(input: {name: "hello"}) { repository { name } } }`,
	} {
		if res := octocat.MustDo(t, q, nil); len(res.Errors) > 0 {
			t.Fatalf("%s: %+v", q, res.Errors)
		}
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		r, err := srv.GraphQL.Do(context.Background(), `{ repository(owner: "octocat", name: "hello") { name } }`, nil)
		return err == nil && strings.Contains(string(r.Body), "hello")
	}, "the repository in the read model")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	browser, watch := newBrowser(t, ctx, srv.URL)
	sub := `subscription Activity { repositoryActivity(owner: "octocat", name: "hello") { action version ... on IssueActivity { issue { title } } } }`
	if err := chromedp.Do(browser,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(queryEditor)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(queryEditor)+`).CodeMirror.setValue(`+jsString(sub)+`)`),
		awaitJS(tabQueryIs(sub)),
		chromedp.Click(chromedp.CSS(executeButton)),
	); err != nil {
		t.Fatal(err)
	}
	want := "ws" + strings.TrimPrefix(srv.URL, "http") + "/graphql"
	// graphql-ws retries a refused socket, so there may be several; every
	// one must go to the endpoint, and their handshakes must ask for the
	// protocol.
	testkit.Eventually(t, 30*time.Second, func() bool {
		for _, s := range watch.socketsOpened() {
			if s.protocols != "" {
				return true
			}
		}
		return false
	}, "a WebSocket handshake for the subscription")
	toEndpoint := 0
	for _, s := range watch.socketsOpened() {
		if s.url == want {
			toEndpoint++
		} else if s.url != "" {
			t.Errorf("a WebSocket went to %s, want %s", s.url, want)
		}
		if s.protocols != "" && !strings.Contains(s.protocols, "graphql-transport-ws") {
			t.Errorf("a WebSocket asked for subprotocols %q, want graphql-transport-ws", s.protocols)
		}
	}
	if toEndpoint == 0 {
		t.Errorf("no WebSocket went to %s: %+v", want, watch.socketsOpened())
	}
	testkit.Eventually(t, 30*time.Second, func() bool {
		return testkit.MetricValue(t, srv.App.Registry(), "hubstream_subscriptions_active", nil) >= 1
	}, "the playground's subscription registered")
	if res := octocat.MustDo(t, `mutation { openIssue(input: {owner: "octocat", repository: "hello", title: "seen in the playground"}) { issue { number } } }`, nil); len(res.Errors) > 0 {
		t.Fatalf("openIssue: %+v", res.Errors)
	}
	text := awaitResponse(browser, t, "seen in the playground")
	if !strings.Contains(text, "OPENED") {
		t.Errorf("the result pane shows %s, want the OPENED activity", text)
	}
	screenshot(t, browser, "playground-subscription")
	watch.checkOrigins(t)
}
