package main

import (
	"net"
	"net/http"
	"strings"
)

// hostGuard protects the engine from DNS rebinding: a web page on
// evil.example whose name the attacker re-points at 127.0.0.1 can make
// the visitor's browser send requests to the engine — which has no
// authentication — with Host: evil.example. The guard answers only
// requests whose Host is a loopback name or address (localhost,
// 127.0.0.0/8, ::1) or one of allowed (--allowed-hosts); other hosts get
// 403. It applies while ddblocal listens on a loopback address, and on
// any address once allowed names a host: in a container ddblocal listens
// on 0.0.0.0 while the host publishes it on its loopback, so compose
// passes its service names (review 2, F-MED-7). Only a non-loopback
// listener without --allowed-hosts accepts every Host.
func hostGuard(listen net.Addr, allowed []string, next http.Handler) http.Handler {
	ok2 := map[string]bool{}
	for _, h := range allowed {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			ok2[h] = true
		}
	}
	tcp, isTCP := listen.(*net.TCPAddr)
	if len(ok2) == 0 && (!isTCP || !tcp.IP.IsLoopback()) {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) && !ok2[strings.ToLower(hostOnly(r.Host))] {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","message":"ddblocal answers only requests for localhost, a loopback address or a name listed with --allowed-hosts (a Host header naming another site is how a web page would reach it)"}`))
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
