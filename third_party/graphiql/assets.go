// Package graphiql embeds the browser build of GraphiQL, the GraphQL IDE,
// and the React it runs on: the unmodified distribution files of the npm
// packages named in VERSIONS, copied by refresh.sh, with their licenses.
// internal/playground serves them; nothing here is hubstream's code.
package graphiql

import "embed"

// FS holds graphiql/graphiql.min.js, graphiql/graphiql.min.css,
// react/react.production.min.js, react-dom/react-dom.production.min.js
// and each package's LICENSE, under the paths SHA256SUMS lists.
//
//go:embed graphiql react react-dom SHA256SUMS VERSIONS
var FS embed.FS
