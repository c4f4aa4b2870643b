package playground

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"strings"
)

// gzip returns a's body gzip-compressed, compressing it on the first call
// only. Compressing per request would cost tens of milliseconds of CPU for
// GraphiQL's 1 MB script (BenchmarkServeScript), which anyone could make
// the server spend again and again; compressed once, the file costs what
// serving bytes from memory costs.
func (a *asset) gzip() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
		_, _ = zw.Write(a.body)                                  // writes to a bytes.Buffer do not fail
		_ = zw.Close()
		a.gzipped = buf.Bytes()
	})
	return a.gzipped
}

// acceptsGzip reports whether Accept-Encoding header values accept gzip
// (RFC 9110 §12.5.3): gzip (or x-gzip) with a non-zero weight, or no
// mention of it and "*" with a non-zero weight. A malformed weight counts
// as zero.
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
					if err != nil || f < 0 || f > 1 {
						f = 0
					}
					q = f
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
