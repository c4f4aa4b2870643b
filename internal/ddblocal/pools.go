package ddblocal

import (
	"sync"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
)

// Response buffer sizes. Most read responses (an item, a page of ten, a
// batch of 25 small items) fit in the initial size; buffers that grew past
// the cap are left to the garbage collector so one large Scan page does
// not stay pinned.
const (
	respBufInitial = 8 << 10
	respBufMaxKept = 256 << 10
)

// bufferPool recycles the response buffers of the hot-path encoders. The
// read paths build their JSON replies in one buffer; before the pool each
// reply allocated it afresh and grew it once or twice (the largest single
// allocation site of a 25-key BatchGetItem), which in a process shared with
// its clients also means more garbage-collection cycles for them.
type bufferPool struct{ p sync.Pool }

// get returns an empty buffer with at least respBufInitial capacity.
func (bp *bufferPool) get() []byte {
	if b, ok := bp.p.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, respBufInitial)
}

// put returns b to the pool unless it is too small or too large to be
// worth keeping. The caller must not use b afterwards.
func (bp *bufferPool) put(b []byte) {
	if cap(b) < respBufInitial || cap(b) > respBufMaxKept {
		return
	}
	bp.p.Put(&b)
}

// pairPool recycles the slices that BatchGetItem's request keys are
// decoded into: 25 two-attribute keys are 50 pairs of 144 bytes, the
// largest allocation of the call before it was pooled.
type pairPool struct{ p sync.Pool }

// pairsMaxKept bounds the pairs kept: 100 keys of two attributes.
const pairsMaxKept = 2 * maxBatchGetKeys

// get returns an empty slice of pairs.
func (pp *pairPool) get() []attr.NamedValue {
	if b, ok := pp.p.Get().(*[]attr.NamedValue); ok {
		return (*b)[:0]
	}
	return make([]attr.NamedValue, 0, 64)
}

// put clears pairs, so the pool holds no request data, and keeps it for
// reuse unless it grew past pairsMaxKept.
func (pp *pairPool) put(pairs []attr.NamedValue) {
	if cap(pairs) == 0 || cap(pairs) > pairsMaxKept {
		return
	}
	clear(pairs)
	pairs = pairs[:0]
	pp.p.Put(&pairs)
}
