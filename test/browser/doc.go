// Package browser tests what a person meets first: the GraphiQL playground
// at "/", loaded in headless Chromium from the real server (test/testkit),
// used as a person would use it — type a query, run it, read the result,
// open the documentation — while every request the page makes is watched,
// so that a single request to another origin (a CDN, a font host) fails
// the test.
//
// Chromium comes from Debian (apt-get install chromium); .ci/run installs
// it, and the tests skip only on a machine without it, never in CI. A
// screenshot of the playground is written to $HUBSTREAM_SCREENSHOT_DIR,
// or to the test's temporary directory.
package browser
