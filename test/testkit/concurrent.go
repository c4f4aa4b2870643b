package testkit

import "sync"

// Concurrently calls f(0) … f(n-1), each in its own goroutine, released
// together by one start signal so that they race, and returns when every
// call has returned. f must not call t.Fatal (it runs off the test's
// goroutine): it records what went wrong for the test to report after.
func Concurrently(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// AtOnce is Concurrently for calls with a result: it returns each call's
// result and error by index.
func AtOnce[T any](n int, f func(i int) (T, error)) ([]T, []error) {
	results := make([]T, n)
	errs := make([]error, n)
	Concurrently(n, func(i int) { results[i], errs[i] = f(i) })
	return results, errs
}
