package testkit

import "sync"

// AtOnce runs f(0) … f(n-1) on n goroutines released together, so that
// they contend, and returns their results and errors by index.
func AtOnce[T any](n int, f func(i int) (T, error)) ([]T, []error) {
	results := make([]T, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return results, errs
}
