// Package stackgrow grows the calling goroutine's stack in one step before
// deep work.
//
// A goroutine starts with a small stack and doubles it each time a call
// overflows it; every doubling copies the stack and walks all of its
// frames to adjust their pointers. A DynamoDB call through the AWS SDK is
// about a hundred frames deep (the middleware stack, then the embedded
// engine and its storage), and the goroutines that make them are fresh
// ones (a loader's batch, a resolver gqlgen starts per field), so each
// call used to pay four or five doublings with ever deeper stacks to walk:
// 16 % of a repository page's CPU in hubbench's profile
// (docs/benchmarks.md). Growing once, while the stack is still shallow,
// costs one copy of a few frames.
package stackgrow

// Size is how much stack Grow makes room for: more than a DynamoDB call
// through the SDK and the embedded engine uses, measured with hubbench.
const Size = 32 << 10

// Grow makes the calling goroutine's stack at least Size bytes deep, in
// one growth if it is smaller (a no-op apart from clearing Size bytes if
// it is already that large). It has no other effect.
//
//go:noinline
func Grow() {
	// A frame of Size bytes: the runtime grows the stack once to fit it
	// (doubling until it does) rather than once per doubling later.
	var buf [Size]byte
	keep(buf[:])
}

// keep uses b so that the compiler keeps Grow's frame.
//
//go:noinline
func keep(b []byte) { _ = b }
