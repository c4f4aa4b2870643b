package playground

import "testing"

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   bool
	}{
		{"absent", nil, false},
		{"empty", []string{""}, false},
		{"gzip", []string{"gzip"}, true},
		{"browser", []string{"gzip, deflate, br, zstd"}, true},
		{"case and spaces", []string{" GZip ;  Q=0.5 "}, true},
		{"x-gzip", []string{"x-gzip"}, true},
		{"refused", []string{"gzip;q=0"}, false},
		{"refused with decimals", []string{"gzip;q=0.000"}, false},
		{"identity only", []string{"identity"}, false},
		{"other codings", []string{"br, zstd"}, false},
		{"star", []string{"*"}, true},
		{"star refused", []string{"*;q=0"}, false},
		{"gzip refused despite star", []string{"*, gzip;q=0"}, false},
		{"gzip despite star refused", []string{"*;q=0, gzip"}, true},
		{"over several header lines", []string{"br", "gzip;q=0.1"}, true},
		{"malformed weight", []string{"gzip;q=high"}, false},
		{"weight out of range", []string{"gzip;q=2"}, false},
		{"other parameters", []string{"gzip;level=9"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := acceptsGzip(tt.values); got != tt.want {
				t.Errorf("acceptsGzip(%q) = %v, want %v", tt.values, got, tt.want)
			}
		})
	}
}

// FuzzAcceptsGzip: any header value is answered without a panic.
func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0", "*;q=0.5, br", ";;,,;q=", "gzip;q=1e309"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = acceptsGzip([]string{s})
	})
}
