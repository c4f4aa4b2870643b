package ddblocal

// dueHeap is a min-heap (for container/heap) of entries by the time each
// is due; the expiry queues of client request tokens and of TTL marks are
// two.
type dueHeap[T interface{ dueAt() int64 }] []T

func (h dueHeap[T]) Len() int           { return len(h) }
func (h dueHeap[T]) Less(i, j int) bool { return h[i].dueAt() < h[j].dueAt() }
func (h dueHeap[T]) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap[T]) Push(x any)        { *h = append(*h, x.(T)) }
func (h *dueHeap[T]) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
