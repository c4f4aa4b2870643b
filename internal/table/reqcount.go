package table

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// RequestCounter is an aws.HTTPClient that counts DynamoDB and DynamoDB
// Streams requests by operation (from the X-Amz-Target header) before
// passing them on. Tests and benchmarks use it to hold access patterns to
// their request budgets.
type RequestCounter struct {
	next   aws.HTTPClient
	mu     sync.Mutex
	counts map[string]int
}

// NewRequestCounter wraps next.
func NewRequestCounter(next aws.HTTPClient) *RequestCounter {
	return &RequestCounter{next: next, counts: map[string]int{}}
}

// Do counts req and sends it with the wrapped client.
func (c *RequestCounter) Do(req *http.Request) (*http.Response, error) {
	op := req.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(op, '.'); i >= 0 {
		op = op[i+1:]
	}
	c.mu.Lock()
	c.counts[op]++
	c.mu.Unlock()
	return c.next.Do(req)
}

// Counts returns a copy of the counts by operation name.
func (c *RequestCounter) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// Total returns the number of requests of the given operations, or of all
// operations when none are named.
func (c *RequestCounter) Total(ops ...string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	if len(ops) == 0 {
		for _, v := range c.counts {
			n += v
		}
		return n
	}
	for _, op := range ops {
		n += c.counts[op]
	}
	return n
}

// Reset zeroes every count.
func (c *RequestCounter) Reset() {
	c.mu.Lock()
	c.counts = map[string]int{}
	c.mu.Unlock()
}

// String lists the counts, sorted by operation.
func (c *RequestCounter) String() string {
	counts := c.Counts()
	ops := make([]string, 0, len(counts))
	for op := range counts {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var b strings.Builder
	for i, op := range ops {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(op)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(counts[op]))
	}
	return b.String()
}
