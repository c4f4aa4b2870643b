package app

// DefaultMetricsAddr is the server's default metrics listener: loopback,
// because metrics tell operation names and error rates, and a port apart
// from the projector's 9090–9099.
const DefaultMetricsAddr = "127.0.0.1:9080"
