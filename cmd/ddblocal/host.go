package main

import (
	"net"
	"net/http"
	"strings"
)

// hostGuard protects a loopback listener from DNS rebinding: a web page
// on evil.example whose name the attacker re-points at 127.0.0.1 can make
// the visitor's browser send requests to the engine — which has no
// authentication — with Host: evil.example. While ddblocal listens on a
// loopback address it answers only requests whose Host is a loopback
// name or address (localhost, 127.0.0.0/8, ::1) or one of allowed
// (--allowed-hosts); other hosts get 403. On any other address (given
// with --addr, e.g. :8000 in a container) the operator chose to serve the
// network, and every Host is accepted.
func hostGuard(listen net.Addr, allowed []string, next http.Handler) http.Handler {
	tcp, ok := listen.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return next
	}
	ok2 := map[string]bool{}
	for _, h := range allowed {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			ok2[h] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) && !ok2[strings.ToLower(hostOnly(r.Host))] {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","message":"ddblocal listens on loopback and answers only requests for localhost or a loopback address (a Host header naming another site is how a web page would reach it); list other names with --allowed-hosts"}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostOnly is host without its port.
func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
}

// loopbackHost reports whether a Host header names this machine's
// loopback: localhost (or a name under .localhost, which resolves to
// loopback by RFC 6761), or a loopback IP literal.
func loopbackHost(host string) bool {
	h := strings.ToLower(hostOnly(host))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
