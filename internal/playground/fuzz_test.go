package playground

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzHandler requests arbitrary paths: the handler never panics, answers
// only with the statuses it documents, and whatever it serves is the page
// or one of its assets.
func FuzzHandler(f *testing.F) {
	h := Handler(Options{})
	_, version := loadAssets()
	for _, seed := range []string{
		"/", "/favicon.ico", AssetPrefix + version + "/playground.js", AssetPrefix + version + "/graphiql/LICENSE",
		AssetPrefix + version + "/../../go.mod", AssetPrefix + "x/%2e%2e/static/page.html", "//", "/%00", "/playground/",
	} {
		f.Add(seed)
	}
	served := map[string]bool{}
	assets, _ := loadAssets()
	for _, a := range assets {
		served[string(a.body)] = true
	}
	f.Fuzz(func(t *testing.T, path string) {
		u, err := url.Parse(path)
		if err != nil || !strings.HasPrefix(u.Path, "/") || u.Host != "" || u.Scheme != "" {
			return // not a request path a client could send
		}
		req, err := http.NewRequest(http.MethodGet, "http://example.test"+u.RequestURI(), nil)
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			body := rec.Body.String()
			if !served[body] && !strings.Contains(body, `id="graphiql"`) {
				t.Fatalf("GET %q served %d bytes that are neither the page nor an asset", path, len(body))
			}
		case http.StatusNotFound, http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		default:
			t.Fatalf("GET %q: status %d", path, rec.Code)
		}
	})
}
