// Package playground serves hubstream's GraphQL IDE: GraphiQL (the
// vendored, unmodified npm build in third_party/graphiql) with a small
// set-up script of its own, all embedded in the binary, so the page works
// on a machine with no internet and no request ever leaves the server's
// origin (its Content-Security-Policy says so to the browser as well).
//
// The page gives GraphiQL a fetcher for the GraphQL endpoint over HTTP
// and, for subscriptions, over WebSocket (graphql-transport-ws, at the same
// path), the schema's documentation explorer, a query history, a welcome
// query that runs without signing in, and a Headers editor opened with a
// bearer-token hint. Headers are kept out of the browser's storage unless
// the user turns "persist headers" on in GraphiQL's settings, so a token
// pasted into the editor does not outlive the tab (see static/playground.js).
//
// The browser test in test/browser loads the page in headless Chromium
// from the real server and fails on any request to another origin.
package playground
