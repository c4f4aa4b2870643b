package table

// NewClientsFromConfig exposes newClients to the external tests: clients
// of an AWS configuration the test builds (a failing credentials
// provider, say).
var NewClientsFromConfig = newClients
