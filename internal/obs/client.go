package obs

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// The access log names the client of every request (review 2, F-low-10:
// refusals and token guessing could not be attributed): remote_addr, the
// TCP peer, always; and client_ip, the address a trusted proxy says it
// forwarded for, only when the peer is one of HTTPOptions.TrustedProxies —
// X-Forwarded-For from anyone else is the client's own claim and is not
// logged as its address.

// ParseTrustedProxies parses a comma-separated list of IP addresses and
// CIDR prefixes (the server's --trusted-proxies). It returns an error
// naming the first entry that is neither; an empty list is none.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an IP address or a CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// trusted reports whether a is in one of prefixes.
func trusted(prefixes []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedClient returns the client address of r as the trusted proxies
// in front of the server report it: when r's peer is trusted, the right-
// most X-Forwarded-For entry that is not itself a trusted proxy (entries
// further left were written by the client and prove nothing); "" when
// the peer is not trusted or says nothing usable.
func forwardedClient(r *http.Request, prefixes []netip.Prefix) string {
	if len(prefixes) == 0 {
		return ""
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !trusted(prefixes, peer) {
		return ""
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return "" // a malformed hop: nothing to the left of it can be trusted
		}
		if !trusted(prefixes, a) {
			return a.Unmap().String()
		}
	}
	return ""
}
