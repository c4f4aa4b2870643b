package browser

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath returns the Chromium binary: $HUBSTREAM_CHROMIUM, else the
// first of Debian's and other distributions' names on PATH. Without one
// the test skips — except in CI (CI set), where .ci/run installs Chromium
// and its absence is a failure.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("HUBSTREAM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed; .ci/run installs it (apt-get install chromium) so that CI never skips the browser tests")
	}
	t.Skip("Chromium is not installed (apt-get install chromium, or set HUBSTREAM_CHROMIUM); the browser tests need it")
	return ""
}

// watch records, from the browser's own events, everything the page did
// that a person would not want: requests to another origin, failed or
// erroneous responses, script exceptions, console errors and browser log
// errors (a Content-Security-Policy refusal is one).
type watch struct {
	origin *url.URL

	mu       sync.Mutex
	foreign  []string
	failures []string
	requests int
	// sockets maps each WebSocket the page opened to its URL and the
	// subprotocols its handshake asked for.
	sockets map[network.RequestID]*socket
}

// socket is one WebSocket the page opened.
type socket struct {
	url, protocols string
}

// socketsOpened returns the WebSockets the page opened so far.
func (w *watch) socketsOpened() []socket {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]socket, 0, len(w.sockets))
	for _, s := range w.sockets {
		out = append(out, *s)
	}
	return out
}

func (w *watch) socket(id network.RequestID) *socket {
	if w.sockets == nil {
		w.sockets = map[network.RequestID]*socket{}
	}
	if w.sockets[id] == nil {
		w.sockets[id] = &socket{}
	}
	return w.sockets[id]
}

func (w *watch) add(list *[]string, format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	*list = append(*list, fmt.Sprintf(format, args...))
}

// sameOrigin reports whether raw is served by the page's origin: the
// same host and port over HTTP or, for subscriptions, WebSocket; data:
// and blob: URLs are made inside the page and go nowhere.
func (w *watch) sameOrigin(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "data", "blob", "about":
		return true
	case "http", "ws":
		return w.origin.Scheme == "http" && u.Host == w.origin.Host
	case "https", "wss":
		return w.origin.Scheme == "https" && u.Host == w.origin.Host
	}
	return false
}

// listen is the chromedp event listener; it must not block.
func (w *watch) listen(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		w.mu.Lock()
		w.requests++
		w.mu.Unlock()
		if !w.sameOrigin(ev.Request.URL) {
			w.add(&w.foreign, "%s %s", ev.Request.Method, ev.Request.URL)
		}
	case *network.EventWebSocketCreated:
		if !w.sameOrigin(ev.URL) {
			w.add(&w.foreign, "WebSocket %s", ev.URL)
		}
		w.mu.Lock()
		w.socket(ev.RequestID).url = ev.URL
		w.mu.Unlock()
	case *network.EventWebSocketWillSendHandshakeRequest:
		w.mu.Lock()
		for name, v := range ev.Request.Headers {
			if strings.EqualFold(name, "Sec-WebSocket-Protocol") {
				w.socket(ev.RequestID).protocols = fmt.Sprint(v)
			}
		}
		w.mu.Unlock()
	case *network.EventResponseReceived:
		if ev.Response.Status >= 400 {
			w.add(&w.failures, "HTTP %d for %s", ev.Response.Status, ev.Response.URL)
		}
	case *network.EventLoadingFailed:
		if !ev.Canceled {
			w.add(&w.failures, "loading failed (%s): request %s", ev.ErrorText, ev.RequestID)
		}
	case *runtime.EventExceptionThrown:
		w.add(&w.failures, "uncaught exception: %s", exceptionText(ev.ExceptionDetails))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			w.add(&w.failures, "console.%s: %s", ev.Type, consoleText(ev.Args))
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			w.add(&w.failures, "browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

func consoleText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		if a.Description != "" {
			parts = append(parts, a.Description)
		} else {
			parts = append(parts, string(a.Value))
		}
	}
	return strings.Join(parts, " ")
}

// check fails t with everything the watch recorded.
func (w *watch) check(t *testing.T) {
	t.Helper()
	w.checkOrigins(t)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range w.failures {
		t.Errorf("the page reported a problem: %s", f)
	}
}

// checkOrigins fails t with every request to another origin.
func (w *watch) checkOrigins(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.requests == 0 {
		t.Error("the browser reported no requests at all: the network watch is not working")
	}
	for _, r := range w.foreign {
		t.Errorf("the page made a request to another origin: %s", r)
	}
}

// newBrowser starts headless Chromium for a page served at origin, with
// the flags that keep it from reaching the network on its own (no
// background, component, sync or QUIC traffic) and a fresh profile, and
// returns a browser context and its watch. Cleanup stops Chromium.
func newBrowser(t *testing.T, parent context.Context, origin string) (context.Context, *watch) {
	t.Helper()
	o, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.WindowSize(1400, 900),
	}
	w := &watch{origin: o}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	// WithListener sees every event of the tab from its first command on.
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf), chromedp.WithListener(w.listen))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	enable := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, cdplog.Enable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, runtime.Enable, cdp.Empty{})
		return err
	})
	if err := chromedp.Do(ctx, enable); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx, w
}
