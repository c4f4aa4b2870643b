package playground

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hubstream/hubstream/third_party/graphiql"
)

//go:embed static
var static embed.FS

// Options configure the playground. The zero value serves a playground for
// the endpoint at /graphql.
type Options struct {
	// Endpoint is the path of the GraphQL endpoint on the page's own
	// origin; subscriptions use the same path over WebSocket. It is
	// cleaned and always read as a path on that origin (a URL's scheme and
	// host become path segments), since the page may not talk to another
	// origin. Default "/graphql".
	Endpoint string
}

// AssetPrefix is the path under which the page's scripts, styles and icon
// are served, followed by a version segment and the file's name.
const AssetPrefix = "/playground/"

// csp is the page's Content-Security-Policy: scripts, styles, images,
// fonts and connections (fetch and WebSocket) from the page's own origin
// only, no plugins, frames or forms. GraphiQL's components set inline
// styles, hence 'unsafe-inline' for styles (never for scripts).
const csp = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is one file the playground serves, and its gzip form, made on
// first use (see encoding.go).
type asset struct {
	body        []byte
	contentType string
	etag        string

	gzipOnce sync.Once
	gzipped  []byte
}

// Handler returns the playground's handler, to be mounted at "/" (it
// answers only the paths below, so more specific routes such as /graphql
// stay with their own handlers):
//
//   - GET / — the GraphiQL page;
//   - GET /favicon.ico — the icon, for clients that ask for it by that name;
//   - GET /playground/{version}/{file} — GraphiQL, React, the page's script,
//     style and icon, cacheable for a year: version changes whenever any of
//     them does, and an outdated version is answered 404 rather than with
//     content that does not match it.
//
// Everything else is 404, and methods other than GET and HEAD are 405.
// Handler reads the embedded files once; it panics only if they are broken,
// which is a build defect that every test of this package would show.
// Clients that accept gzip get each file compressed once, on first use, and
// served from memory after that. ETags are weak, which lets the compressed
// and plain forms of a file share one (RFC 9110 §8.8.1), so conditional
// requests work either way.
func Handler(opts Options) http.Handler {
	endpoint := opts.Endpoint
	if endpoint == "" {
		endpoint = "/graphql"
	}
	endpoint = path.Clean("/" + strings.TrimLeft(endpoint, "/"))

	assets, version := loadAssets()
	base := strings.TrimSuffix(AssetPrefix, "/") + "/" + version
	page := renderPage(base, endpoint)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		// Revalidated on every load, so a new build's page (and with it
		// the new asset version) is picked up at once.
		h.Set("Cache-Control", "no-cache")
		serve(w, r, page)
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		serve(w, r, assets["favicon.svg"])
	})
	mux.HandleFunc("GET "+AssetPrefix+"{version}/{file...}", func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[r.PathValue("file")]
		if !ok || r.PathValue("version") != version {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		serve(w, r, a)
	})
	return mux
}

// serve writes a, gzip-compressed when the client accepts it, with its
// validators; http.ServeContent answers HEAD, conditional and range
// requests (ranges of the representation it sends).
func serve(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", a.etag)
	h.Add("Vary", "Accept-Encoding")
	body := a.body
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		if gz := a.gzip(); len(gz) < len(body) {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// loadAssets reads the vendored GraphiQL distribution and the page's own
// files into memory, keyed by the name the page uses, and returns them
// with a version that changes whenever any of them does.
func loadAssets() (map[string]*asset, string) {
	assets := map[string]*asset{}
	add := func(fsys fs.FS, root string) {
		err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
			if name == "page.html" {
				return nil // rendered, not served as is
			}
			body, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			assets[name] = &asset{body: body, contentType: contentType(name), etag: weakETag(body)}
			return nil
		})
		if err != nil {
			// Embedded files are part of the binary; failing to read them
			// is a build defect, not a runtime condition.
			panic(fmt.Sprintf("playground: embedded files: %v", err))
		}
	}
	add(graphiql.FS, ".")
	add(static, "static")

	names := make([]string, 0, len(assets))
	for name := range assets {
		names = append(names, name)
	}
	// Sorted, so the version depends only on the files.
	slices.Sort(names)
	h := sha256.New()
	for _, name := range names {
		fmt.Fprintf(h, "%s %s\n", name, assets[name].etag)
	}
	return assets, hex.EncodeToString(h.Sum(nil))[:12]
}

// contentType names the media type of an embedded file by its extension;
// files without one (LICENSE, VERSIONS, SHA256SUMS) are plain text.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".html":
		return "text/html; charset=utf-8"
	default:
		return "text/plain; charset=utf-8"
	}
}

// pageTemplate is static/page.html; html/template escapes the endpoint
// for the attribute it goes into.
var pageTemplate = template.Must(template.ParseFS(static, "static/page.html"))

// renderPage renders the GraphiQL page for assets under base and the
// GraphQL endpoint at endpoint.
func renderPage(base, endpoint string) *asset {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, struct{ Base, Endpoint string }{base, endpoint}); err != nil {
		panic(fmt.Sprintf("playground: page template: %v", err))
	}
	return &asset{body: buf.Bytes(), contentType: contentType(".html"), etag: weakETag(buf.Bytes())}
}

// weakETag is a weak entity tag of body: the first 128 bits of its SHA-256.
func weakETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `W/"` + hex.EncodeToString(sum[:16]) + `"`
}
