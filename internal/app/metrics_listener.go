package app

import (
	"net"
	"strconv"
)

// DefaultMetricsAddr is the server's default metrics listener: loopback,
// because metrics tell operation names and error rates, and a port apart
// from the projector's 9090–9099.
const DefaultMetricsAddr = "127.0.0.1:9080"

// listenMetrics listens on addr. When addr is not explicit (the default)
// and its port is taken — another server on this host — it tries the next
// nine ports, then any free one on the same host, so that several servers
// on one host start without a clash; the log line at start says which.
// An explicit address that cannot be bound is an error.
func listenMetrics(addr string, explicit bool) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil || explicit {
		return ln, err
	}
	host, portText, splitErr := net.SplitHostPort(addr)
	port, convErr := strconv.Atoi(portText)
	if splitErr != nil || convErr != nil {
		return nil, err
	}
	for p := port + 1; p <= port+9; p++ {
		if ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p))); err == nil {
			return ln, nil
		}
	}
	return net.Listen("tcp", net.JoinHostPort(host, "0"))
}
