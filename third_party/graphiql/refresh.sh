#!/usr/bin/env bash
# refresh.sh replaces the vendored GraphiQL files with the unmodified
# distribution files of the pinned npm packages, and records their
# checksums in SHA256SUMS (checked by `go test ./third_party/...`).
#
#   third_party/graphiql/refresh.sh            # the versions pinned below
#
# To upgrade, change a version below, run the script, run the browser test
# (go test ./test/browser/...), and commit the result in one change.
#
# Why GraphiQL 4 and React 18: graphiql@4 is the last major version that
# ships a self-contained browser build (graphiql.min.js, a UMD bundle with
# @graphiql/react, CodeMirror, graphql and graphql-ws inside) that runs
# from plain <script> tags; graphiql@5 is published only as ES modules
# that import bare package names and CSS, which need a bundler or a CDN
# that rewrites them. React 19 no longer publishes UMD builds, so React
# stays at 18 (graphiql@4 supports both).
set -euo pipefail

GRAPHIQL_VERSION=4.1.2
REACT_VERSION=18.3.1

cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# npm pack downloads the tarballs through the ordinary client and checks
# them against the registry's published integrity hashes.
(cd "$tmp" && npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null)

# take PACKAGE VERSION FILE... copies FILEs (paths inside the tarball's
# package/ directory) into ./PACKAGE/, keeping their base names.
take() {
	local pkg=$1 version=$2
	shift 2
	local dir="$tmp/$pkg"
	mkdir -p "$dir"
	tar -xzf "$tmp/$pkg-$version.tgz" -C "$dir"
	rm -rf "./$pkg"
	mkdir -p "./$pkg"
	for f in "$@"; do
		cp "$dir/package/$f" "./$pkg/"
	done
}

take graphiql "$GRAPHIQL_VERSION" graphiql.min.js graphiql.min.css LICENSE
take react "$REACT_VERSION" umd/react.production.min.js LICENSE
take react-dom "$REACT_VERSION" umd/react-dom.production.min.js LICENSE

{
	echo "graphiql $GRAPHIQL_VERSION"
	echo "react $REACT_VERSION"
	echo "react-dom $REACT_VERSION"
} >VERSIONS

find graphiql react react-dom -type f | LC_ALL=C sort | xargs sha256sum >SHA256SUMS
echo "vendored: $(tr '\n' ' ' <VERSIONS)"
