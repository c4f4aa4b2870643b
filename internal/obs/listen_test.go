package obs_test

import (
	"net"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/obs"
)

// TestListenMetrics: a default metrics address whose port is taken
// (another server or projector on the host) moves on to another loopback
// port; an explicit one is an error, as is an address without a port.
func TestListenMetrics(t *testing.T) {
	first, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	taken := first.Addr().String()
	cases := []struct {
		name     string
		addr     string
		explicit bool
		wantErr  bool
	}{
		{"default port taken", taken, false, false},
		{"explicit port taken", taken, true, true},
		{"default address without a port", "127.0.0.1", false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ln, err := obs.ListenMetrics(c.addr, c.explicit)
			if c.wantErr {
				if err == nil {
					ln.Close()
					t.Fatalf("listening on %s succeeded", c.addr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			if ln.Addr().String() == taken || !strings.HasPrefix(ln.Addr().String(), "127.0.0.1:") {
				t.Errorf("second listener on %s (first on %s)", ln.Addr(), taken)
			}
		})
	}
}
