package playground

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkServeScript serves GraphiQL's script (1 MB) the way a browser
// asks for it on a first visit, compressed and not. With gzhttp compressing
// every response it cost 17–35 ms of CPU per gzip request (load 11 on two
// cores); compressed once (encoding.go), a request costs what copying the
// bytes costs. Run: go test -bench ServeScript -benchmem ./internal/playground/
func BenchmarkServeScript(b *testing.B) {
	h := Handler(Options{})
	_, version := loadAssets()
	path := AssetPrefix + version + "/graphiql/graphiql.min.js"
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			var wire int
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Accept-Encoding", enc)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
				wire = rec.Body.Len()
			}
			b.ReportMetric(float64(wire), "wire-bytes")
		})
	}
}
