package playground

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/third_party/graphiql"
)

// get requests path from h with the given headers and returns the
// response with its whole body.
func get(t *testing.T, h http.Handler, method, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// refs returns the src and href attribute values of page.
func refs(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// embedded returns the bytes the playground should serve for an asset
// name: the vendored file or the page's own.
func embedded(t *testing.T, name string) []byte {
	t.Helper()
	if b, err := fs.ReadFile(graphiql.FS, name); err == nil {
		return b
	}
	b, err := fs.ReadFile(static, "static/"+name)
	if err != nil {
		t.Fatalf("no embedded file for %s", name)
	}
	return b
}

func TestPageLoadsOnlyItsOwnAssets(t *testing.T) {
	h := Handler(Options{})
	res, body := get(t, h, http.MethodGet, "/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(strings.SplitN(strings.SplitN(csp, "script-src", 2)[1], ";", 2)[0], "unsafe-inline") {
		t.Errorf("Content-Security-Policy %q allows inline or evaluated script", csp)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("page Cache-Control %q, want no-cache (a new build's assets must be picked up)", cc)
	}
	page := string(body)
	if !strings.Contains(page, `data-endpoint="/graphql"`) {
		t.Errorf("page does not name the endpoint /graphql:\n%s", page)
	}
	if strings.Contains(page, "<script>") {
		t.Error("page has an inline script, which its CSP refuses")
	}

	links := refs(page)
	if len(links) != 7 {
		t.Fatalf("page references %d files, want 7 (icon, 2 styles, 4 scripts): %v", len(links), links)
	}
	for _, link := range links {
		t.Run(link, func(t *testing.T) {
			if !strings.HasPrefix(link, AssetPrefix) {
				t.Fatalf("%s is not one of the playground's own assets", link)
			}
			res, body := get(t, h, http.MethodGet, link, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", link, res.StatusCode)
			}
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("Cache-Control %q, want immutable for a versioned asset", cc)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}
			name := strings.SplitN(strings.TrimPrefix(link, AssetPrefix), "/", 2)[1]
			if string(body) != string(embedded(t, name)) {
				t.Errorf("GET %s served %d bytes that differ from the embedded file", link, len(body))
			}
		})
	}
}

func TestNoReferenceToAnotherOrigin(t *testing.T) {
	// The page's own files; the vendored ones are checked in a browser
	// (test/browser), since their text names URLs they never load.
	external := regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	for _, name := range []string{"static/page.html", "static/playground.js", "static/playground.css"} {
		b, err := fs.ReadFile(static, name)
		if err != nil {
			t.Fatal(err)
		}
		if m := external.Find(b); m != nil {
			t.Errorf("%s names another origin: %s", name, m)
		}
	}
}

func TestRoutes(t *testing.T) {
	h := Handler(Options{})
	_, page := get(t, h, http.MethodGet, "/", nil)
	script := ""
	for _, link := range refs(string(page)) {
		if strings.HasSuffix(link, "/graphiql/graphiql.min.js") {
			script = link
		}
	}
	if script == "" {
		t.Fatal("page does not load graphiql.min.js")
	}
	version := strings.SplitN(strings.TrimPrefix(script, AssetPrefix), "/", 2)[0]
	tests := []struct {
		name, method, path string
		header             map[string]string
		wantStatus         int
		wantType           string
		wantEncoding       string
	}{
		{name: "favicon", method: "GET", path: "/favicon.ico", wantStatus: 200, wantType: "image/svg+xml"},
		{name: "license", method: "GET", path: AssetPrefix + version + "/graphiql/LICENSE", wantStatus: 200, wantType: "text/plain; charset=utf-8"},
		{name: "HEAD page", method: "HEAD", path: "/", wantStatus: 200, wantType: "text/html; charset=utf-8"},
		{name: "gzip", method: "GET", path: script, header: map[string]string{"Accept-Encoding": "gzip"}, wantStatus: 200, wantType: "text/javascript; charset=utf-8", wantEncoding: "gzip"},
		{name: "outdated version", method: "GET", path: AssetPrefix + "000000000000/playground.js", wantStatus: 404},
		{name: "unknown asset", method: "GET", path: AssetPrefix + version + "/nope.js", wantStatus: 404},
		{name: "template is not an asset", method: "GET", path: AssetPrefix + version + "/page.html", wantStatus: 404},
		{name: "traversal", method: "GET", path: AssetPrefix + version + "/graphiql%2F..%2F..%2Fassets.go", wantStatus: 404},
		{name: "unknown page", method: "GET", path: "/no-such-page", wantStatus: 404},
		{name: "POST page", method: "POST", path: "/", wantStatus: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, h, tt.method, tt.path, tt.header)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s: %d, want %d", tt.method, tt.path, res.StatusCode, tt.wantStatus)
			}
			if tt.wantType != "" && res.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tt.wantType)
			}
			if tt.method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD answered with a %d-byte body", len(body))
			}
			if tt.wantStatus == 405 && !strings.Contains(res.Header.Get("Allow"), "GET") {
				t.Errorf("405 without Allow: GET (Allow %q)", res.Header.Get("Allow"))
			}
			if got := res.Header.Get("Content-Encoding"); got != tt.wantEncoding {
				t.Fatalf("Content-Encoding %q, want %q", got, tt.wantEncoding)
			}
			if tt.wantEncoding == "gzip" {
				zr, err := gzip.NewReader(strings.NewReader(string(body)))
				if err != nil {
					t.Fatal(err)
				}
				plain, err := io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
				if string(plain) != string(embedded(t, "graphiql/graphiql.min.js")) {
					t.Error("the gzip-compressed script does not decompress to the embedded file")
				}
			}
		})
	}
}

func TestConditionalRequests(t *testing.T) {
	h := Handler(Options{})
	for _, enc := range []string{"", "gzip"} {
		t.Run("encoding="+enc, func(t *testing.T) {
			hdr := map[string]string{"Accept-Encoding": enc}
			res, _ := get(t, h, http.MethodGet, "/", hdr)
			etag := res.Header.Get("ETag")
			if !strings.HasPrefix(etag, `W/"`) {
				t.Fatalf("ETag %q, want a weak tag (shared by the plain and compressed forms)", etag)
			}
			hdr["If-None-Match"] = etag
			res, body := get(t, h, http.MethodGet, "/", hdr)
			if res.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Fatalf("revalidation with the page's ETag: %d with %d bytes, want 304 and no body", res.StatusCode, len(body))
			}
		})
	}
}

func TestEndpointOption(t *testing.T) {
	tests := []struct {
		name, endpoint, want string
	}{
		{"default", "", `data-endpoint="/graphql"`},
		{"relative", "api/graphql", `data-endpoint="/api/graphql"`},
		{"cleaned", "/a/../graphql/", `data-endpoint="/graphql"`},
		{"a URL stays on this origin", "https://example.com/graphql", `data-endpoint="/https:/example.com/graphql"`},
		{"escaped", `/q"><script>alert(1)</script>`, `data-endpoint="/q&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := get(t, Handler(Options{Endpoint: tt.endpoint}), http.MethodGet, "/", nil)
			if !strings.Contains(string(body), tt.want) {
				t.Errorf("page for endpoint %q lacks %s:\n%s", tt.endpoint, tt.want, body)
			}
			if strings.Contains(string(body), "<script>alert") {
				t.Error("the endpoint was not escaped")
			}
		})
	}
}
