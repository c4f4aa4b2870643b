package obs_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hubstream/hubstream/internal/obs"
)

// TestAccessLogNamesTheClient (review 2, F-low-10): every access line has
// remote_addr; client_ip comes from X-Forwarded-For only when the peer
// is a trusted proxy, as the rightmost hop that is not one.
func TestAccessLogNamesTheClient(t *testing.T) {
	proxies, err := obs.ParseTrustedProxies("10.0.0.0/8, 192.168.1.5")
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, tc := range []struct {
		name, peer, xff string
		proxies         bool
		wantClient      string // "": no client_ip
	}{
		{"no proxy configured", "203.0.113.7:5000", "198.51.100.1", false, ""},
		{"an untrusted peer's claim", "203.0.113.7:5000", "198.51.100.1", true, ""},
		{"a trusted proxy", "10.1.2.3:443", "198.51.100.1", true, "198.51.100.1"},
		{"a trusted single address", "192.168.1.5:443", "198.51.100.1", true, "198.51.100.1"},
		{"a spoofed hop left of the real one", "10.1.2.3:443", "1.1.1.1, 198.51.100.1", true, "198.51.100.1"},
		{"a chain of trusted proxies", "10.1.2.3:443", "198.51.100.1, 10.9.9.9", true, "198.51.100.1"},
		{"a malformed hop", "10.1.2.3:443", "nonsense", true, ""},
		{"no header", "10.1.2.3:443", "", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			req.RemoteAddr = tc.peer
			if tc.xff != "" {
				req.Header.Set("X-Forwarded-For", tc.xff)
			}
			o := obs.HTTPOptions{}
			if tc.proxies {
				o.TrustedProxies = proxies
			}
			_, line := accessLine(t, o, ok, req)
			if line["remote_addr"] != tc.peer {
				t.Errorf("remote_addr = %v, want %s", line["remote_addr"], tc.peer)
			}
			got, has := line["client_ip"]
			if tc.wantClient == "" && has || tc.wantClient != "" && got != tc.wantClient {
				t.Errorf("client_ip = %v, want %q", got, tc.wantClient)
			}
		})
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0"} {
		t.Run("refused "+bad, func(t *testing.T) {
			if _, err := obs.ParseTrustedProxies(bad); err == nil {
				t.Fatalf("accepted %q", bad)
			}
		})
	}
}
